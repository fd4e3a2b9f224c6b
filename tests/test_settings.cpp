// Everything sweepable (issue 15, item 1): the registry keys and the paths' shift and scale by
// one dotted key in --set assignments, scenario files, sweep designs and calibration lists, each
// with physical bounds and errors that name the key, the value and the range.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "smesim/analysis/calibration_file.hpp"
#include "smesim/sim/errors.hpp"
#include "smesim/sim/scenario.hpp"
#include "smesim/sim/settings.hpp"
#include "smesim/sim/sweep.hpp"
#include "test_util.hpp"

namespace {

namespace fs = std::filesystem;
using smesim::model::Params;
using smesim::model::Path;
using smesim::sim::apply_assignments;
using smesim::sim::find_setting;
using smesim::sim::InputError;
using smesim::sim::parse_scenario;
using smesim::sim::ScenarioError;

std::string set_error(const std::vector<std::string>& sets) {
  Params p;
  try {
    apply_assignments(p, sets);
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no InputError";
  return "";
}

std::string scenario_error(const std::string& text) {
  try {
    parse_scenario(text, "s.yaml");
  } catch (const ScenarioError& e) {
    const std::string what = e.what();
    return what.substr(0, what.find('\n'));  // the located message, without the source line
  }
  ADD_FAILURE() << "no ScenarioError for:\n" << text;
  return "";
}

TEST(Settings, EveryRegistryKeyAndThePathOverridesAreFound) {
  for (const auto& info : smesim::model::param_registry())
    EXPECT_EQ(find_setting(info.key), &info) << info.key;
  for (const char* path : {"g_dom", "fx", "fta_coverage"})
    for (const char* f : {"shift", "scale", "multiplier"}) {
      const std::string key = std::string("paths.") + path + "." + f;
      const auto* s = find_setting(key);
      ASSERT_NE(s, nullptr) << key;
      EXPECT_EQ(s->get(Params{}), std::string(f) == "shift" ? 0.0 : 1.0) << key;
    }
  std::string near;
  EXPECT_EQ(find_setting("paths.g_dom.shfit", &near), nullptr);
  EXPECT_EQ(near, "paths.g_dom.shift");
}

TEST(Settings, ShiftAddsToEveryPointAndScaleMultiplies) {
  Params p;
  p.paths.g_dom = Path{Path::Interpolation::step, {{1985, 0.0}, {2005, -0.015}}};
  apply_assignments(p, {"paths.g_dom.shift=-0.01", "paths.fx.scale=1.5",
                        "paths.fta_coverage.multiplier=2", "relocation.phi=0.4"});
  EXPECT_EQ(p.paths.g_dom.points,
            (std::vector<std::pair<int, double>>{{1985, -0.01}, {2005, -0.015 - 0.01}}));
  EXPECT_EQ(p.paths.fx.at(1985), Params{}.paths.fx.at(1985) * 1.5);
  EXPECT_EQ(p.paths.fx.at(2004), Params{}.paths.fx.at(2004) * 1.5);
  EXPECT_EQ(p.paths.fta_coverage.at(2013), 0.36);
  EXPECT_EQ(p.relocation.phi, 0.4);
  // A shift applies in the order given: after a points list, to that list.
  apply_assignments(p, {"paths.g_dom.points={1985: 0, 2010: -0.02}", "paths.g_dom.shift=0.005",
                        "paths.g_dom.interpolation=linear"});
  EXPECT_EQ(p.paths.g_dom.points,
            (std::vector<std::pair<int, double>>{{1985, 0.005}, {2010, -0.02 + 0.005}}));
  EXPECT_EQ(p.paths.g_dom.interpolation, Path::Interpolation::linear);
}

TEST(Settings, SetErrorsNameTheOptionTheKeyAndTheRange) {
  EXPECT_EQ(set_error({"paths.g_dom.shift=-15"}),
            "--set paths.g_dom.shift=-15: 'paths.g_dom.shift' = -15 is out of range: expected a "
            "value in [-0.5, 0.5]");
  EXPECT_EQ(set_error({"relocation.phii=0.2"}),
            "--set relocation.phii=0.2: unknown key 'relocation.phii'; did you mean "
            "'relocation.phi'? (any key of the parameter registry, docs/model.md, or "
            "paths.<g_dom|fx|fta_coverage>.<shift|scale|multiplier|points|interpolation>)");
  EXPECT_EQ(set_error({"relocation.phi"}),
            "--set 'relocation.phi': expected KEY=VALUE, e.g. --set paths.g_dom.shift=-0.01");
  EXPECT_EQ(set_error({"relocation.phi=much"}),
            "--set relocation.phi=much: 'relocation.phi': expected a real number, got 'much'");
  EXPECT_EQ(set_error({"paths.g_dom.points={1985: -15}"}),
            "--set paths.g_dom.points={1985: -15}: 'paths.g_dom.points.1985' = -15 is out of "
            "range: expected a value in [-0.5, 0.5]");
  // Each shift is in range, the sum is not: the result is checked.
  EXPECT_EQ(set_error({"paths.g_dom.shift=0.4", "paths.g_dom.shift=0.4"}),
            "--set: the scenario with these settings is not valid: paths.g_dom: the value 0.8 at "
            "1985 is out of range: expected a value in [-0.5, 0.5]");
  EXPECT_EQ(set_error({"paths.fx.shift=-300"}).substr(0, 76),
            "--set: the scenario with these settings is not valid: paths.fx: the value -6");
}

TEST(Settings, ScenarioFilesTakeShiftAndScaleAndBoundGrowth) {
  const auto p = parse_scenario(
                     "paths:\n  g_dom:\n    shift: -0.01\n    points: {1985: 0.0, 2005: -0.015}\n"
                     "  fx: {scale: 0.5}\n",
                     "s.yaml")
                     .params;
  EXPECT_EQ(p.paths.g_dom.points,
            (std::vector<std::pair<int, double>>{{1985, -0.01}, {2005, -0.015 - 0.01}}));
  EXPECT_EQ(p.paths.fx.at(1990), Params{}.paths.fx.at(1990) * 0.5);
  EXPECT_EQ(scenario_error("paths:\n  g_dom:\n    points: {1985: -15}\n"),
            "s.yaml:3:20: error: 'paths.g_dom.points.1985' = -15 is out of range: expected a "
            "value in [-0.5, 0.5]");
  EXPECT_EQ(scenario_error("paths:\n  g_dom: {shift: -15}\n"),
            "s.yaml:2:18: error: 'paths.g_dom.shift' = -15 is out of range: expected a value in "
            "[-0.5, 0.5]");
  EXPECT_EQ(
      scenario_error("paths:\n  g_dom: {points: {1985: 0.3}, shift: 0.3}\n"),
      "s.yaml:2:39: error: 'paths.g_dom': with its shift and scale, the value at 1985 is 0.6, out "
      "of range: expected a value in [-0.5, 0.5]");
  EXPECT_NE(scenario_error("paths:\n  g_dom: {shfit: 0.1}\n")
                .find("unknown key 'paths.g_dom.shfit'; did you mean 'paths.g_dom.shift'?"),
            std::string::npos);
}

TEST(Settings, SweepsVaryAPathShiftAndCheckEveryPoint) {
  const auto dir = smesim::test::scratch("settings", "sweep");
  std::ofstream(dir / "base.yaml") << "name: b\npopulation: 100\nend_year: 1990\n";
  const std::string head =
      "base: base.yaml\ndesign: {type: grid}\n"
      "overrides:\n  paths.fx.scale: 1.1\n";
  auto s =
      smesim::sim::parse_sweep(head + "uncertainties:\n  paths.g_dom.shift: [-0.02, 0.0, 0.02]\n",
                               (dir / "sweep.yaml").string());
  ASSERT_EQ(s.points(), 3);
  for (int i = 0; i < 3; ++i) {
    const auto p = smesim::sim::point_params(s, i);
    EXPECT_EQ(p.paths.g_dom.at(1985), -0.02 + 0.02 * i);
    EXPECT_EQ(p.paths.fx.at(1985), Params{}.paths.fx.at(1985) * 1.1);
  }
  try {
    smesim::sim::parse_sweep(head + "uncertainties:\n  paths.g_dom.shift: [-15, 0.0]\n",
                             (dir / "sweep.yaml").string());
    ADD_FAILURE() << "accepted a shift of -15";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.message(),
              "'paths.g_dom.shift' = -15 is out of range: expected a value in [-0.5, 0.5]");
    EXPECT_EQ(e.line(), 6);
  }
  // In range each, out of range with the base's path (a point of 0.45 + 0.1): the point is named.
  std::ofstream(dir / "base.yaml") << "name: b\npopulation: 100\nend_year: 1990\n"
                                   << "paths: {g_dom: {points: {1985: 0.45}}}\n";
  try {
    smesim::sim::parse_sweep(head + "uncertainties:\n  paths.g_dom.shift: [0.0, 0.1]\n",
                             (dir / "sweep.yaml").string());
    ADD_FAILURE() << "accepted a growth of 0.55";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.message(),
              "point 1: paths.g_dom: the value 0.55 at 1985 is out of range: expected a value in "
              "[-0.5, 0.5]");
  }
  fs::remove_all(dir);
}

