// `smesim regress`: panel regressions on any CSV panel, or M05's tables on a results file.
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "commands.hpp"
#include "smesim/analysis/csv.hpp"
#include "smesim/analysis/panel.hpp"
#include "smesim/analysis/paper.hpp"
#include "smesim/sim/errors.hpp"
#include "smesim/sim/output.hpp"

namespace smesim::app {

using sim::InputError;
using sim::read_results;
using sim::Results;

namespace {

using namespace smesim::analysis;

struct RegressArgs {
  std::string results, csv, y, x, group, time, cluster, model, spec;
  std::string format = "table", re_variance = "stata";
  int point = -1;
};

// A number for machine-readable output: 12 significant digits, empty when not finite.
std::string num(double v) {
  if (!std::isfinite(v)) return "";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.12g", v);
  return buf;
}

// A number for JSON: as num(), null when not finite.
std::string json_num(double v) { return std::isfinite(v) ? num(v) : "null"; }

std::string json_str(const std::string& s) {
  std::string out = "\"";
  for (const char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (static_cast<unsigned char>(ch) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", ch);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

std::string json_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + json_str(items[i]);
  return out + "]";
}

// A fixed-width cell for tables: `precision` significant digits, blank when not finite.
std::string cell(double v, int width, int precision) {
  char buf[64];
  if (!std::isfinite(v))
    std::snprintf(buf, sizeof buf, "%*s", width, "");
  else
    std::snprintf(buf, sizeof buf, "%*.*g", width, precision, v);
  return buf;
}

std::string model_title(PanelModel m) {
  switch (m) {
    case PanelModel::fe:
      return "Fixed-effects (within) regression";
    case PanelModel::re:
      return "Random-effects GLS regression (Swamy-Arora)";
    case PanelModel::pooled:
      return "Pooled OLS regression";
  }
  return "";
}

// --- `smesim regress --csv` ---------------------------------------------------------------

struct CsvDesign {
  Eigen::VectorXd y;
  Eigen::MatrixXd X;
  std::vector<std::int64_t> group, cluster;
  std::size_t dropped_missing = 0;
};

std::int64_t integer_id(double v, const CsvTable& t, std::size_t row, const std::string& column) {
  if (!(v == std::floor(v)) || std::abs(v) > 9.0e15)
    throw InputError(t.source + ":" + std::to_string(t.line[row]) + ": column '" + column +
                     "': " + num(v) + " is not an integer id");
  return std::int64_t(v);
}

CsvDesign csv_design(const CsvTable& t, const RegressArgs& a, const std::vector<std::string>& x) {
  const auto& yv = t.column(a.y);
  const auto& gv = t.column(a.group);
  std::vector<std::vector<double>> xv;
  for (const auto& term : x) xv.push_back(term_values(t, term));
  const std::vector<double>* tv = a.time.empty() ? nullptr : &t.column(a.time);
  const std::vector<double>* cv = a.cluster.empty() ? nullptr : &t.column(a.cluster);

  CsvDesign d;
  std::vector<std::size_t> rows;
  for (std::size_t i = 0; i < t.rows(); ++i) {
    bool ok = !std::isnan(yv[i]) && !std::isnan(gv[i]) && (!tv || !std::isnan((*tv)[i])) &&
              (!cv || !std::isnan((*cv)[i]));
    for (const auto& v : xv) ok = ok && !std::isnan(v[i]);
    if (ok)
      rows.push_back(i);
    else
      ++d.dropped_missing;
  }
  const auto n = Eigen::Index(rows.size());
  d.y.resize(n);
  d.X.resize(n, Eigen::Index(x.size()));
  for (Eigen::Index r = 0; r < n; ++r) {
    const std::size_t i = rows[std::size_t(r)];
    d.y[r] = yv[i];
    for (std::size_t j = 0; j < x.size(); ++j) d.X(r, Eigen::Index(j)) = xv[j][i];
    d.group.push_back(integer_id(gv[i], t, i, a.group));
    if (cv) d.cluster.push_back(integer_id((*cv)[i], t, i, a.cluster));
  }
  if (tv) {  // as Stata's xtset: one row per group and time
    std::map<std::pair<std::int64_t, double>, std::size_t> seen;
    for (std::size_t r = 0; r < rows.size(); ++r) {
      const std::size_t i = rows[r];
      const auto [it, fresh] = seen.try_emplace({d.group[r], (*tv)[i]}, i);
      if (!fresh)
        throw InputError(t.source + ": lines " + std::to_string(t.line[it->second]) + " and " +
                         std::to_string(t.line[i]) + " have the same " + a.group + " (" +
                         num(gv[i]) + ") and " + a.time + " (" + num((*tv)[i]) + ")");
    }
  }
  return d;
}

void print_result_table(std::ostream& os, const PanelResult& r, const RegressArgs& a) {
  char line[200];
  os << model_title(r.model) << " of " << a.y << "\n";
  std::snprintf(line, sizeof line,
                "Group variable: %-20s  observations %lld, groups %lld (per group: min %lld, "
                "mean %.1f, max %lld)\n",
                a.group.c_str(), (long long)r.n_obs, (long long)r.n_groups, (long long)r.t_min,
                r.t_mean, (long long)r.t_max);
  os << line;
  std::snprintf(line, sizeof line, "R-squared: within %.4f, between %.4f, overall %.4f\n",
                r.r2_within, r.r2_between, r.r2_overall);
  os << line;
  if (r.model == PanelModel::pooled) {
    std::snprintf(line, sizeof line, "Root MSE %.6g\n", r.sigma_e);
  } else {
    std::snprintf(line, sizeof line, "sigma_u %.6g, sigma_e %.6g, rho %.4f", r.sigma_u, r.sigma_e,
                  r.rho);
    os << line;
    if (r.model == PanelModel::re && r.theta_max > r.theta_min)
      std::snprintf(line, sizeof line, ", theta %.4f to %.4f (mean %.4f)\n", r.theta_min,
                    r.theta_max, r.theta_mean);
    else if (r.model == PanelModel::re)
      std::snprintf(line, sizeof line, ", theta %.4f\n", r.theta_min);
    else
      std::snprintf(line, sizeof line, "\n");
  }
  os << line << "\n";
  std::snprintf(line, sizeof line, "%-20s %13s %12s %9s %12s %9s\n", "term", "coef", "se", "t",
                "se cluster", "t");
  os << line;
  for (const auto& c : r.coefficients)
    os << (c.term.size() > 20 ? c.term : (c.term + std::string(20 - c.term.size(), ' ')))
       << cell(c.coef, 14, 6) << cell(c.se, 13, 6) << cell(c.t(), 10, 4)
       << cell(c.se_cluster, 13, 6) << cell(c.t_cluster(), 10, 4) << "\n";
  os << "\nse cluster: clustered by " << (a.cluster.empty() ? a.group : a.cluster) << " ("
     << r.n_clusters << " clusters), small-sample factor G/(G-1) (N-1)/(N-K) as Stata\n";
}

void print_result_json(std::ostream& os, const PanelResult& r, const RegressArgs& a) {
  os << "{\"model\":" << json_str(std::string(model_name(r.model))) << ",\"y\":" << json_str(a.y)
     << ",\"group\":" << json_str(a.group)
     << ",\"cluster\":" << json_str(a.cluster.empty() ? a.group : a.cluster)
     << ",\"n_obs\":" << r.n_obs << ",\"n_groups\":" << r.n_groups
     << ",\"n_clusters\":" << r.n_clusters << ",\"t_min\":" << r.t_min
     << ",\"t_mean\":" << json_num(r.t_mean) << ",\"t_max\":" << r.t_max
     << ",\"df_resid\":" << r.df_resid << ",\"rss\":" << json_num(r.rss)
     << ",\"r2_within\":" << json_num(r.r2_within) << ",\"r2_between\":" << json_num(r.r2_between)
     << ",\"r2_overall\":" << json_num(r.r2_overall) << ",\"sigma_u\":" << json_num(r.sigma_u)
     << ",\"sigma_e\":" << json_num(r.sigma_e) << ",\"rho\":" << json_num(r.rho)
     << ",\"theta_min\":" << json_num(r.theta_min) << ",\"theta_mean\":" << json_num(r.theta_mean)
     << ",\"theta_max\":" << json_num(r.theta_max) << ",\"omitted\":" << json_list(r.omitted)
     << ",\"coefficients\":[";
  for (std::size_t i = 0; i < r.coefficients.size(); ++i) {
    const auto& c = r.coefficients[i];
    os << (i ? "," : "") << "{\"term\":" << json_str(c.term) << ",\"coef\":" << json_num(c.coef)
       << ",\"se\":" << json_num(c.se) << ",\"se_cluster\":" << json_num(c.se_cluster)
       << ",\"t\":" << json_num(c.t()) << ",\"t_cluster\":" << json_num(c.t_cluster()) << "}";
  }
  os << "]}\n";
}

int regress_csv(const RegressArgs& a) {
  if (a.y.empty() || a.x.empty() || a.group.empty())
    throw InputError("regress --csv needs --y, --x and --group");
  const PanelModel model = parse_panel_model(a.model.empty() ? "fe" : a.model);
  const auto table = read_csv(a.csv);
  const auto terms = split_list(a.x, ',', "--x");
  const CsvDesign d = csv_design(table, a, terms);
  if (d.dropped_missing > 0)
    std::cerr << "smesim: note: " << d.dropped_missing
              << " rows with a missing value in the model's variables left out\n";
  PanelOptions o;
  o.model = model;
  o.components =
      a.re_variance == "swar" ? VarianceComponents::baltagi_chang : VarianceComponents::stata;
  PanelResult r;
  try {
    r = estimate(d.y, d.X, d.group, o, terms, d.cluster);
  } catch (const std::invalid_argument& e) {
    throw InputError(a.csv + ": " + e.what());
  }
  for (const auto& w : r.warnings) std::cerr << "smesim: warning: " << w << "\n";
  if (a.format == "csv") {
    std::cout << "model,term,coef,se,se_cluster,t\n";
    for (const auto& c : r.coefficients)
      std::cout << model_name(model) << "," << c.term << "," << num(c.coef) << "," << num(c.se)
                << "," << num(c.se_cluster) << "," << num(c.t()) << "\n";
  } else if (a.format == "json") {
    print_result_json(std::cout, r, a);
  } else {
    print_result_table(std::cout, r, a);
  }
  return 0;
}

// --- `smesim regress OUT.h5 --spec` ---------------------------------------------------------

void print_spec_table(std::ostream& os, const PaperRun& run, const std::vector<PaperRow>& rows,
                      const std::vector<PaperFit>& fits, const std::string& file) {
  const int reps = fits.empty() ? 0 : fits.front().reps;
  os << "M05 "
     << (run.table == PaperTable::table3   ? "Table 3"
         : run.table == PaperTable::table4 ? "Table 4"
                                           : "Table 5")
     << " on the simulated survey of " << file << "\n";
  for (const auto& n : run.notes) os << "  " << n << "\n";
  if (reps > 1)
    os << "  " << reps
       << " replications: coef is the mean, se its Monte Carlo standard deviation across "
          "replications, mean se the mean conventional se; z uses se^2 / replications\n";
  const bool targets = run.table == PaperTable::table3;
  char line[240];
  for (const auto& f : fits) {
    // Table 3's groups are the respondent firms of the column (linked, with So[r] > 0).
    std::snprintf(
        line, sizeof line, "\n(%d) %s: %.0f obs, %.0f %s (%.2f obs per firm), within R2 %.3f",
        f.spec, f.region.c_str(), f.observations, f.groups,
        run.table == PaperTable::table5 ? "groups" : "respondents", f.obs_per_firm, f.r2_within);
    os << line;
    if (std::isfinite(f.target_observations)) {
      std::snprintf(line, sizeof line, "   [M05: %.0f obs, %.0f firms (%.2f per firm), R2 %.2f]",
                    f.target_observations, f.target_groups, f.target_obs_per_firm, f.target_r2);
      os << line;
    }
    os << "\n";
    std::snprintf(line, sizeof line, "  %-16s %10s %9s %7s%s", "term", "coef", "se", "t",
                  reps > 1 ? "   mean se" : "");
    os << line;
    if (targets) {
      std::snprintf(line, sizeof line, " | %8s %8s %6s | %6s", "M05", "se", "t", "z");
      os << line;
    }
    os << "\n";
    for (const auto& r : rows) {
      if (r.spec != f.spec || r.region != f.region) continue;
      std::snprintf(line, sizeof line, "  %-16s %10.4f %9.4f %7.2f", r.term.c_str(), r.coef, r.se,
                    r.t);
      os << line;
      if (reps > 1) {
        std::snprintf(line, sizeof line, " %9.4f", r.mean_se);
        os << line;
      }
      if (targets && std::isfinite(r.target_coef)) {
        std::snprintf(line, sizeof line, " | %8.3f %8.4f %6.2f | %6.2f", r.target_coef, r.target_se,
                      r.target_coef / r.target_se, r.z);
        os << line;
      }
      os << "\n";
    }
    for (const auto& w : f.warnings) os << "  note: " << w << "\n";
  }
}

void print_spec_json(std::ostream& os, const PaperRun& run, const std::vector<PaperRow>& rows,
                     const std::vector<PaperFit>& fits, const std::string& file) {
  os << "{\"table\":" << json_str(std::string(table_name(run.table)))
     << ",\"file\":" << json_str(file) << ",\"notes\":" << json_list(run.notes) << ",\"columns\":[";
  for (std::size_t k = 0; k < fits.size(); ++k) {
    const auto& f = fits[k];
    os << (k ? "," : "") << "{\"region\":" << json_str(f.region) << ",\"spec\":" << f.spec
       << ",\"replications\":" << f.reps << ",\"observations\":" << json_num(f.observations)
       << ",\"groups\":" << json_num(f.groups) << ",\"obs_per_firm\":" << json_num(f.obs_per_firm)
       << ",\"r2_within\":" << json_num(f.r2_within)
       << ",\"target_observations\":" << json_num(f.target_observations)
       << ",\"target_groups\":" << json_num(f.target_groups)
       << ",\"target_obs_per_firm\":" << json_num(f.target_obs_per_firm)
       << ",\"target_r2\":" << json_num(f.target_r2) << ",\"omitted\":" << json_list(f.omitted)
       << ",\"coefficients\":[";
    bool first = true;
    for (const auto& r : rows) {
      if (r.spec != f.spec || r.region != f.region) continue;
      os << (first ? "" : ",") << "{\"term\":" << json_str(r.term)
         << ",\"coef\":" << json_num(r.coef) << ",\"se\":" << json_num(r.se)
         << ",\"t\":" << json_num(r.t) << ",\"mean_se\":" << json_num(r.mean_se)
         << ",\"mc_sd\":" << json_num(r.mc_sd) << ",\"target_coef\":" << json_num(r.target_coef)
         << ",\"target_se\":" << json_num(r.target_se) << ",\"z\":" << json_num(r.z) << "}";
      first = false;
    }
    os << "]}";
  }
  os << "]}\n";
}

int regress_spec(const RegressArgs& a) {
  if (a.spec.empty()) throw InputError("regress " + a.results + " needs --spec table3|4|5");
  if (!a.model.empty() || !a.y.empty() || !a.x.empty() || !a.group.empty() || !a.cluster.empty() ||
      !a.time.empty())
    throw InputError("--model, --y, --x, --group, --time and --cluster go with --csv, not --spec");
  PaperTable table;
  try {
    table = parse_paper_table(a.spec);
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  if (!std::filesystem::is_regular_file(a.results))
    throw InputError("cannot open results file '" + a.results + "'");
  Results results;
  try {
    results = read_results(a.results);
  } catch (const std::exception& e) {
    throw InputError("cannot read results file '" + a.results + "': " + e.what());
  }
  if (results.panel.ints.empty() && results.panel.reals.empty())
    throw InputError("'" + a.results +
                     "' holds no firm-year panel (the run kept none: scenario key "
                     "output.panel_reps, or a sweep's panel: setting): rerun with a panel to "
                     "estimate M05's tables");
  if (results.panel.rows() == 0)
    throw InputError("'" + a.results +
                     "' holds an empty firm-year panel (no firm in output.panel_from-panel_to "
                     "above output.panel_min_employees): nothing to estimate");
  SurveyOptions o;
  o.point = a.point;
  o.components =
      a.re_variance == "swar" ? VarianceComponents::baltagi_chang : VarianceComponents::stata;
  const PaperRun run = run_paper_table(results.panel, table, o);
  const auto rows = compare_with_paper(run);
  const auto fits = sample_fit(run);
  if (a.format == "csv") {
    for (const auto& n : run.notes) std::cerr << "smesim: note: " << n << "\n";
    for (const auto& f : fits)  // the samples (the CSV holds the coefficients)
      std::cerr << "smesim: note: (" << f.spec << ") " << f.region << ": " << num(f.observations)
                << " obs, " << num(f.groups) << " firms, " << num(f.obs_per_firm)
                << " obs per firm, within R2 " << num(f.r2_within) << "\n";
    std::cout << "region,spec,term,coef,se,t,target_coef,target_se,z\n";
    for (const auto& r : rows)
      std::cout << r.region << "," << r.spec << "," << r.term << "," << num(r.coef) << ","
                << num(r.se) << "," << num(r.t) << "," << num(r.target_coef) << ","
                << num(r.target_se) << "," << num(r.z) << "\n";
  } else if (a.format == "json") {
    print_spec_json(std::cout, run, rows, fits, a.results);
  } else {
    print_spec_table(std::cout, run, rows, fits, a.results);
  }
  return 0;
}

}  // namespace

void add_analysis_commands(CLI::App& app, Action& action) {
  auto a = std::make_shared<RegressArgs>();
  auto* regress = app.add_subcommand(
      "regress",
      "Panel regressions (pooled, fixed or random effects) on a CSV panel, or M05's tables on a "
      "results file");
  regress->add_option("results", a->results, "Results file (.h5) for --spec");
  regress->add_option("--csv", a->csv, "Panel data: comma-separated, a header row, numbers");
  regress->add_option("--y", a->y, "Dependent variable (a column)");
  regress->add_option("--x", a->x, "Regressors, comma-separated; A:B is the product of A and B");
  regress->add_option("--group", a->group, "Group (panel) identifier column, integers");
  regress->add_option("--time", a->time, "Time column; each group may have one row per time");
  regress->add_option("--model", a->model, "fe (default), re or pooled")
      ->check(CLI::IsMember({"fe", "re", "pooled"}));
  regress->add_option("--cluster", a->cluster,
                      "Cluster column for the robust se (default: the group)");
  regress->add_option("--spec", a->spec, "M05 table to reproduce from a results file")
      ->check(CLI::IsMember({"table3", "table4", "table5"}));
  regress->add_option("--point", a->point, "Design point of a sweep results file")
      ->check(CLI::NonNegativeNumber);
  regress
      ->add_option("--re-variance", a->re_variance,
                   "Random-effects variance components on unbalanced panels: stata (xtreg, re; "
                   "default) or swar (R plm's random.method = \"swar\")")
      ->check(CLI::IsMember({"stata", "swar"}));
  regress->add_option("--format", a->format, "Output: table (default), csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  regress->callback([&action, a] {
    action = [a] {
      if (a->csv.empty() == a->results.empty())
        throw InputError("regress needs either --csv FILE or a results file (OUT.h5 --spec ...)");
      return a->csv.empty() ? regress_spec(*a) : regress_csv(*a);
    };
  });
}

}  // namespace smesim::app
