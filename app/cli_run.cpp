// `smesim run` and `smesim validate`.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "smesim/sim/errors.hpp"
#include "smesim/sim/output.hpp"
#include "smesim/sim/run.hpp"
#include "smesim/sim/scenario.hpp"
#include "smesim/sim/settings.hpp"
#include "smesim/version.hpp"

namespace fs = std::filesystem;

namespace smesim::app {

using sim::check_output_path;
using sim::load_scenario;
using sim::Results;
using sim::run_scenario;
using sim::RunOptions;

namespace {

// The value of aggregate `name` in year index t, averaged over replications.
double mean_over_reps(const Results& r, const std::string& name, std::size_t t) {
  for (const auto& [n, v] : r.aggregates)
    if (n == name) {
      double s = 0;
      for (int k = 0; k < r.reps; ++k) s += v[std::size_t(k) * r.years.size() + t];
      return s / r.reps;
    }
  return std::nan("");
}

void print_summary(const Results& r, std::ostream& os) {
  os << "\n  year     SMEs  SME exporting  SME with FDI  domestic production  exits\n"
     << "                     (share)       (share)       (trillion yen)     (firms)\n";
  const int first = r.years.front(), last = r.years.back();
  std::vector<int> show = {first};
  for (int y : {1995, 2002, 2010, 2020})
    if (y > first && y < last) show.push_back(y);
  if (last != first) show.push_back(last);
  for (int y : show) {
    const auto t = std::size_t(y - first);
    const double exits = mean_over_reps(r, "exits_insolvency", t) +
                         mean_over_reps(r, "exits_succession", t) +
                         mean_over_reps(r, "exits_decline", t);
    char line[160];
    std::snprintf(line, sizeof line, "  %4d %8.0f %14.3f %13.3f %20.2f %7.0f\n", y,
                  mean_over_reps(r, "smes", t), mean_over_reps(r, "sme_export_share", t),
                  mean_over_reps(r, "sme_fdi_share", t),
                  mean_over_reps(r, "domestic_production", t) / 1e6, exits);
    os << line;
  }
  if (r.reps > 1) os << "  (means over " << r.reps << " replications)\n";
}

void add_set_option(CLI::App* cmd, std::vector<std::string>& sets) {
  cmd->add_option("--set", sets,
                  "Override a parameter, KEY=VALUE (repeatable): any key of the parameter "
                  "registry (docs/model.md), paths.<g_dom|fx|fta_coverage>.<shift|scale|"
                  "multiplier>, paths.<name>.points={YEAR: VALUE, ...}")
      ->allow_extra_args(false);
}

// The scenario with the --set assignments applied in order; they are recorded at the end of the
// scenario text (as YAML comments) and in the resolved parameters of the results.
sim::Scenario load_scenario_with(const std::string& file, const std::vector<std::string>& sets) {
  auto sc = load_scenario(file);
  sim::apply_assignments(sc.params, sets);
  if (!sets.empty()) {
    if (!sc.yaml.empty() && sc.yaml.back() != '\n') sc.yaml += "\n";
    for (const auto& s : sets) sc.yaml += "# --set " + s + "\n";
  }
  return sc;
}

}  // namespace

void add_run_commands(CLI::App& app, Action& action) {
  struct RunArgs {
    std::string scenario, out;
    int threads = 0, reps = 0;
    std::uint64_t seed = 0;
    bool quiet = false;
    std::vector<std::string> sets;
  };
  auto a = std::make_shared<RunArgs>();
  auto* run = app.add_subcommand("run", "Run a scenario and write its results (HDF5)");
  run->add_option("scenario", a->scenario, "Scenario YAML file")->required();
  run->add_option("-o,--output", a->out, "Results file (.h5)")->required();
  run->add_option("--threads", a->threads,
                  "Worker threads (default: all cores); results do not depend on it")
      ->check(CLI::NonNegativeNumber);
  auto* seed_opt = run->add_option("--seed", a->seed, "Override the scenario's seed");
  auto* reps_opt = run->add_option("--reps", a->reps, "Override the number of replications")
                       ->check(CLI::PositiveNumber);
  run->add_flag("-q,--quiet", a->quiet, "Print nothing but errors");
  add_set_option(run, a->sets);
  run->callback([&action, a, seed_opt, reps_opt] {
    action = [a, seed = seed_opt->count() > 0, reps = reps_opt->count() > 0] {
      check_output_path(a->out, {a->scenario});
      const auto sc = load_scenario_with(a->scenario, a->sets);
      RunOptions opt;
      opt.threads = a->threads;
      if (seed) opt.seed = a->seed;
      if (reps) opt.replications = a->reps;
      const auto t0 = std::chrono::steady_clock::now();
      if (!a->quiet)
        opt.progress = [](int done, int total) {
          if (total > 1) std::cerr << "  replication " << done << "/" << total << " done\n";
        };
      // The panel and the decision log go to the file while the run goes on.
      sim::ResultsWriter writer(a->out);
      double row_seconds = 0;  // producing and streaming the rows (summed over replications)
      const auto results = run_scenario(sc, opt, writer, &row_seconds);
      const auto t_finish = std::chrono::steady_clock::now();
      writer.finish(results);
      const auto t1 = std::chrono::steady_clock::now();
      const double secs = std::chrono::duration<double>(t1 - t0).count();
      const double output_secs = row_seconds + std::chrono::duration<double>(t1 - t_finish).count();
      if (!a->quiet) {
        std::cout << "smesim " << kVersion << ": scenario '" << sc.params.name << "' ("
                  << sc.params.population << " firms, " << results.years.front() << "-"
                  << results.years.back() << ", seed " << results.meta.seed << ", " << results.reps
                  << " replication(s)) in " << std::fixed << std::setprecision(2) << secs << " s\n";
        print_summary(results, std::cout);
        char line[160];
        std::snprintf(line, sizeof line,
                      "\nOutput: %.1f MB written; %.2f s (%.0f%% of the run) producing and "
                      "writing the panel, the decision log and the file\n",
                      double(writer.bytes_written()) / 1e6, output_secs,
                      secs > 0 ? 100.0 * std::min(1.0, output_secs / secs) : 0.0);
        std::cout << line;
        std::cout << "Results: " << fs::absolute(a->out).string() << "\n";
      }
      return 0;
    };
  });

  auto path = std::make_shared<std::string>();
  auto sets = std::make_shared<std::vector<std::string>>();
  auto* validate = app.add_subcommand("validate", "Check a scenario file without running it");
  validate->add_option("scenario", *path, "Scenario YAML file")->required();
  add_set_option(validate, *sets);
  validate->callback([&action, path, sets] {
    action = [path, sets] {
      const auto sc = load_scenario_with(*path, *sets);
      std::cout << *path << ": ok (" << sc.params.population << " firms, " << sc.params.start_year
                << "-" << sc.params.end_year << ", " << sc.params.replications
                << " replication(s))\n";
      return 0;
    };
  });
}

}  // namespace smesim::app
