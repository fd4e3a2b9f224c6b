#!/usr/bin/env bash
# The second README command: set up everything, then run every test (CTest).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh -DSMESIM_WERROR=ON
ctest --test-dir build --output-on-failure -j"$(nproc)"
