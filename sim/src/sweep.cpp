#include "smesim/sim/sweep.hpp"

#include <oneapi/tbb/global_control.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "smesim/analysis/statistics.hpp"
#include "smesim/model/initialization.hpp"
#include "smesim/model/world.hpp"
#include "smesim/sim/errors.hpp"
#include "smesim/sim/parallel.hpp"
#include "smesim/sim/run.hpp"
#include "smesim/sim/settings.hpp"

namespace fs = std::filesystem;

namespace smesim::sim {

namespace {

std::string format_double(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// The sweep file's schema, read block by block (as OpenMC's settings reader: one function per
// block) with the shared YAML reader's rules.
class SweepParser {
 public:
  SweepParser(std::string file, std::string text) : in_(std::move(file), std::move(text)) {}

  SweepSpec parse() {
    root_ = in_.parse_root("sweep", "keys", "base: baseline.yaml");
    top_ = in_.map(
        root_, "",
        {"name", "description", "base", "overrides", "replications", "seed", "design", "levers",
         "uncertainties", "points", "reference", "common_random_numbers", "panel"});
    SweepSpec s;
    s.file = in_.file();
    s.yaml = in_.text();
    read_base(s);
    read_overrides(s.base.params);
    read_run_settings(s);
    read_design_type(s);
    read_factors(s);
    if (s.design_type == "list")
      read_list_points(s);
    else
      build_design(s);
    read_reference(s);
    check_size(s);
    check_points(s);
    read_panel(s);
    s.fingerprint = fingerprint(s);
    return s;
  }

 private:
  using Entry = YamlMap::Entry;
  const Entry* top(const std::string& name) const { return top_.entry(name); }

  // Where an error about the design's size points: `design`, else the top of the file.
  YAML::Mark design_mark() const {
    const Entry* d = top("design");
    return d ? d->first.Mark() : root_.Mark();
  }
  [[noreturn]] void too_large(const std::string& what) const {
    in_.fail(design_mark(), "design",
             what + ", more than a sweep may hold (" + std::to_string(kMaxSweepUnits) +
                 " units of points x replications; docs/sweeps.md): split it into several sweeps");
  }

  // points x replications within kMaxSweepUnits.
  void check_size(const SweepSpec& s) const {
    if (s.units() <= kMaxSweepUnits) return;
    const std::string what = "the design has " + std::to_string(s.points()) + " points x " +
                             std::to_string(s.replications) +
                             " replications = " + std::to_string(s.units()) + " units";
    if (const Entry* r = top("replications"))
      in_.fail(r->first, "replications",
               what + ", more than a sweep may hold (" + std::to_string(kMaxSweepUnits) +
                   " units; docs/sweeps.md): split it into several sweeps");
    too_large(what);
  }

  // Every point is a consistent scenario with the base's horizon (the units of a sweep share
  // their years); an error names the point and points at its values (list) or the factors.
  void check_points(const SweepSpec& s) const {
    for (int p = 0; p < s.points(); ++p) {
      const auto params = point_params(s, p);
      auto errs = model::check_consistency(params);
      for (auto& e : path_problems(params)) errs.push_back(std::move(e));
      if (params.start_year != s.base.params.start_year ||
          params.end_year != s.base.params.end_year)
        errs.push_back(
            "a sweep cannot vary start_year or end_year: its units share the base's "
            "years " +
            std::to_string(s.base.params.start_year) + "-" +
            std::to_string(s.base.params.end_year));
      if (errs.empty()) continue;
      const YAML::Mark at = std::size_t(p) < point_nodes_.size() ? point_nodes_[std::size_t(p)]
                            : !factor_nodes_.empty()             ? factor_nodes_.front()
                                                                 : design_mark();
      in_.fail(at, "", "point " + std::to_string(p) + ": " + errs.front());
    }
  }

  // base: the scenario every point starts from, relative to the sweep file.
  void read_base(SweepSpec& s) {
    const Entry* base = top("base");
    if (!base) in_.fail(root_, "base", "missing 'base': the scenario file to vary");
    s.base = load_base_scenario(in_, base->first, base->second);
  }

  // overrides: parameters changed for every point, by dotted key.
  void read_overrides(model::Params& P) {
    if (const Entry* o = top("overrides")) in_.read_overrides(o->second, "overrides", P);
  }

  // replications, seed, common_random_numbers; then the base with them must be consistent.
  void read_run_settings(SweepSpec& s) {
    auto& P = s.base.params;
    if (const Entry* r = top("replications"))
      P.replications = int(in_.integer(r->first, r->second, "replications", {1, 1e6}));
    s.replications = P.replications;
    if (const Entry* sd = top("seed")) P.seed = in_.seed(sd->first, sd->second, "seed");
    if (const Entry* c = top("common_random_numbers"))
      s.common_random_numbers = in_.boolean(c->first, c->second, "common_random_numbers");
    // Clamp the default panel window into a horizon the overrides may have changed.
    P.output.panel_from = std::clamp(P.output.panel_from, P.start_year, P.end_year);
    P.output.panel_to = std::clamp(P.output.panel_to, P.start_year, P.end_year);
    const Entry* o = top("overrides");
    for (const auto& e : model::check_consistency(P))
      in_.fail(o ? o->first : root_, "overrides", e);
    for (const auto& e : path_problems(P)) in_.fail(o ? o->first : root_, "overrides", e);
  }

  // design: {type, samples, seed, saltelli}.
  void read_design_type(SweepSpec& s) {
    const Entry* d = top("design");
    if (!d) in_.fail(root_, "design", "missing 'design: {type: grid|list|lhs|sobol, ...}'");
    design_ = in_.map(d->second, "design", {"type", "samples", "seed", "saltelli"});
    if (!design_.has("type"))
      in_.fail(YamlReader::mark_of(d->first, d->second), "design.type",
               "missing 'design.type': grid, list, lhs or sobol");
    s.design_type =
        in_.choice(d->first, design_["type"], "design.type", {"grid", "list", "lhs", "sobol"});
  }

  // levers and uncertainties: parameter -> levels (grid) or [lo, hi] (lhs, sobol).
  void read_factors(SweepSpec& s) {
    for (const char* role : {"levers", "uncertainties"}) {
      const Entry* e = top(role);
      if (!e) continue;
      for (const auto& [k, v] : in_.any_map(e->second, role).items) {
        const auto& info = in_.parameter(k);
        const std::string path = k.Scalar();
        SweepFactor f{path, role == std::string("levers") ? "lever" : "uncertainty", {}};
        factor_nodes_.push_back(k.Mark());
        if (s.design_type != "list") f.values = levels(s, info, k, v);
        s.factors.push_back(std::move(f));
      }
    }
  }

  std::vector<double> levels(const SweepSpec& s, const model::ParamInfo& info, const YAML::Node& k,
                             const YAML::Node& v) const {
    const std::string& path = info.key;
    if (!v.IsSequence() || v.size() == 0)
      in_.fail(YamlReader::mark_of(k, v), path,
               "'" + path + "': expected a list of values (grid) or [lo, hi] (lhs, sobol)");
    std::vector<double> values;
    for (const auto& item : v) values.push_back(in_.parameter_value(info, item, item, path));
    if (s.design_type == "grid") return values;
    if (values.size() != 2) in_.fail(v, path, "'" + path + "': expected a range [lo, hi]");
    if (!(values[0] < values[1]))
      in_.fail(v, path,
               "'" + path + "': the range [" + format_double(values[0]) + ", " +
                   format_double(values[1]) + "] is empty");
    return values;
  }

  // points (list design): each a map from parameter to value; the others keep the base's.
  void read_list_points(SweepSpec& s) {
    const Entry* e = top("points");
    if (!e || !e->second.IsSequence() || e->second.size() == 0)
      in_.fail(e ? YamlReader::mark_of(e->first, e->second) : root_.Mark(), "points",
               "a list design needs 'points': a list of maps from parameter path to value");
    std::vector<YamlMap> points;
    for (std::size_t i = 0; i < e->second.size(); ++i) {
      const YAML::Node pt = e->second[i];
      if (!pt.IsMap()) in_.fail(pt, "points", "each point is a map from parameter path to value");
      point_nodes_.push_back(pt.Mark());
      points.push_back(in_.any_map(pt, "points[" + std::to_string(i) + "]"));
      for (const auto& [k, v] : points.back().items)
        if (factor_index(s, k.Scalar()) < 0) {
          in_.parameter(k);
          s.factors.push_back({k.Scalar(), "lever", {}});
        }
    }
    for (const auto& pt : points) s.design.points.push_back(row_of(s, pt));
  }

  // A design row: the base's values, with those given in `m` (parameter -> value).
  std::vector<double> row_of(const SweepSpec& s, const YamlMap& m) const {
    std::vector<double> row(s.factors.size());
    for (std::size_t f = 0; f < s.factors.size(); ++f)
      row[f] = find_setting(s.factors[f].path)->get(s.base.params);
    for (const auto& [k, v] : m.items) {
      const int f = factor_index(s, k.Scalar());
      if (f < 0)
        in_.fail(k, m.path + "." + k.Scalar(),
                 "'" + k.Scalar() + "' is not a varied parameter of this sweep");
      row[std::size_t(f)] = in_.parameter_value(in_.parameter(k), k, v, k.Scalar());
    }
    return row;
  }

  static int factor_index(const SweepSpec& s, const std::string& path) {
    for (std::size_t f = 0; f < s.factors.size(); ++f)
      if (s.factors[f].path == path) return int(f);
    return -1;
  }

  // grid, lhs or sobol over the factors' levels or ranges.
  void build_design(SweepSpec& s) {
    if (s.factors.empty())
      in_.fail(root_, "levers", "nothing to vary: give 'levers' or 'uncertainties'");
    const YAML::Node samples_node = design_["samples"];
    const int samples = samples_node ? int(in_.integer(samples_node, samples_node, "design.samples",
                                                       {1, double(kMaxSweepUnits)}))
                                     : 0;
    if (s.design_type != "grid" && samples == 0)
      in_.fail(design_.node, "design.samples",
               "'design.samples' is required for lhs and sobol designs");
    std::vector<std::pair<double, double>> ranges;
    for (const auto& f : s.factors)
      if (s.design_type != "grid") ranges.emplace_back(f.values[0], f.values[1]);
    if (s.design_type == "grid") {
      std::int64_t count = 1;  // checked before the grid is built
      for (const auto& f : s.factors) {
        count *= std::int64_t(f.values.size());
        if (count > kMaxSweepUnits)
          too_large("the grid has more than " + std::to_string(kMaxSweepUnits) + " points");
      }
    } else if (s.design_type == "sobol" &&
               (!saltelli_node() ||
                in_.boolean(saltelli_node(), saltelli_node(), "design.saltelli"))) {
      const std::int64_t count = std::int64_t(samples) * std::int64_t(s.factors.size() + 2);
      if (count > kMaxSweepUnits)
        too_large("the Saltelli design has " + std::to_string(samples) + " samples x (" +
                  std::to_string(s.factors.size()) + " factors + 2) = " + std::to_string(count) +
                  " points");
    }
    if (s.design_type == "grid") {
      std::vector<std::vector<double>> levels;
      for (const auto& f : s.factors) levels.push_back(f.values);
      s.design = grid_design(levels);
    } else if (s.design_type == "lhs") {
      const YAML::Node seed = design_["seed"];
      s.design = lhs_design(ranges, samples, seed ? in_.seed(seed, seed, "design.seed") : 1);
    } else {
      const YAML::Node saltelli = design_["saltelli"];
      s.design = sobol_design(ranges, samples,
                              !saltelli || in_.boolean(saltelli, saltelli, "design.saltelli"));
    }
    // Integer parameters take whole values.
    for (std::size_t f = 0; f < s.factors.size(); ++f)
      if (find_setting(s.factors[f].path)->integral())
        for (auto& row : s.design.points) row[f] = std::round(row[f]);
  }

  // reference: the point of the paired effects; a design point if one matches, else an extra
  // point run beside the design.
  void read_reference(SweepSpec& s) {
    const Entry* e = top("reference");
    if (!e) return;
    const auto row = row_of(s, in_.any_map(e->second, "reference"));
    auto it = std::find(s.design.points.begin(), s.design.points.end(), row);
    if (it == s.design.points.end()) {
      s.design.points.push_back(row);
      it = std::prev(s.design.points.end());
    }
    s.reference = int(it - s.design.points.begin());
  }

  // panel: {points, reps}, the indices whose firm panel is kept.
  void read_panel(SweepSpec& s) {
    const Entry* e = top("panel");
    if (!e) return;
    const YamlMap panel = in_.map(e->second, "panel", {"points", "reps"});
    for (const auto& [k, v] : panel.items) {
      const bool points = k.Scalar() == "points";
      const std::string path = "panel." + k.Scalar();
      if (!v.IsSequence())
        in_.fail(YamlReader::mark_of(k, v), path, "'" + path + "' is a list of indices");
      auto& list = points ? s.panel_points : s.panel_reps;
      list.clear();
      const double hi = (points ? s.points() : s.replications) - 1;
      for (const auto& item : v) list.push_back(int(in_.integer(item, item, path, {0, hi})));
    }
  }

  // Identifies the sweep: the same parameters, design and panel give the same units.
  static std::string fingerprint(const SweepSpec& s) {
    std::string fp = resolved_yaml(s.base.params) + "\n" + s.design_type +
                     (s.common_random_numbers ? " crn" : " independent") + "\n";
    for (const auto& f : s.factors) fp += f.path + ",";
    for (const auto& row : s.design.points) {
      fp += "\n";
      for (double v : row) fp += format_double(v) + " ";
    }
    for (int v : s.panel_points) fp += " p" + std::to_string(v);
    for (int v : s.panel_reps) fp += " r" + std::to_string(v);
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a(fp)));
    return hex;
  }

