// `smesim calibrate`: simulated method of moments on the Table 3 coefficients of Motohashi (2005)
// (spec section 9; docs/calibration.md).
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "smesim/analysis/calibration.hpp"
#include "smesim/analysis/calibration_file.hpp"
#include "smesim/analysis/paper.hpp"
#include "smesim/sim/commands.hpp"
#include "smesim/sim/run.hpp"
#include "smesim/sim/scenario.hpp"
#include "smesim/version.hpp"

namespace fs = std::filesystem;

namespace smesim::sim {

CalibrationFile load_calibration(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw_at(path, "", 0, 0, "", "cannot open calibration file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw_at(path, text, e.mark.line + 1, e.mark.column + 1, "", "invalid YAML: " + e.msg);
  }
  auto fail = [&](const YAML::Node& n, const std::string& key, const std::string& msg) {
    const auto m = n.IsDefined() ? n.Mark() : YAML::Mark::null_mark();
    throw_at(path, text, m.is_null() ? 0 : m.line + 1, m.is_null() ? 0 : m.column + 1, key, msg);
  };
  auto number = [&](const YAML::Node& n, const std::string& key) {
    try {
      return n.as<double>();
    } catch (const YAML::Exception&) {
      fail(n, key, "'" + key + "': expected a number");
    }
    return 0.0;  // not reached: fail throws
  };
  if (!root.IsMap()) fail(root, "", "a calibration file is a map of keys");
  static const std::vector<std::string> keys = {
      "name",       "description",     "base",
      "targets",    "overrides",       "replications",
      "optimizer",  "max_evaluations", "multistart_points",
      "parameters", "weights",         "min_t"};
  for (const auto& kv : root)
    if (std::find(keys.begin(), keys.end(), kv.first.Scalar()) == keys.end()) {
      const auto near = nearest_key(kv.first.Scalar(), keys);
      fail(kv.first, kv.first.Scalar(),
           "unknown key '" + kv.first.Scalar() + "'" +
               (near.empty() ? "" : "; did you mean '" + near + "'?"));
    }
  CalibrationFile c;
  const fs::path dir = fs::path(path).parent_path();
  if (!root["base"]) fail(root, "base", "missing 'base': the scenario to calibrate");
  c.base = load_scenario((dir / root["base"].Scalar()).string());
  auto ref_of = [&](const YAML::Node& key) {
    std::string near;
    const auto* r = model::find_param(key.Scalar(), &near);
    if (!r) {
      fail(key, key.Scalar(),
           "unknown parameter path '" + key.Scalar() + "'" +
               (near.empty() ? "" : "; did you mean '" + near + "'?"));
    }
    return r;
  };
  if (const auto o = root["overrides"])
    for (const auto& kv : o) {
      const auto* r = ref_of(kv.first);
      const double x = number(kv.second, kv.first.Scalar());
      if (!r->bounds.contains(x))
        fail(kv.second, kv.first.Scalar(), "'" + kv.first.Scalar() + "' is out of range");
      r->set(c.base.params, x);
    }
  c.targets_file = (dir / (root["targets"] ? root["targets"].Scalar()
                                           : "../data/targets/motohashi2005_table3.csv"))
                       .string();
  try {
    c.targets = analysis::read_coefficient_targets(c.targets_file);
  } catch (const std::exception& e) {
    fail(root["targets"], "targets", e.what());
  }
  if (const auto w = root["weights"])
    for (const auto& kv : w) {
      const double x = number(kv.second, "weights." + kv.first.Scalar());
      bool matched = false;
      for (auto& t : c.targets)
        if (t.name == kv.first.Scalar() || t.name.rfind(kv.first.Scalar() + ".", 0) == 0) {
          t.weight = x;
          matched = true;
        }
      if (!matched)
        fail(kv.first, "weights",
             "'" + kv.first.Scalar() + "' names no target (a region or region.term)");
    }
  if (const auto m = root["min_t"]) {
    const double min_t = number(m, "min_t");
    for (auto& t : c.targets)
      if (std::abs(t.value) / t.se < min_t) t.weight = 0;  // kept for validation only
  }
  const auto params = root["parameters"];
  if (!params || !params.IsMap() || params.size() == 0)
    fail(params ? params : root, "parameters",
         "'parameters' maps parameter paths to {start, lower, upper}");
  for (const auto& kv : params) {
    const auto* r = ref_of(kv.first);
    analysis::CalibratedParameter p{kv.first.Scalar(), 0, 0, 0};
    for (const char* k : {"start", "lower", "upper"})
      if (!kv.second[k])
        fail(kv.second, kv.first.Scalar(),
             "'" + kv.first.Scalar() + "' needs start, lower and upper");
    p.start = number(kv.second["start"], kv.first.Scalar() + ".start");
    p.lower = number(kv.second["lower"], kv.first.Scalar() + ".lower");
    p.upper = number(kv.second["upper"], kv.first.Scalar() + ".upper");
    if (!(p.lower < p.upper) || p.start < p.lower || p.start > p.upper ||
        !r->bounds.contains(p.lower) || !r->bounds.contains(p.upper))
      fail(kv.second, kv.first.Scalar(),
           "'" + kv.first.Scalar() +
               "': need lower <= start <= upper, lower < upper, within the parameter's range");
    c.params.push_back(p);
  }
  if (root["replications"])
    c.options.replications = int(number(root["replications"], "replications"));
  if (c.options.replications < 1)
    fail(root["replications"], "replications", "'replications' must be at least 1");
  if (root["max_evaluations"])
    c.options.max_evaluations = int(number(root["max_evaluations"], "max_evaluations"));
  if (root["multistart_points"])
    c.options.multistart_points = int(number(root["multistart_points"], "multistart_points"));
  if (const auto o = root["optimizer"]) {
    c.options.optimizer = o.Scalar();
    static const std::vector<std::string> opts = {"bobyqa", "sbplx", "crs2", "multistart"};
    if (std::find(opts.begin(), opts.end(), c.options.optimizer) == opts.end())
      fail(o, "optimizer",
           "unknown optimizer '" + o.Scalar() + "': expected bobyqa, sbplx, crs2 or multistart");
  }
  return c;
}

// The Table 3 slope coefficients (mean over replications) at theta, in the targets' order.
std::vector<double> table3_moments(const CalibrationFile& c, const std::vector<double>& theta) {
  Scenario sc = c.base;
  auto& p = sc.params;
  for (std::size_t k = 0; k < theta.size(); ++k)
    model::find_param(c.params[k].path)->set(p, theta[k]);
  p.replications = c.options.replications;
  p.end_year = std::max(p.start_year, std::min(p.end_year, model::kSurvey.last_year));
  p.output.panel_reps.clear();
  for (int r = 0; r < p.replications; ++r) p.output.panel_reps.push_back(r);
  p.output.panel_from = std::max(p.start_year, model::kSurvey.first_year);
  p.output.panel_to = p.end_year;
  p.output.panel_min_employees = model::kSurvey.min_employees;  // the BSBSA universe
  p.output.decisions = false;
  const auto res = run_scenario(sc, {});
  const auto run = analysis::run_paper_table(res.panel, analysis::PaperTable::table3);
  std::map<std::string, double> coef;
  for (const auto& row : analysis::compare_with_paper(run))
    coef[row.region + "." + row.term] = row.coef;
  std::vector<double> m;
  for (const auto& t : c.targets) {
    const auto it = coef.find(t.name);
    m.push_back(it == coef.end() ? std::nan("") : it->second);
  }
  return m;
}

namespace {

std::vector<analysis::Evaluation> read_trace(const std::string& path, std::size_t n,
                                             std::size_t k) {
  std::vector<analysis::Evaluation> out;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::vector<double> v;
    for (std::string cell; std::getline(ss, cell, ',');)
      v.push_back(cell == "nan" ? std::nan("") : std::stod(cell));
    if (v.size() != 2 + n + k) continue;  // a line cut by an interruption
    analysis::Evaluation e;
    e.J = v[1];
    e.theta.assign(v.begin() + 2, v.begin() + 2 + std::ptrdiff_t(n));
    e.moments.assign(v.begin() + 2 + std::ptrdiff_t(n), v.end());
    out.push_back(std::move(e));
  }
  return out;
}

std::string g17(double x) {
  char b[32];
  std::snprintf(b, sizeof b, "%.17g", x);
  return b;
}

}  // namespace

