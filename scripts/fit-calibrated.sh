#!/usr/bin/env bash
# The fit table of scenarios/calibrated.yaml against every target (docs/calibration.md, "Fit of
# the calibrated scenario"): national scale, 1985-2004, 4 replications, in sample (the seed the
# calibration used) and on a fresh seed. Writes docs/fit/calibrated_in_sample.csv and
# docs/fit/calibrated_fresh_seed.csv. About 2 minutes on 2 cores.
# Usage: scripts/fit-calibrated.sh [replications]
set -euo pipefail
cd "$(dirname "$0")/.."
reps="${1:-4}"
[[ -x build/smesim ]] || scripts/setup.sh
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
sed -e 's/^end_year: .*/end_year: 2004/' -e 's/^  panel_reps: .*/  panel_reps: []/' \
    -e 's/^  decisions: true/  decisions: false/' scenarios/calibrated.yaml > "$tmp/calibrated.yaml"
mkdir -p docs/fit
for run in in_sample:20051 fresh_seed:7; do
  name="${run%%:*}" seed="${run##*:}"
  build/smesim run "$tmp/calibrated.yaml" --seed "$seed" --reps "$reps" -q -o "$tmp/$name.h5"
  build/smesim fit "$tmp/$name.h5" --calibration calibration/domestic.yaml \
    -o "docs/fit/calibrated_$name.csv" > "docs/fit/calibrated_$name.txt"
  echo "fit-calibrated: docs/fit/calibrated_$name.csv (seed $seed, $reps replications)"
done