  YAML::Node saltelli_node() const { return design_["saltelli"]; }

  YamlReader in_;
  YAML::Node root_;
  YamlMap top_, design_;
  std::vector<YAML::Mark> factor_nodes_, point_nodes_;  // where point errors point
};

}  // namespace

SweepSpec load_sweep(const std::string& path) {
  return SweepParser(path, read_input_file(path, "sweep")).parse();
}

SweepSpec parse_sweep(const std::string& text, const std::string& file) {
  return SweepParser(file, text).parse();
}

model::Params point_params(const SweepSpec& spec, int point) {
  model::Params p = spec.base.params;
  for (std::size_t f = 0; f < spec.factors.size(); ++f)
    find_setting(spec.factors[f].path)->set(p, spec.design.points[std::size_t(point)][f]);
  return p;
}

std::optional<std::int64_t> parse_count(const std::string& text, std::int64_t lo, std::int64_t hi) {
  std::int64_t x = 0;
  const char* end = text.data() + text.size();
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  const auto [ptr, ec] = std::from_chars(text.data(), end, x);
  if (ec != std::errc() || ptr != end || x < lo || x > hi) return std::nullopt;
  return x;
}

std::optional<Shard> parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  const auto i = parse_count(text.substr(0, slash), 1, kMaxSweepUnits);
  const auto n = parse_count(text.substr(slash + 1), 1, kMaxSweepUnits);
  if (!i || !n || *i > *n) return std::nullopt;
  return Shard{int(*i - 1), int(*n)};
}

