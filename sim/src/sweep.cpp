#include "smesim/sim/sweep.hpp"

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for_each.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
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
#include "smesim/sim/run.hpp"

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
    read_panel(s);
    s.fingerprint = fingerprint(s);
    return s;
  }

 private:
  using Entry = YamlMap::Entry;
  const Entry* top(const std::string& name) const { return top_.entry(name); }

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
      row[f] = model::find_param(s.factors[f].path)->get(s.base.params);
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
    const int samples =
        samples_node ? int(in_.integer(samples_node, samples_node, "design.samples", {1, 1e7})) : 0;
    if (s.design_type != "grid" && samples == 0)
      in_.fail(design_.node, "design.samples",
               "'design.samples' is required for lhs and sobol designs");
    std::vector<std::pair<double, double>> ranges;
    for (const auto& f : s.factors)
      if (s.design_type != "grid") ranges.emplace_back(f.values[0], f.values[1]);
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
      if (model::find_param(s.factors[f].path)->integral())
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

  YamlReader in_;
  YAML::Node root_;
  YamlMap top_, design_;
};

}  // namespace

SweepSpec load_sweep(const std::string& path) {
  auto spec = SweepParser(path, read_input_file(path, "sweep")).parse();
  for (int p = 0; p < spec.points(); ++p) {
    const auto params = point_params(spec, p);
    if (const auto errs = model::check_consistency(params); !errs.empty())
      throw_at(path, spec.yaml, 0, 0, "", "point " + std::to_string(p) + ": " + errs.front());
  }
  return spec;
}

model::Params point_params(const SweepSpec& spec, int point) {
  model::Params p = spec.base.params;
  for (std::size_t f = 0; f < spec.factors.size(); ++f)
    model::find_param(spec.factors[f].path)->set(p, spec.design.points[std::size_t(point)][f]);
  return p;
}

std::optional<Shard> parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  try {
    std::size_t a = 0, b = 0;
    const int i = std::stoi(text.substr(0, slash), &a), n = std::stoi(text.substr(slash + 1), &b);
    if (a != slash || b != text.size() - slash - 1 || n < 1 || i < 1 || i > n) return std::nullopt;
    return Shard{i - 1, n};
  } catch (const std::exception&) {
    return std::nullopt;
  }
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

// What assembling needs to know about a sweep, from the spec or from a shard file.
struct SweepInfo {
  int points = 0, reps = 0, reference = 0, saltelli_base = 0;
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
  const Results& first = units.begin()->second;
  out.years = first.years;
  const std::size_t Y = out.years.size(), P = std::size_t(info.points), R = std::size_t(info.reps);
  for (const auto& [name, v] : first.aggregates)
    out.aggregates.emplace_back(
        name, std::vector<double>(P * R * Y, std::numeric_limits<double>::quiet_NaN()));
  std::vector<double> present;
  for (auto& [u, res] : units) {
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

void write_text_atomically(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp-" + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
    out.flush();
    if (!out) throw std::runtime_error("cannot write '" + tmp.string() + "'");
  }
  fs::rename(tmp, path);
}

}  // namespace

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
  check_output_path(out);
  const std::string dir = parts_dir_of(out);
  const fs::path stamp = fs::path(dir) / "sweep.fingerprint";
  if (fs::exists(dir)) {
    if (!opt.resume)
      throw InputError("'" + dir +
                       "' holds the finished units of an interrupted sweep: add --resume "
                       "to continue it, or remove the directory to start again");
    std::ifstream in(stamp);
    std::string fp;
    in >> fp;
    if (fp != spec.fingerprint)
      throw InputError("'" + dir + "' belongs to a different sweep (fingerprint " + fp +
                       ", this sweep " + spec.fingerprint +
                       "): remove it or choose another output name");
    for (const auto& e : fs::directory_iterator(dir))  // temporaries of units killed mid-write
      if (e.path().filename().string().find(".tmp-") != std::string::npos) fs::remove(e.path());
  } else {
    fs::create_directories(dir);
    write_text_atomically(stamp, spec.fingerprint + "\n");
  }
  std::vector<int> mine, pending;
  for (int u = 0; u < spec.units(); ++u)
    if (u % opt.shard.count == opt.shard.index) {
      mine.push_back(u);
      if (!fs::exists(unit_file(dir, u))) pending.push_back(u);
    }
  const int threads = opt.threads > 0 ? opt.threads : int(oneapi::tbb::info::default_concurrency());
  oneapi::tbb::global_control limit(oneapi::tbb::global_control::max_allowed_parallelism,
                                    std::size_t(threads));
  if (opt.run_units) {
    opt.run_units(pending);
  } else {
    Progress progress(int(mine.size()), int(mine.size() - pending.size()), opt.quiet);
    oneapi::tbb::parallel_for_each(pending.begin(), pending.end(), [&](int u) {
      run_unit(spec, u, dir);
      progress.unit_done();
    });
  }
  std::map<int, Results> units;
  for (int u : mine) {
    std::lock_guard lock(hdf5_mutex());
    units.emplace(u, read_results(unit_file(dir, u)));
  }
  const std::string shard = opt.shard.count > 1 ? std::to_string(opt.shard.index + 1) + "/" +
                                                      std::to_string(opt.shard.count)
                                                : "";
  write_results(out, assemble(info_of(spec), units, shard));
  fs::remove_all(dir);
}

