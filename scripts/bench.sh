#!/usr/bin/env bash
# Runs the benchmark suite (docs/performance.md): installs what is missing and builds build/ in
# Release with the benchmarks (scripts/setup.sh), then runs build/smesim_bench and writes the
# results to bench.json (Google Benchmark's JSON). Takes about 5 minutes on 2 cores.
# Usage: scripts/bench.sh [Google Benchmark arguments], e.g.
#   scripts/bench.sh --benchmark_filter='national_run|fe_1m'
set -euo pipefail
cd "$(dirname "$0")/.."
# No sanitizers or checked build even if build/ was configured with them before.
scripts/setup.sh -DSMESIM_BUILD_BENCH=ON -DSMESIM_SANITIZE= -DSMESIM_CHECKED=OFF
if [ ! -x build/smesim_bench ]; then
  echo "bench: build/smesim_bench was not built (Google Benchmark, libbenchmark-dev, not found)" >&2
  exit 1
fi
build/smesim_bench --benchmark_out=bench.json --benchmark_out_format=json "$@"
echo "bench: results in bench.json"
