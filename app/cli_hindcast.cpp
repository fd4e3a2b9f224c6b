// `smesim hindcast`: a calibrated scenario's forecast of the actuals after a cut-off against three
// benchmarks (analysis/hindcast.hpp; docs/validation.md). The replications run on the sweep
// engine (a one-point sweep: parallel, common random numbers, resumable with --resume).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "smesim/analysis/hindcast.hpp"
#include "smesim/analysis/targets.hpp"
#include "smesim/model/params.hpp"
#include "smesim/model/world.hpp"
#include "smesim/sim/errors.hpp"
#include "smesim/sim/output.hpp"
#include "smesim/sim/scenario.hpp"
#include "smesim/sim/sweep.hpp"

namespace fs = std::filesystem;

namespace smesim::app {

using sim::InputError;

namespace {

struct HindcastArgs {
  std::string input, out, results, markdown;
  std::vector<std::string> actuals, series;
  int until = 0, to = 0, reps = 10, threads = 0, dm_lag = 1;
  std::optional<std::uint64_t> seed;
  bool resume = false, quiet = false;
};

bool ends_with(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

// The cut-off a calibrated scenario records (`smesim calibrate --until`), or 0.
// (Plain string search: GCC 12's std::regex trips -Werror=maybe-uninitialized in the sanitizer
// builds.)
int recorded_cutoff(const std::string& text) {
  const std::string mark = "# Hindcast cut-off: calibrated on targets of years up to ";
  const auto at = text.find(mark);
  if (at == std::string::npos) return 0;
  int year = 0;
  bool digits = false;
  for (std::size_t k = at + mark.size();
       k < text.size() && std::isdigit(static_cast<unsigned char>(text[k])); ++k) {
    year = year * 10 + (text[k] - '0');
    digits = true;
    if (year > 1000000) return 0;
  }
  return digits ? year : 0;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream o(tmp);
    o << text;
    if (!o) throw std::runtime_error("cannot write '" + tmp + "'");
  }
  fs::rename(tmp, path);
}

std::string yaml_quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// The one-point sweep of the replications: the scenario unchanged but for its horizon (cut to the
// last year an actual needs), no firm panel.
std::string sweep_yaml(const HindcastArgs& a, int end_year) {
  std::ostringstream y;
  y << "# Written by smesim hindcast: " << a.reps << " replications of the scenario for the "
    << "hindcast from " << a.until << "\n"
    << "name: hindcast\n"
    << "base: " << yaml_quoted(fs::absolute(a.input).lexically_normal().string()) << "\n";
  if (end_year > 0) y << "overrides:\n  end_year: " << end_year << "\n";
  y << "replications: " << a.reps << "\n";
  if (a.seed) y << "seed: " << *a.seed << "\n";
  y << "common_random_numbers: true\n"
    << "design: {type: list}\n"
    << "points: [{}]\n"
    << "panel: {points: [], reps: []}\n";
  return y.str();
}

// The results of the scenario's replications: run as a one-point sweep into `a.results`, or, with
// --resume and a finished file of the same sweep, that file.
sim::Results simulate(const HindcastArgs& a, int last_year) {
  const auto scenario = sim::load_scenario(a.input);
  const int end_year = last_year < scenario.params.end_year ? last_year : 0;
  const std::string yaml_path = a.results + ".sweep.yaml";
  sim::check_output_path(a.results);
  write_atomically(yaml_path, sweep_yaml(a, end_year));
  const auto spec = sim::load_sweep(yaml_path);
  if (fs::exists(a.results)) {
    sim::Results done;
    bool readable = true;
    try {
      done = sim::read_results(a.results);
    } catch (const std::exception&) {
      readable = false;
    }
    const std::string* fp = readable ? done.attribute("sweep_fingerprint") : nullptr;
    if (a.resume && fp && *fp == spec.fingerprint) {
      fs::remove(yaml_path);
      if (!a.quiet) std::cout << "Reusing the finished replications in " << a.results << "\n";
      return done;
    }
    if (a.resume)
      throw InputError("--resume: '" + a.results +
                       "' holds other results (not this hindcast's replications): remove it or "
                       "choose another --results");
  }
  sim::SweepOptions opt;
  opt.threads = a.threads;
  opt.resume = a.resume;
  opt.quiet = a.quiet;
  sim::run_sweep(spec, a.results, opt);
  fs::remove(yaml_path);
  return sim::read_results(a.results);
}

int run_hindcast(HindcastArgs a) {
  if (a.out.empty() || !ends_with(a.out, ".csv"))
    throw InputError("-o '" + a.out + "': the hindcast table is a .csv file");
  const std::string stem = a.out.substr(0, a.out.size() - 4);
  const std::string scores_path = stem + "_scores.csv";
  const bool from_results = ends_with(a.input, ".h5");
  if (!from_results && a.results.empty()) a.results = stem + ".h5";
  if (a.dm_lag < 1) throw InputError("--dm-lag " + std::to_string(a.dm_lag) + ": expected >= 1");

  // The actuals, and the series asked for.
  std::vector<analysis::TargetRow> rows;
  for (const auto& f : a.actuals) {
    auto r = analysis::read_target_rows(f);
    rows.insert(rows.end(), r.begin(), r.end());
  }
  std::vector<std::string> in_files;
  for (const auto& r : rows)
    if (std::find(in_files.begin(), in_files.end(), r.series) == in_files.end())
      in_files.push_back(r.series);
  if (!a.series.empty()) {
    for (const auto& s : a.series)
      if (std::find(in_files.begin(), in_files.end(), s) == in_files.end()) {
        const auto near = model::nearest_name(s, in_files);
        throw InputError("--series '" + s + "': the actuals have no such series" +
                         (near.empty() ? std::string() : "; did you mean '" + near + "'?"));
      }
    std::erase_if(rows, [&](const analysis::TargetRow& r) {
      return std::find(a.series.begin(), a.series.end(), r.series) == a.series.end();
    });
  }
  if (a.to > 0) {
    if (a.to <= a.until)
      throw InputError("--to " + std::to_string(a.to) + " is not after the cut-off --until " +
                       std::to_string(a.until));
    std::erase_if(rows, [&](const analysis::TargetRow& r) { return r.year > a.to; });
  }
  analysis::check_after_cutoff(rows, a.until);
  {
    std::vector<std::string> candidates;
    try {
      std::error_code ec;
      for (const auto& f : analysis::default_target_files(fs::read_symlink("/proc/self/exe", ec)))
        for (const auto& r : analysis::read_target_rows(f)) candidates.push_back(r.series);
    } catch (const std::exception&) {
      // no default targets found: suggest among the aggregates only
    }
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    const auto unknown =
        analysis::unknown_series(rows, model::World::aggregate_names(), candidates);
    if (!unknown.empty()) {
      std::string msg = "the model does not know the series ";
      for (std::size_t k = 0; k < unknown.size(); ++k) msg += (k ? ", " : "") + unknown[k];
      throw InputError(msg +
                       " (a hindcast compares the series of the fit table: docs/calibration.md)");
    }
  }
  // Before any simulation: some series after the cut-off must be comparable with the model.
  {
    std::set<std::string> reasons;
    bool comparable = false;
    for (const auto& r : rows) {
      if (r.year <= a.until) continue;
      const auto rule = analysis::rule_for(r.series);
      if (rule.comparison == analysis::Comparison::not_comparable ||
          rule.comparison == analysis::Comparison::input || rule.reference)
        reasons.insert(r.series + ": " + (rule.note.empty() ? "not comparable" : rule.note));
      else
        comparable = true;
    }
    if (!comparable)
      throw InputError("no series of the actuals after the cut-off " + std::to_string(a.until) +
                       " can be compared with the model (" + *reasons.begin() + ")");
  }
  int last_year = a.until;
  for (const auto& r : rows) last_year = std::max(last_year, r.year);

  // A scenario calibrated on data after the cut-off would forecast what it was fitted to.
  const std::string text = from_results ? "" : read_text(a.input);
  const int recorded = recorded_cutoff(text);
  if (recorded > a.until)
    throw InputError("'" + a.input + "' was calibrated on targets up to " +
                     std::to_string(recorded) + ", after the cut-off " + std::to_string(a.until) +
                     ": calibrate with --until " + std::to_string(a.until) + " first");
  sim::check_output_path(a.out);
  if (!a.markdown.empty()) sim::check_output_path(a.markdown);

  sim::Results results;
  if (from_results) {
    results = sim::read_results(a.input);
    const int rec = recorded_cutoff(results.meta.scenario_yaml);
    if (rec > a.until)
      throw InputError("'" + a.input + "' is a run of a scenario calibrated on targets up to " +
                       std::to_string(rec) + ", after the cut-off " + std::to_string(a.until));
  } else {
    if (!a.quiet && recorded == 0)
      std::cerr << "smesim hindcast: note: '" << a.input
                << "' records no calibration cut-off (smesim calibrate --until writes one)\n";
    results = simulate(a, last_year);
  }
  const double scale = analysis::read_national_scale(from_results ? a.input : a.results, results);
  const auto h = analysis::hindcast(rows, a.until, results, 0, scale, a.dm_lag);
  write_atomically(a.out, analysis::hindcast_csv(h));
  write_atomically(scores_path, analysis::hindcast_scores_csv(h));
  if (!a.markdown.empty()) write_atomically(a.markdown, analysis::hindcast_markdown(h));
  std::cout << analysis::hindcast_text(h) << "\nHindcast table: " << a.out
            << "\nScores: " << scores_path << "\n";
  if (!a.markdown.empty()) std::cout << "Markdown: " << a.markdown << "\n";
  if (!from_results)
    std::cout << "Replications: " << a.results << " (report: smesim report " << a.results
              << " -o DIR --hindcast " << a.out << ")\n";
  return 0;
}

}  // namespace

void add_hindcast_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<HindcastArgs>();
  auto* cmd = app.add_subcommand(
      "hindcast",
      "Forecast the actuals after a cut-off year with a calibrated scenario and score it against "
      "no-change, trend and AR(1) benchmarks (docs/validation.md)");
  cmd->add_option("scenario", a->input,
                  "Calibrated scenario (.yaml), or a results file (.h5) of its replications")
      ->required();
  cmd->add_option("--actuals", a->actuals,
                  "Actuals CSV(s) in the format of data/targets (series,year,value,unit,source): "
                  "rows up to the cut-off fit the benchmarks, rows after it are forecast")
      ->required();
  cmd->add_option("--until", a->until, "The cut-off year (the last year the forecast may know)")
      ->required();
  cmd->add_option("-o,--output", a->out,
                  "Hindcast table (.csv); the scores go to the same name with _scores.csv")
      ->required();
  cmd->add_option("--to", a->to, "The last year forecast (default: the actuals' last)");
  cmd->add_option("--series", a->series, "Only these series of the actuals")->delimiter(',');
  cmd->add_option("--reps", a->reps, "Replications (default 10)")->check(CLI::Range(1, 1000000));
  cmd->add_option("--seed", a->seed, "Override the scenario's seed");
  cmd->add_option("--results", a->results,
                  "Results file of the replications (default: the table's name with .h5)");
  cmd->add_option("--threads", a->threads, "Worker threads (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--resume", a->resume,
                "Continue interrupted replications, or reuse their finished results file");
  cmd->add_option("--markdown", a->markdown,
                  "Also write the tables as Markdown (docs/validation.md)");
  cmd->add_option("--dm-lag", a->dm_lag,
                  "h of the Diebold-Mariano test: autocovariances up to lag h - 1 (default 1)");
  cmd->add_flag("-q,--quiet", a->quiet, "No progress output");
  cmd->callback([&action, a] { action = [a] { return run_hindcast(*a); }; });
}

}  // namespace smesim::app