TEST(Settings, CalibrationParametersMayBeAPathShift) {
  const auto dir = smesim::test::scratch("settings", "calibration");
  std::ofstream(dir / "base.yaml") << "name: b\npopulation: 100\nend_year: 1990\n";
  const std::string head =
      "name: c\nbase: base.yaml\ntargets: none\nmacro_targets:\n"
      "  - file: [" +
      std::string(SMESIM_SOURCE_DIR) +
      "/data/targets/census_size_classes.csv]\n"
      "    series: [establishments_ge4]\n    years: [1988]\n";
  const auto c = smesim::analysis::parse_calibration(
      head + "parameters:\n  paths.g_dom.shift: {start: 0, lower: -0.02, upper: 0.02}\n",
      (dir / "cal.yaml").string());
  ASSERT_EQ(c.params.size(), 1u);
  EXPECT_EQ(c.params[0].path, "paths.g_dom.shift");
  try {
    smesim::analysis::parse_calibration(
        head + "parameters:\n  paths.g_dom.shift: {start: 0, lower: -2, upper: 0.02}\n",
        (dir / "cal.yaml").string());
    ADD_FAILURE() << "accepted a lower bound of -2";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.message(),
              "'parameters.paths.g_dom.shift.lower' = -2 is out of range: expected "
              "a value in [-0.5, 0.5]");
  }
  fs::remove_all(dir);
}

}  // namespace
