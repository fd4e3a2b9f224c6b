// A calibration file (`smesim calibrate FILE`, e.g. calibration/table3.yaml) and the moments it
// calibrates to: the code path of the command (app/cli_calibrate.cpp), also used by the
// benchmarks. Moments are M05's Table 3 slopes and, when the file lists `macro_targets`, macro
// targets evaluated through the fit table's library (targets.hpp), so that `smesim fit` and the
// calibration compare the same numbers.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "smesim/analysis/calibration.hpp"
#include "smesim/analysis/targets.hpp"
#include "smesim/sim/scenario.hpp"

namespace smesim::analysis {

struct CalibrationFile {
  sim::Scenario base;
  std::string targets_file;         // Table 3 coefficients; empty with `targets: none`
  std::string sample_targets_file;  // "" when the file says `sample_targets: none`
  std::vector<analysis::CalibratedParameter> params;
  // Every moment: first the Table 3 coefficients (table3_count of them), then the macro targets
  // (one per element of `macro`, named "series@year").
  std::vector<analysis::Target> targets;
  std::size_t table3_count = 0;
  std::vector<std::string> macro_files;  // the target CSVs the macro targets come from
  std::vector<FitRow> macro;             // prepared (target on the model basis, scale)
  std::optional<int> until;              // hindcast cut-off (apply_until)
  analysis::CalibrationOptions options;
};

// Table 3's moments are dated to the last survey year (2002) for a cut-off.
inline constexpr int kTable3Year = 2002;

// Loads and validates a calibration file with the shared input rules (yaml_reader.hpp); errors
// are InputFileErrors naming file, line, column and key.
CalibrationFile load_calibration(const std::string& path);
// Same, from text; `file` names the source in messages and locates the files it names.
CalibrationFile parse_calibration(const std::string& text, const std::string& file);

// Keeps only the targets of years <= `until` (Table 3 counts as kTable3Year) and records the
// cut-off. Throws InputError when no target is left.
void apply_until(CalibrationFile& c, int until);

// True when `row` (series and year) is one of the calibration's macro targets with a positive
// weight.
bool in_objective(const CalibrationFile& c, const TargetRow& row);

// Every moment (mean over c.options.replications replications) at theta (in the order of
// c.params), in the order of c.targets: Table 3's slopes on the survey firms' panel 1994-2002 and
// its samples (spec v2 9b: `<region>.respondents` at national scale, `<region>.obs_per_firm`,
// `<region>.r2_within`), then the macro targets' simulated values (national scale). The run ends in
// the last year a target needs.
std::vector<double> calibration_moments(const CalibrationFile& c, const std::vector<double>& theta);

// The moments of a calibration file without macro targets (the benchmarks' name for
// calibration_moments).
inline std::vector<double> table3_moments(const CalibrationFile& c,
                                          const std::vector<double>& theta) {
  return calibration_moments(c, theta);
}

}  // namespace smesim::analysis
