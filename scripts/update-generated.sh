#!/usr/bin/env bash
# Regenerates the parts of docs/ that are generated from the code's declarations (parameter
# tables, output columns, the schedule): each lies between "<!-- BEGIN generated: NAME -->" and
# "<!-- END generated: NAME -->" markers, and a GeneratedDocs.* test fails when the committed text
# differs from what the declarations give. Run after changing a declaration; commit the docs.
# Usage: scripts/update-generated.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
SMESIM_UPDATE_GENERATED=1 build/tests/smesim_tests --gtest_filter='GeneratedDocs.*'
git status --short docs/
