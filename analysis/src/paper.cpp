// M05 Tables 3-5 on the simulated survey (spec sections 8-9, docs/econometrics.md).
#include "smesim/analysis/paper.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>

#include "smesim/sim/errors.hpp"

namespace smesim::analysis {

namespace {

using sim::InputError;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
using model::kRegionNames;

// Motohashi (2005), Table 3, as in data/targets/motohashi2005_table3.csv.
constexpr PaperTarget kTable3[] = {
    {"north_america", "LOS", 0.055, 2.69},
    {"north_america", "D_lf", 0.508, 3.31},
    {"north_america", "LOS_x_D_lf", -0.039, 1.89},
    {"north_america", "LRD", 0.055, 6.98},
    {"north_america", "D_parent", -0.030, 1.00},
    {"north_america", "const", 10.037, 62.77},
    {"europe", "LOS", 0.060, 1.91},
    {"europe", "D_lf", 0.366, 1.79},
    {"europe", "LOS_x_D_lf", -0.035, 1.13},
    {"europe", "LRD", 0.065, 6.64},
    {"europe", "D_parent", -0.067, 1.51},
    {"europe", "const", 10.391, 47.09},
    {"nies", "LOS", 0.083, 3.70},
    {"nies", "D_lf", 0.590, 3.62},
    {"nies", "LOS_x_D_lf", -0.056, 2.42},
    {"nies", "LRD", 0.046, 5.45},
    {"nies", "D_parent", 0.007, 0.19},
    {"nies", "const", 9.797, 58.96},
    {"asean", "LOS", 0.067, 3.43},
    {"asean", "D_lf", 0.527, 3.64},
    {"asean", "LOS_x_D_lf", -0.045, 2.25},
    {"asean", "LRD", 0.044, 5.68},
    {"asean", "D_parent", -0.093, 2.75},
    {"asean", "const", 9.932, 65.82},
    {"china", "LOS", 0.061, 2.83},
    {"china", "D_lf", 0.661, 4.21},
    {"china", "LOS_x_D_lf", -0.061, 2.73},
    {"china", "LRD", 0.041, 3.40},
    {"china", "D_parent", -0.042, 0.73},
    {"china", "const", 10.015, 57.16},
    {"others", "LOS", -0.029, 0.87},
    {"others", "D_lf", -0.071, 0.35},
    {"others", "LOS_x_D_lf", 0.046, 1.35},
    {"others", "LRD", 0.025, 2.09},
    {"others", "D_parent", -0.193, 2.44},
    {"others", "const", 11.575, 51.81},
};

// Motohashi (2005), Table 3: observations, firms ("kikatsu") and R-squared by column, as in
// data/targets/motohashi2005_table3_samples.csv.
constexpr PaperSample kTable3Samples[] = {
    {"north_america", 3768, 717, 0.03}, {"europe", 2359, 457, 0.04}, {"nies", 2987, 573, 0.03},
    {"asean", 3913, 759, 0.03},         {"china", 2413, 533, 0.02},  {"others", 1319, 256, 0.02},
};

// Table 5's firm groups, in the order M05 lists them.
constexpr std::array<const char*, 4> kTable5Groups = {"nonglobal_sme", "nonglobal_le", "global_sme",
                                                      "global_le"};

// Named access to the panel's columns.
class Columns {
 public:
  explicit Columns(const model::Table& t) : t_(t) {}
  const std::vector<std::int32_t>& ints(const std::string& name) const {
    for (const auto& [n, c] : t_.ints)
      if (n == name) return c;
    throw InputError("the results file's panel has no integer column '" + name +
                     "' (was it written by an older smesim?)");
  }
  const std::vector<double>& reals(const std::string& name) const {
    for (const auto& [n, c] : t_.reals)
      if (n == name) return c;
    throw InputError("the results file's panel has no column '" + name +
                     "' (was it written by an older smesim?)");
  }
  bool has_int(const std::string& name) const {
    for (const auto& [n, c] : t_.ints)
      if (n == name) return true;
    return false;
  }

