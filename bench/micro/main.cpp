// micro_bench: the hot-path pieces of ignis measured one by one (Google Benchmark).
//
//   build/bin/micro_bench                              all of them
//   build/bin/micro_bench --benchmark_filter=Route     one family
//   build/bin/micro_bench --benchmark_min_time=0.2     a quick check
//
// items_per_second counts one request (parser, router) or one document (JSON) per item.

#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
