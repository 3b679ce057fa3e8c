#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, only those missing.
# With --bench, also what the benchmarks use: nginx (a keep-alive front for
# moto), gnuplot (the concurrency plot), Node.js and npm (the JS SDK peer).
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config clang-format clang libclang-rt-14-dev gcovr
  iproute2 util-linux python3
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev openssl libspdlog-dev doctest-dev libcli11-dev libbenchmark-dev
)
if [[ ${1:-} == --bench ]]; then
  packages+=(nginx-light gnuplot-nox time)
  command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  if [[ $(id -u) -eq 0 ]]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  elif command -v sudo >/dev/null; then
    echo "deps: not root; using sudo for apt-get"
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "deps: missing packages and not root (no sudo): install as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

# The integration tests run against a local moto server (Python package moto).
if ! command -v moto_server >/dev/null 2>&1; then
  echo "deps: moto_server not found; install the Python package 'moto[server]' (the tests need it)" >&2
  exit 1
fi
