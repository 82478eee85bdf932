#!/usr/bin/env bash
# Builds and runs a consumer project against ignis.
#   run.sh find_package <ignis build dir> <work dir>      installs the build, then find_package
#   run.sh add_subdirectory <ignis source dir> <work dir>  builds ignis inside the consumer
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mode="$1" ignis="$2" work="$3"
rm -rf "$work" && mkdir -p "$work"
case "$mode" in
  find_package)
    cmake --install "$ignis" --prefix "$work/prefix" >/dev/null
    cmake -S "$here/find_package" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null;;
  add_subdirectory)
    cmake -S "$here/add_subdirectory" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DIGNIS_SOURCE_DIR="$ignis" >/dev/null;;
  *) echo "usage: run.sh find_package|add_subdirectory DIR WORK" >&2; exit 2;;
esac
cmake --build "$work/build" -j "$(nproc)" >/dev/null
"$work/build/consumer"
