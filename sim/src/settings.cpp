// Every sweepable key: the parameter registry plus the paths' shift and scale (settings.hpp).
#include "smesim/sim/settings.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "smesim/sim/errors.hpp"
#include "smesim/sim/yaml_reader.hpp"

namespace smesim::sim {

using model::Bounds;
using model::ParamInfo;
using model::Params;
using model::Path;

const std::vector<std::string>& path_names() {
  static const std::vector<std::string> names = {"g_dom", "fx", "fta_coverage"};
  return names;
}

Path* path_of(Params& p, std::string_view name) {
  return name == "g_dom"          ? &p.paths.g_dom
         : name == "fx"           ? &p.paths.fx
         : name == "fta_coverage" ? &p.paths.fta_coverage
                                  : nullptr;
}

const Path* path_of(const Params& p, std::string_view name) {
  return path_of(const_cast<Params&>(p), name);
}

Bounds path_value_bounds(std::string_view name) {
  if (name == "g_dom") return {-0.5, 0.5};
  if (name == "fx") return {0, std::numeric_limits<double>::infinity(), true, true};
  return {0, 1};
}

namespace {

struct PathOverride {
  std::string_view name, field;  // field: shift, scale or multiplier
  Bounds bounds;
  std::string_view unit, meaning;
};

// The shifts stay within the width of the path's range; the scales are non-negative factors.
const PathOverride kOverrides[] = {
    {"g_dom", "shift", {-0.5, 0.5}, "log points/year", "added to the demand growth path"},
    {"g_dom", "scale", {0, 10}, "", "multiplies the demand growth path"},
    {"g_dom", "multiplier", {0, 10}, "", "multiplies the demand growth path (= scale)"},
    {"fx", "shift", {-1000, 1000, true, true}, "yen/dollar", "added to the exchange rate path"},
    {"fx", "scale", {0, 10, true, false}, "", "multiplies the exchange rate path"},
    {"fx", "multiplier", {0, 10, true, false}, "", "multiplies the exchange rate path (= scale)"},
    {"fta_coverage", "shift", {-1, 1}, "share", "added to the FTA coverage path"},
    {"fta_coverage", "scale", {0, 10}, "", "multiplies the FTA coverage path"},
    {"fta_coverage", "multiplier", {0, 10}, "", "multiplies the FTA coverage path (= scale)"},
};

ParamInfo make_setting(const PathOverride& o) {
  ParamInfo info;
  info.key = "paths." + std::string(o.name) + "." + std::string(o.field);
  info.kind = model::ParamKind::real;
  info.bounds = o.bounds;
  info.unit = o.unit;
  info.meaning = o.meaning;
  info.source = "choice";
  const bool shift = o.field == "shift";
  info.default_value = shift ? 0 : 1;
  // The neutral value: a shift or scale is relative to the path it is applied to.
  info.get = [neutral = info.default_value](const Params&) { return neutral; };
  info.set = [name = std::string(o.name), shift](Params& p, double x) {
    for (auto& point : path_of(p, name)->points)
      point.second = shift ? point.second + x : point.second * x;
  };
  return info;
}

}  // namespace

const std::vector<ParamInfo>& path_settings() {
  static const std::vector<ParamInfo> settings = [] {
    std::vector<ParamInfo> v;
    for (const auto& o : kOverrides) v.push_back(make_setting(o));
    return v;
  }();
  return settings;
}

std::vector<std::string> setting_keys() {
  std::vector<std::string> keys;
  for (const auto& p : model::param_registry()) keys.push_back(p.key);
  for (const auto& p : path_settings()) keys.push_back(p.key);
  return keys;
}

const ParamInfo* find_setting(std::string_view key, std::string* did_you_mean) {
  if (const auto* p = model::find_param(key)) return p;
  for (const auto& p : path_settings())
    if (p.key == key) return &p;
  if (did_you_mean) *did_you_mean = model::nearest_name(key, setting_keys());
  return nullptr;
}

std::vector<std::string> path_problems(const Params& p) {
  std::vector<std::string> err;
  for (const auto& name : path_names()) {
    const Bounds b = path_value_bounds(name);
    for (const auto& [year, x] : path_of(p, name)->points)
      if (!b.contains(x))
        err.push_back("paths." + name + ": the value " + model::format_real(x) + " at " +
                      std::to_string(year) + " is out of range: expected " + b.expected());
  }
  return err;
}

namespace {

// The value of one assignment, read as YAML; errors come back as InputFileErrors of `in`.
void apply_one(Params& p, const std::string& key, const std::string& value) {
  const YamlReader in("--set", value);
  YAML::Node v;
  try {
    v = YAML::Load(value);
  } catch (const YAML::Exception& e) {
    in.fail(YAML::Mark::null_mark(), key,
            "'" + key + "': the value is not valid YAML (" + e.msg + ")");
  }
  if (const auto* info = find_setting(key))
    return info->set(p, in.parameter_value(*info, v, v, key));
  for (const auto& name : path_names()) {
    const std::string prefix = "paths." + name + ".";
    if (key == prefix + "interpolation") {
      path_of(p, name)->interpolation = in.choice(v, v, key, {"linear", "step"}) == "step"
                                            ? Path::Interpolation::step
                                            : Path::Interpolation::linear;
      return;
    }
    if (key != prefix + "points") continue;
    if (!v.IsMap() || v.size() == 0)
      in.fail(YAML::Mark::null_mark(), key,
              "'" + key + "': expected a map of year: value, e.g. {1985: 0, 2005: -0.01}, got " +
                  YamlReader::describe(v));
    std::vector<std::pair<int, double>> points;
    in.for_each(v, key, [&](const YAML::Node& yk, const YAML::Node& yv) {
      const double year = in.integer(yk, yk, key + " (year)", {1900, 2200});
      const std::string at = key + "." + std::to_string(static_cast<int>(year));
      points.emplace_back(static_cast<int>(year), in.real(yk, yv, at, path_value_bounds(name)));
    });
    std::sort(points.begin(), points.end());
    path_of(p, name)->points = std::move(points);
    return;
  }
  std::vector<std::string> keys = setting_keys();
  for (const auto& name : path_names())
    for (const char* f : {".points", ".interpolation"}) keys.push_back("paths." + name + f);
  std::vector<std::string> below;  // `key` names a group: the keys it holds
  for (const auto& k : keys)
    if (k.rfind(key + ".", 0) == 0) below.push_back(k);
  if (!below.empty()) {
    std::string list;
    for (std::size_t i = 0; i < below.size() && i < 5; ++i)
      list += (i ? ", '" : "'") + below[i] + "'";
    in.fail(YAML::Mark::null_mark(), key,
            "'" + key + "' is a group of keys, not a value: give one of them, e.g. " + list +
                (below.size() > 5 ? ", ..." : ""));
  }
  const std::string near = model::nearest_name(key, keys);
  in.fail(YAML::Mark::null_mark(), key,
          "unknown key '" + key + "'" + (near.empty() ? "" : "; did you mean '" + near + "'?") +
              " (any key of the parameter registry, docs/model.md, or paths.<g_dom|fx|"
              "fta_coverage>.<shift|scale|multiplier|points|interpolation>)");
}

}  // namespace

void apply_assignments(Params& p, const std::vector<std::string>& assignments) {
  for (const auto& a : assignments) {
    const auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0)
      throw InputError("--set '" + a + "': expected KEY=VALUE, e.g. --set paths.g_dom.shift=-0.01");
    const std::string key = a.substr(0, eq), value = a.substr(eq + 1);
    try {
      apply_one(p, key, value);
    } catch (const InputFileError& e) {
      throw InputError("--set " + a + ": " + e.message());
    }
  }
  auto problems = path_problems(p);
  for (const auto& m : model::check_consistency(p)) problems.push_back(m);
  if (!problems.empty())
    throw InputError("--set: the scenario with these settings is not valid: " + problems.front());
}

}  // namespace smesim::sim