std::string parts_dir_of(const std::string& out) { return out + ".parts"; }

namespace {

std::string unit_file(const std::string& dir, int unit) {
  return (fs::path(dir) / ("unit-" + std::to_string(unit) + ".h5")).string();
}

std::mutex& hdf5_mutex() {  // the HDF5 C++ library is not thread-safe
  static std::mutex m;
  return m;
}

bool contains(const std::vector<int>& v, int x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

std::vector<int> years_of(const model::Params& p) {
  std::vector<int> years;
  for (int y = p.start_year; y <= p.end_year; ++y) years.push_back(y);
  return years;
}

// Every value of the int column `name` of `t` equals `value` (true when there is no such column).
bool column_all(const model::Table& t, const std::string& name, int value) {
  for (const auto& [n, c] : t.ints)
    if (n == name)
      return std::all_of(c.begin(), c.end(), [&](std::int32_t x) { return x == value; });
  return true;
}

// What assembling needs to know about a sweep, from the spec or from a shard file.
struct SweepInfo {
  int points = 0, reps = 0, reference = 0, saltelli_base = 0;
  std::vector<int> years;                    // of every unit
  std::vector<std::string> aggregate_names;  // of every unit, in order
  std::string fingerprint, design, yaml;
  std::vector<std::string> factors, roles;
  std::vector<std::vector<double>> values;  // [factor][point]
  ResultsMeta meta;
};

SweepInfo info_of(const SweepSpec& s) {
  SweepInfo i;
  i.points = s.points();
  i.reps = s.replications;
  i.reference = s.reference;
  i.saltelli_base = s.design.saltelli_base;
  i.fingerprint = s.fingerprint;
  i.years = years_of(s.base.params);
  i.aggregate_names = model::World::aggregate_names();
  i.design = s.design_type;
  i.yaml = s.yaml;
  for (std::size_t f = 0; f < s.factors.size(); ++f) {
    i.factors.push_back(s.factors[f].path);
    i.roles.push_back(s.factors[f].role);
    std::vector<double> col;
    for (const auto& row : s.design.points) col.push_back(row[f]);
    i.values.push_back(std::move(col));
  }
  i.meta = make_meta(s.base, s.base.params.seed);
  i.meta.scenario_file = s.file;
  i.meta.scenario_yaml = s.yaml;
  return i;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}
std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> v;
  std::stringstream ss(s);
  for (std::string x; std::getline(ss, x, ',');) v.push_back(x);
  return v;
}

// Results of a whole sweep (or a shard) from its finished units.
Results assemble(const SweepInfo& info, std::map<int, Results>& units, const std::string& shard) {
  Results out;
  out.meta = info.meta;
  out.points = info.points;
  out.reps = info.reps;
  out.years = info.years;
  const std::size_t Y = out.years.size(), P = std::size_t(info.points), R = std::size_t(info.reps);
  for (const auto& name : info.aggregate_names)
    out.aggregates.emplace_back(
        name, std::vector<double>(P * R * Y, std::numeric_limits<double>::quiet_NaN()));
  std::vector<double> present;
  for (auto& [u, res] : units) {
    // The callers checked every unit (unit_file_problem, merge_shards); this guards the copies.
    if (u < 0 || std::size_t(u) >= P * R || res.aggregates.size() != out.aggregates.size() ||
        res.years != out.years)
      throw std::logic_error("assemble: unit " + std::to_string(u) + " does not fit the sweep");
    for (std::size_t k = 0; k < out.aggregates.size(); ++k)
      if (res.aggregates[k].first != out.aggregates[k].first ||
          res.aggregates[k].second.size() != Y)
        throw std::logic_error("assemble: unit " + std::to_string(u) + " does not fit the sweep");
    const std::size_t p = std::size_t(u) / R, r = std::size_t(u) % R;
    for (std::size_t k = 0; k < out.aggregates.size(); ++k)
      std::copy(res.aggregates[k].second.begin(), res.aggregates[k].second.end(),
                out.aggregates[k].second.begin() + std::ptrdiff_t((p * R + r) * Y));
    out.panel.append(res.panel);  // unit order: point, then replication
    out.decisions.append(res.decisions);
    present.push_back(double(u));
  }
  for (std::size_t f = 0; f < info.factors.size(); ++f)
    out.arrays.push_back({"points/" + info.factors[f], {P}, info.values[f]});
  out.arrays.push_back({"sweep/units", {present.size()}, present});
  out.attributes = {{"sweep_fingerprint", info.fingerprint},
                    {"sweep_design", info.design},
                    {"sweep_factors", join(info.factors)},
                    {"sweep_roles", join(info.roles)},
                    {"sweep_reference", std::to_string(info.reference)},
                    {"sweep_saltelli_base", std::to_string(info.saltelli_base)},
                    {"sweep_shard", shard},
                    {"sweep_yaml", info.yaml},
                    t_quantile_attribute(info.reps)};
  if (present.size() != P * R) return out;  // a shard: summaries come with the merge

  // Per point and outcome: mean, sd and a 95% interval of the mean across replications; the
  // effect paired with the reference point (common random numbers) and its 95% interval.
  const double t = analysis::t_quantile(int(R));
  std::vector<double> replicates(R);
  auto summary = [&](const std::string& group, const std::string& name, auto value) {
    std::vector<double> mean(P * Y), sd(P * Y), lo(P * Y), hi(P * Y);
    for (std::size_t p = 0; p < P; ++p)
      for (std::size_t y = 0; y < Y; ++y) {
        for (std::size_t r = 0; r < R; ++r) replicates[r] = value(p, r, y);
        const analysis::MeanInterval s = analysis::mean_interval(replicates, t);
        const std::size_t i = p * Y + y;
        mean[i] = s.mean;
        sd[i] = s.sd;
        lo[i] = s.low;
        hi[i] = s.high;
      }
    for (auto [stat, v] :
         {std::pair{"mean", &mean}, {"sd", &sd}, {"ci95_low", &lo}, {"ci95_high", &hi}})
      out.arrays.push_back({group + "/" + stat + "/" + name, {P, Y}, *v});
  };
  const std::size_t ref = std::size_t(info.reference);
  for (const auto& [name, v] : out.aggregates) {
    const auto* x = &v;
    summary("summary", name,
            [&](std::size_t p, std::size_t r, std::size_t y) { return (*x)[(p * R + r) * Y + y]; });
    summary("effects", name, [&](std::size_t p, std::size_t r, std::size_t y) {
      return (*x)[(p * R + r) * Y + y] - (*x)[(ref * R + r) * Y + y];
    });
  }
  // Cost-effectiveness against the reference, over the whole horizon: extra policy spend (million
  // yen, summed over years) per additional internationalized SME and per job kept in the last year.
  auto agg = [&](const std::string& n) -> const std::vector<double>& {
    for (const auto& [name, v] : out.aggregates)
      if (name == n) return v;
    throw std::logic_error("no aggregate " + n);
  };
  const auto &spend = agg("policy_spend"), &smes = agg("smes"),
             &intl = agg("sme_international_share"), &jobs = agg("employment");
  std::vector<double> per_sme(P), per_job(P);
  for (std::size_t p = 0; p < P; ++p) {
    double ds = 0, dn = 0, dj = 0;
    for (std::size_t r = 0; r < R; ++r) {
      for (std::size_t y = 0; y < Y; ++y)
        ds += spend[(p * R + r) * Y + y] - spend[(ref * R + r) * Y + y];
      const std::size_t a = (p * R + r) * Y + Y - 1, b = (ref * R + r) * Y + Y - 1;
      dn += smes[a] * intl[a] - smes[b] * intl[b];
      dj += jobs[a] - jobs[b];
    }
    per_sme[p] = analysis::cost_per_effect(ds, dn);
    per_job[p] = analysis::cost_per_effect(ds, dj);
  }
  out.arrays.push_back({"effects/spend_per_internationalized_sme", {P}, per_sme});
  out.arrays.push_back({"effects/spend_per_job", {P}, per_job});
  return out;
}

// Progress on stderr: a redrawn line on a terminal, otherwise a line every 10% or 30 s.
class Progress {
 public:
  Progress(int total, int already, bool quiet)
      : total_(total), done_(already), start_done_(already), quiet_(quiet), tty_(isatty(2) != 0) {}
  void unit_done() {
    std::lock_guard lock(m_);
    ++done_;
    if (quiet_) return;
    const auto now = std::chrono::steady_clock::now();
    const double secs = std::chrono::duration<double>(now - t0_).count();
    const double rate = (done_ - start_done_) / std::max(secs, 1e-9);
    const double left = rate > 0 ? (total_ - done_) / rate : 0;
    char line[160];
    std::snprintf(line, sizeof line, "sweep: %d/%d units (%.0f%%), %.2f units/s, %.0f s left",
                  done_, total_, 100.0 * done_ / std::max(total_, 1), rate, left);
    if (tty_) {
      std::fprintf(stderr, "\r%s   %s", line, done_ == total_ ? "\n" : "");
    } else if (done_ == total_ || done_ * 10 / std::max(total_, 1) != last_decile_ ||
               std::chrono::duration<double>(now - last_).count() > 30) {
      std::fprintf(stderr, "%s\n", line);
      last_decile_ = done_ * 10 / std::max(total_, 1);
      last_ = now;
    }
  }

