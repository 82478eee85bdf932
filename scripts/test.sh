#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
scripts/build.sh -DIGNIS_BUILD_TESTS=ON -DIGNIS_BUILD_BENCH=ON
ctest --test-dir build --output-on-failure -j "$(nproc)" --timeout 300
