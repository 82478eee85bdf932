#!/usr/bin/env bash
# What handlers cost the compiler. Each file is compiled with the project's own flags
# (Release, warnings; taken from the build's compile_commands.json), three times, and the
# fastest is shown:
#   one_route.cpp        a handler file with one route (generated here)
#   posts.cpp            examples/testing's API: typed routes, JSON schemas, a guard, cookies
#   posts_test.cpp       its GoogleTest handler tests, with TestClient
# With --clean, also the whole project from clean (tests, benchmarks and examples) with
# two compile jobs, in a throwaway build directory. The machine should be quiet.
#
#   bench/compile_time.sh [build-dir=build] [--clean]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
clean=${2:-}
db="$build/compile_commands.json"
[ -f "$db" ] || { echo "no $db: build first (scripts/build.sh)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The command that compiles $1, without its -o/-c part.
flags_of() {
  local cmd
  cmd=$(grep -o "\"command\": \"[^\"]*/$1\"" "$db" | head -1)
  [ -n "$cmd" ] || { echo "$1 is not in $db (examples and tests on?)" >&2; exit 2; }
  sed -e 's/^"command": "//' -e 's/"$//' -e 's/ -o [^ ]* -c [^ ]*$//' <<<"$cmd"
}

cat > "$work/one_route.cpp" <<'EOF'
#include <ignis/http/app.hpp>

ignis::Task<ignis::Response> get_post(ignis::Request&, ignis::RouteContext& ctx) {
  auto id = *ctx.params.as<long>("id");
  if (id != 1) co_return ignis::Response::json({{"error", "Post not found"}}, {.status = 404});
  co_return ignis::Response::json({{"id", id}, {"title", "Hello"}});
}

void add_routes(ignis::App& app) { app.route("/api/posts/[id:int]").GET(get_post); }
EOF

fastest() {  # fastest of three compiles of $2 with the flags of $1
  local flags best=""
  flags=$(flags_of "$1")
  for _ in 1 2 3; do
    local start end took
    start=$(date +%s.%N)
    $flags -o "$work/out.o" -c "$2"
    end=$(date +%s.%N)
    took=$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')
    if [ -z "$best" ] || awk -v t="$took" -v b="$best" 'BEGIN { exit !(t < b) }'; then best=$took; fi
  done
  printf '%-16s %5.2f s\n' "$(basename "$2")" "$best"
}

echo "compiler: $(flags_of testing/posts.cpp | cut -d' ' -f1) ($($(flags_of testing/posts.cpp | cut -d' ' -f1) --version | head -1))"
fastest testing/posts.cpp "$work/one_route.cpp"
fastest testing/posts.cpp examples/testing/posts.cpp
fastest testing/posts_test.cpp examples/testing/posts_test.cpp

if [ "$clean" = --clean ]; then
  cmake -S . -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DIGNIS_BUILD_TESTS=ON -DIGNIS_BUILD_BENCH=ON \
    -DIGNIS_BUILD_EXAMPLES=ON > /dev/null
  start=$(date +%s.%N)
  cmake --build "$work/build" -j 2 > /dev/null
  end=$(date +%s.%N)
  printf 'whole project from clean, -j 2: %.0f s (%s compile and link steps)\n' \
    "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" \
    "$(ninja -C "$work/build" -t commands | wc -l)"
fi
