#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan, build-fuzz/) and runs each one.
#
#   scripts/fuzz.sh                       every target for 15 s (the CI smoke run)
#   scripts/fuzz.sh 3600 connection       one target for an hour
#   scripts/fuzz.sh 600 parser router     several, 10 minutes each
#
# Targets: tests/fuzz/<name>_fuzz.cpp. Seeds are tests/fuzz/corpus/<name>/; what a run
# discovers goes to build-fuzz/corpus/<name>/ (kept between runs, never committed), and a
# crashing input to build-fuzz/artifacts/<name>/. Replay one with
#   build-fuzz/bin/<name>_fuzz build-fuzz/artifacts/<name>/crash-...
# Exits non-zero as soon as a target finds something.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test

seconds=15
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/*_fuzz.cpp; do
    n=$(basename "$f" _fuzz.cpp)
    targets+=("$n")
  done
fi

build=build-fuzz
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIGNIS_FUZZ=ON \
  -DIGNIS_BUILD_TESTS=ON -DIGNIS_BUILD_BENCH=OFF -DIGNIS_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target "${targets[@]/%/_fuzz}"

for t in "${targets[@]}"; do
  corpus="$build/corpus/$t"
  artifacts="$build/artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  dict=()
  case "$t" in connection | parser) dict=(-dict=tests/fuzz/http.dict) ;; esac
  echo "== $t: ${seconds}s" >&2
  # -timeout: one input taking over 10 s is a hang; -rss_limit_mb: a leak or runaway buffer.
  "$build/bin/${t}_fuzz" "$corpus" "tests/fuzz/corpus/$t" "${dict[@]}" -max_total_time="$seconds" \
    -timeout=10 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 -artifact_prefix="$artifacts/" \
    2>"$build/$t.log" || {
    tail -n 60 "$build/$t.log" >&2
    echo "== $t: FOUND SOMETHING (input in $artifacts/, log in $build/$t.log)" >&2
    exit 1
  }
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$build/$t.log" | tr '\n' ' ' >&2
  echo "corpus: $(ls "$corpus" | wc -l) inputs" >&2
done