 private:
  std::mutex m_;
  int total_, done_, start_done_;
  bool quiet_, tty_;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now(), last_ = t0_;
};

}  // namespace

std::string unit_file_problem(const SweepSpec& spec, int unit, const Results& r) {
  const std::string* fp = r.attribute("sweep_fingerprint");
  const std::string* index = r.attribute("sweep_unit");
  if (!fp || !index) return "is not a sweep unit file (no sweep_fingerprint or sweep_unit)";
  if (*fp != spec.fingerprint)
    return "belongs to another sweep (fingerprint " + *fp + ", this sweep " + spec.fingerprint +
           ")";
  if (*index != std::to_string(unit))
    return "holds unit " + *index + ", not unit " + std::to_string(unit);
  if (r.points != 1 || r.reps != 1) return "holds more than one run";
  const auto p = point_params(spec, unit / spec.replications);
  if (r.years != years_of(p))
    return "covers other years (" +
           (r.years.empty()
                ? std::string("none")
                : std::to_string(r.years.front()) + "-" + std::to_string(r.years.back())) +
           ") than this sweep (" + std::to_string(p.start_year) + "-" + std::to_string(p.end_year) +
           ")";
  const auto names = model::World::aggregate_names();
  if (r.aggregates.size() != names.size())
    return "has " + std::to_string(r.aggregates.size()) + " aggregates, this smesim writes " +
           std::to_string(names.size());
  for (std::size_t k = 0; k < names.size(); ++k)
    if (r.aggregates[k].first != names[k] || r.aggregates[k].second.size() != r.years.size())
      return "has aggregate '" + r.aggregates[k].first + "' where '" + names[k] + "' belongs";
  const int point = unit / spec.replications, rep = unit % spec.replications;
  for (const auto* t : {&r.panel, &r.decisions})
    if (!column_all(*t, "point", point) || !column_all(*t, "rep", rep))
      return "has panel or decision rows of another unit";
  const bool keep = contains(spec.panel_points, point) && contains(spec.panel_reps, rep);
  if (!keep && r.panel.rows() > 0) return "has panel rows, but this unit keeps no panel";
  return "";
}

