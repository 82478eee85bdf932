#!/usr/bin/env bash
# Instructions and system calls per request, ignis beside nginx, counted by callgrind: free
# of machine noise, so this is the figure to watch for regressions.
#
#   bench/callgrind.sh [--requests N] [--connections C] [--depth D] [--path P] [--build DIR]
#
# Each server runs under callgrind twice, serving N and then 2N requests from
# build/bin/request_loop (C keep-alive connections, D requests in flight on each); the
# difference of the two totals, divided by N, is the cost of N requests alone, without
# start-up, accepting or shutting down. Syscalls are callgrind's count of system calls made
# (it does not see the kernel's work, so they are printed beside the instructions).
set -euo pipefail
cd "$(dirname "$0")/.."

requests=10000 connections=4 depth=1 path=/plaintext build=build
while [ $# -gt 0 ]; do
  case "$1" in
    --requests) requests=$2; shift 2;;
    --connections) connections=$2; shift 2;;
    --depth) depth=$2; shift 2;;
    --path) path=$2; shift 2;;
    --build) build=$2; shift 2;;
    *) echo "usage: $0 [--requests N] [--connections C] [--depth D] [--path P] [--build DIR]" >&2; exit 2;;
  esac
done
for tool in valgrind callgrind_annotate nginx; do
  command -v "$tool" >/dev/null || { echo "callgrind.sh: $tool is missing (apt-get install valgrind nginx-light)" >&2; exit 1; }
done
[ -x "$build/bin/bench_server" ] && [ -x "$build/bin/request_loop" ] ||
  { echo "callgrind.sh: build bench_server and request_loop first (scripts/build.sh)" >&2; exit 1; }

work=$(mktemp -d /tmp/ignis-callgrind.XXXXXX)
server_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 600); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "callgrind.sh: nothing listens on $1" >&2; return 1
}

# totals NAME COUNT COMMAND...: runs COMMAND (with PORT set) under callgrind serving COUNT
# requests; prints "instructions syscalls".
totals() {
  local name=$1 count=$2; shift 2
  local port; port=$(free_port)
  local dir="$work/$name-$count"; mkdir -p "$dir/tmp"
  local cmd=("${@//PORT/$port}"); cmd=("${cmd[@]//DIR/$dir}")
  sed -e 's/WORKERS/1/' -e "s/LISTEN_PORT/$port/" bench/nginx/bench.conf >"$dir/nginx.conf"  # for nginx
  valgrind --tool=callgrind --collect-systime=yes --callgrind-out-file="$dir/cg.%p" \
    --log-file="$dir/valgrind.log" "${cmd[@]}" >"$dir/server.log" 2>&1 &
  server_pid=$!
  wait_port "$port"
  "$build/bin/request_loop" "$port" "$count" "$connections" "$depth" "$path"
  kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=
  # One file per process: the events of every one summed (nginx without a master: one).
  cat "$dir"/cg.* | awk '/^summary:/ { ir += $2; sys += $3 } END { print ir, sys }'
}

# per_request NAME COMMAND...: instructions and syscalls per request.
per_request() {
  local name=$1; shift
  read -r ir1 sys1 < <(totals "$name" "$requests" "$@")
  read -r ir2 sys2 < <(totals "$name" $((2 * requests)) "$@")
  awk -v a="$ir1" -v b="$ir2" -v s="$sys1" -v t="$sys2" -v n="$requests" \
    'BEGIN { printf "%.0f %.2f\n", (b - a) / n, (t - s) / n }'
}

echo "callgrind: $requests requests over $connections keep-alive connections, $depth in flight each, GET $path"
printf '%-16s %14s %14s %10s\n' server instr/request syscalls/req "vs nginx"
# nginx as one process (no master), so that callgrind sees all of its work.
read -r nginx_ir nginx_sys < <(per_request nginx nginx -p DIR/ -c DIR/nginx.conf -g 'daemon off; master_process off;')
printf '%-16s %14s %14s %10s\n' nginx "$nginx_ir" "$nginx_sys" 1.00x
for backend in io_uring epoll; do
  read -r ir sys < <(per_request "ignis-$backend" "$build/bin/bench_server" --threads 1 --backend "$backend" --port PORT)
  printf '%-16s %14s %14s %9.2fx\n' "ignis $backend" "$ir" "$sys" "$(awk -v a="$nginx_ir" -v b="$ir" 'BEGIN { print a / b }')"
done
