#!/usr/bin/env bash
# The sanitizer builds that CI runs after the normal test suite (.ci/run; docs/building.md,
# "Sanitizer builds"), each in its own build directory:
#   asan  AddressSanitizer + UBSan: the fast tests, `ctest -L "unit|cli"` (the unit tests, the
#         fuzz corpora replayed, the command line end to end and issue 16's reliability cases);
#   tsan  ThreadSanitizer: the tests that run our code on several threads (below: model blocks and
#         replications, panel estimation, the output writer's background compression, sweep
#         units over threads and shards). Loops run on std::threads in this build, not on TBB's
#         workers (sim/include/smesim/sim/parallel.hpp says why). Under TSan the model is 20-50
#         times slower, so the logic-only sweep tests (sensitivity, Slurm, merge names) are left to
#         the other builds.
#   checked  on request only, not in `all` (CI's time budget): the checked build (SMESIM_CHECKED,
#         docs/building.md "Checked build") and its fast tests, `ctest -L unit`.
# Usage: scripts/sanitize.sh [asan|tsan|all|checked] (default: all). Any finding fails its test
# (-fno-sanitize-recover=all) and this script. Only the binaries those tests need are built.
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
jobs=$(nproc)
# Warnings are errors in the Release build of scripts/test.sh; here they are not, because GCC 12's
# sanitizer instrumentation raises false maybe-uninitialized warnings in the standard library
# (std::regex, std::function) that are not findings.
common=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSMESIM_WERROR=OFF -DSMESIM_BUILD_BENCH=OFF)

if [[ $which == all || $which == asan ]]; then
  start=$SECONDS
  cmake -S . -B build-asan "${common[@]}" -DSMESIM_SANITIZE=address,undefined >/dev/null
  cmake --build build-asan -j"$jobs" --target smesim smesim_unit_tests smesim_cli_tests \
    smesim_reliability_tests fuzz_replay_scenario fuzz_replay_sweep fuzz_replay_calibration \
    fuzz_replay_results
  ctest --test-dir build-asan --output-on-failure -j"$jobs" -L "unit|cli"
  echo "sanitize: AddressSanitizer + UBSan build and tests in $((SECONDS - start)) s"
fi

if [[ $which == all || $which == tsan ]]; then
  start=$SECONDS
  cmake -S . -B build-tsan "${common[@]}" -DSMESIM_SANITIZE=thread >/dev/null
  cmake --build build-tsan -j"$jobs" --target smesim smesim_model_tests smesim_unit_tests \
    smesim_cli_tests smesim_sweep_tests smesim_reliability_tests
  threaded='^(Reproducibility\.|CommandLine\.RunWithOneAndTwoThreads|Panel\.EstimatesAreIdenticalForAnyThreadCount'
  threaded+='|OutputTest\.|OutputStreaming\.|Sweep\.OneTwoThreadsAndTwoShards|Reliability\.MergeChecksEveryFile)'
  ctest --test-dir build-tsan --output-on-failure -j"$jobs" -R "$threaded" -LE mpi
  echo "sanitize: ThreadSanitizer build and threaded tests in $((SECONDS - start)) s"
fi

if [[ $which == checked ]]; then
  start=$SECONDS
  cmake -S . -B build-checked -DCMAKE_BUILD_TYPE=Release -DSMESIM_WERROR=ON \
    -DSMESIM_BUILD_BENCH=OFF -DSMESIM_CHECKED=ON >/dev/null
  cmake --build build-checked -j"$jobs" --target smesim smesim_unit_tests fuzz_replay_scenario \
    fuzz_replay_sweep fuzz_replay_calibration fuzz_replay_results
  ctest --test-dir build-checked --output-on-failure -j"$jobs" -L unit
  echo "sanitize: checked build and unit tests in $((SECONDS - start)) s"
fi
