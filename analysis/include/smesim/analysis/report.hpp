// `smesim report`'s work, without its command line: a self-contained HTML report (index.html and
// PNG figures) of a results file, drawn by analysis/smesim_report.py with a Python 3 that has
// h5py, pandas and matplotlib. Its "Fit to macro targets" page runs `smesim fit` (the executable
// is passed to the script), which reads the target files of data/targets.
#pragma once

#include <optional>
#include <string>

namespace smesim::analysis {

struct ReportRequest {
  std::string results;       // results file (.h5) of `smesim run` or `smesim sweep`
  std::string out;           // directory for index.html and its figures
  std::optional<int> year;   // panel year of the trait and keiretsu figures (default: last)
  std::optional<int> point;  // design point of the time series (default: reference, or 0)
  std::optional<int> head;   // firm id of the keiretsu head to draw
  std::string outcomes;      // comma-separated aggregates of the sweep figures (default: all)
  std::string hindcast;      // table of `smesim hindcast` (CSV): adds the hindcast page
};

// Runs the report script and returns its exit code. Throws sim::InputError when the results
// file, the script ($SMESIM_ANALYSIS_DIR or analysis/ near the executable) or a suitable Python
// ($SMESIM_PYTHON, /usr/bin/python3, python3 on PATH) is missing, std::runtime_error when the
// directory cannot be created or the script cannot be started.
int write_report(const ReportRequest& request);

}  // namespace smesim::analysis
