// Scenario files: the scenario schema (the parameter registry plus name, seed, paths, shocks and
// panel replications) read by the shared YAML reader, and the resolved (all defaults) YAML.
#include "smesim/sim/scenario.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "smesim/sim/settings.hpp"

namespace smesim::sim {

namespace {

using model::format_real;
using model::ParamInfo;
using model::ParamKind;
using model::Params;
using model::Path;

std::string join(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

class Parser {
 public:
  Parser(const std::string& text, const std::string& file) : in_(file, text) {
    for (const auto& info : model::param_registry()) add_path(info.key, &info);
    for (const char* s : {"name", "description", "seed", "paths", "shocks", "output.panel_reps"})
      add_path(s, nullptr);
  }

  Params parse() {
    const YAML::Node root = in_.parse_root("scenario", "parameters", "name: baseline");
    doc_ = root.Mark();
    walk(root, "");
    check_years();
    for (const auto& msg : model::check_consistency(p_)) {
      const std::string key = msg.substr(0, msg.find_first_of(" :"));
      in_.fail(where({key}), leaf_.count(key) || given_.count(key) ? key : "", msg);
    }
    return p_;
  }

 private:
  // `info` is nullptr for the keys that are not scalar parameters (name, paths, shocks, ...).
  void add_path(const std::string& path, const ParamInfo* info) {
    leaf_[path] = info;
    std::string prefix;
    for (std::size_t start = 0;;) {
      const std::size_t dot = path.find('.', start);
      const std::string part = path.substr(start, dot - start);
      auto& kids = children_[prefix];
      if (std::find(kids.begin(), kids.end(), part) == kids.end()) kids.push_back(part);
      if (dot == std::string::npos) break;
      prefix = join(prefix, part);
      start = dot + 1;
    }
  }

  // Location of the first given key among `keys`, else the top of the document.
  YAML::Mark where(std::initializer_list<std::string> keys) const {
    for (const auto& k : keys)
      if (auto it = given_.find(k); it != given_.end()) return it->second;
    return doc_;
  }

  void walk(const YAML::Node& map, const std::string& prefix) {
    in_.for_each(map, prefix, [&](const YAML::Node& k, const YAML::Node& v) {
      const std::string full = join(prefix, k.Scalar());
      if (k.Scalar().find('.') != std::string::npos) {  // no key in the schema has a dot
        std::string nested = k.Scalar(), close;         // "a.b.c" -> "a: {b: {c: ...}}"
        for (std::size_t dot; (dot = nested.find('.')) != std::string::npos; close += "}")
          nested.replace(dot, 1, ": {");
        in_.fail(k.Mark(), full,
                 "unknown key '" + full + "': write dotted paths as nested maps, e.g. '" + nested +
                     ": ..." + close + "'");
      }
      given_[full] = YamlReader::mark_of(k, v);
      if (auto it = leaf_.find(full); it != leaf_.end()) {
        if (it->second) return set_param(*it->second, k, v);
        if (full == "name") return void(p_.name = in_.text(k, v, full));
        if (full == "description") {
          if (!v.IsNull() && !v.IsScalar())
            in_.fail(v.Mark(), full,
                     "'description': expected text, got " + YamlReader::describe(v));
          return;
        }
        if (full == "seed") return void(p_.seed = in_.seed(k, v, "seed"));
        if (full == "paths") return parse_paths(v);
        if (full == "shocks") return parse_shocks(k, v);
        if (full == "output.panel_reps") return parse_panel_reps(k, v);
      }
      if (children_.count(full)) return walk(v, full);
      in_.unknown(k, prefix, "key", children_[prefix]);
    });
  }

  void set_param(const ParamInfo& r, const YAML::Node& k, const YAML::Node& v) {
    r.set(p_, in_.parameter_value(r, k, v, r.key));
  }

  int year_value(const YAML::Node& k, const YAML::Node& v, const std::string& key) {
    const double y = in_.number(k, v, key, true);
    in_.check_range(v, key, y, {1900, 2200}, true);
    return static_cast<int>(y);
  }

  void parse_paths(const YAML::Node& paths) {
    const std::vector<std::string> names = {"g_dom", "fx", "fta_coverage"};
    in_.for_each(paths, "paths", [&](const YAML::Node& k, const YAML::Node& v) {
      const std::string name = k.Scalar(), key = "paths." + name;
      Path* path = name == "g_dom"          ? &p_.paths.g_dom
                   : name == "fx"           ? &p_.paths.fx
                   : name == "fta_coverage" ? &p_.paths.fta_coverage
                                            : nullptr;
      if (!path) in_.unknown(k, "paths", "path", names);
      given_[key] = YamlReader::mark_of(k, v);
      in_.for_each(v, key, [&](const YAML::Node& pk, const YAML::Node& pv) {
        const std::string field = key + "." + pk.Scalar();
        if (pk.Scalar() == "interpolation") {
          const std::string t = pv.IsScalar() ? pv.Scalar() : "";
          if (t != "linear" && t != "step")
            in_.fail(
                YamlReader::mark_of(pk, pv), field,
                "'" + field + "': expected 'linear' or 'step', got " + YamlReader::describe(pv));
          path->interpolation =
              t == "step" ? Path::Interpolation::step : Path::Interpolation::linear;
        } else if (pk.Scalar() == "points") {
          if (!pv.IsMap() || pv.size() == 0)
            in_.fail(YamlReader::mark_of(pk, pv), field,
                     "'" + field +
                         "': expected a map of year: value with at least one point, got " +
                         (pv.IsMap() ? "an empty map" : YamlReader::describe(pv)));
          path->points.clear();
          in_.for_each(pv, field, [&](const YAML::Node& yk, const YAML::Node& yv) {
            const auto y = YamlReader::parse_real(yk.Scalar());
            if (!y || *y != std::floor(*y) || *y < 1900 || *y > 2200)
              in_.fail(yk.Mark(), field,
                       "'" + field +
                           "': expected a year (an integer in [1900, 2200]) as key, got " +
                           YamlReader::describe(yk));
            const int year = static_cast<int>(*y);
            const std::string at = field + "." + std::to_string(year);
            const double x = in_.number(yk, yv, at, false, true);
            in_.check_range(yv, at, x, path_value_bounds(name), false);
            path->points.emplace_back(year, x);
          });
          std::sort(path->points.begin(), path->points.end());
          for (std::size_t i = 1; i < path->points.size(); ++i)
            if (path->points[i].first == path->points[i - 1].first)
              in_.fail(pv.Mark(), field,
                       "'" + field + "': year " + std::to_string(path->points[i].first) +
                           " is given twice");
        } else if (pk.Scalar() == "shift" || pk.Scalar() == "scale" ||
                   pk.Scalar() == "multiplier") {
          const bool shift = pk.Scalar() == "shift";
          if (shift ? shift_mark.has_value() : scale_mark.has_value())
            in_.fail(pk.Mark(), field,
                     "'" + field + "': give either 'scale' or 'multiplier' (the same), not both");
          (shift ? shift_mark : scale_mark) = YamlReader::mark_of(pk, pv);
          (shift ? shift_by : scale_by) = in_.parameter_value(*find_setting(field), pk, pv, field);
        } else {
          in_.unknown(pk, key, "key", {"interpolation", "points", "shift", "scale", "multiplier"});
        }
      });
      // value = given value x scale + shift, then within the path's range.
      for (auto& point : path->points) point.second = point.second * scale_by + shift_by;
      const auto bounds = path_value_bounds(name);
      for (const auto& [year, x] : path->points)
        if (!bounds.contains(x))
          in_.fail(shift_mark   ? *shift_mark
                   : scale_mark ? *scale_mark
                                : k.Mark(),
                   key,
                   "'" + key + "': with its shift and scale, the value at " + std::to_string(year) +
                       " is " + format_real(x) + ", out of range: expected " + bounds.expected());
      shift_by = 0, scale_by = 1;
      shift_mark.reset(), scale_mark.reset();
    });
  }

  double shift_by = 0, scale_by = 1;  // of the path being read
  std::optional<YAML::Mark> shift_mark, scale_mark;

  struct Deferred {  // a value checked after all keys are applied
    YAML::Mark mark;
    std::string key, text;
    int value;
  };

  void parse_shocks(const YAML::Node& k, const YAML::Node& list) {
    p_.shocks.clear();
    if (list.IsNull()) return;
    if (!list.IsSequence())
      in_.fail(YamlReader::mark_of(k, list), "shocks",
               "'shocks' must be a list of {year, region, share_of_le, fraction}, got " +
                   YamlReader::describe(list));
    const std::vector<std::string> fields = {"year", "region", "share_of_le", "fraction"};
    for (std::size_t i = 0; i < list.size(); ++i) {
      const YAML::Node item = list[i];
      const std::string key = "shocks[" + std::to_string(i) + "]";
      if (!item.IsMap())
        in_.fail(item.Mark(), key,
                 "'" + key + "' must be a map {year, region, share_of_le, fraction}, got " +
                     YamlReader::describe(item));
      model::Shock s;
      std::set<std::string> got;
      in_.for_each(item, key, [&](const YAML::Node& fk, const YAML::Node& fv) {
        const std::string f = fk.Scalar(), fkey = key + "." + f;
        if (std::find(fields.begin(), fields.end(), f) == fields.end())
          in_.unknown(fk, key, "shock field", fields);
        got.insert(f);
        if (f == "year") {
          s.year = year_value(fk, fv, fkey);
          shock_years_.push_back({fv.Mark(), fkey, fv.Scalar(), s.year});
        } else if (f == "region") {
          const std::string r = in_.text(fk, fv, fkey);
          s.region = model::region_index(r);
          if (s.region < 0) {
            const std::vector<std::string> regions(model::kRegionNames.begin(),
                                                   model::kRegionNames.end());
            std::string msg = "unknown region '" + r + "' in '" + fkey + "'";
            if (const auto near = model::nearest_name(r, regions); !near.empty())
              msg += "; did you mean '" + near + "'?";
            msg += " (regions:";
            for (std::size_t j = 0; j < regions.size(); ++j) msg += (j ? ", " : " ") + regions[j];
            in_.fail(fv.Mark(), fkey, msg + ")");
          }
        } else {
          const double x = in_.number(fk, fv, fkey, false);
          in_.check_range(fv, fkey, x, {0, 1}, false);
          (f == "share_of_le" ? s.share_of_le : s.fraction) = x;
        }
      });
      for (const auto& f : fields)
        if (!got.count(f))
          in_.fail(item.Mark(), key,
                   "'" + key + "' is missing '" + f +
                       "' (a shock needs year, region, share_of_le and fraction)");
      p_.shocks.push_back(s);
    }
  }

  void parse_panel_reps(const YAML::Node& k, const YAML::Node& list) {
    p_.output.panel_reps.clear();
    if (list.IsNull()) return;
    if (!list.IsSequence())
      in_.fail(YamlReader::mark_of(k, list), "output.panel_reps",
               "'output.panel_reps' must be a list of replication indices, e.g. [0, 1], got " +
                   YamlReader::describe(list));
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string key = "output.panel_reps[" + std::to_string(i) + "]";
      const double r = in_.number(list[i], list[i], key, true);
      in_.check_range(list[i], key, r, {0, 1e6}, true);
      p_.output.panel_reps.push_back(static_cast<int>(r));
      reps_.push_back({list[i].Mark(), key, list[i].Scalar(), static_cast<int>(r)});
    }
  }

  // Years relative to the horizon, checked once every key is applied.
  void check_years() {
    const int a = p_.start_year, b = p_.end_year;
    if (b < a)
      in_.fail(
          where({"end_year", "start_year"}), "end_year",
          "'end_year' = " + std::to_string(b) + " is before 'start_year' = " + std::to_string(a));
    const std::string horizon = " is out of range: expected a year in [start_year, end_year] = [" +
                                std::to_string(a) + ", " + std::to_string(b) + "]";
    // A year the user gave must lie in the horizon; a default is moved into it (a short run
    // keeps the panel years it has instead of failing on a default it never wrote).
    auto year = [&](const std::string& key, int& y) {
      if (y >= a && y <= b) return;
      if (given_.count(key) == 0) {
        y = std::clamp(y, a, b);
        return;
      }
      in_.fail(where({key, "end_year", "start_year"}), key,
               "'" + key + "' = " + std::to_string(y) + horizon);
    };
    year("burn_in_end", p_.burn_in_end);
    year("output.panel_from", p_.output.panel_from);
    year("output.panel_to", p_.output.panel_to);
    if (p_.output.panel_from > p_.output.panel_to)
      in_.fail(where({"output.panel_from", "output.panel_to"}), "output.panel_from",
               "'output.panel_from' = " + std::to_string(p_.output.panel_from) +
                   " is after 'output.panel_to' = " + std::to_string(p_.output.panel_to));
    for (const auto& s : shock_years_)
      if (s.value < a || s.value > b)
        in_.fail(s.mark, s.key, "'" + s.key + "' = " + s.text + horizon);
    for (const auto& r : reps_)
      if (r.value >= p_.replications)
        in_.fail(
            r.mark, r.key,
            "'" + r.key + "' = " + r.text +
                " is out of range: expected a replication index in [0, replications - 1] = [0, " +
                std::to_string(p_.replications - 1) + "]");
  }

  YamlReader in_;
  Params p_;
  std::map<std::string, const ParamInfo*> leaf_;              // full path -> parameter or null
  std::map<std::string, std::vector<std::string>> children_;  // map level -> its keys
  std::map<std::string, YAML::Mark> given_;                   // keys set by the file
  std::vector<Deferred> shock_years_, reps_;
  YAML::Mark doc_ = YAML::Mark::null_mark();
};

// A tree of the param_refs paths in schema order, for emitting nested maps.
struct KeyTree {
  std::string name;
  const ParamInfo* ref = nullptr;
  std::vector<KeyTree> kids;
  KeyTree& child(const std::string& n) {
    for (auto& k : kids)
      if (k.name == n) return k;
    return kids.emplace_back(KeyTree{n, nullptr, {}});
  }
};

void emit_tree(YAML::Emitter& out, const KeyTree& t, const std::string& path, const Params& p) {
  for (const auto& k : t.kids) {
    out << YAML::Key << k.name << YAML::Value;
    if (k.ref) {
      const double x = k.ref->get(p);
      if (k.ref->kind == ParamKind::real)
        out << format_real(x);
      else if (k.ref->kind == ParamKind::integer)
        out << static_cast<int>(x);
      else
        out << (x != 0 ? "true" : "false");
      continue;
    }
    const std::string sub = join(path, k.name);
    out << YAML::BeginMap;
    emit_tree(out, k, sub, p);
    if (sub == "output")
      out << YAML::Key << "panel_reps" << YAML::Value << YAML::Flow << p.output.panel_reps;
    out << YAML::EndMap;
  }
}

}  // namespace

Scenario parse_scenario(const std::string& text, const std::string& file) {
  return Scenario{Parser(text, file).parse(), file, text};
}

Scenario load_scenario(const std::string& path) {
  return parse_scenario(read_input_file(path, "scenario"), path);
}

Scenario load_base_scenario(const YamlReader& in, const YAML::Node& key, const YAML::Node& value) {
  const auto path = std::filesystem::path(in.file()).parent_path() / in.text(key, value, "base");
  try {
    return load_scenario(path.string());
  } catch (const ScenarioError& e) {
    if (e.line() == 0) in.fail(value, "base", "cannot load base scenario '" + path.string() + "'");
    throw;
  }
}

std::string resolved_yaml(const model::Params& p) {
  KeyTree root;
  for (const auto& r : model::param_registry()) {
    KeyTree* t = &root;
    for (std::size_t start = 0;;) {
      const std::size_t dot = r.key.find('.', start);
      t = &t->child(r.key.substr(start, dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    t->ref = &r;
  }
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << YAML::DoubleQuoted << p.name;
  out << YAML::Key << "seed" << YAML::Value << p.seed;
  emit_tree(out, root, "", p);
  out << YAML::Key << "paths" << YAML::Value << YAML::BeginMap;
  for (const auto& [name, path] : {std::pair<const char*, const Path*>{"g_dom", &p.paths.g_dom},
                                   {"fx", &p.paths.fx},
                                   {"fta_coverage", &p.paths.fta_coverage}}) {
    out << YAML::Key << name << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "interpolation" << YAML::Value
        << (path->interpolation == Path::Interpolation::step ? "step" : "linear");
    out << YAML::Key << "points" << YAML::Value << YAML::Flow << YAML::BeginMap;
    for (const auto& [year, x] : path->points)
      out << YAML::Key << year << YAML::Value << format_real(x);
    out << YAML::EndMap << YAML::EndMap;
  }
  out << YAML::EndMap;
  out << YAML::Key << "shocks" << YAML::Value;
  if (p.shocks.empty()) out << YAML::Flow;  // "shocks: []"
  out << YAML::BeginSeq;
  for (const auto& s : p.shocks) {
    out << YAML::Flow << YAML::BeginMap << YAML::Key << "year" << YAML::Value << s.year;
    out << YAML::Key << "region" << YAML::Value;
    if (s.region >= 0 && s.region < model::kRegions)
      out << std::string(model::kRegionNames[s.region]);
    else
      out << s.region;
    out << YAML::Key << "share_of_le" << YAML::Value << format_real(s.share_of_le);
    out << YAML::Key << "fraction" << YAML::Value << format_real(s.fraction) << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace smesim::sim
