// Macro targets and the fit table (targets.hpp; docs/calibration.md "Fit table").
#include "smesim/analysis/targets.hpp"

#include <H5Cpp.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "smesim/analysis/csv.hpp"
#include "smesim/analysis/statistics.hpp"
#include "smesim/sim/errors.hpp"

namespace fs = std::filesystem;

namespace smesim::analysis {

using sim::InputError;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Reading

std::vector<std::string> split_csv_record(std::string_view line, const std::string& where) {
  std::vector<std::string> fields;
  std::string field;
  std::size_t i = 0;
  while (true) {
    field.clear();
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i < line.size() && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          closed = true;
          ++i;
          break;
        }
        field += line[i++];
      }
      if (!closed) throw InputError(where + "a quoted field has no closing quote");
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i < line.size() && line[i] != ',')
        throw InputError(where + "text after the closing quote of a field");
    } else {
      const auto comma = line.find(',', i);
      const auto end = comma == std::string_view::npos ? line.size() : comma;
      field = std::string(trim(line.substr(i, end - i)));
      if (field.find('"') != std::string::npos)
        throw InputError(where + "a quote inside an unquoted field (quote the whole field)");
      i = end;
    }
    fields.push_back(field);
    if (i >= line.size()) break;
    ++i;  // the comma
    if (i == line.size()) {
      fields.emplace_back();
      break;
    }
  }
  return fields;
}

std::vector<TargetRow> parse_target_rows(std::istream& in, const std::string& source) {
  std::vector<TargetRow> rows;
  std::string text;
  std::size_t line_no = 0;
  std::vector<std::string> header;
  int c_series = -1, c_year = -1, c_value = -1, c_unit = -1, c_source = -1;
  while (std::getline(in, text)) {
    ++line_no;
    std::string_view line = text;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_no == 1 && starts_with(line, "\xEF\xBB\xBF")) line.remove_prefix(3);  // UTF-8 BOM
    if (trim(line).empty() || trim(line).front() == '#') continue;
    const std::string where = source + ":" + std::to_string(line_no) + ": ";
    auto fields = split_csv_record(line, where);
    if (header.empty()) {
      header = fields;
      for (int j = 0; j < int(header.size()); ++j) {
        const auto& h = header[std::size_t(j)];
        for (auto [name, col] : {std::pair{"series", &c_series},
                                 {"year", &c_year},
                                 {"value", &c_value},
                                 {"unit", &c_unit},
                                 {"source", &c_source}})
          if (h == name) {
            if (*col >= 0) throw InputError(where + "column '" + h + "' appears twice");
            *col = j;
          }
      }
      for (auto [name, col] : {std::pair{"series", c_series},
                               {"year", c_year},
                               {"value", c_value},
                               {"unit", c_unit},
                               {"source", c_source}})
        if (col < 0)
          throw InputError(where + "the header has no column '" + name +
                           "' (a target file has the columns series,year,value,unit,source)");
      continue;
    }
    if (fields.size() != header.size())
      throw InputError(where + std::to_string(fields.size()) + " fields, but the header has " +
                       std::to_string(header.size()));
    TargetRow r;
    r.series = fields[std::size_t(c_series)];
    r.unit = fields[std::size_t(c_unit)];
    r.source = fields[std::size_t(c_source)];
    r.file = source;
    r.line = line_no;
    if (r.series.empty()) throw InputError(where + "empty series name");
    const auto& y = fields[std::size_t(c_year)];
    const auto [ye, yec] = std::from_chars(y.data(), y.data() + y.size(), r.year);
    if (yec != std::errc() || ye != y.data() + y.size())
      throw InputError(where + "year '" + y + "' is not a whole number");
    const auto& v = fields[std::size_t(c_value)];
    const char* first = v.data() + (!v.empty() && v.front() == '+' ? 1 : 0);
    const auto [ve, vec] = std::from_chars(first, v.data() + v.size(), r.value);
    if (v.empty() || vec != std::errc() || ve != v.data() + v.size() || !std::isfinite(r.value))
      throw InputError(where + "value '" + v + "' is not a finite number");
    if (trim(r.source).empty())
      throw InputError(where + "series '" + r.series +
                       "' has no source (every target row names "
                       "where its figure comes from)");
    rows.push_back(std::move(r));
  }
  if (header.empty())
    throw InputError(source + ": no header (expected series,year,value,unit,source)");
  return rows;
}