 private:
  const model::Table& t_;
};

// The rows of the simulated survey, by replication.
struct Survey {
  std::map<int, std::vector<std::size_t>> rows;  // rep -> panel rows
};

Survey select_survey(const Columns& c, std::size_t n_rows, const SurveyOptions& o) {
  const auto& year = c.ints("year");
  const auto& rep = c.ints("rep");
  const auto& alive = c.ints("alive");
  const auto& respondent = c.ints("respondent");
  const auto& L = c.reals("L");
  const auto& Y = c.reals("Y");
  std::vector<std::int32_t> no_points;
  const auto& point = c.has_int("point") ? c.ints("point") : no_points;
  int chosen = o.point;
  if (chosen < 0 && !point.empty()) {
    const std::set<std::int32_t> points(point.begin(), point.end());
    if (points.size() > 1)
      throw InputError("the results file holds " + std::to_string(points.size()) +
                       " design points; choose one with --point");
    chosen = points.empty() ? 0 : *points.begin();
  }
  Survey s;
  for (std::size_t i = 0; i < n_rows; ++i) {
    if (!point.empty() && point[i] != chosen) continue;
    if (year[i] < o.first_year || year[i] > o.last_year || alive[i] != 1) continue;
    if (respondent[i] != 1) continue;  // the survey's response (spec v2 8)
    if (!(L[i] >= o.min_employment) || !(Y[i] > 0)) continue;
    s.rows[rep[i]].push_back(i);
  }
  if (s.rows.empty())
    throw InputError("the panel has no surveyed firm-years (respondents, alive, L >= " +
                     std::to_string(int(o.min_employment)) + ", " + std::to_string(o.first_year) +
                     "-" + std::to_string(o.last_year) +
                     (o.point >= 0 ? ", point " + std::to_string(o.point) : std::string()) + ")");
  return s;
}

// A regression's data: named regressors, y, group ids.
struct Design {
  std::vector<std::string> names;
  std::vector<std::vector<double>> x;
  std::vector<double> y;
  std::vector<std::int64_t> group;

