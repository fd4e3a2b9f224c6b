// A calibration file (`smesim calibrate FILE`, e.g. calibration/table3.yaml) and the moments it
// calibrates to: the code path of the command (analysis/src/cli_calibrate.cpp), also used by the
// benchmarks.
#pragma once

#include <string>
#include <vector>

#include "smesim/analysis/calibration.hpp"
#include "smesim/sim/scenario.hpp"

namespace smesim::analysis {

struct CalibrationFile {
  sim::Scenario base;
  std::string targets_file;
  std::string sample_targets_file;  // "" when the file says `sample_targets: none`
  std::vector<analysis::CalibratedParameter> params;
  std::vector<analysis::Target> targets;
  analysis::CalibrationOptions options;
};

// Loads and validates a calibration file with the shared input rules (yaml_reader.hpp); errors
// are InputFileErrors naming file, line, column and key.
CalibrationFile load_calibration(const std::string& path);

// The national scale (scenarios/national.yaml): the respondent counts of a run of `population`
// firms are compared with M05's after multiplying them by kNationalFirms / population.
inline constexpr double kNationalFirms = 300000;

// The Table 3 moments (means over c.options.replications replications, 1985-2002, the survey
// firms' panel) at theta (in the order of c.params), in the order of c.targets: the slope
// coefficients (`<region>.<term>`) and the samples (spec v2 9b): `<region>.respondents` (the
// respondent firms of the region's regression, at national scale), `<region>.obs_per_firm` and
// `<region>.r2_within`.
std::vector<double> table3_moments(const CalibrationFile& c, const std::vector<double>& theta);

}  // namespace smesim::analysis
