#!/usr/bin/env bash
# Soak: a server under a mixed load for a long time; its resident memory and open
# descriptors must stay flat and no request may fail. Then SIGTERM under load: the server
# must exit cleanly, in time.
#
#   scripts/soak.sh --server "build/bin/bench_server --port 18080 --backend io_uring" \
#                   --url http://127.0.0.1:18080 --mix bench/soak/bench_mix.lua --duration 600
#
#   scripts/soak.sh --setup "rm -rf /tmp/soak-blog && mkdir -p /tmp/soak-blog/files && \
#                            head -c 1000000 /dev/urandom > /tmp/soak-blog/files/soak.bin" \
#                   --server "build/bin/blog --port 18082 --data-dir /tmp/soak-blog --threads 2" \
#                   --url http://127.0.0.1:18082 --mix bench/soak/blog_mix.lua \
#                   --sse /api/events --sse-clients 20 --duration 600
#
#   scripts/soak.sh --setup "mkdir -p /tmp/soak && head -c 1000000 /dev/urandom > /tmp/soak/soak.bin" \
#                   --server "build/bin/streaming --port 18081 --files /tmp/soak --backend epoll" \
#                   --url http://127.0.0.1:18081 --mix bench/soak/streaming_mix.lua \
#                   --sse /api/events --sse-clients 20 --duration 600
#
# Options (defaults): --connections 32, --threads 1 (wrk's), --warmup 15 (seconds of load
# before the first sample, so pools and caches are warm), --sample 30 (seconds between
# samples), --max-growth-mib 16 (resident memory allowed to grow from the first sample to
# the last), --sse PATH and --sse-clients N (EventSource-like clients that connect, stay
# 1-5 s, leave, and come back), --log FILE (the samples, one line each).
#
# The server is any command (the reference app, bench_server, ...). Exits non-zero
# if a request failed, memory grew past the limit, descriptors did not come back, or the
# shutdown was not clean.
set -euo pipefail
cd "$(dirname "$0")/.."

server="" url="" mix="" setup="" sse="" log=""
duration=600 connections=32 threads=1 warmup=15 sample=30 max_growth_mib=16 sse_clients=0
while [ $# -gt 0 ]; do
  case "$1" in
    --server) server=$2 ;;
    --url) url=$2 ;;
    --mix) mix=$2 ;;
    --setup) setup=$2 ;;
    --duration) duration=$2 ;;
    --connections) connections=$2 ;;
    --threads) threads=$2 ;;
    --warmup) warmup=$2 ;;
    --sample) sample=$2 ;;
    --max-growth-mib) max_growth_mib=$2 ;;
    --sse) sse=$2 ;;
    --sse-clients) sse_clients=$2 ;;
    --log) log=$2 ;;
    *) echo "unknown option $1 (see the top of $0)" >&2; exit 2 ;;
  esac
  shift 2
done
[ -n "$server" ] && [ -n "$url" ] && [ -n "$mix" ] || { echo "--server, --url and --mix are required" >&2; exit 2; }
log=${log:-$(mktemp /tmp/soak-XXXXXX.log)}

[ -n "$setup" ] && bash -c "$setup"

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
fds() { ls "/proc/$1/fd" | wc -l; }
stamp() { echo "$(date +%T) t=$(( $(date +%s) - t0 ))s rss=$(rss_kib "$pid")KiB fds=$(fds "$pid") $*" | tee -a "$log" >&2; }

$server &
pid=$!
sse_pids=()
cleanup() {
  for p in "${sse_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  kill "$pid" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 100); do curl -s -o /dev/null "$url/" && break; sleep 0.1; done
t0=$(date +%s)
fds_base=$(fds "$pid")

# EventSource-like clients: connect, listen 1-5 s, leave, come back.
for i in $(seq "$sse_clients"); do
  ( while true; do curl -sN --max-time $((RANDOM % 5 + 1)) "$url$sse" >/dev/null 2>&1 || true; done ) &
  sse_pids+=($!)
done

wrk -t"$threads" -c"$connections" -d"${warmup}s" -s "$mix" "$url" >/dev/null
stamp "start (after ${warmup}s of warm-up)"
rss_start=$(rss_kib "$pid")
fds_start=$(fds "$pid")

# The soak itself, sampled while it runs.
out=$(mktemp)
wrk -t"$threads" -c"$connections" -d"${duration}s" --timeout 5s -s "$mix" --latency "$url" >"$out" &
wrk_pid=$!
while kill -0 "$wrk_pid" 2>/dev/null; do
  sleep "$sample"
  kill -0 "$wrk_pid" 2>/dev/null && stamp "under load"
done
wait "$wrk_pid"
stamp "end of load"
rss_end=$(rss_kib "$pid")
cat "$out" >&2

# Quiet again: every connection the load opened must be gone.
for p in "${sse_pids[@]}"; do
  kill "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
done
sse_pids=()
sleep 6  # a curl that an SSE loop had started lives out its --max-time (at most 5 s)
stamp "idle"
fds_idle=$(fds "$pid")

# SIGTERM under load.
wrk -t1 -c16 -d5s "$url" >/dev/null 2>&1 &
load=$!
sleep 1
t_term=$(date +%s%N)
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
t_exit=$(( ($(date +%s%N) - t_term) / 1000000 ))
wait "$load" 2>/dev/null || true
trap - EXIT

requests=$(awk '/requests in/ {print $1}' "$out")
errors=$(awk '/Socket errors/ {gsub(/[^0-9 ]/, " "); s=0; for (i=1;i<=NF;i++) s+=$i; print s}' "$out")
non2xx=$(awk '/Non-2xx/ {print $NF}' "$out")
unexpected=$(awk '/unexpected statuses/ {print $NF}' "$out")
growth_kib=$((rss_end - rss_start))
echo "== soak: $server" >&2
echo "   ${duration}s, ${connections} connections${sse:+, $sse_clients SSE clients churning}: ${requests:-0} requests" >&2
echo "   socket errors: ${errors:-0}; statuses the mix did not expect: ${unexpected:-?} (non-2xx in all: ${non2xx:-0})" >&2
echo "   RSS: $((rss_start / 1024)) MiB at the start, $((rss_end / 1024)) MiB at the end (${growth_kib} KiB)" >&2
echo "   descriptors: $fds_base before the load, $fds_start at its start, $fds_idle once idle again" >&2
echo "   SIGTERM under load: exit status $status after ${t_exit} ms" >&2
echo "   samples: $log" >&2

fail=0
[ "${errors:-0}" -eq 0 ] || { echo "FAIL: socket errors" >&2; fail=1; }
[ "${unexpected:-1}" -eq 0 ] || { echo "FAIL: unexpected statuses" >&2; fail=1; }
[ "$growth_kib" -le $((max_growth_mib * 1024)) ] || { echo "FAIL: memory grew by ${growth_kib} KiB" >&2; fail=1; }
[ "$fds_idle" -le "$fds_base" ] || { echo "FAIL: $((fds_idle - fds_base)) descriptors left open" >&2; fail=1; }
[ "$status" -eq 0 ] || { echo "FAIL: exit status $status after SIGTERM" >&2; fail=1; }
exit "$fail"