void add_calibrate_command(CLI::App& app, Action& action) {
  struct Args {
    std::string file, out = "calibrated.yaml", trace;
    int threads = 0;
    bool resume = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("calibrate",
                                 "Estimate parameters by the simulated method of moments "
                                 "against Motohashi (2005) Table 3");
  cmd->add_option("calibration", a->file, "Calibration YAML file")->required();
  cmd->add_option("-o,--output", a->out, "Scenario file written with the estimates");
  cmd->add_option("--trace", a->trace, "Trace of every evaluation (CSV; default OUTPUT.trace.csv)");
  cmd->add_flag("--resume", a->resume, "Replay the evaluations in the trace, then continue");
  cmd->add_option("--threads", a->threads, "Worker threads")->check(CLI::NonNegativeNumber);
  cmd->callback([&action, a] {
    action = [a] {
      auto c = load_calibration(a->file);
      const int threads =
          a->threads > 0 ? a->threads : int(oneapi::tbb::info::default_concurrency());
      oneapi::tbb::global_control limit(oneapi::tbb::global_control::max_allowed_parallelism,
                                        std::size_t(threads));
      check_output_path(a->out);
      const std::string trace = a->trace.empty() ? a->out + ".trace.csv" : a->trace;
      const std::size_t n = c.params.size(), k = c.targets.size();
      if (a->resume && fs::exists(trace))
        c.options.cache = read_trace(trace, n, k);
      else if (fs::exists(trace))
        throw InputError("trace '" + trace +
                         "' exists: add --resume to continue that calibration, or remove it");
      std::ofstream tr(trace, a->resume ? std::ios::app : std::ios::trunc);
      if (!a->resume || c.options.cache.empty()) {
        tr << "eval,J";
        for (const auto& p : c.params) tr << "," << p.path;
        for (const auto& t : c.targets) tr << "," << t.name;
        tr << "\n";
      }
      c.options.on_evaluation = [&](const analysis::Evaluation& e, int count, bool cached) {
        if (!cached) {
          tr << count << "," << g17(e.J);
          for (double x : e.theta) tr << "," << g17(x);
          for (double x : e.moments) tr << "," << g17(x);
          tr << "\n" << std::flush;  // durable as it goes: --resume replays these
        }
        std::fprintf(stderr, "calibrate: evaluation %d%s, J = %.3f\n", count,
                     cached ? " (from trace)" : "", e.J);
      };
      const auto res = analysis::calibrate(
          c.params, c.targets, [&](const auto& t) { return table3_moments(c, t); }, c.options);

      std::printf(
          "\nCalibration of %zu parameters to %zu Table 3 coefficients (%d replications, %s, %d "
          "evaluations)\n",
          n, k, c.options.replications, c.options.optimizer.c_str(), res.evaluations);
      std::printf("J at start %.2f, at the estimate %.2f; Jacobian rank %d of %zu\n\n", res.start.J,
                  res.best.J, res.jacobian_rank, n);
      std::printf("  %-34s %10s %10s %10s\n", "parameter", "start", "estimate", "se");
      for (std::size_t j = 0; j < n; ++j)
        std::printf("  %-34s %10.4f %10.4f %10.4f\n", c.params[j].path.c_str(), c.params[j].start,
                    res.best.theta[j], res.se[j]);
      std::printf("\n  %-28s %8s %8s %8s %7s %s\n", "coefficient", "paper", "se", "model", "z", "");
      int within = 0, used = 0;
      for (std::size_t q = 0; q < k; ++q) {
        const auto& t = c.targets[q];
        const double m = res.best.moments[q], z = (m - t.value) / t.se;
        within += std::abs(z) <= 2;
        used += t.weight > 0;
        std::printf("  %-28s %8.3f %8.3f %8.3f %7.2f %s\n", t.name.c_str(), t.value, t.se, m, z,
                    t.weight > 0 ? (std::abs(z) <= 2 ? "" : "*") : "(validation)");
      }
      std::printf(
          "\n%d of %zu coefficients within two standard errors of the paper's (%d used in J)\n",
          within, k, used);

      model::Params p = c.base.params;
      for (std::size_t j = 0; j < n; ++j)
        model::find_param(c.params[j].path)->set(p, res.best.theta[j]);
      std::ostringstream y;
      y << "# Calibrated by `smesim calibrate " << a->file << "` (smesim " << kVersion << ", "
        << kGitCommit << ")\n"
        << "# J = " << res.best.J << " (start " << res.start.J << "), " << within << " of " << k
        << " Table 3 coefficients within two standard errors; see docs/calibration.md.\n# "
           "Estimates:";
      for (std::size_t j = 0; j < n; ++j)
        y << "\n#   " << c.params[j].path << " = " << res.best.theta[j] << " (se " << res.se[j]
          << ")";
      y << "\n" << resolved_yaml(p);
      const std::string tmp = a->out + ".tmp";
      std::ofstream(tmp) << y.str();
      fs::rename(tmp, a->out);
      std::printf("Scenario with the estimates: %s\nTrace: %s\n", a->out.c_str(), trace.c_str());
      return 0;
    };
  });
}

}  // namespace smesim::sim
