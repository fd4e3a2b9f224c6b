// The shared rules of every YAML input file (yaml_reader.hpp).
#include "smesim/sim/yaml_reader.hpp"

#include <yaml-cpp/anchor.h>
#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "smesim/sim/settings.hpp"

namespace smesim::sim {

InputFileError::InputFileError(std::string file, int line, int column, std::string key,
                               std::string message, std::string full)
    : std::runtime_error(std::move(full)),
      file_(std::move(file)),
      line_(line),
      column_(column),
      key_(std::move(key)),
      message_(std::move(message)) {}

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
  throw InputFileError(file, line, col, key, msg, full);
}

std::string read_input_file(const std::string& path, const std::string& kind) {
  auto cannot = [&](int err) {
    const std::string msg =
        "cannot open " + kind + " file '" + path + "': " + std::string(std::strerror(err));
    return InputFileError(path, 0, 0, "", msg, path + ": error: " + msg);
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
  return text;
}

const YamlMap::Entry* YamlMap::entry(const std::string& name) const {
  for (const auto& e : items)
    if (e.first.Scalar() == name) return &e;
  return nullptr;
}

YAML::Node YamlMap::operator[](const std::string& name) const {
  const Entry* e = entry(name);
  return e ? e->second : YAML::Node(YAML::NodeType::Undefined);
}

namespace {

std::string join(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

}  // namespace

std::optional<double> YamlReader::parse_real(const std::string& text) {
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

namespace {

// Where each document of a stream starts (yaml-cpp's parser events; nothing is built).
struct DocumentStarts : YAML::EventHandler {
  std::vector<YAML::Mark> marks, nodes;  // each document's start and its first node
  void node(const YAML::Mark& m) {
    if (nodes.size() < marks.size()) nodes.push_back(m);
  }
  void OnDocumentStart(const YAML::Mark& m) override { marks.push_back(m); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override { node(m); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { node(m); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                const std::string&) override {
    node(m);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    node(m);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    node(m);
  }
  void OnMapEnd() override {}
};

}  // namespace

YAML::Node YamlReader::parse_root(const std::string& kind, const std::string& contents,
                                  const std::string& example) const {
  // The documents are counted with the parser itself, at most two: yaml-cpp 0.7's LoadAll loops
  // forever, allocating, on a document that starts with a token its parser cannot place (a stray
  // ',': jbeder/yaml-cpp#1040, fixed upstream by #1319; found by tests/fuzz). Such a document
  // starts again where the previous one started.
  std::vector<YAML::Node> docs;
  try {
    std::istringstream in(text_);
    YAML::Parser parser(in);
    DocumentStarts starts;
    while (starts.marks.size() < 2 && parser.HandleNextDocument(starts)) {
    }
    if (starts.marks.size() == 2 && starts.marks[1].pos <= starts.marks[0].pos)
      fail(starts.marks[1], "",
           "invalid YAML: unexpected '" + text_.substr(std::size_t(starts.marks[1].pos), 1) +
               "' (not a key, a value or a list item)");
    if (starts.marks.size() == 2)
      fail(starts.nodes.size() == 2 ? starts.nodes[1] : starts.marks[1], "",
           "a " + kind + " file holds one YAML document, found a second one");
    docs.push_back(YAML::Load(text_));
  } catch (const YAML::Exception& e) {
    fail(e.mark, "", "invalid YAML: " + e.msg);
  }
  if (docs.empty() || docs[0].IsNull())
    fail(YAML::Mark::null_mark(), "",
         "the " + kind + " is empty: expected a map of " + contents + ", e.g. '" + example + "'");
  if (docs.size() > 1)
    fail(docs[1].Mark(), "", "a " + kind + " file holds one YAML document, found a second one");
  if (!docs[0].IsMap())
    fail(docs[0].Mark(), "",
         "the " + kind + " must be a map of " + contents + " (e.g. '" + example + "'), got " +
             describe(docs[0]));
  return docs[0];
}

void YamlReader::fail(const YAML::Mark& m, const std::string& key, const std::string& msg) const {
  throw_at(file_, text_, m.is_null() ? 0 : m.line + 1, m.is_null() ? 0 : m.column + 1, key, msg);
}

void YamlReader::fail(const YAML::Node& at, const std::string& key, const std::string& msg) const {
  fail(at.IsDefined() ? at.Mark() : YAML::Mark::null_mark(), key, msg);
}

void YamlReader::unknown(const YAML::Node& key, const std::string& path, const std::string& what,
                         const std::vector<std::string>& valid) const {
  const std::string full = join(path, key.Scalar());
  std::string msg = "unknown " + what + " '" + full + "'";
  if (const auto near = model::nearest_name(key.Scalar(), valid); !near.empty())
    msg += "; did you mean '" + join(path, near) + "'?";
  else if (valid.size() <= 8) {
    msg += "; expected one of:";
    for (std::size_t i = 0; i < valid.size(); ++i) msg += (i ? ", " : " ") + valid[i];
  }
  fail(key.Mark(), full, msg);
}

void YamlReader::for_each(
    const YAML::Node& map, const std::string& path,
    const std::function<void(const YAML::Node&, const YAML::Node&)>& f) const {
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
           "duplicate key '" + full + "' (first given on line " + std::to_string(it->second) + ")");
    f(kv.first, kv.second);
  }
}

YamlMap YamlReader::map(const YAML::Node& node, const std::string& path,
                        const std::vector<std::string>& allowed) const {
  YamlMap m = any_map(node, path);
  for (const auto& [k, v] : m.items)
    if (std::find(allowed.begin(), allowed.end(), k.Scalar()) == allowed.end())
      unknown(k, path, "key", allowed);
  return m;
}

YamlMap YamlReader::any_map(const YAML::Node& node, const std::string& path) const {
  YamlMap m{node, path, {}};
  for_each(node, path,
           [&](const YAML::Node& k, const YAML::Node& v) { m.items.emplace_back(k, v); });
  return m;
}

YAML::Mark YamlReader::mark_of(const YAML::Node& key, const YAML::Node& value) {
  return value.IsNull() ? key.Mark() : value.Mark();
}

std::string YamlReader::describe(const YAML::Node& n) {
  if (n.IsMap()) return "a map";
  if (n.IsSequence()) return "a list";
  if (n.IsNull()) return "no value";
  return "'" + n.Scalar() + "'";
}

double YamlReader::number(const YAML::Node& k, const YAML::Node& v, const std::string& path,
                          bool integral, bool finite) const {
  const char* expected = integral ? "an integer"
                         : finite ? "a finite real number"
                                  : "a real number";
  const auto x = v.IsScalar() ? parse_real(v.Scalar()) : std::nullopt;
  if (!x || (integral && *x != std::floor(*x)) || (finite && !std::isfinite(*x)))
    fail(mark_of(k, v), path, "'" + path + "': expected " + expected + ", got " + describe(v));
  if (std::isnan(*x))
    fail(v.Mark(), path,
         "'" + path + "': expected " + expected + ", got " + describe(v) + " (NaN is not allowed)");
  return *x;
}

void YamlReader::check_range(const YAML::Node& v, const std::string& path, double x,
                             model::Bounds bounds, bool integral) const {
  if (bounds.contains(x)) return;
  fail(
      v.Mark(), path,
      "'" + path + "' = " + v.Scalar() + " is out of range: expected " + bounds.expected(integral));
}

double YamlReader::real(const YAML::Node& k, const YAML::Node& v, const std::string& path,
                        model::Bounds bounds) const {
  const double x = number(k, v, path, false);
  check_range(v, path, x, bounds, false);
  return x;
}

long long YamlReader::integer(const YAML::Node& k, const YAML::Node& v, const std::string& path,
                              model::Bounds bounds) const {
  const double x = number(k, v, path, true);
  check_range(v, path, x, bounds, true);
  return static_cast<long long>(x);
}

bool YamlReader::boolean(const YAML::Node& k, const YAML::Node& v, const std::string& path) const {
  static const std::set<std::string> yes = {"true", "True", "TRUE"},
                                     no = {"false", "False", "FALSE"};
  const std::string t = v.IsScalar() ? v.Scalar() : "";
  if (!yes.count(t) && !no.count(t))
    fail(mark_of(k, v), path, "'" + path + "': expected true or false, got " + describe(v));
  return yes.count(t) > 0;
}

std::string YamlReader::text(const YAML::Node& k, const YAML::Node& v,
                             const std::string& path) const {
  if (!v.IsScalar() || v.Scalar().empty())
    fail(mark_of(k, v), path, "'" + path + "': expected text, got " + describe(v));
  return v.Scalar();
}

std::string YamlReader::choice(const YAML::Node& k, const YAML::Node& v, const std::string& path,
                               const std::vector<std::string>& options) const {
  const std::string t = v.IsScalar() ? v.Scalar() : "";
  if (std::find(options.begin(), options.end(), t) != options.end()) return t;
  std::string list;
  for (std::size_t i = 0; i < options.size(); ++i)
    list += (i == 0 ? "" : i + 1 == options.size() ? " or " : ", ") + ("'" + options[i] + "'");
  std::string msg = "'" + path + "': expected " + list + ", got " + describe(v);
  if (const auto near = model::nearest_name(t, options); !t.empty() && !near.empty())
    msg += "; did you mean '" + near + "'?";
  fail(mark_of(k, v), path, msg);
}

std::uint64_t YamlReader::seed(const YAML::Node& k, const YAML::Node& v,
                               const std::string& path) const {
  std::uint64_t s = 0;
  const std::string t = v.IsScalar() ? v.Scalar() : "";
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), s);
  if (t.empty() || ec != std::errc() || ptr != t.data() + t.size())
    fail(mark_of(k, v), path,
         "'" + path + "': expected an integer in [0, 2^64 - 1], got " + describe(v));
  return s;
}

const model::ParamInfo& YamlReader::parameter(const YAML::Node& key) const {
  std::string near;
  if (const auto* p = find_setting(key.Scalar(), &near)) return *p;
  fail(key.Mark(), key.Scalar(),
       "unknown parameter path '" + key.Scalar() + "'" +
           (near.empty() ? "" : "; did you mean '" + near + "'?"));
}

void YamlReader::read_overrides(const YAML::Node& map, const std::string& path,
                                model::Params& p) const {
  for (const auto& [k, v] : any_map(map, path).items) {
    const auto& info = parameter(k);
    info.set(p, parameter_value(info, k, v, path + "." + k.Scalar()));
  }
}

double YamlReader::parameter_value(const model::ParamInfo& p, const YAML::Node& k,
                                   const YAML::Node& v, const std::string& path) const {
  if (p.kind == model::ParamKind::boolean) return boolean(k, v, path) ? 1.0 : 0.0;
  const double x = number(k, v, path, p.integral());
  check_range(v, path, x, p.bounds, p.integral());
  return x;
}

}  // namespace smesim::sim
