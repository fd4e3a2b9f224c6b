// The analyst's workbench (issue 15): `smesim export` (analysis/src/export.cpp) and
// `smesim discover` (analysis/src/prim.cpp).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "smesim/analysis/csv.hpp"
#include "smesim/analysis/export.hpp"
#include "smesim/analysis/prim.hpp"
#include "smesim/model/params.hpp"
#include "smesim/sim/errors.hpp"
#include "smesim/sim/output.hpp"
#include "smesim/sim/sweep.hpp"
#include "smesim/sim/yaml_reader.hpp"

namespace smesim::app {

namespace {

// A results file the user named: one that cannot be read is bad input (exit 2).
sim::Results read_input_results(const std::string& path, sim::ReadTables tables) {
  try {
    return sim::read_results(path, tables);
  } catch (const std::runtime_error& e) {
    throw sim::InputError(e.what());
  }
}

// "< 0", ">= 0.1", "== 1": a comparison with a number.
struct Condition {
  std::string op;
  double value = 0;
  bool holds(double x) const {
    if (std::isnan(x)) return false;
    if (op == "<") return x < value;
    if (op == "<=") return x <= value;
    if (op == ">") return x > value;
    if (op == ">=") return x >= value;
    if (op == "==") return x == value;
    return x != value;
  }
};

Condition parse_condition(const std::string& text) {
  std::string t = text;
  t.erase(0, t.find_first_not_of(" \t"));
  Condition c;
  for (const char* op : {"<=", ">=", "==", "!=", "<", ">"})
    if (t.rfind(op, 0) == 0) {
      c.op = op;
      break;
    }
  std::string number = c.op.empty() ? "" : t.substr(c.op.size());
  number.erase(0, number.find_first_not_of(" \t"));
  number.erase(number.find_last_not_of(" \t") + 1);
  const auto x = sim::YamlReader::parse_real(number);
  if (c.op.empty() || !x || !std::isfinite(*x))
    throw sim::InputError("--where '" + text +
                          "': expected a comparison (<, <=, >, >=, == or !=) with a finite "
                          "number, e.g. \"< 0\"");
  c.value = *x;
  return c;
}

std::string fmt(double x, const char* f = "%.4g") {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, x);
  return buf;
}

struct DiscoverArgs {
  std::string results, outcome, where, inputs, csv;
  int year = 0;
  bool year_given = false, effect = false;
  analysis::PrimOptions options;
  double density = 0;
  bool density_given = false;
};

int discover(const DiscoverArgs& a) {
  const Condition cond = parse_condition(a.where);
  const auto r = read_input_results(a.results, sim::ReadTables::none);
  const auto swept = analysis::swept_inputs(r);
  if (swept.names.empty())
    throw sim::InputError("'" + a.results +
                          "' is not a sweep: scenario discovery needs the results of smesim "
                          "sweep (its swept parameters are PRIM's inputs)");
  const std::vector<double>* values = nullptr;
  std::vector<std::string> names;
  for (const auto& [n, v] : r.aggregates) {
    names.push_back(n);
    if (n == a.outcome) values = &v;
  }
  if (!values) {
    const auto near = model::nearest_name(a.outcome, names);
    throw sim::InputError("--outcome: no aggregate '" + a.outcome + "' in '" + a.results + "'" +
                          (near.empty() ? "" : "; did you mean '" + near + "'?"));
  }
  const int year = a.year_given ? a.year : r.years.back();
  const auto yt = std::find(r.years.begin(), r.years.end(), year);
  if (yt == r.years.end())
    throw sim::InputError("--year " + std::to_string(year) + ": the results hold " +
                          std::to_string(r.years.front()) + "-" + std::to_string(r.years.back()));
  // Inputs: the chosen swept parameters (default: those that vary).
  std::vector<std::size_t> use;
  if (!a.inputs.empty()) {
    for (const auto& want : analysis::split_list(a.inputs, ',', "--inputs")) {
      const auto it = std::find(swept.names.begin(), swept.names.end(), want);
      if (it == swept.names.end()) {
        const auto near = model::nearest_name(want, swept.names);
        throw sim::InputError("--inputs: '" + want + "' is not a swept parameter of '" + a.results +
                              "'" + (near.empty() ? "" : "; did you mean '" + near + "'?"));
      }
      use.push_back(std::size_t(it - swept.names.begin()));
    }
  } else {
    for (std::size_t f = 0; f < swept.names.size(); ++f) {
      const auto [mn, mx] = std::minmax_element(swept.values[f].begin(), swept.values[f].end());
      if (*mn < *mx) use.push_back(f);
    }
  }
  if (use.empty()) throw sim::InputError("no swept parameter varies: nothing to discover");
  const std::size_t P = std::size_t(r.points), R = std::size_t(r.reps), Y = r.years.size();
  const std::size_t y = std::size_t(yt - r.years.begin());
  std::size_t ref = 0;
  if (a.effect) {
    const auto* rs = r.attribute("sweep_reference");
    const auto refp = rs ? sim::parse_count(*rs, 0, sim::kMaxSweepUnits) : std::nullopt;
    if (!refp || *refp >= std::int64_t(P))
      throw sim::InputError("--effect: '" + a.results + "' names no reference point");
    ref = std::size_t(*refp);
  }
  // One case per point and replication; with --effect not the reference point (its effect is 0
  // by construction).
  std::vector<std::vector<double>> x(use.size());
  std::vector<bool> interesting;
  for (std::size_t p = 0; p < P; ++p)
    for (std::size_t k = 0; k < R && !(a.effect && p == ref); ++k) {
      double v = (*values)[(p * R + k) * Y + y];
      if (a.effect) v -= (*values)[(ref * R + k) * Y + y];
      for (std::size_t i = 0; i < use.size(); ++i) x[i].push_back(swept.values[use[i]][p]);
      interesting.push_back(cond.holds(v));
    }
  analysis::PrimOptions o = a.options;
  if (a.density_given) o.min_density = a.density;
  const std::string what = (a.effect ? "effect on " : "") + a.outcome + " in " +
                           std::to_string(year) + " " + cond.op + " " + fmt(cond.value);
  const int hits = int(std::count(interesting.begin(), interesting.end(), true));
  std::cout << "PRIM: " << interesting.size() << " cases (" << P << " points x " << R
            << " replications" << (a.effect ? ", less the reference point" : "") << "), "
            << use.size() << " inputs; cases of interest (" << what << "): " << hits << " ("
            << fmt(100.0 * hits / double(interesting.size()), "%.1f") << "%)\n";
  if (hits == 0) {
    std::cout << "No case satisfies the condition: no box to find.\n";
    return 0;
  }
  analysis::PrimResult res;
  try {
    res = analysis::prim(x, interesting, o);
  } catch (const std::invalid_argument& e) {
    throw sim::InputError(e.what());
  }
  std::cout << "\nCoverage-density trade-off (peeling, alpha " << fmt(o.peel_alpha)
            << ", down to mass " << fmt(o.mass_min) << "):\n  box  coverage  density   mass  "
            << "restricted\n";
  for (std::size_t s = 0; s < res.curve.size(); ++s) {
    const auto& b = res.curve[s];
    char line[120];
    std::snprintf(line, sizeof line, "  %3zu %9.3f %8.3f %6.3f  %d%s\n", s, b.coverage, b.density,
                  b.mass, b.restricted, int(s) == res.chosen ? "   <- chosen" : "");
    std::cout << line;
  }
  std::cout << "\nChosen box ("
            << (a.density_given ? "the largest coverage at density >= " + fmt(a.density)
                                : std::string("the largest coverage x density"))
            << ", then pasting): coverage " << fmt(res.box.coverage, "%.3f") << ", density "
            << fmt(res.box.density, "%.3f") << ", mass " << fmt(res.box.mass, "%.3f") << " ("
            << res.box.cases << " cases, " << res.box.interesting << " of interest)\n";
  if (res.limits.empty()) std::cout << "  (no input is restricted)\n";
  for (const auto& l : res.limits) {
    const std::string& name = swept.names[use[std::size_t(l.input)]];
    std::cout << "  " << name << ": "
              << (l.lo_restricted && l.hi_restricted
                      ? "in [" + fmt(l.lo, "%.6g") + ", " + fmt(l.hi, "%.6g") + "]"
                  : l.lo_restricted ? ">= " + fmt(l.lo, "%.6g")
                                    : "<= " + fmt(l.hi, "%.6g"))
              << "   quasi-p " << fmt(l.quasi_p, "%.3g") << "\n";
  }
  if (!a.csv.empty()) {
    std::string text = "box,pasted,coverage,density,mass,restricted,chosen";
    for (std::size_t i : use)
      text += "," + analysis::csv_text(swept.names[i] + ":lo") + "," +
              analysis::csv_text(swept.names[i] + ":hi");
    text += "\n";
    auto row = [&](std::size_t box, bool pasted, const analysis::PrimBox& b, bool chosen) {
      text += std::to_string(box) + (pasted ? ",1," : ",0,") + analysis::csv_number(b.coverage) +
              "," + analysis::csv_number(b.density) + "," + analysis::csv_number(b.mass) + "," +
              std::to_string(b.restricted) + "," + (chosen ? "1" : "0");
      for (std::size_t i = 0; i < use.size(); ++i)
        text += "," + analysis::csv_number(b.lo[i]) + "," + analysis::csv_number(b.hi[i]);
      text += "\n";
    };
    for (std::size_t s = 0; s < res.curve.size(); ++s)
      row(s, false, res.curve[s], int(s) == res.chosen);
    row(std::size_t(res.chosen), true, res.box, true);
    sim::write_text_file(a.csv, text);
  }
  return 0;
}

}  // namespace