std::vector<TargetRow> read_target_rows(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError("cannot open target file '" + path + "'");
  return parse_target_rows(in, path);
}

std::vector<std::string> default_target_files(const std::string& exe) {
  const std::vector<std::string> names = {"japan_manufacturing_macro.csv",
                                          "census_size_classes.csv"};
  auto files_in = [&](const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& n : names)
      if (fs::is_regular_file(dir / n)) out.push_back((dir / n).string());
    return out;
  };
  if (const char* env = std::getenv("SMESIM_TARGETS_DIR"); env && *env) {
    auto out = files_in(env);
    if (out.empty())
      throw InputError(std::string("SMESIM_TARGETS_DIR is '") + env +
                       "', which holds neither japan_manufacturing_macro.csv nor "
                       "census_size_classes.csv");
    return out;
  }
  fs::path dir = fs::path(exe).parent_path();
  for (int up = 0; up < 5 && !dir.empty(); ++up, dir = dir.parent_path()) {
    for (const auto& d : {dir / "data" / "targets", dir / "share/smesim/data/targets"})
      if (auto out = files_in(d); !out.empty()) return out;
    if (dir == dir.root_path()) break;
  }
  throw InputError("cannot find data/targets near the executable '" + exe +
                   "': give the target files with --targets, or set SMESIM_TARGETS_DIR");
}

// ---------------------------------------------------------------------------------------------
// Tolerances

