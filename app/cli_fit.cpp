// `smesim fit`: every macro target against a results file (analysis/targets.hpp;
// docs/calibration.md, "Fit table").
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "smesim/analysis/calibration_file.hpp"
#include "smesim/analysis/targets.hpp"
#include "smesim/sim/errors.hpp"
#include "smesim/sim/output.hpp"

namespace fs = std::filesystem;

namespace smesim::app {

using sim::InputError;

namespace {

struct FitArgs {
  std::string results, out, calibration;
  std::vector<std::string> targets, tolerances;
  int point = 0;
  int until = 0;
  bool all = false;
};

analysis::ToleranceOverrides parse_tolerances(const std::vector<std::string>& items) {
  analysis::ToleranceOverrides out;
  for (const auto& item : items) {
    const auto eq = item.find('=');
    double v = NAN;
    if (eq != std::string::npos && eq > 0) {
      char* end = nullptr;
      v = std::strtod(item.c_str() + eq + 1, &end);
      if (end == item.c_str() + eq + 1 || *end != '\0') v = NAN;
    }
    if (!(std::isfinite(v) && v > 0))
      throw InputError("--tolerance '" + item +
                       "': expected SERIES=VALUE with a positive VALUE (SERIES may hold '*')");
    out[item.substr(0, eq)] = v;
  }
  return out;
}

int run_fit(const FitArgs& a) {
  std::vector<std::string> files = a.targets;
  if (files.empty()) {
    std::error_code ec;
    files = analysis::default_target_files(fs::read_symlink("/proc/self/exe", ec).string());
  }
  if (!a.out.empty()) {  // before any work: never over an input, a directory or a device
    std::vector<std::string> inputs = files;
    inputs.push_back(a.results);
    if (!a.calibration.empty()) inputs.push_back(a.calibration);
    sim::check_output_path(a.out, inputs);
  }
  std::vector<analysis::TargetRow> rows;
  for (const auto& f : files) {
    auto r = analysis::read_target_rows(f);
    rows.insert(rows.end(), r.begin(), r.end());
  }
  const auto results = sim::read_results(a.results, sim::ReadTables::none);  // aggregates
  if (a.point < 0 || a.point >= results.points)
    throw InputError("--point " + std::to_string(a.point) + " is outside the file's points 0-" +
                     std::to_string(results.points - 1));
  const double scale = analysis::read_national_scale(a.results, results);
  auto table = analysis::fit_table(analysis::prepare_targets(rows, parse_tolerances(a.tolerances)),
                                   results, a.point, scale);
  if (!a.calibration.empty()) {
    const auto c = analysis::load_calibration(a.calibration);
    for (auto& f : table)
      f.in_objective = analysis::in_objective(c, f.row) && (a.until == 0 || f.row.year <= a.until);
  }
  std::cout << analysis::fit_text(table, scale, a.all);
  if (!a.out.empty()) {
    sim::write_text_file(a.out, analysis::fit_csv(table));
    std::cout << "Fit table: " << a.out << "\n";
  }
  return 0;
}

}  // namespace

void add_fit_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<FitArgs>();
  auto* cmd = app.add_subcommand(
      "fit",
      "Compare a results file with the macro targets (data/targets): target, simulated mean "
      "with its 95% interval, scale, z and status per target");
  cmd->add_option("results", a->results, "Results file (.h5) of smesim run or sweep")->required();
  cmd->add_option("--targets", a->targets,
                  "Target CSV files (default: japan_manufacturing_macro.csv and "
                  "census_size_classes.csv in data/targets)");
  cmd->add_option("--point", a->point, "Design point of a sweep (default 0)");
  cmd->add_option("-o,--output", a->out, "Write the table as CSV");
  cmd->add_option("--calibration", a->calibration,
                  "Calibration file whose macro_targets mark the rows in the objective");
  cmd->add_option("--until", a->until,
                  "With --calibration: only targets of years up to YEAR are in the objective");
  cmd->add_flag("--all", a->all, "Also list the rows that are not comparable (the CSV has all)");
  cmd->add_option("--tolerance", a->tolerances,
                  "SERIES=VALUE: override a tolerance (a fraction of the value for levels, in "
                  "the unit for fractions and changes; SERIES may hold '*')");
  cmd->callback([&action, a] { action = [a] { return run_fit(*a); }; });
}

}  // namespace smesim::app
