#!/usr/bin/env bash
# The first README command: set up everything, then run the default scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
mkdir -p results
build/smesim run scenarios/baseline.yaml -o results/baseline.h5
