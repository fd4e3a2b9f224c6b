// Scenario files (YAML): strict, helpful validation into an immutable model::Params.
#pragma once

#include <string>

#include "smesim/model/params.hpp"
#include "smesim/sim/yaml_reader.hpp"

namespace smesim::sim {

// A problem with a scenario file (the error of every input file, yaml_reader.hpp).
using ScenarioError = InputFileError;

struct Scenario {
  model::Params params;  // every default filled in, validated
  std::string file;      // path as given
  std::string yaml;      // the file's text as given
};

// Loads and validates a scenario file. Throws ScenarioError.
Scenario load_scenario(const std::string& path);
// Same, from text; `file` names the source in messages.
Scenario parse_scenario(const std::string& text, const std::string& file);
// The scenario that `value` names relative to the file `in` reads (a sweep's or calibration's
// `base`); a file that cannot be read is an error located at `value`.
Scenario load_base_scenario(const YamlReader& in, const YAML::Node& key, const YAML::Node& value);

// Every parameter (defaults filled in) as a YAML document that parse_scenario accepts and that
// reproduces `p` exactly (doubles printed round-trip).
std::string resolved_yaml(const model::Params& p);

}  // namespace smesim::sim