void add_workbench_commands(CLI::App& app, Action& action) {
  struct ExportArgs {
    std::string results, dir;
    bool quiet = false;
  };
  auto e = std::make_shared<ExportArgs>();
  auto* exp = app.add_subcommand(
      "export",
      "Write a results file's tables as tidy CSV files (aggregates with each point's "
      "swept parameters, points, panel, decision log)");
  exp->add_option("results", e->results, "Results file (.h5) of smesim run or smesim sweep")
      ->required();
  exp->add_option("--csv", e->dir,
                  "Directory for the CSV files (new, empty or an earlier export; written under a "
                  "temporary name and renamed when complete)")
      ->required();
  exp->add_flag("-q,--quiet", e->quiet, "Print nothing but errors");
  exp->callback([&action, e] {
    action = [e] {
      const auto r = read_input_results(e->results, sim::ReadTables::all);
      const auto files = analysis::export_csv(r, e->dir);
      if (!e->quiet) {
        std::cout << "Wrote " << files.size() << " CSV file(s) to "
                  << std::filesystem::absolute(e->dir).string() << ":";
        for (const auto& f : files) std::cout << " " << f;
        std::cout << "\n";
      }
      return 0;
    };
  });

  auto d = std::make_shared<DiscoverArgs>();
  auto* dis = app.add_subcommand(
      "discover",
      "Scenario discovery with PRIM: which ranges of the swept parameters make an outcome "
      "satisfy a condition (coverage-density trade-off, box limits with quasi-p-values)");
  dis->add_option("results", d->results, "Results file (.h5) of smesim sweep")->required();
  dis->add_option("--outcome", d->outcome, "Aggregate whose value defines the cases of interest")
      ->required();
  dis->add_option("--where", d->where,
                  "Condition on the outcome that marks a case of interest, e.g. \"< 0\"")
      ->required();
  auto* year = dis->add_option("--year", d->year, "Year of the outcome (default: the last)");
  dis->add_flag("--effect", d->effect,
                "Use the outcome's paired effect (minus the reference point, same replication)");
  dis->add_option("--inputs", d->inputs,
                  "Comma-separated swept parameters (default: every one that varies)");
  dis->add_option("--alpha", d->options.peel_alpha, "Share of the box peeled per step")
      ->check(CLI::Range(0.001, 0.49));
  dis->add_option("--paste-alpha", d->options.paste_alpha, "Share of the box pasted per step")
      ->check(CLI::Range(0.001, 0.49));
  dis->add_option("--mass-min", d->options.mass_min, "Smallest box, as a share of the cases")
      ->check(CLI::Range(0.001, 1.0));
  auto* density =
      dis->add_option(
             "--density", d->density,
             "Choose the box of largest coverage with at least this density (default: the largest "
             "coverage x density)")
          ->check(CLI::Range(0.0, 1.0));
  dis->add_option("--csv", d->csv, "Also write the trade-off curve and the chosen box (CSV)");
  dis->callback([&action, d, year, density] {
    d->year_given = year->count() > 0;
    d->density_given = density->count() > 0;
    action = [d] {
      if (!d->csv.empty()) sim::check_output_path(d->csv, {d->results});
      return discover(*d);
    };
  });
}

}  // namespace smesim::app
