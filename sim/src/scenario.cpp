// Scenario files: strict validation of a YAML document against the parameter schema
// (model::param_refs), with compiler-style messages, and the resolved (all defaults) YAML.
#include "smesim/sim/scenario.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <vector>

namespace smesim::sim {

ScenarioError::ScenarioError(std::string file, int line, int column, std::string key,
                             std::string message, std::string full)
    : std::runtime_error(std::move(full)),
      file_(std::move(file)),
      line_(line),
      column_(column),
      key_(std::move(key)),
      message_(std::move(message)) {}

namespace {

using model::format_real;
using model::ParamInfo;
using model::ParamKind;
using model::Params;
using model::Path;

// A YAML real: decimal/exponent forms and .inf/.nan spellings. nullopt when not a number.
std::optional<double> parse_real(const std::string& text) {
  static const std::set<std::string> inf = {".inf", ".Inf", ".INF"};
  static const std::set<std::string> nan = {".nan", ".NaN", ".NAN"};
  const bool sign = !text.empty() && (text[0] == '+' || text[0] == '-');
  const std::string s = sign ? text.substr(1) : text;
  if (inf.count(s)) return text[0] == '-' ? -HUGE_VAL : HUGE_VAL;
  if (nan.count(s) && !sign) return std::numeric_limits<double>::quiet_NaN();
  // Only digits, dots, exponents and signs: from_chars alone would also take "inf" and "nan".
  if (s.empty() || s.find_first_not_of("0123456789.eE+-") != std::string::npos || s[0] == '+' ||
      s[0] == '-')
    return std::nullopt;
  double x = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return text[0] == '-' ? -x : x;
}

std::string join(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

std::string describe(const YAML::Node& n) {
  if (n.IsMap()) return "a map";
  if (n.IsSequence()) return "a list";
  if (n.IsNull()) return "no value";
  return "'" + n.Scalar() + "'";
}

}  // namespace

std::string nearest_key(const std::string& word, const std::vector<std::string>& candidates) {
  return model::nearest_name(word, candidates);
}

void throw_at(const std::string& file, const std::string& text, int line, int col,
              const std::string& key, const std::string& msg) {
  std::string full = file + ":";
  if (line > 0) {
    full += std::to_string(line) + ":" + std::to_string(col) + ":";
    full += " error: " + msg;
    std::size_t begin = 0;
    for (int l = 1; l < line && begin != std::string::npos; ++l) {
      begin = text.find('\n', begin);
      if (begin != std::string::npos) ++begin;
    }
    if (begin != std::string::npos && begin <= text.size()) {
      std::string src = text.substr(begin, text.find('\n', begin) - begin);
      if (!src.empty() && src.back() == '\r') src.pop_back();
      std::string caret;
      for (int c = 0; c + 1 < col; ++c) caret += c < int(src.size()) && src[c] == '\t' ? '\t' : ' ';
      full += "\n" + src + "\n" + caret + "^";
    }
  } else {
    full += " error: " + msg;
  }
  throw ScenarioError(file, line, col, key, msg, full);
}

namespace {

class Parser {
 public:
  Parser(const std::string& text, const std::string& file) : text_(text), file_(file) {
    for (const auto& info : model::param_registry()) add_path(info.key, &info);
    for (const char* s : {"name", "description", "seed", "paths", "shocks", "output.panel_reps"})
      add_path(s, nullptr);
  }

