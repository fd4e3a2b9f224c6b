// The one reader of the project's YAML input files (scenario, sweep and calibration files). Each
// file kind has its schema in its own reader (scenario.cpp, sweep.cpp, cli_calibrate.cpp); the
// rules are the same everywhere and live here:
//   - an unknown key is an error that suggests the closest known key ("did you mean");
//   - a key given twice in one map is an error (yaml-cpp would silently keep one);
//   - a value of the wrong type is an error that names what was expected and what was given;
//   - an integer is a whole number: `replications: 2.5` is an error, not 2;
//   - NaN is never a value; an infinity only where the range includes it;
//   - out of range names the range;
//   - parameters are named by the registry's dotted keys (model::param_registry);
//   - every error is an InputFileError located at FILE:LINE:COL of the offending key or value,
//     with the source line and a caret under the column; the CLI prints it and exits with code 2
//     before anything is written.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "smesim/model/params.hpp"

namespace smesim::sim {

// A mistake in an input file. what() is the full user-facing message:
//   "FILE:LINE:COL: error: <message>" followed by the offending source line and a caret under
// the column, as a compiler would print it.
class InputFileError : public std::runtime_error {
 public:
  InputFileError(std::string file, int line, int column, std::string key, std::string message,
                 std::string full);
  const std::string& file() const { return file_; }
  int line() const { return line_; }               // 1-based; 0 when unknown (e.g. missing file)
  int column() const { return column_; }           // 1-based; 0 when unknown
  const std::string& key() const { return key_; }  // dotted key path, may be empty
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  int line_, column_;
  std::string key_, message_;
};

// Throws an InputFileError whose message shows the offending line of `text` with a caret under
// `col` (1-based; line 0: no location).
[[noreturn]] void throw_at(const std::string& file, const std::string& text, int line, int col,
                           const std::string& key, const std::string& msg);

// The text of an input file; a file that cannot be read is an InputFileError without location
// ("cannot open <kind> file 'PATH': <reason>").
std::string read_input_file(const std::string& path, const std::string& kind);

// A map's keys and values in file order, each key given once.
struct YamlMap {
  YAML::Node node;                                  // the map itself (locates "missing key" errors)
  std::string path;                                 // its dotted path, "" at the top
  using Entry = std::pair<YAML::Node, YAML::Node>;  // key, value
  std::vector<Entry> items;
  // The entry `name` (its key locates errors), or nullptr.
  const Entry* entry(const std::string& name) const;
  // The value of `name`, or an undefined node.
  YAML::Node operator[](const std::string& name) const;
  bool has(const std::string& name) const { return entry(name) != nullptr; }
};

class YamlReader {
 public:
  YamlReader(std::string file, std::string text) : file_(std::move(file)), text_(std::move(text)) {}

  const std::string& file() const { return file_; }
  const std::string& text() const { return text_; }

  // Parses the text as one YAML document that is a map (of `contents`, e.g. "parameters").
  // `kind` names the file in messages ("scenario", "sweep"); `example` is a first line.
  YAML::Node parse_root(const std::string& kind, const std::string& contents,
                        const std::string& example) const;

  [[noreturn]] void fail(const YAML::Mark& at, const std::string& key,
                         const std::string& msg) const;
  // At `at`'s location (no location for an undefined node).
  [[noreturn]] void fail(const YAML::Node& at, const std::string& key,
                         const std::string& msg) const;
  // "unknown WHAT 'PATH.KEY'; did you mean 'PATH.NEAR'?" (or the list of up to 8 valid keys).
  [[noreturn]] void unknown(const YAML::Node& key, const std::string& path, const std::string& what,
                            const std::vector<std::string>& valid) const;

  // Calls f(key, value) for each entry of a map in file order; keys must be plain scalars and
  // appear once. A null node is an empty map.
  void for_each(const YAML::Node& map, const std::string& path,
                const std::function<void(const YAML::Node&, const YAML::Node&)>& f) const;
  // The map's entries, each key one of `allowed` (did-you-mean otherwise).
  YamlMap map(const YAML::Node& node, const std::string& path,
              const std::vector<std::string>& allowed) const;
  // The map's entries, any keys (for maps keyed by parameter, target, ...).
  YamlMap any_map(const YAML::Node& node, const std::string& path) const;

  // Where a value's errors point: a null value's mark lies past its key, so use the key's.
  static YAML::Mark mark_of(const YAML::Node& key, const YAML::Node& value);
  // "a map", "a list", "no value" or the quoted scalar.
  static std::string describe(const YAML::Node& n);

  // A YAML real (decimal and exponent forms, .inf and .nan spellings), or nullopt.
  static std::optional<double> parse_real(const std::string& text);

  // Typed values; `key` and `value` locate the error, `path` names the value. For a list item
  // pass the item as both key and value.
  // A number (integral: a whole number; finite: no infinity); never NaN.
  double number(const YAML::Node& key, const YAML::Node& value, const std::string& path,
                bool integral, bool finite = false) const;
  // A number in `bounds`: "'PATH' = X is out of range: expected a value in [lo, hi]".
  double real(const YAML::Node& key, const YAML::Node& value, const std::string& path,
              model::Bounds bounds) const;
  long long integer(const YAML::Node& key, const YAML::Node& value, const std::string& path,
                    model::Bounds bounds) const;
  void check_range(const YAML::Node& value, const std::string& path, double x, model::Bounds bounds,
                   bool integral) const;
  bool boolean(const YAML::Node& key, const YAML::Node& value, const std::string& path) const;
  std::string text(const YAML::Node& key, const YAML::Node& value, const std::string& path) const;
  // One of `options` ("'PATH': expected 'a', 'b' or 'c', got 'd'").
  std::string choice(const YAML::Node& key, const YAML::Node& value, const std::string& path,
                     const std::vector<std::string>& options) const;
  // A seed: an integer in [0, 2^64 - 1].
  std::uint64_t seed(const YAML::Node& key, const YAML::Node& value, const std::string& path) const;

  // The parameter that `key` names by its dotted registry key ("unknown parameter path ...; did
  // you mean ...?" otherwise).
  const model::ParamInfo& parameter(const YAML::Node& key) const;
  // Applies a map of dotted parameter keys to values (a sweep's or calibration's `overrides`).
  void read_overrides(const YAML::Node& map, const std::string& path, model::Params& p) const;
  // A value for parameter `p` (true/false for a boolean, whole for an integer, in its range).
  double parameter_value(const model::ParamInfo& p, const YAML::Node& key, const YAML::Node& value,
                         const std::string& path) const;

 private:
  std::string file_, text_;
};

}  // namespace smesim::sim