  explicit Design(std::vector<std::string> n) : names(std::move(n)), x(names.size()) {}
  void add(double yv, std::int64_t g, const std::vector<double>& xv) {
    y.push_back(yv);
    group.push_back(g);
    for (std::size_t j = 0; j < x.size(); ++j) x[j].push_back(xv[j]);
  }
  PanelResult estimate(const PanelOptions& o) const {
    const Eigen::Index n = Eigen::Index(y.size());
    Eigen::MatrixXd X(n, Eigen::Index(x.size()));
    for (std::size_t j = 0; j < x.size(); ++j)
      X.col(Eigen::Index(j)) = Eigen::Map<const Eigen::VectorXd>(x[j].data(), n);
    return analysis::estimate(Eigen::Map<const Eigen::VectorXd>(y.data(), n), X, group, o, names);
  }
};

// Estimates and records one regression, or notes why it could not be estimated.
void run_one(PaperRun& run, const Design& d, const PanelOptions& o, std::string region, int spec,
             int rep) {
  try {
    PanelResult result = d.estimate(o);
    run.regressions.push_back({std::move(region), spec, rep, std::move(result)});
  } catch (const std::invalid_argument& e) {
    run.notes.push_back(region + " (column " + std::to_string(spec) + "), replication " +
                        std::to_string(rep) + ": not estimated (" + std::to_string(d.y.size()) +
                        " observations): " + e.what());
  }
}

// Tables 3 and 4: firm-level fixed-effects regressions for one region.
void firm_regressions(PaperRun& run, const Columns& c, const Survey& s, int region_index,
                      const std::vector<std::vector<std::string>>& specs, int first_spec) {
  const std::string r(kRegionNames[std::size_t(region_index)]);
  const auto& firm = c.ints("firm");
  const auto& d_lf = c.ints("D_lf");
  const auto& d_parent = c.ints("D_parent");
  const auto& linked = c.ints("linked");
  const auto& Y = c.reals("Y");
  const auto& RD = c.reals("RD");
  const auto& so = c.reals("So_" + r);
  const bool table4 = run.table == PaperTable::table4;
  std::vector<double> no_values;
  const auto& saj = table4 ? c.reals("saj_" + r) : no_values;
  const auto& suj = table4 ? c.reals("suj_" + r) : no_values;
  PanelOptions o;
  o.model = PanelModel::fe;
  for (std::size_t k = 0; k < specs.size(); ++k) {
    for (const auto& [rep, rows] : s.rows) {
      Design d(specs[k]);
      std::vector<double> v(specs[k].size());
      for (const std::size_t i : rows) {
        if (linked[i] != 1 || !(so[i] > 0)) continue;  // affiliate data: linked firms only
        const double los = std::log(so[i]), lf = d_lf[i];
        const std::array<double, 9> all = {los,
                                           lf,
                                           los * lf,
                                           std::log1p(std::max(0.0, RD[i])),
                                           double(d_parent[i]),
                                           table4 ? saj[i] : 0,
                                           table4 ? suj[i] : 0,
                                           table4 ? saj[i] * lf : 0,
                                           table4 ? suj[i] * lf : 0};
        for (std::size_t j = 0; j < v.size(); ++j) v[j] = all[j];
        d.add(std::log(Y[i]), firm[i], v);
      }
      run_one(run, d, o, r, first_spec + int(k), rep);
    }
  }
}

// Table 5: industry-level random-effects regressions by firm group.
void industry_regressions(PaperRun& run, const Columns& c, const Survey& s,
                          const SurveyOptions& options) {
  const auto& industry = c.ints("industry");
  const auto& year = c.ints("year");
  const auto& d_lf = c.ints("D_lf");
  const auto& d_parent = c.ints("D_parent");
  const auto& linked = c.ints("linked");
  const auto& Y = c.reals("Y");
  const auto& RD = c.reals("RD");
  std::vector<const std::vector<double>*> so;
  for (const auto r : kRegionNames) so.push_back(&c.reals("So_" + std::string(r)));
  PanelOptions o;
  o.model = PanelModel::re;
  o.components = options.components;
  const std::vector<std::string> names = {"LOS", "LRD", "D_parent", "LOS_x_D_parent"};
  int dropped_cells = 0;
  for (const auto& [rep, rows] : s.rows) {
    // Cells (industry, globalized, large, D_parent, year): sums of Y, RD and So.
    using Cell = std::tuple<int, int, int, int, int>;
    struct Sums {
      double y = 0, rd = 0, so = 0;
    };
    std::map<Cell, Sums> cells;
    std::map<std::pair<int, int>, double> industry_so;  // (industry, year): globalized firms' So
    for (const std::size_t i : rows) {
      double so_i = 0;
      if (linked[i] == 1)  // an unlinked respondent's affiliates are not observed
        for (const auto* col : so) so_i += std::max(0.0, (*col)[i]);
      const int global = so_i > 0;
      auto& cell = cells[{industry[i], global, d_lf[i], d_parent[i], year[i]}];
      cell.y += Y[i];
      cell.rd += std::max(0.0, RD[i]);
      cell.so += so_i;
      industry_so[{industry[i], year[i]}] += so_i;
    }
    std::array<Design, 4> groups = {Design(names), Design(names), Design(names), Design(names)};
    for (const auto& [key, sums] : cells) {
      const auto [ind, global, large, parent, yr] = key;
      const double so_total = global ? sums.so : industry_so[{ind, yr}];
      if (!(so_total > 0)) {
        ++dropped_cells;
        continue;
      }
      const double los = std::log(so_total);
      groups[std::size_t(2 * global + large)].add(
          std::log(sums.y), std::int64_t(ind) * 2 + parent,
          {los, std::log1p(sums.rd), double(parent), los * parent});
    }
    for (std::size_t g = 0; g < groups.size(); ++g)
      run_one(run, groups[g], o, kTable5Groups[g], int(g) + 1, rep);
  }
  if (dropped_cells > 0)
    run.notes.push_back(std::to_string(dropped_cells) +
                        " non-globalized cell-years left out: no globalized firm in their "
                        "industry that year, so LOS is undefined");
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? kNaN : s / double(v.size());
}

double standard_deviation(const std::vector<double>& v) {
  if (v.size() < 2) return kNaN;
  const double m = mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / double(v.size() - 1));
}

}  // namespace