  Params parse() {
    std::vector<YAML::Node> docs;
    try {
      docs = YAML::LoadAll(text_);
    } catch (const YAML::Exception& e) {
      fail(e.mark, "", "invalid YAML: " + e.msg);
    }
    if (docs.empty() || docs[0].IsNull())
      fail(YAML::Mark::null_mark(), "",
           "the scenario is empty: expected a map of parameters, e.g. 'name: baseline'");
    if (docs.size() > 1)
      fail(docs[1].Mark(), "", "a scenario file holds one YAML document, found a second one");
    doc_ = docs[0].Mark();
    if (!docs[0].IsMap())
      fail(doc_, "",
           "the scenario must be a map of parameters (e.g. 'name: baseline'), got " +
               describe(docs[0]));
    walk(docs[0], "");
    check_years();
    for (const auto& msg : model::check_consistency(p_)) {
      const std::string key = msg.substr(0, msg.find_first_of(" :"));
      fail(where({key}), leaf_.count(key) || given_.count(key) ? key : "", msg);
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

  [[noreturn]] void fail(const YAML::Mark& m, const std::string& key, const std::string& msg) {
    throw_at(file_, text_, m.is_null() ? 0 : m.line + 1, m.is_null() ? 0 : m.column + 1, key, msg);
  }

  // Location of the first given key among `keys`, else the top of the document.
  YAML::Mark where(std::initializer_list<std::string> keys) const {
    for (const auto& k : keys)
      if (auto it = given_.find(k); it != given_.end()) return it->second;
    return doc_;
  }

  // Value location for messages: a null value's mark points past the key, so use the key's.
  static YAML::Mark mark_of(const YAML::Node& key, const YAML::Node& value) {
    return value.IsNull() ? key.Mark() : value.Mark();
  }

  void unknown(const YAML::Node& key, const std::string& prefix, const std::string& what,
               const std::vector<std::string>& valid) {
    const std::string full = join(prefix, key.Scalar());
    std::string msg = "unknown " + what + " '" + full + "'";
    if (const auto near = model::nearest_name(key.Scalar(), valid); !near.empty())
      msg += "; did you mean '" + join(prefix, near) + "'?";
    else if (valid.size() <= 8) {
      msg += "; expected one of:";
      for (std::size_t i = 0; i < valid.size(); ++i) msg += (i ? ", " : " ") + valid[i];
    }
    fail(key.Mark(), full, msg);
  }

  // Iterates a map, rejecting non-scalar and duplicate keys. Null counts as an empty map.
  void for_each_key(const YAML::Node& map, const std::string& path,
                    const std::function<void(const YAML::Node&, const YAML::Node&)>& f) {
    if (map.IsNull()) return;
    if (!map.IsMap())
      fail(map.Mark(), path, "'" + path + "' must be a map of keys, got " + describe(map));
    std::map<std::string, int> seen;
    for (const auto& kv : map) {
      if (!kv.first.IsScalar())
        fail(kv.first.Mark(), path, "keys must be plain names, got " + describe(kv.first));
      const std::string full = join(path, kv.first.Scalar());
      if (auto [it, fresh] = seen.emplace(kv.first.Scalar(), kv.first.Mark().line + 1); !fresh)
        fail(kv.first.Mark(), full,
             "duplicate key '" + full + "' (first given on line " + std::to_string(it->second) +
                 ")");
      f(kv.first, kv.second);
    }
  }

  void walk(const YAML::Node& map, const std::string& prefix) {
    for_each_key(map, prefix, [&](const YAML::Node& k, const YAML::Node& v) {
      const std::string full = join(prefix, k.Scalar());
      if (k.Scalar().find('.') != std::string::npos) {  // no key in the schema has a dot
        std::string nested = k.Scalar(), close;         // "a.b.c" -> "a: {b: {c: ...}}"
        for (std::size_t dot; (dot = nested.find('.')) != std::string::npos; close += "}")
          nested.replace(dot, 1, ": {");
        fail(k.Mark(), full,
             "unknown key '" + full + "': write dotted paths as nested maps, e.g. '" + nested +
                 ": ..." + close + "'");
      }
      given_[full] = mark_of(k, v);
      if (auto it = leaf_.find(full); it != leaf_.end()) {
        if (it->second) return set_param(*it->second, k, v);
        if (full == "name") return void(p_.name = string_value(k, v, full));
        if (full == "description") {
          if (!v.IsNull() && !v.IsScalar())
            fail(v.Mark(), full, "'description': expected text, got " + describe(v));
          return;
        }
        if (full == "seed") return void(p_.seed = seed_value(k, v));
        if (full == "paths") return parse_paths(v);
        if (full == "shocks") return parse_shocks(k, v);
        if (full == "output.panel_reps") return parse_panel_reps(k, v);
      }
      if (children_.count(full)) return walk(v, full);
      unknown(k, prefix, "key", children_[prefix]);
    });
  }

  std::string string_value(const YAML::Node& k, const YAML::Node& v, const std::string& key) {
    if (!v.IsScalar() || v.Scalar().empty())
      fail(mark_of(k, v), key, "'" + key + "': expected text, got " + describe(v));
    return v.Scalar();
  }

  std::uint64_t seed_value(const YAML::Node& k, const YAML::Node& v) {
    std::uint64_t s = 0;
    const std::string t = v.IsScalar() ? v.Scalar() : "";
    auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), s);
    if (t.empty() || ec != std::errc() || ptr != t.data() + t.size())
      fail(mark_of(k, v), "seed",
           "'seed': expected an integer in [0, 2^64 - 1], got " + describe(v));
    return s;
  }

  // A number of the given kind (reals may be infinite, never NaN); fails with a type message.
  double number(const YAML::Node& k, const YAML::Node& v, const std::string& key, ParamKind kind,
                bool finite = false) {
    const char* expected = kind == ParamKind::integer ? "an integer"
                           : finite                   ? "a finite real number"
                                                      : "a real number";
    const auto x = v.IsScalar() ? parse_real(v.Scalar()) : std::nullopt;
    if (!x || (kind == ParamKind::integer && *x != std::floor(*x)) ||
        (finite && !std::isfinite(*x)))
      fail(mark_of(k, v), key, "'" + key + "': expected " + expected + ", got " + describe(v));
    if (std::isnan(*x))
      fail(
          v.Mark(), key,
          "'" + key + "': expected " + expected + ", got " + describe(v) + " (NaN is not allowed)");
    return *x;
  }