void run_unit(const SweepSpec& spec, int unit, const std::string& dir) {
  const int p = unit / spec.replications, r = unit % spec.replications;
  const auto params = point_params(spec, p);
  const bool keep = contains(spec.panel_points, p) && contains(spec.panel_reps, r);
  const model::StreamKey key{params.seed, spec.common_random_numbers ? 0u : std::uint32_t(p),
                             std::uint32_t(r)};
  auto run = run_replication(params, key, keep);
  Results res;
  res.points = res.reps = 1;
  for (int y = params.start_year; y <= params.end_year; ++y) res.years.push_back(y);
  const auto names = model::World::aggregate_names();
  for (std::size_t k = 0; k < names.size(); ++k) {
    std::vector<double> v;
    for (const auto& year : run.aggregates) v.push_back(year[k]);
    res.aggregates.emplace_back(names[k], std::move(v));
  }
  for (auto* t : {&run.panel, &run.decisions})  // label rows with the design point
    for (auto& [name, col] : t->ints)
      if (name == "point") std::fill(col.begin(), col.end(), p);
  res.panel = std::move(run.panel);
  res.decisions = std::move(run.decisions);
  res.meta.seed = params.seed;
  res.meta.resolved_parameters = resolved_yaml(params);
  res.meta.national_scale = model::national_scale(params);
  res.attributes = {{"sweep_fingerprint", spec.fingerprint}, {"sweep_unit", std::to_string(unit)}};
  std::lock_guard lock(hdf5_mutex());
  write_results(unit_file(dir, unit), res);
}

