#!/usr/bin/env bash
# Regenerates tests/reference/ (the reference results that tests/test_reference.cpp compares bit
# for bit) from this checkout's build. Only a change that is meant to move results runs it; its
# commit message says why the results moved. A refactor never does.
# Usage: scripts/update-reference.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
SMESIM_UPDATE_REFERENCE=1 build/tests/smesim_tests --gtest_filter='Shipped/ReferenceResults.*'
git status --short tests/reference/
echo "update-reference: tests/reference/ regenerated; say in the commit message why results moved"