  void check_range(const YAML::Node& v, const std::string& key, double x, model::Bounds bounds,
                   bool integral) {
    if (bounds.contains(x)) return;
    fail(v.Mark(), key,
         "'" + key + "' = " + v.Scalar() + " is out of range: expected " +
             bounds.expected(integral));
  }

  void set_param(const ParamInfo& r, const YAML::Node& k, const YAML::Node& v) {
    if (r.kind == ParamKind::boolean) {
      static const std::set<std::string> yes = {"true", "True", "TRUE"},
                                         no = {"false", "False", "FALSE"};
      const std::string t = v.IsScalar() ? v.Scalar() : "";
      if (!yes.count(t) && !no.count(t))
        fail(mark_of(k, v), r.key, "'" + r.key + "': expected true or false, got " + describe(v));
      r.set(p_, yes.count(t) > 0 ? 1.0 : 0.0);
      return;
    }
    const double x = number(k, v, r.key, r.kind);
    check_range(v, r.key, x, r.bounds, r.integral());
    r.set(p_, x);
  }

  int year_value(const YAML::Node& k, const YAML::Node& v, const std::string& key) {
    const double y = number(k, v, key, ParamKind::integer);
    check_range(v, key, y, {1900, 2200}, true);
    return static_cast<int>(y);
  }

  void parse_paths(const YAML::Node& paths) {
    const std::vector<std::string> names = {"g_dom", "fx", "fta_coverage"};
    for_each_key(paths, "paths", [&](const YAML::Node& k, const YAML::Node& v) {
      const std::string name = k.Scalar(), key = "paths." + name;
      Path* path = name == "g_dom"          ? &p_.paths.g_dom
                   : name == "fx"           ? &p_.paths.fx
                   : name == "fta_coverage" ? &p_.paths.fta_coverage
                                            : nullptr;
      if (!path) unknown(k, "paths", "path", names);
      given_[key] = mark_of(k, v);
      for_each_key(v, key, [&](const YAML::Node& pk, const YAML::Node& pv) {
        const std::string field = key + "." + pk.Scalar();
        if (pk.Scalar() == "interpolation") {
          const std::string t = pv.IsScalar() ? pv.Scalar() : "";
          if (t != "linear" && t != "step")
            fail(mark_of(pk, pv), field,
                 "'" + field + "': expected 'linear' or 'step', got " + describe(pv));
          path->interpolation =
              t == "step" ? Path::Interpolation::step : Path::Interpolation::linear;
        } else if (pk.Scalar() == "points") {
          if (!pv.IsMap() || pv.size() == 0)
            fail(mark_of(pk, pv), field,
                 "'" + field + "': expected a map of year: value with at least one point, got " +
                     (pv.IsMap() ? "an empty map" : describe(pv)));
          path->points.clear();
          for_each_key(pv, field, [&](const YAML::Node& yk, const YAML::Node& yv) {
            const auto y = parse_real(yk.Scalar());
            if (!y || *y != std::floor(*y) || *y < 1900 || *y > 2200)
              fail(yk.Mark(), field,
                   "'" + field + "': expected a year (an integer in [1900, 2200]) as key, got " +
                       describe(yk));
            const int year = static_cast<int>(*y);
            const std::string at = field + "." + std::to_string(year);
            const double x = number(yk, yv, at, ParamKind::real, true);
            if (name == "fx" && !(x > 0))
              fail(yv.Mark(), at,
                   "'" + at + "' = " + yv.Scalar() + " is out of range: expected a value > 0");
            if (name == "fta_coverage") check_range(yv, at, x, {0, 1}, false);
            path->points.emplace_back(year, x);
          });
          std::sort(path->points.begin(), path->points.end());
          for (std::size_t i = 1; i < path->points.size(); ++i)
            if (path->points[i].first == path->points[i - 1].first)
              fail(pv.Mark(), field,
                   "'" + field + "': year " + std::to_string(path->points[i].first) +
                       " is given twice");
        } else {
          unknown(pk, key, "key", {"interpolation", "points"});
        }
      });
    });
  }

  struct Deferred {  // a value checked after all keys are applied
    YAML::Mark mark;
    std::string key, text;
    int value;
  };