PaperTable parse_paper_table(std::string_view name) {
  if (name == "table3") return PaperTable::table3;
  if (name == "table4") return PaperTable::table4;
  if (name == "table5") return PaperTable::table5;
  throw std::invalid_argument("unknown table '" + std::string(name) +
                              "' (expected table3, table4 or table5)");
}

std::string_view table_name(PaperTable table) {
  switch (table) {
    case PaperTable::table3:
      return "table3";
    case PaperTable::table4:
      return "table4";
    case PaperTable::table5:
      return "table5";
  }
  return "?";
}

double PaperTarget::se() const { return std::abs(coef) / t; }

std::span<const PaperTarget> table3_targets() { return kTable3; }
std::span<const PaperSample> table3_samples() { return kTable3Samples; }

PaperRun run_paper_table(const model::Table& panel, PaperTable table,
                         const SurveyOptions& options) {
  const Columns c(panel);
  const Survey s = select_survey(c, panel.rows(), options);
  PaperRun run;
  run.table = table;
  const std::string sample =
      "respondents (panel `respondent`: firm-years alive at the end of "
      "the year that answered the survey) with L >= " +
      std::to_string(int(options.min_employment)) + " and Y > 0, " +
      std::to_string(options.first_year) + "-" + std::to_string(options.last_year);
  const std::string linked_only =
      ", linked firms only (panel `linked`: affiliate data enter for those) with So[r] > 0 for "
      "region r's regression";
  const std::vector<std::string> table3_terms = {"LOS", "D_lf", "LOS_x_D_lf", "LRD", "D_parent"};
  switch (table) {
    case PaperTable::table3:
      run.notes = {"survey: " + sample + linked_only,
                   "fixed effects (within, as Stata's xtreg, fe) of log Y on LOS = log So[r], "
                   "D_lf, LOS_x_D_lf, LRD = log(1 + RD), D_parent; group = firm"};
      for (int r = 0; r < model::kRegions; ++r)
        firm_regressions(run, c, s, r, {table3_terms}, r + 1);
      break;
    case PaperTable::table4: {
      run.notes = {
          "survey: " + sample + linked_only,
          "Table 3's fixed-effects model plus SAJ = saj[r] and SUJ = suj[r] (shares in [0, 1] "
          "of the firm's affiliate in r), then SAJ_x_D_lf and SUJ_x_D_lf",
          "M05 Table 4 is held out: no targets; columns numbered by us (nies 1-2, asean 3-4, "
          "china 5-6)"};
      auto with_shares = table3_terms;
      with_shares.insert(with_shares.end(), {"SAJ", "SUJ"});
      auto with_cross = with_shares;
      with_cross.insert(with_cross.end(), {"SAJ_x_D_lf", "SUJ_x_D_lf"});
      for (int r = 2; r <= 4; ++r)
        firm_regressions(run, c, s, r, {with_shares, with_cross}, 2 * (r - 2) + 1);
      for (const auto& reg : run.regressions)
        if (std::find(reg.result.omitted.begin(), reg.result.omitted.end(), "SAJ") !=
            reg.result.omitted.end()) {
          run.notes.push_back(
              "SAJ is omitted where it does not vary within firms: the model draws saj[r] when "
              "the affiliate is set up and keeps it (docs/model.md), so only firms that leave and "
              "re-enter a region give it within-firm variation");
          break;
        }
      break;
    }
    case PaperTable::table5:
      run.notes = {
          "survey: " + sample +
              ", aggregated to cells (industry, globalized, SME or LE, "
              "D_parent) per year; globalized = So[r] > 0 in some region that year (linked "
              "firms only: an unlinked respondent's affiliates are not observed); LE = D_lf",
          "random effects (Swamy-Arora GLS, as Stata's xtreg, re) of log sum Y on LOS = log "
          "sum So, LRD = log(1 + sum RD), D_parent, LOS_x_D_parent; group = (industry, "
          "D_parent) cell",
          "non-globalized cells have no overseas sales of their own: their LOS is the log of "
          "the overseas sales of their industry's globalized firms that year (our reading; "
          "M05 does not define it)",
          "M05 also splits cells by region of overseas production and uses 35 industries; the "
          "model has 10 industries and cells are not split by region",
          "M05 Table 5 is held out: no targets; columns 1-4 in M05's order of the groups"};
      industry_regressions(run, c, s, options);
      break;
  }
  return run;
}

