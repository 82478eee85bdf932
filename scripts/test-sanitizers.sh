#!/usr/bin/env bash
# The tests under sanitizers, as .ci/run runs them after scripts/test.sh:
#
#   asan   g++, Debug, AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/): every
#          unit and integration test, and the reference app's end-to-end tests, on both backends
#   tsan   clang, ThreadSanitizer (build-tsan/): the tests where threads meet: every
#          integration test (a server on its own threads, two-reactor servers, shutdown),
#          channels and Broadcast across threads, offload, timers, the in-process client
#          (its handlers offload to a pool)
#
#   scripts/test-sanitizers.sh            both
#   scripts/test-sanitizers.sh tsan       one
#
# The packaging tests (consumer.*) build other projects against the library: they check
# installation, not behaviour, and are left to scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test

jobs=$(nproc)
modes=("$@")
[ ${#modes[@]} -eq 0 ] && modes=(asan tsan)

for mode in "${modes[@]}"; do
  case "$mode" in
    asan)
      echo "== ASan+UBSan: build-asan" >&2
      BUILD_DIR=build-asan BUILD_TYPE=Debug scripts/build.sh -DIGNIS_SANITIZE=ON -DIGNIS_BUILD_TESTS=ON \
        -DIGNIS_BUILD_BENCH=OFF -DIGNIS_BUILD_EXAMPLES=ON
      # Any report fails the test that triggered it (UBSan aborts: -fno-sanitize-recover).
      ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --test-dir build-asan --output-on-failure -j "$jobs" --timeout 600 -E '^consumer\.'
      ;;
    tsan)
      echo "== TSan: build-tsan" >&2
      BUILD_DIR=build-tsan BUILD_TYPE=RelWithDebInfo CC=clang CXX=clang++ scripts/build.sh -DIGNIS_TSAN=ON \
        -DIGNIS_BUILD_TESTS=ON -DIGNIS_BUILD_BENCH=OFF -DIGNIS_BUILD_EXAMPLES=OFF
      TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
        ctest --test-dir build-tsan --output-on-failure -j "$jobs" --timeout 900 \
        -R '^(epoll|io_uring)\.|Broadcast|BufferPool|FramePool|Task|TimerQueue|AbortSignal|InProcessClient'
      ;;
    *)
      echo "unknown mode: $mode (asan or tsan)" >&2
      exit 2
      ;;
  esac
done