void merge_shards(const std::vector<std::string>& shards, const std::string& out) {
  if (shards.empty()) throw InputError("merge: no shard files given");
  check_output_path(out);
  std::map<int, Results> units;
  SweepInfo info;
  for (std::size_t s = 0; s < shards.size(); ++s) {
    Results r = read_results(shards[s]);
    const auto* fp = r.attribute("sweep_fingerprint");
    if (!fp) throw InputError("'" + shards[s] + "' is not a sweep results file");
    if (s == 0) {
      info.fingerprint = *fp;
      info.points = r.points;
      info.reps = r.reps;
      info.design = *r.attribute("sweep_design");
      info.yaml = *r.attribute("sweep_yaml");
      info.reference = std::stoi(*r.attribute("sweep_reference"));
      info.saltelli_base = std::stoi(*r.attribute("sweep_saltelli_base"));
      info.factors = split(*r.attribute("sweep_factors"));
      info.roles = split(*r.attribute("sweep_roles"));
      for (const auto& f : info.factors) info.values.push_back(r.array("points/" + f)->values);
      info.meta = r.meta;
    } else if (*fp != info.fingerprint) {
      throw InputError("'" + shards[s] + "' belongs to a different sweep than '" + shards[0] +
                       "' (fingerprints " + *fp + " and " + info.fingerprint + ")");
    }
    const std::size_t Y = r.years.size(), R = std::size_t(r.reps);
    for (double du : r.array("sweep/units")->values) {
      const int u = int(du);
      if (units.count(u))
        throw InputError("unit " + std::to_string(u) + " (point " + std::to_string(u / r.reps) +
                         ", replication " + std::to_string(u % r.reps) +
                         ") is in more than one shard");
      Results one;
      one.points = one.reps = 1;
      one.years = r.years;
      for (const auto& [name, v] : r.aggregates)
        one.aggregates.emplace_back(
            name, std::vector<double>(v.begin() + std::ptrdiff_t(std::size_t(u) * Y),
                                      v.begin() + std::ptrdiff_t((std::size_t(u) + 1) * Y)));
      (void)R;
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
      for (std::size_t lo = 0, hi = 0; lo < pt->size(); lo = hi) {
        const int u = (*pt)[lo] * r.reps + (*rp)[lo];
        for (hi = lo; hi < pt->size() && (*pt)[hi] * r.reps + (*rp)[hi] == u;) ++hi;
        const auto it = units.find(u);
        if (it == units.end()) continue;
        model::Table part;
        for (const auto& [n, c] : table->ints)
          part.ints.emplace_back(n, std::vector<std::int32_t>(c.begin() + std::ptrdiff_t(lo),
                                                              c.begin() + std::ptrdiff_t(hi)));
        for (const auto& [n, c] : table->reals)
          part.reals.emplace_back(n, std::vector<double>(c.begin() + std::ptrdiff_t(lo),
                                                         c.begin() + std::ptrdiff_t(hi)));
        (target == 0 ? it->second.panel : it->second.decisions).append(part);
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
