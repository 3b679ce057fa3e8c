# Sourced by the scripts that start a local server (moto, the keep-alive front).

# Prints a free loopback TCP port.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for_port NAME PORT PID LOG: returns once something accepts on
# 127.0.0.1:PORT; fails loudly (with LOG) if PID exits first or after 20 s.
wait_for_port() {
  local name=$1 port=$2 pid=$3 log=$4
  for _ in $(seq 1 200); do
    if python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$name exited before listening on port $port; log:" >&2
      cat "$log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "$name did not listen on port $port within 20 s; log:" >&2
  cat "$log" >&2
  return 1
}
