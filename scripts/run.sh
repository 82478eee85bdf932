#!/usr/bin/env bash
# Installs what is missing, builds, and starts the reference app (examples/blog) on
# http://127.0.0.1:${PORT:-3000}; arguments go to build/bin/blog (--help lists them).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh -DIGNIS_BUILD_TESTS=OFF -DIGNIS_BUILD_BENCH=OFF
exec build/bin/blog --port "${PORT:-3000}" "$@"