void run_sweep(const SweepSpec& spec, const std::string& out, const SweepOptions& opt) {
  check_output_path(out, {spec.file, spec.base.file});
  if (opt.shard.count < 1 || opt.shard.index < 0 || opt.shard.index >= opt.shard.count)
    throw InputError("shard " + std::to_string(opt.shard.index + 1) + "/" +
                     std::to_string(opt.shard.count) + " does not exist");
  const std::string dir = parts_dir_of(out);
  const fs::path stamp = fs::path(dir) / "sweep.fingerprint";
  const bool resuming = fs::exists(dir);
  if (resuming) {
    if (!opt.resume)
      throw InputError("'" + dir +
                       "' holds the finished units of an interrupted sweep: add --resume "
                       "to continue it, or remove the directory to start again");
    if (!fs::is_directory(dir))
      throw InputError("'" + dir + "' is not a directory: remove it to run the sweep");
    std::ifstream in(stamp);
    std::string fp;
    in >> fp;
    if (fp != spec.fingerprint)
      throw InputError(
          "'" + dir + "' belongs to a different sweep (" +
          (fp.empty() ? "no readable " + stamp.filename().string() : "fingerprint " + fp) +
          ", this sweep " + spec.fingerprint + "): remove it or choose another output name");
    for (const auto& e : fs::directory_iterator(dir))  // temporaries of units killed mid-write
      if (e.path().filename().string().find(".tmp-") != std::string::npos) fs::remove(e.path());
  } else {
    fs::create_directories(dir);
    write_text_file(stamp.string(), spec.fingerprint + "\n");
  }
  // This shard's units; on a resume, each unit file on disk is checked before it is trusted: a
  // truncated, foreign or misplaced one is named, removed and computed again.
  std::vector<int> mine, pending;
  std::map<int, Results> units;
  for (std::int64_t u = opt.shard.index; u < spec.units(); u += opt.shard.count) {
    const int unit = int(u);
    mine.push_back(unit);
    const std::string file = unit_file(dir, unit);
    std::error_code ec;
    if (!resuming || (!fs::exists(fs::symlink_status(file, ec)) && !fs::exists(file, ec))) {
      pending.push_back(unit);
      continue;
    }
    std::string problem;
    try {
      std::lock_guard lock(hdf5_mutex());
      Results r = read_results(file);
      problem = unit_file_problem(spec, unit, r);
      if (problem.empty()) {
        units.emplace(unit, std::move(r));
        continue;
      }
    } catch (const std::exception& e) {
      problem = std::string("cannot be read (") + e.what() + ")";
    }
    std::fprintf(stderr, "sweep: unit file '%s' %s: computing unit %d again\n", file.c_str(),
                 problem.c_str(), unit);
    fs::remove(file);
    pending.push_back(unit);
  }
  const int threads = opt.threads > 0 ? opt.threads : int(oneapi::tbb::info::default_concurrency());
  oneapi::tbb::global_control limit(oneapi::tbb::global_control::max_allowed_parallelism,
                                    std::size_t(threads));
  if (opt.run_units) {
    opt.run_units(pending);
  } else {
    Progress progress(int(mine.size()), int(mine.size() - pending.size()), opt.quiet);
    parallel_for_each(pending.begin(), pending.end(), [&](int u) {
      run_unit(spec, u, dir);
      progress.unit_done();
    });
  }
  for (int u : pending) {
    std::lock_guard lock(hdf5_mutex());
    const std::string file = unit_file(dir, u);
    Results r = read_results(file);
    if (const auto problem = unit_file_problem(spec, u, r); !problem.empty())
      throw std::runtime_error("sweep: unit file '" + file + "' " + problem +
                               " right after it was written");
    units.emplace(u, std::move(r));
  }
  const std::string shard = opt.shard.count > 1 ? std::to_string(opt.shard.index + 1) + "/" +
                                                      std::to_string(opt.shard.count)
                                                : "";
  write_results(out, assemble(info_of(spec), units, shard));
  fs::remove_all(dir);
}

