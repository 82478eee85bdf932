#!/usr/bin/env bash
# Instructions and system calls per request, ignis (both backends) beside nginx, counted by
# callgrind: free of machine noise, so this is the figure to watch for regressions.
#
#   bench/callgrind.sh [--requests N] [--connections C] [--scenarios LIST] [--servers LIST]
#                      [--build DIR] [--echo-body FILE] [--keep DIR]
#
# Scenarios (the peers harness's, ../shared/peers/README.md): plaintext, json, echo (POST of
# a ~1 KB JSON body), route (GET /api/users/123/posts/456 among 50 routes), pipeline (16
# requests per write). Servers: io_uring, epoll (bench_server --threads 1 with that
# backend), nginx (one process, bench/nginx/bench.conf: plaintext, json and pipeline only).
#
# Each server starts once under callgrind with counting off. For each scenario,
# build/bin/request_loop warms it up (500 requests), counting is switched on and zeroed,
# N requests go out over C keep-alive connections one at a time (or one batch of 16 at a
# time), and the counts are dumped: start-up, accepting and shutting down are never in the
# figure. Syscalls are callgrind's count of system calls made (it does not see the
# kernel's work, so they are printed beside the instructions).
set -euo pipefail
cd "$(dirname "$0")/.."

requests=10000 connections=4 build=build keep=
scenarios=plaintext,json,echo,route,pipeline
servers=io_uring,epoll,nginx
echo_body=../shared/peers/bodies/echo.json
while [ $# -gt 0 ]; do
  case "$1" in
    --requests) requests=$2; shift 2;;
    --connections) connections=$2; shift 2;;
    --scenarios) scenarios=$2; shift 2;;
    --servers) servers=$2; shift 2;;
    --build) build=$2; shift 2;;
    --echo-body) echo_body=$2; shift 2;;
    --keep) keep=$2; shift 2;;
    *) sed -n '2,8p' "$0" >&2; exit 2;;
  esac
done
for tool in valgrind vgdb python3; do
  command -v "$tool" >/dev/null || { echo "callgrind.sh: $tool is missing (apt-get install valgrind)" >&2; exit 1; }
done
[ -x "$build/bin/bench_server" ] && [ -x "$build/bin/request_loop" ] ||
  { echo "callgrind.sh: build bench_server and request_loop first (scripts/build.sh)" >&2; exit 1; }

work=${keep:-$(mktemp -d /tmp/ignis-callgrind.XXXXXX)}
mkdir -p "$work"
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    # Under valgrind an io_uring server may never see its wake-up: do not wait long.
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}
trap 'cleanup; [ -n "$keep" ] || rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 1200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "callgrind.sh: nothing listens on $1" >&2; return 1
}

# loop PORT COUNT SCENARIO: COUNT requests of the scenario.
loop() {
  local port=$1 count=$2
  case "$3" in
    plaintext) "$build/bin/request_loop" "$port" "$count" "$connections" 1 /plaintext;;
    json) "$build/bin/request_loop" "$port" "$count" "$connections" 1 /json;;
    route) "$build/bin/request_loop" "$port" "$count" "$connections" 1 /api/users/123/posts/456;;
    pipeline) "$build/bin/request_loop" "$port" "$count" "$connections" 16 /plaintext;;
    echo) "$build/bin/request_loop" "$port" "$count" "$connections" 1 /api/echo "$echo_body";;
  esac
}

serves() {  # server scenario
  case "$1:$2" in
    nginx:echo|nginx:route) return 1;;
    *:echo) [ -r "$echo_body" ] || return 1;;
  esac
  return 0
}

# measure NAME: runs the server under callgrind and prints one line per scenario.
measure() {
  local name=$1 port dir; port=$(free_port); dir="$work/$name"; mkdir -p "$dir/tmp"
  local cmd
  case "$name" in
    nginx)
      command -v nginx >/dev/null || { echo "callgrind.sh: nginx is missing (apt-get install nginx-light)" >&2; return 0; }
      sed -e 's/WORKERS/1/' -e "s/LISTEN_PORT/$port/" bench/nginx/bench.conf >"$dir/nginx.conf"
      cmd=(nginx -p "$dir/" -c "$dir/nginx.conf" -g 'daemon off; master_process off;');;
    *) cmd=("$build/bin/bench_server" --threads 1 --backend "$name" --port "$port");;
  esac
  valgrind --tool=callgrind --instr-atstart=no --collect-systime=yes --vgdb=yes --vgdb-prefix="$dir/vgdb" \
    --callgrind-out-file="$dir/cg.out" --log-file="$dir/valgrind.log" "${cmd[@]}" >"$dir/server.log" 2>&1 &
  server_pid=$!
  wait_port "$port"
  local dumps=0
  for s in ${scenarios//,/ }; do
    serves "$name" "$s" || continue
    loop "$port" 500 "$s"
    vgdb --vgdb-prefix="$dir/vgdb" --pid="$server_pid" instrumentation on >>"$dir/vgdb.log" 2>&1
    vgdb --vgdb-prefix="$dir/vgdb" --pid="$server_pid" zero >>"$dir/vgdb.log" 2>&1
    loop "$port" "$requests" "$s"
    sleep 0.3  # the last response's completion
    vgdb --vgdb-prefix="$dir/vgdb" --pid="$server_pid" dump "$s" >>"$dir/vgdb.log" 2>&1
    dumps=$((dumps + 1))
    awk -v n="$requests" -v name="$name" -v s="$s" '/^summary:/ { ir = $2; sys = $3 }
      END { printf "%-10s %-10s %14.0f %14.2f\n", name, s, ir / n, sys / n }' "$dir/cg.out.$dumps"
  done
  cleanup
}

echo "callgrind: $requests requests per scenario over $connections keep-alive connections (pipeline: 16 per write)"
printf '%-10s %-10s %14s %14s\n' server scenario instr/request syscalls/req
for name in ${servers//,/ }; do measure "$name"; done
