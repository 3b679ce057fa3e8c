#!/usr/bin/env bash
# Runs a command with nginx in front of $AWS_ENDPOINT_URL (a moto server):
# nginx keeps client connections alive, as AWS does, while moto closes every
# connection. The command sees AWS_ENDPOINT_URL pointing at nginx; the
# original stays in MOTO_ENDPOINT_URL. For benchmarks only: what a client pays
# per request over a kept-alive connection, which moto alone cannot show.
# Usage: bench/keepalive-front.sh COMMAND [ARGS...]   (inside scripts/with-moto.sh)
set -euo pipefail
: "${AWS_ENDPOINT_URL:?run inside scripts/with-moto.sh}"
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $nginx_bin ]] || { echo "keepalive-front: nginx not found (Debian package nginx-light)" >&2; exit 1; }
dir=$(mktemp -d -t janitor-front.XXXXXX)
source "$(dirname "$0")/../scripts/lib/ports.sh"
port=$(free_port)
upstream=${AWS_ENDPOINT_URL#http://}
cat >"$dir/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  client_max_body_size 2m;
  server {
    listen 127.0.0.1:$port;
    location / {
      proxy_pass http://$upstream;
      proxy_set_header Host \$http_host;  # the signed Host, unchanged
      proxy_read_timeout 120s;
    }
  }
}
CONF
"$nginx_bin" -p "$dir" -c "$dir/nginx.conf" &
front_pid=$!
trap 'kill $front_pid 2>/dev/null; wait $front_pid 2>/dev/null; rm -rf "$dir"' EXIT
wait_for_port nginx "$port" "$front_pid" "$dir/error.log"
export MOTO_ENDPOINT_URL=$AWS_ENDPOINT_URL
export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
"$@"