namespace {

// A /meta attribute a shard file must have.
const std::string& shard_attribute(const Results& r, const std::string& file,
                                   const std::string& name) {
  if (const std::string* v = r.attribute(name)) return *v;
  throw InputError("'" + file + "' is not a complete sweep shard file: no /meta attribute '" +
                   name + "'");
}

int shard_integer(const Results& r, const std::string& file, const std::string& name,
                  std::int64_t hi) {
  const std::string& v = shard_attribute(r, file, name);
  const auto x = parse_count(v, 0, hi);
  if (!x)
    throw InputError("'" + file + "': /meta attribute '" + name + "' = '" + v +
                     "' is not an integer in [0, " + std::to_string(hi) + "]");
  return int(*x);
}

std::string unit_name(std::int64_t u, int reps) {
  return "unit " + std::to_string(u) + " (point " + std::to_string(u / reps) + ", replication " +
         std::to_string(u % reps) + ")";
}

}  // namespace

void merge_shards(const std::vector<std::string>& shards, const std::string& out) {
  if (shards.empty()) throw InputError("merge: no shard files given");
  check_output_path(out, shards);
  std::map<int, Results> units;
  std::map<int, std::size_t> origin;  // unit -> index of its shard file
  SweepInfo info;
  for (std::size_t s = 0; s < shards.size(); ++s) {
    const std::string& file = shards[s];
    Results r;
    try {
      r = read_results(file);
    } catch (const std::exception& e) {
      throw InputError(e.what());
    }
    if (r.attribute("sweep_unit"))
      throw InputError("'" + file +
                       "' is a unit file of an unfinished sweep, not a shard file: finish that "
                       "sweep with --resume, then merge its output");
    const auto* fp = r.attribute("sweep_fingerprint");
    if (!fp) throw InputError("'" + file + "' is not a sweep results file");
    shard_attribute(r, file, "sweep_shard");
    if (r.points < 1 || r.reps < 1 || std::int64_t(r.points) * r.reps > kMaxSweepUnits)
      throw InputError("'" + file + "': " + std::to_string(r.points) + " points x " +
                       std::to_string(r.reps) + " replications is not a sweep's design");
    if (s == 0) {
      info.fingerprint = *fp;
      info.points = r.points;
      info.reps = r.reps;
      info.years = r.years;
      for (const auto& [name, v] : r.aggregates) info.aggregate_names.push_back(name);
      info.design = shard_attribute(r, file, "sweep_design");
      info.yaml = shard_attribute(r, file, "sweep_yaml");
      info.reference = shard_integer(r, file, "sweep_reference", r.points - 1);
      info.saltelli_base = shard_integer(r, file, "sweep_saltelli_base", kMaxSweepUnits);
      info.factors = split(shard_attribute(r, file, "sweep_factors"));
      info.roles = split(shard_attribute(r, file, "sweep_roles"));
      if (info.roles.size() != info.factors.size())
        throw InputError("'" + file + "': sweep_factors and sweep_roles differ in length");
      for (const auto& f : info.factors) {
        const Array* a = r.array("points/" + f);
        if (!a || a->values.size() != std::size_t(r.points))
          throw InputError("'" + file + "': no dataset /points/" + f + " of " +
                           std::to_string(r.points) + " values");
        info.values.push_back(a->values);
      }
      info.meta = r.meta;
    } else if (*fp != info.fingerprint) {
      throw InputError("'" + file + "' belongs to a different sweep than '" + shards[0] +
                       "' (fingerprints " + *fp + " and " + info.fingerprint + ")");
    } else {
      std::vector<std::string> names;
      for (const auto& [name, v] : r.aggregates) names.push_back(name);
      if (r.points != info.points || r.reps != info.reps || r.years != info.years ||
          names != info.aggregate_names)
        throw InputError("'" + file + "' has the fingerprint of '" + shards[0] +
                         "' but another shape (points, replications, years or aggregates)");
    }
    const std::int64_t total = std::int64_t(r.points) * r.reps;
    const std::size_t Y = r.years.size();
    const Array* list = r.array("sweep/units");
    if (!list || list->shape.size() != 1)
      throw InputError("'" + file + "' has no one-dimensional dataset /sweep/units");
    std::set<int> here;
    for (double du : list->values) {
      if (!(du >= 0 && du < double(total) && du == std::floor(du)))
        throw InputError("'" + file + "': /sweep/units holds " + format_double(du) +
                         ", not a unit index in [0, " + std::to_string(total - 1) + "]");
      const int u = int(du);
      if (const auto it = origin.find(u); it != origin.end())
        throw InputError(unit_name(u, r.reps) + " is in more than one shard: '" +
                         shards[it->second] + "' and '" + file + "'");
      origin.emplace(u, s);
      here.insert(u);
      Results one;
      one.points = one.reps = 1;
      one.years = r.years;
      for (const auto& [name, v] : r.aggregates)
        one.aggregates.emplace_back(
            name, std::vector<double>(v.begin() + std::ptrdiff_t(std::size_t(u) * Y),
                                      v.begin() + std::ptrdiff_t((std::size_t(u) + 1) * Y)));
      units.emplace(u, std::move(one));
    }
    // Panel and decision rows of this shard, split by unit in one pass over the rows, so that
    // the merged order is unit order. A shard's rows are already in unit order (run_sweep
    // assembles them so), so each unit's rows form one contiguous run.
    for (auto [table, target] : {std::pair{&r.panel, 0}, {&r.decisions, 1}}) {
      const std::vector<std::int32_t>* pt = nullptr;
      const std::vector<std::int32_t>* rp = nullptr;
      for (const auto& [n, c] : table->ints) {
        if (n == "point") pt = &c;
        if (n == "rep") rp = &c;
      }
      if (table->rows() == 0 || !pt || !rp) continue;
      const auto unit_of = [&](std::size_t row) -> std::int64_t {
        const std::int64_t p = (*pt)[row], q = (*rp)[row];
        if (p < 0 || p >= r.points || q < 0 || q >= r.reps) return -1;
        return p * r.reps + q;
      };
      for (std::size_t lo = 0, hi = 0; lo < pt->size(); lo = hi) {
        const std::int64_t u = unit_of(lo);
        for (hi = lo; hi < pt->size() && unit_of(hi) == u;) ++hi;
        if (u < 0 || !here.count(int(u)))
          throw InputError("'" + file + "': /" + (target == 0 ? "panel" : "decisions") + " row " +
                           std::to_string(lo) + " belongs to no unit of this shard");
        model::Table part;
        for (const auto& [n, c] : table->ints)
          part.ints.emplace_back(n, std::vector<std::int32_t>(c.begin() + std::ptrdiff_t(lo),
                                                              c.begin() + std::ptrdiff_t(hi)));
        for (const auto& [n, c] : table->reals)
          part.reals.emplace_back(n, std::vector<double>(c.begin() + std::ptrdiff_t(lo),
                                                         c.begin() + std::ptrdiff_t(hi)));
        auto& dest = target == 0 ? units[int(u)].panel : units[int(u)].decisions;
        try {
          dest.append(part);
        } catch (const std::exception&) {
          throw InputError("'" + file + "': the rows of " + unit_name(u, r.reps) +
                           " are not contiguous or have other columns");
        }
      }
    }
  }
  std::vector<std::string> missing;
  for (int u = 0; u < info.points * info.reps; ++u)
    if (!units.count(u))
      missing.push_back("point " + std::to_string(u / info.reps) + " rep " +
                        std::to_string(u % info.reps));
  if (!missing.empty()) {
    std::string list;
    for (std::size_t k = 0; k < std::min<std::size_t>(missing.size(), 10); ++k)
      list += (k ? ", " : "") + missing[k];
    if (missing.size() > 10) list += ", ...";
    throw InputError("the shards do not cover the sweep: " + std::to_string(missing.size()) +
                     " unit(s) missing (" + list + ")");
  }
  write_results(out, assemble(info, units, ""));
}

}  // namespace smesim::sim