std::vector<PaperRow> compare_with_paper(const PaperRun& run) {
  // Coefficients by (column, term), in the order first met.
  struct Key {
    std::string region;
    int spec;
    std::string term;
  };
  std::vector<Key> keys;
  std::vector<std::vector<std::pair<double, double>>> values;  // (coef, se) per replication
  for (const auto& reg : run.regressions)
    for (const auto& coef : reg.result.coefficients) {
      std::size_t k = 0;
      while (k < keys.size() && !(keys[k].spec == reg.spec && keys[k].region == reg.region &&
                                  keys[k].term == coef.term))
        ++k;
      if (k == keys.size()) {
        keys.push_back({reg.region, reg.spec, coef.term});
        values.emplace_back();
      }
      values[k].emplace_back(coef.coef, coef.se);
    }
  std::vector<PaperRow> rows;
  for (std::size_t k = 0; k < keys.size(); ++k) {
    std::vector<double> b, se;
    for (const auto& [c, s] : values[k]) {
      b.push_back(c);
      se.push_back(s);
    }
    PaperRow row;
    row.region = keys[k].region;
    row.spec = keys[k].spec;
    row.term = keys[k].term;
    row.reps = int(b.size());
    row.coef = mean(b);
    row.mean_se = mean(se);
    row.mc_sd = standard_deviation(b);
    row.se = row.reps > 1 ? row.mc_sd : row.mean_se;
    row.t = row.coef / row.se;
    row.target_coef = row.target_se = row.z = kNaN;
    if (run.table == PaperTable::table3)
      for (const auto& target : kTable3)
        if (target.region == row.region && target.term == row.term) {
          row.target_coef = target.coef;
          row.target_se = target.se();
          const double v = row.reps > 1 ? row.mc_sd * row.mc_sd / row.reps : row.se * row.se;
          row.z = (row.coef - row.target_coef) / std::sqrt(row.target_se * row.target_se + v);
        }
    rows.push_back(row);
  }
  return rows;
}

std::vector<PaperFit> sample_fit(const PaperRun& run) {
  std::vector<PaperFit> fits;
  std::vector<std::vector<const PanelResult*>> results;
  for (const auto& reg : run.regressions) {
    std::size_t k = 0;
    while (k < fits.size() && !(fits[k].spec == reg.spec && fits[k].region == reg.region)) ++k;
    if (k == fits.size()) {
      PaperFit f;
      f.region = reg.region;
      f.spec = reg.spec;
      fits.push_back(f);
      results.emplace_back();
    }
    results[k].push_back(&reg.result);
  }
  for (std::size_t k = 0; k < fits.size(); ++k) {
    auto& f = fits[k];
    std::vector<double> obs, groups, r2;
    std::set<std::string> omitted, warnings;
    for (const auto* r : results[k]) {
      warnings.insert(r->warnings.begin(), r->warnings.end());
      obs.push_back(double(r->n_obs));
      groups.push_back(double(r->n_groups));
      r2.push_back(r->r2_within);
      omitted.insert(r->omitted.begin(), r->omitted.end());
    }
    f.reps = int(obs.size());
    f.observations = mean(obs);
    f.groups = mean(groups);
    f.r2_within = mean(r2);
    f.omitted.assign(omitted.begin(), omitted.end());
    f.warnings.assign(warnings.begin(), warnings.end());
    f.obs_per_firm = f.groups > 0 ? f.observations / f.groups : kNaN;
    f.target_observations = f.target_groups = f.target_r2 = f.target_obs_per_firm = kNaN;
    if (run.table == PaperTable::table3)
      for (const auto& t : kTable3Samples)
        if (t.region == f.region) {
          f.target_observations = t.observations;
          f.target_groups = t.firms;
          f.target_r2 = t.r_squared;
          f.target_obs_per_firm = double(t.observations) / double(t.firms);
        }
  }
  return fits;
}

}  // namespace smesim::analysis