  void parse_shocks(const YAML::Node& k, const YAML::Node& list) {
    p_.shocks.clear();
    if (list.IsNull()) return;
    if (!list.IsSequence())
      fail(mark_of(k, list), "shocks",
           "'shocks' must be a list of {year, region, share_of_le, fraction}, got " +
               describe(list));
    const std::vector<std::string> fields = {"year", "region", "share_of_le", "fraction"};
    for (std::size_t i = 0; i < list.size(); ++i) {
      const YAML::Node item = list[i];
      const std::string key = "shocks[" + std::to_string(i) + "]";
      if (!item.IsMap())
        fail(item.Mark(), key,
             "'" + key + "' must be a map {year, region, share_of_le, fraction}, got " +
                 describe(item));
      model::Shock s;
      std::set<std::string> got;
      for_each_key(item, key, [&](const YAML::Node& fk, const YAML::Node& fv) {
        const std::string f = fk.Scalar(), fkey = key + "." + f;
        if (std::find(fields.begin(), fields.end(), f) == fields.end())
          unknown(fk, key, "shock field", fields);
        got.insert(f);
        if (f == "year") {
          s.year = year_value(fk, fv, fkey);
          shock_years_.push_back({fv.Mark(), fkey, fv.Scalar(), s.year});
        } else if (f == "region") {
          const std::string r = string_value(fk, fv, fkey);
          s.region = model::region_index(r);
          if (s.region < 0) {
            const std::vector<std::string> regions(model::kRegionNames.begin(),
                                                   model::kRegionNames.end());
            std::string msg = "unknown region '" + r + "' in '" + fkey + "'";
            if (const auto near = model::nearest_name(r, regions); !near.empty())
              msg += "; did you mean '" + near + "'?";
            msg += " (regions:";
            for (std::size_t j = 0; j < regions.size(); ++j) msg += (j ? ", " : " ") + regions[j];
            fail(fv.Mark(), fkey, msg + ")");
          }
        } else {
          const double x = number(fk, fv, fkey, ParamKind::real);
          check_range(fv, fkey, x, {0, 1}, false);
          (f == "share_of_le" ? s.share_of_le : s.fraction) = x;
        }
      });
      for (const auto& f : fields)
        if (!got.count(f))
          fail(item.Mark(), key,
               "'" + key + "' is missing '" + f +
                   "' (a shock needs year, region, share_of_le and fraction)");
      p_.shocks.push_back(s);
    }
  }

  void parse_panel_reps(const YAML::Node& k, const YAML::Node& list) {
    p_.output.panel_reps.clear();
    if (list.IsNull()) return;
    if (!list.IsSequence())
      fail(mark_of(k, list), "output.panel_reps",
           "'output.panel_reps' must be a list of replication indices, e.g. [0, 1], got " +
               describe(list));
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string key = "output.panel_reps[" + std::to_string(i) + "]";
      const double r = number(list[i], list[i], key, ParamKind::integer);
      check_range(list[i], key, r, {0, 1e6}, true);
      p_.output.panel_reps.push_back(static_cast<int>(r));
      reps_.push_back({list[i].Mark(), key, list[i].Scalar(), static_cast<int>(r)});
    }
  }

  // Years relative to the horizon, checked once every key is applied.
  void check_years() {
    const int a = p_.start_year, b = p_.end_year;
    if (b < a)
      fail(where({"end_year", "start_year"}), "end_year",
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
      fail(where({key, "end_year", "start_year"}), key,
           "'" + key + "' = " + std::to_string(y) + horizon);
    };
    year("burn_in_end", p_.burn_in_end);
    year("output.panel_from", p_.output.panel_from);
    year("output.panel_to", p_.output.panel_to);
    if (p_.output.panel_from > p_.output.panel_to)
      fail(where({"output.panel_from", "output.panel_to"}), "output.panel_from",
           "'output.panel_from' = " + std::to_string(p_.output.panel_from) +
               " is after 'output.panel_to' = " + std::to_string(p_.output.panel_to));
    for (const auto& s : shock_years_)
      if (s.value < a || s.value > b) fail(s.mark, s.key, "'" + s.key + "' = " + s.text + horizon);
    for (const auto& r : reps_)
      if (r.value >= p_.replications)
        fail(r.mark, r.key,
             "'" + r.key + "' = " + r.text +
                 " is out of range: expected a replication index in [0, replications - 1] = [0, " +
                 std::to_string(p_.replications - 1) + "]");
  }

  const std::string& text_;
  const std::string& file_;
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
  auto cannot = [&](int err) {
    const std::string msg =
        "cannot open scenario file '" + path + "': " + std::string(std::strerror(err));
    return ScenarioError(path, 0, 0, "", msg, path + ": error: " + msg);
  };
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw cannot(EISDIR);
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw cannot(errno);
  std::string text;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  const int err = std::ferror(f) ? errno : 0;
  std::fclose(f);
  if (err) throw cannot(err);
  return parse_scenario(text, path);
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
