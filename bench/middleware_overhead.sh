#!/usr/bin/env bash
# Throughput of plaintext with production middleware (metrics, X-Request-Id, CORS) against
# the bare server, in the same run: interleaved passes, server pinned to core 0 and wrk to
# core 1 (taskset), loopback only, bounded. Prints each pass and the median ratio.
#
#   bench/middleware_overhead.sh [build/bin/bench_server] [passes=5] [seconds=5]
set -euo pipefail
BIN=${1:-build/bin/bench_server}
PASSES=${2:-5}
SECS=${3:-5}
PORT_BARE=18081
PORT_MW=18082
WRK_ARGS=(-t1 -c64 -d"${SECS}s" -H "Origin: https://elsewhere.example")

taskset -c 0 "$BIN" --threads 1 --port $PORT_BARE > /dev/null 2>&1 & bare=$!
taskset -c 0 "$BIN" --threads 1 --port $PORT_MW --middleware on > /dev/null 2>&1 & mw=$!
trap 'kill $bare $mw 2>/dev/null; wait $bare $mw 2>/dev/null || true' EXIT
for port in $PORT_BARE $PORT_MW; do
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/plaintext" > /dev/null && break; sleep 0.1; done
done
curl -fsi -H "Origin: https://your-frontend.com" "http://127.0.0.1:$PORT_MW/plaintext" | grep -i -E "x-request-id|access-control|vary" >&2

rps() { taskset -c 1 wrk "${WRK_ARGS[@]}" "http://127.0.0.1:$1/plaintext" | awk '/Requests\/sec/ {print $2}'; }
ratios=()
for i in $(seq "$PASSES"); do
  b=$(rps $PORT_BARE); m=$(rps $PORT_MW)
  r=$(awk -v b="$b" -v m="$m" 'BEGIN { printf "%.3f", m / b }')
  ratios+=("$r")
  echo "pass $i: bare $b req/s, middleware $m req/s, ratio $r"
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "median ratio %.3f (middleware / bare; 0.900 is 10%% slower)\n", a[int((NR + 1) / 2)] }'
