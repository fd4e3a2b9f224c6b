// Every sweepable key (issue 15, item 1): the parameter registry's dotted keys plus the paths'
// overrides, so that `smesim run --set KEY=VALUE`, scenario files, sweep designs and calibration
// parameter lists all name the same things and check the same bounds.
//   paths.<name>.shift            added to every point of the path (a uniform shift of its values)
//   paths.<name>.scale            multiplies every point (alias: paths.<name>.multiplier)
// for <name> = g_dom, fx, fta_coverage. A shift or scale applies to the path the scenario (and a
// sweep's `overrides`) gave; its neutral value (0, 1) reproduces that path. The values a path
// may take are bounded (path_value_bounds); a shift that moves a value outside is an error.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "smesim/model/params.hpp"

namespace smesim::sim {

// The names of the paths (g_dom, fx, fta_coverage) and the path `name` of `p` (nullptr if none).
const std::vector<std::string>& path_names();
model::Path* path_of(model::Params& p, std::string_view name);
const model::Path* path_of(const model::Params& p, std::string_view name);
// The physical range of a path's values: g_dom (a shift of the log growth of domestic demand, per
// year) in [-0.5, 0.5]; fx (yen per dollar) > 0; fta_coverage (a share) in [0, 1].
model::Bounds path_value_bounds(std::string_view name);

// The path overrides as parameters (ParamInfo with get/set), in a fixed order.
const std::vector<model::ParamInfo>& path_settings();
// A registry parameter or a path override by its dotted key, or nullptr; `did_you_mean`
// (optional) receives the closest key of either kind.
const model::ParamInfo* find_setting(std::string_view key, std::string* did_you_mean = nullptr);
// Every key find_setting knows: the registry's, then the path overrides.
std::vector<std::string> setting_keys();

// Values of paths outside path_value_bounds: "paths.g_dom: the value -15 at 1985 is out of range:
// expected a value in [-0.5, 0.5]"; empty when all are inside.
std::vector<std::string> path_problems(const model::Params& p);

// Applies `--set KEY=VALUE` assignments in order: KEY is any find_setting key (VALUE a YAML
// scalar), `paths.<name>.points` (VALUE a YAML map of year: value, e.g. "{1985: 0, 2005: -0.01}")
// or `paths.<name>.interpolation` (linear or step). Throws InputError naming the option, the key
// and what was expected (unknown keys get a did-you-mean); checks the result's consistency.
void apply_assignments(model::Params& p, const std::vector<std::string>& assignments);

}  // namespace smesim::sim
