// Scenario files (YAML): strict, helpful validation into an immutable model::Params.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "smesim/model/params.hpp"

namespace smesim::sim {

// A problem with a scenario file. what() is the full user-facing message:
//   "FILE:LINE:COL: error: <message>" followed by the offending source line and a caret under
// the column, as a compiler would print it.
class ScenarioError : public std::runtime_error {
 public:
  ScenarioError(std::string file, int line, int column, std::string key, std::string message,
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

struct Scenario {
  model::Params params;  // every default filled in, validated
  std::string file;      // path as given
  std::string yaml;      // the file's text as given
};

// Loads and validates a scenario file. Throws ScenarioError.
Scenario load_scenario(const std::string& path);
// Same, from text; `file` names the source in messages.
Scenario parse_scenario(const std::string& text, const std::string& file);
// The closest of `candidates` within max(2, len/3) edits of `word`, or "" (for "did you mean").
std::string nearest_key(const std::string& word, const std::vector<std::string>& candidates);
// Throws a ScenarioError whose message shows the offending line of `text` with a caret under
// `col` (1-based; line 0: no location).
[[noreturn]] void throw_at(const std::string& file, const std::string& text, int line, int col,
                           const std::string& key, const std::string& msg);

// Every parameter (defaults filled in) as a YAML document that parse_scenario accepts and that
// reproduces `p` exactly (doubles printed round-trip).
std::string resolved_yaml(const model::Params& p);

}  // namespace smesim::sim