bool glob_match(std::string_view pattern, std::string_view name) {
  // Iterative '*' matching with backtracking to the last star.
  std::size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

const std::vector<ToleranceEntry>& default_tolerances() {
  using K = ToleranceKind;
  // The scale of each moment ((sim - target) / scale)^2 (spec 9b: a published standard error or
  // a stated tolerance). Published macro figures have no standard errors; these say how close
  // the model should come, in the spirit of the issue's pass marks (which are wider).
  static const std::vector<ToleranceEntry> table = {
      {"overseas_production_ratio*",
       {K::absolute, 0.005, "a ratio: half a percentage point (the pass mark is 3 points)"}},
      {"sme_share_*",
       {K::absolute, 0.01,
        "enterprise shares: one point, as their 4+ basis is itself approximate"}},
      {"subcontracting_ratio_sme_mfg",
       {K::absolute, 0.01, "a survey share of SMEs: one percentage point"}},
      {"*_change_comparable",
       {K::absolute, 0.005, "a change: half a percentage point (a year, for the 10+ series)"}},
      {"*_rate_*", {K::absolute, 0.01, "a reference rate: one percentage point a year"}},
      {"*_share_*", {K::absolute, 0.005, "a share: half a percentage point"}},
      {"overseas_affiliate_sales_*",
       {K::relative, 0.25,
        "affiliates' sales: 25 % (SOBA's coverage moves with its response rate, 60-70 %)"}},
      {"affiliate_sales_mfg_*", {K::relative, 0.25, "affiliates' sales by region (SOBA): 25 %"}},
      {"import_back_total", {K::relative, 0.25, "M05 Table 1 import-back: 25 %"}},
      {"linked_exports", {K::relative, 0.25, "M05 Table 1 exports linked to affiliates: 25 %"}},
      {"bankruptcies_mfg_tdb",
       {K::relative, 0.2,
        "20 %: TDB counts firms with debts of 10 million yen or more, the model's insolvency "
        "exits are a proxy"}},
      {"fx_yen_per_usd", {K::relative, 0.01, "an input: 1 %"}},
      {"k_dom", {K::relative, 0.01, "an input: 1 %"}},
      {"cost_*", {K::absolute, 0.01, "an input"}},
      {"*", {K::relative, 0.05, "a level: 5 % of the value"}},
  };
  return table;
}

Tolerance tolerance_for(const std::string& series, const ToleranceOverrides& overrides) {
  Tolerance t;
  for (const auto& e : default_tolerances())
    if (glob_match(e.pattern, series)) {
      t = e.tolerance;
      break;
    }
  const auto exact = overrides.find(series);
  const ToleranceOverrides::value_type* hit = exact != overrides.end() ? &*exact : nullptr;
  if (!hit)
    for (const auto& o : overrides)
      if (glob_match(o.first, series)) {
        hit = &o;
        break;
      }
  if (hit) {
    t.value = hit->second;
    t.why = "overridden ('" + hit->first + "')";
  }
  return t;
}

// ---------------------------------------------------------------------------------------------
// Series rules

SeriesRule rule_for(const std::string& s) {
  SeriesRule r;
  r.aggregates = {s};
  const auto nc = [&](std::string why) {
    r.comparison = Comparison::not_comparable;
    r.aggregates.clear();
    r.note = std::move(why);
    return r;
  };
  const auto input = [&](std::vector<std::string> aggregates, std::string why) {
    r.comparison = Comparison::input;
    r.aggregates = std::move(aggregates);
    r.note = std::move(why);
    return r;
  };
  // Not comparable: bases the model does not have (spec 2.3, 9b, 10).
  for (const char* c : {"establishments_all", "employees_all", "shipments_all"})
    if (s == c)
      return nc(
          "includes establishments with 1-3 employees, which the model does not have: "
          "compare the 4+ or 10+ series");
  if (ends_with(s, "_share_lt300_all")) return nc("includes the 1-3 class: compare the _ge4 share");
  if (ends_with(s, "_sizeclass_1_3")) return nc("the model has no establishments of 1-3");
  for (const char* c : {"_sizeclass_300_499", "_sizeclass_500_999", "_sizeclass_1000plus"})
    if (ends_with(s, c))
      return nc("the model's large plants have one size (spec 2.3): compare the 300+ total");
  // Changes on the comparable basis (spec 10).
  if (ends_with(s, "_all_change_comparable")) {
    r.comparison = Comparison::change_since;
    r.aggregates = {s.substr(0, s.size() - std::string("_all_change_comparable").size()) + "_ge4"};
    r.note =
        "change since the previous survey year, on the 4+ aggregate (an approximation: the "
        "published change includes establishments of 1-3 employees)";
    return r;
  }
  if (ends_with(s, "_ge10_change_comparable")) {
    r.comparison = Comparison::change;
    r.aggregates = {s.substr(0, s.size() - std::string("_change_comparable").size())};
    r.note = "year-on-year change of the 10+ aggregate";
    return r;
  }
  // Affiliates' sales (M05 Table 1 and SOBA): the regions the model reports.
  for (const char* region : {"asia", "europe", "north_america"})
    if (s == std::string("affiliate_sales_mfg_") + region) {
      r.aggregates = {std::string("overseas_affiliate_sales_") + region};
      r.note = "SOBA; the same aggregate as M05 Table 1's row";
      return r;
    }
  for (const char* region : {"nies3", "asean4", "china"})
    if (s == std::string("affiliate_sales_mfg_") + region) {
      r.note = "a check (spec 9b): excludes Hong Kong";
      return r;
    }
  if (s == "bankruptcies_mfg_tdb") {
    r.aggregates = {"bankruptcies_mfg_tdb", "exits_insolvency"};
    r.note = "insolvency exits";
    return r;
  }
  // Reference only: all non-primary industries, not manufacturing (spec 9b).
  if (s == "entry_rate_nonprimary_estab" || s == "exit_rate_nonprimary_estab") {
    r.comparison = Comparison::rate;
    r.reference = true;
    r.aggregates = s[1] == 'n' ? std::vector<std::string>{"entries"}
                               : std::vector<std::string>{"exits_insolvency", "exits_decline",
                                                          "exits_succession"};
    r.denominator = {"enterprises", "firms"};
    r.note =
        "reference only: all non-primary industries over several years; the model's one-year "
        "rate per enterprise";
    return r;
  }
  // Exogenous data (model inputs).
  if (s == "fx_yen_per_usd") return input({"fx"}, "model input (the exchange-rate path)");
  if (starts_with(s, "export_share_"))
    return input({s}, "model input (Japan's export shares, spec 5.6)");
  if (s == "k_dom" || s == "sales_mfg_corporations_mof")
    return input({s}, "model input (MOF corporate sales, spec 5.7)");
  if (starts_with(s, "cost_")) return input({s}, "model input (relative unit cost c_r)");
  if (starts_with(s, "shipments_industry_") || starts_with(s, "exports_industry_") ||
      s == "exports_total")
    return input({s}, "model input (1985 industry weights and export share, spec 2.6)");
  return r;
}

UnitScaling unit_scaling(const std::string& unit) {
  const std::string u = lower(unit);
  if (u == "billion yen") return {1e3, true, "million yen"};
  if (u == "trillion yen") return {1e6, true, "million yen"};
  if (u == "million yen") return {1, true, "million yen"};
  for (const char* count : {"establishments", "persons", "firms", "enterprises", "employees"})
    if (u == count) return {1, true, u};
  return {1, false, unit};
}

std::string target_name(const TargetRow& row) {
  return row.series + "@" + std::to_string(row.year);
}

// ---------------------------------------------------------------------------------------------
// Targets on the model basis

namespace {

// The value of `series` in `year` among `rows`, or NaN.
double lookup(const std::vector<TargetRow>& rows, const std::string& series, int year) {
  for (const auto& r : rows)
    if (r.series == series && r.year == year) return r.value;
  return kNaN;
}

// The census's complete-enumeration years end in 0, 3, 5 or 8 (the macro file's header).
int previous_enumeration_year(int year) {
  for (int y = year - 1; y > year - 6; --y) {
    const int d = ((y % 10) + 10) % 10;
    if (d == 0 || d == 3 || d == 5 || d == 8) return y;
  }
  return year - 1;
}

}  // namespace

std::vector<FitRow> prepare_targets(const std::vector<TargetRow>& rows,
                                    const ToleranceOverrides& overrides) {
  std::vector<FitRow> out;
  for (const auto& row : rows) {
    FitRow f;
    f.row = row;
    f.rule = rule_for(row.series);
    const UnitScaling u = unit_scaling(row.unit);
    f.model_unit = u.model_unit;
    double target = row.value * u.to_model;
    std::vector<std::string> adjusted;
    if (u.to_model != 1) adjusted.push_back(row.unit + " to " + u.model_unit);
    if (f.rule.comparison == Comparison::not_comparable) {
      f.status = kStatusNotComparable;
      out.push_back(std::move(f));
      continue;
    }
    // The 1998 census found establishments earlier counts missed (spec 10).
    if (row.year >= 1998 && f.rule.comparison == Comparison::level) {
      if (row.series == "establishments_ge10") {
        target /= 1.052;
        adjusted.push_back("divided by 1.052 (1998 coverage gain)");
      } else if (row.series == "employees_ge10") {
        target /= 1.026;
        adjusted.push_back("divided by 1.026 (1998 coverage gain)");
      }
    }
    // Enterprise SME shares on the 4+ basis (spec 2.3): remove the 1-3 class, approximated by
    // the census's establishments of 1-3 employees in the same year (nearly all are
    // single-plant enterprises, and all are SMEs).
    for (auto [series, census] : {std::pair{"sme_share_firms_mfg_enterprise", "establishments"},
                                  {"sme_share_employees_mfg_enterprise", "employees"},
                                  {"sme_share_sales_mfg_enterprise", "shipments"}})
      if (row.series == series) {
        const std::string c = census;
        const double small = lookup(rows, c + "_sizeclass_1_3", row.year);
        const double ge4 = lookup(rows, c + "_ge4", row.year);
        if (!std::isfinite(small) || !std::isfinite(ge4)) {
          f.status = kStatusNotComparable;
          f.rule.note = "includes enterprises of 1-3 persons: give census_size_classes.csv (its " +
                        c + "_sizeclass_1_3 and " + c + "_ge4 rows of " + std::to_string(row.year) +
                        ") to move it to the 4+ basis";
          break;
        }
        const double share13 = small / (small + ge4);
        target = (row.value - share13) / (1 - share13);
        char buf[160];
        std::snprintf(buf, sizeof buf,
                      "4+ basis: (v - f) / (1 - f), f = %.4f the 1-3 class's share of %s in %d "
                      "(approximate)",
                      share13, census, row.year);
        adjusted.push_back(buf);
      }
    if (!f.status.empty()) {
      out.push_back(std::move(f));
      continue;
    }
    // A count for January-November only (TDB 2001): to a year at the same monthly pace.
    if (lower(row.source).find("january-november") != std::string::npos) {
      target *= 12.0 / 11.0;
      adjusted.push_back("January-November count times 12/11");
    }
    if (f.rule.comparison == Comparison::change_since) {
      int base = 0;
      for (const auto& other : rows)
        if (other.series == row.series && other.year < row.year && other.year > base)
          base = other.year;
      f.base_year = base > 0 ? base : previous_enumeration_year(row.year);
    }
    f.target = target;
    const Tolerance tol = tolerance_for(row.series, overrides);
    f.scale = tol.kind == ToleranceKind::relative ? tol.value * std::abs(target) : tol.value;
    if (!(f.scale > 0)) f.scale = kNaN;
    for (std::size_t k = 0; k < adjusted.size(); ++k) f.adjustment += (k ? "; " : "") + adjusted[k];
    out.push_back(std::move(f));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The fit table

namespace {

class AggregateView {
 public:
  AggregateView(const sim::Results& r, int point) : r_(r), point_(point) {}
  const std::vector<double>* find(const std::string& name) const {
    for (const auto& [n, v] : r_.aggregates)
      if (n == name) return &v;
    return nullptr;
  }
  // The first of `names` that the results hold, or empty.
  std::string first_present(const std::vector<std::string>& names) const {
    for (const auto& n : names)
      if (find(n)) return n;
    return {};
  }
  int year_index(int year) const {
    const auto it = std::find(r_.years.begin(), r_.years.end(), year);
    return it == r_.years.end() ? -1 : int(it - r_.years.begin());
  }
  double at(const std::vector<double>& v, int rep, int yi) const {
    const std::size_t ny = r_.years.size();
    return v[(std::size_t(point_) * std::size_t(r_.reps) + std::size_t(rep)) * ny +
             std::size_t(yi)];
  }
  int reps() const { return r_.reps; }

 private:
  const sim::Results& r_;
  int point_;
};

}  // namespace

std::vector<FitRow> fit_table(const std::vector<FitRow>& prepared, const sim::Results& results,
                              int point, double national_scale,
                              std::vector<std::vector<double>>* per_row) {
  if (point < 0 || point >= results.points)
    throw InputError("point " + std::to_string(point) + " is outside the file's points 0-" +
                     std::to_string(results.points - 1));
  const AggregateView view(results, point);
  std::vector<FitRow> out = prepared;
  if (per_row) per_row->assign(out.size(), {});
  for (auto& f : out) {
    if (!f.status.empty()) continue;  // not comparable
    const auto& rule = f.rule;
    const bool is_input = rule.comparison == Comparison::input;
    const std::string fallback_status(is_input ? kStatusInput : kStatusMissing);
    // The aggregates this row needs.
    std::vector<const std::vector<double>*> terms;
    const std::vector<double>* denominator = nullptr;
    if (rule.comparison == Comparison::rate) {
      bool all = true;
      for (const auto& a : rule.aggregates) {
        const auto* v = view.find(a);
        all = all && v;
        terms.push_back(v);
      }
      const std::string d = view.first_present(rule.denominator);
      denominator = d.empty() ? nullptr : view.find(d);
      if (!all || !denominator) {
        f.status = fallback_status;
        continue;
      }
      for (std::size_t k = 0; k < rule.aggregates.size(); ++k)
        f.aggregate += (k ? "+" : "") + rule.aggregates[k];
      f.aggregate += " / " + d;
    } else {
      f.aggregate = view.first_present(rule.aggregates);
      if (f.aggregate.empty()) {
        f.status = fallback_status;
        continue;
      }
      terms.push_back(view.find(f.aggregate));
    }
    // The years it needs.
    const int yi = view.year_index(f.row.year);
    int base = -1;
    if (rule.comparison == Comparison::change || rule.comparison == Comparison::rate)
      base = view.year_index(f.row.year - 1);
    else if (rule.comparison == Comparison::change_since)
      base = view.year_index(f.base_year);
    const bool needs_base = rule.comparison == Comparison::change ||
                            rule.comparison == Comparison::change_since ||
                            rule.comparison == Comparison::rate;
    if (yi < 0 || (needs_base && base < 0)) {
      f.status = kStatusOutside;
      continue;
    }
    const double factor = unit_scaling(f.row.unit).national ? national_scale : 1.0;
    std::vector<double> values;
    for (int r = 0; r < view.reps(); ++r) {
      double x = kNaN;
      switch (rule.comparison) {
        case Comparison::level:
        case Comparison::input:
          x = view.at(*terms[0], r, yi) * factor;
          break;
        case Comparison::change:
        case Comparison::change_since:
          x = view.at(*terms[0], r, yi) / view.at(*terms[0], r, base) - 1;
          break;
        case Comparison::rate: {
          double num = 0;
          for (const auto* t : terms) num += view.at(*t, r, yi);
          x = num / view.at(*denominator, r, base);
          break;
        }
        case Comparison::not_comparable:
          break;
      }
      if (std::isfinite(x)) values.push_back(x);
    }
    f.reps = int(values.size());
    if (per_row) (*per_row)[std::size_t(&f - out.data())] = values;
    if (!values.empty()) {
      const auto mi = mean_interval(values, t_quantile(int(values.size())));
      f.sim = mi.mean;
      if (values.size() > 1) f.low = mi.low, f.high = mi.high;
      f.z = (f.sim - f.target) / f.scale;
    }
    f.status = is_input ? kStatusInput : rule.reference ? kStatusReference : kStatusOk;
  }
  return out;
}

double national_scale_of(const sim::Results& results) {
  if (std::isfinite(results.meta.national_scale) && results.meta.national_scale > 0 &&
      results.meta.national_scale != 1.0)
    return results.meta.national_scale;
  if (const auto* s = results.attribute("national_scale")) {
    const auto v = std::strtod(s->c_str(), nullptr);
    if (std::isfinite(v) && v > 0) return v;
  }
  return 1.0;
}

double read_national_scale(const std::string& path, const sim::Results& results) {
  try {
    H5::Exception::dontPrint();
    const H5::H5File file(path, H5F_ACC_RDONLY);
    const H5::Group meta = file.openGroup("meta");
    if (meta.attrExists("national_scale")) {
      const H5::Attribute a = meta.openAttribute("national_scale");
      double v = kNaN;
      if (a.getTypeClass() == H5T_FLOAT || a.getTypeClass() == H5T_INTEGER) {
        a.read(H5::PredType::NATIVE_DOUBLE, &v);
      } else if (a.getTypeClass() == H5T_STRING) {
        std::string s;
        a.read(a.getStrType(), s);
        v = std::strtod(s.c_str(), nullptr);
      }
      if (!(std::isfinite(v) && v > 0))
        throw InputError("results file '" + path +
                         "': /meta national_scale is not a positive number");
      return v;
    }
  } catch (const H5::Exception&) {
    // fall through: read_results has read the file, the attribute is simply not there
  }
  return national_scale_of(results);
}

// ---------------------------------------------------------------------------------------------
// Output

namespace {

std::string num(double v) { return csv_number(v); }
std::string csv_field(const std::string& s) { return csv_text(s); }
std::string show(double v) { return show_number(v); }

}  // namespace

std::string fit_csv(const std::vector<FitRow>& rows) {
  std::ostringstream o;
  o << "series,year,target,sim,ci95_low,ci95_high,scale,z,in_objective,status,unit,aggregate,"
       "reps,base_year,published,published_unit,adjustment,note,file,line\n";
  for (const auto& f : rows) {
    o << csv_field(f.row.series) << "," << f.row.year << "," << num(f.target) << "," << num(f.sim)
      << "," << num(f.low) << "," << num(f.high) << "," << num(f.scale) << "," << num(f.z) << ","
      << (f.in_objective ? "yes" : "no") << "," << csv_field(f.status) << ","
      << csv_field(f.model_unit) << "," << csv_field(f.aggregate) << "," << f.reps << ","
      << (f.base_year ? std::to_string(f.base_year) : "") << "," << num(f.row.value) << ","
      << csv_field(f.row.unit) << "," << csv_field(f.adjustment) << "," << csv_field(f.rule.note)
      << "," << csv_field(f.row.file) << "," << f.row.line << "\n";
  }
  return o.str();
}

std::string fit_text(const std::vector<FitRow>& rows, double national_scale, bool all) {
  std::ostringstream o;
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "Fit to macro targets (national scale: model counts and money times %.6g; money "
                "in million yen)\n\n",
                national_scale);
  o << buf;
  std::snprintf(buf, sizeof buf, "  %-42s %4s %12s %12s %25s %10s %7s %3s  %s\n", "series", "year",
                "target", "sim", "95% interval", "scale", "z", "obj", "status");
  o << buf;
  int ok = 0, within = 0, objective = 0;
  for (const auto& f : rows) {
    if (f.status == kStatusOk && std::isfinite(f.z)) {
      ++ok;
      within += std::abs(f.z) <= 1;
    }
    objective += f.in_objective;
    if (!all && f.status == kStatusNotComparable) continue;
    const std::string interval =
        std::isfinite(f.low) ? "[" + show(f.low) + ", " + show(f.high) + "]" : "-";
    std::snprintf(buf, sizeof buf, "  %-42s %4d %12s %12s %25s %10s %7s %3s  %s\n",
                  f.row.series.c_str(), f.row.year, show(f.target).c_str(), show(f.sim).c_str(),
                  interval.c_str(), show(f.scale).c_str(),
                  std::isfinite(f.z) ? show(f.z).c_str() : "-", f.in_objective ? "yes" : "no",
                  f.status.c_str());
    o << buf;
  }
  std::map<std::string, int> count;
  for (const auto& f : rows) ++count[f.status];
  o << "\n";
  for (const auto& [status, n] : count)
    o << "  " << n << " " << status
      << (!all && status == kStatusNotComparable ? " (not listed; --all lists them)" : "") << "\n";
  std::snprintf(buf, sizeof buf,
                "%d of %d comparable targets within one scale (|z| <= 1); %d in the calibration "
                "objective\n",
                within, ok, objective);
  o << buf;
  return o.str();
}

}  // namespace smesim::analysis
