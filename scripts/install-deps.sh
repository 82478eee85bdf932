#!/usr/bin/env bash
# Installs the Debian 12 packages ignis needs (only those missing; apt-get update first).
#
#   scripts/install-deps.sh           build and run
#   scripts/install-deps.sh --test    also what the tests and benchmarks use
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config ca-certificates
  libasio-dev node-llhttp libsimdjson-dev liburing-dev libssl-dev
  libsqlite3-dev libhiredis-dev libcli11-dev
  curl
)
if [ "${1:-}" = "--test" ]; then
  # chromium: the EventSource browser test; nginx-light: the file-download benchmark peer;
  # nlohmann-json3-dev: the JSON benchmark's reference; redis-server: the shared-state tests;
  # clang, libclang-rt-14-dev: libFuzzer and ThreadSanitizer (scripts/fuzz.sh, scripts/test-sanitizers.sh).
  packages+=(libgtest-dev libgmock-dev googletest libbenchmark-dev nlohmann-json3-dev wrk nghttp2-client python3 chromium nginx-light
    redis-server clang libclang-rt-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
