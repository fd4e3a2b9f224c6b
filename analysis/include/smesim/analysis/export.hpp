// `smesim export RESULTS.h5 --csv DIR` (issue 15): one tidy CSV per table of a results file, for
// spreadsheet users and tools without HDF5.
//   aggregates.csv  one row per point, replication and year: point, rep, year, each swept
//                   parameter's value at the point (sweeps), then every aggregate
//   points.csv      (sweeps) one row per point: point, role of the row (reference or design),
//                   then each swept parameter's value
//   panel.csv       the firm-year panel, when the file has one (columns as stored)
//   decisions.csv   the decision log, when the file has one
// Numbers are printed so that they read back to the same double (shortest round trip); NaN and
// infinities are empty cells. The directory is written as "DIR.tmp-<pid>" and renamed to DIR
// when complete; DIR may be absent, empty, or an earlier export (only .csv files), which is
// replaced.
#pragma once

#include <string>
#include <vector>

#include "smesim/sim/output.hpp"

namespace smesim::analysis {

// The sweep's factors of `r` (attribute sweep_factors) and their values by point (arrays
// points/<factor>); empty for a single run.
struct SweptInputs {
  std::vector<std::string> names;
  std::vector<std::vector<double>> values;  // [factor][point]
};
SweptInputs swept_inputs(const sim::Results& r);

// Writes the CSV files of `r` into `dir` (see above) and returns their names, in order.
std::vector<std::string> export_csv(const sim::Results& r, const std::string& dir);

}  // namespace smesim::analysis
