// Scenario loading: defaults, overrides, strict validation with located messages, paths,
// shocks, and the resolved YAML round trip. Also model::Table::append.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "smesim/model/table.hpp"
#include "smesim/sim/scenario.hpp"

namespace {

using smesim::model::Params;
using smesim::model::Path;
using smesim::sim::parse_scenario;
using smesim::sim::resolved_yaml;
using smesim::sim::ScenarioError;

const std::string kData = std::string(SMESIM_SOURCE_DIR) + "/tests/data/";

// Parses `text` expecting a ScenarioError and returns it.
ScenarioError error_of(const std::string& text, const std::string& file = "scenario.yaml") {
  try {
    parse_scenario(text, file);
  } catch (const ScenarioError& e) {
    return e;
  }
  ADD_FAILURE() << "no ScenarioError for:\n" << text;
  return ScenarioError(file, -1, -1, "", "", "");
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// Every registry value of `a` equals that of `b` bit for bit; reports the first difference.
testing::AssertionResult same_params(const Params& a, const Params& b) {
  for (const auto& info : smesim::model::param_registry()) {
    const double x = info.get(a), y = info.get(b);
    if (std::memcmp(&x, &y, sizeof x) != 0)
      return testing::AssertionFailure() << info.key << " differs";
  }
  if (a.name != b.name) return testing::AssertionFailure() << "name differs";
  if (a.seed != b.seed) return testing::AssertionFailure() << "seed differs";
  if (a.output.panel_reps != b.output.panel_reps)
    return testing::AssertionFailure() << "panel_reps differ";
  for (auto [pa, pb] : {std::pair{&a.paths.g_dom, &b.paths.g_dom},
                        {&a.paths.fx, &b.paths.fx},
                        {&a.paths.fta_coverage, &b.paths.fta_coverage}}) {
    if (pa->interpolation != pb->interpolation)
      return testing::AssertionFailure() << "interpolation differs";
    if (pa->points.size() != pb->points.size())
      return testing::AssertionFailure() << "path sizes differ";
    for (std::size_t i = 0; i < pa->points.size(); ++i)
      if (pa->points[i].first != pb->points[i].first ||
          std::memcmp(&pa->points[i].second, &pb->points[i].second, sizeof(double)) != 0)
        return testing::AssertionFailure() << "path point " << i << " differs";
  }
  if (a.shocks.size() != b.shocks.size()) return testing::AssertionFailure() << "shock count";
  for (std::size_t i = 0; i < a.shocks.size(); ++i) {
    const auto &x = a.shocks[i], &y = b.shocks[i];
    if (x.year != y.year || x.region != y.region ||
        std::memcmp(&x.share_of_le, &y.share_of_le, sizeof(double)) != 0 ||
        std::memcmp(&x.fraction, &y.fraction, sizeof(double)) != 0)
      return testing::AssertionFailure() << "shock " << i << " differs";
  }
  return testing::AssertionSuccess();
}

TEST(Scenario, NearlyEmptyFileGivesAllDefaults) {
  const auto s = parse_scenario("name: x\n", "s.yaml");
  EXPECT_EQ(s.params.name, "x");
  Params expected;
  expected.name = s.params.name;
  EXPECT_TRUE(same_params(s.params, expected));
  EXPECT_EQ(s.params.population, 42243);  // one tenth of national scale (v2 2.6)
  EXPECT_EQ(s.params.seed, 20051u);
  EXPECT_DOUBLE_EQ(s.params.relocation.phi, 0.15);
  EXPECT_TRUE(s.params.shocks.empty());
  EXPECT_EQ(s.file, "s.yaml");
  EXPECT_EQ(s.yaml, "name: x\n");
}

TEST(Scenario, NestedOverridesAreApplied) {
  const auto s = parse_scenario(R"(name: lever_test
description: "free text, ignored"
seed: 18446744073709551615
population: 1200
relocation: {phi: 0.2}
regions:
  china: {tau: 0.05, M0: 0.2}
industries:
  food:
    assembler: true
levers:
  loans: {cap: 1.0, rate_subsidy: 0.3, sme_only: false, budget_per_year: .inf}
output:
  panel_reps: [0, 1]
  panel_from: 1990
  panel_to: 1999
  decisions: false
replications: 2
)",
                                "s.yaml");
  const Params& p = s.params;
  EXPECT_EQ(p.name, "lever_test");
  EXPECT_EQ(p.seed, 18446744073709551615ull);
  EXPECT_EQ(p.population, 1200);
  EXPECT_EQ(p.relocation.phi, 0.2);
  EXPECT_EQ(p.relocation.p_invite, 0.3);  // untouched sibling keeps its default
  EXPECT_EQ(p.regions[smesim::model::region_index("china")].tau, 0.05);
  EXPECT_EQ(p.regions[smesim::model::region_index("china")].M0, 0.2);
  EXPECT_EQ(p.regions[smesim::model::region_index("asean")].tau, 0.12);
  EXPECT_TRUE(p.industries[smesim::model::industry_index("food")].assembler);
  EXPECT_EQ(p.levers.loans.cap, 1.0);
  EXPECT_EQ(p.levers.loans.rate_subsidy, 0.3);
  EXPECT_FALSE(p.levers.loans.sme_only);
  EXPECT_EQ(p.levers.loans.budget_per_year, std::numeric_limits<double>::infinity());
  EXPECT_EQ(p.output.panel_reps, (std::vector<int>{0, 1}));
  EXPECT_EQ(p.output.panel_from, 1990);
  EXPECT_EQ(p.output.panel_to, 1999);
  EXPECT_FALSE(p.output.decisions);
  EXPECT_EQ(p.replications, 2);
}

TEST(Scenario, IntegralRealsAndSignsAreAcceptedForNumbers) {
  const auto p = parse_scenario(
                     "population: 3e4\ndecisions: {beta_0: -2.5e0}\n"
                     "relocation: {theta_c: +1.5}\nnetwork: {peer_degree: 6.0}\n",
                     "s.yaml")
                     .params;
  EXPECT_EQ(p.population, 30000);
  EXPECT_EQ(p.decisions.beta_0, -2.5);
  EXPECT_EQ(p.relocation.theta_c, 1.5);
  EXPECT_EQ(p.network.peer_degree, 6);
}

TEST(Scenario, UnknownKeySuggestsNearestKeyWithLineAndColumn) {
  const auto e = error_of("name: x\n# a comment\nrelocation:\n  theta_c: 2.0\n  phii: 0.2\n");
  EXPECT_EQ(e.line(), 5);
  EXPECT_EQ(e.column(), 3);
  EXPECT_EQ(e.key(), "relocation.phii");
  EXPECT_EQ(e.message(), "unknown key 'relocation.phii'; did you mean 'relocation.phi'?");
  EXPECT_EQ(e.file(), "scenario.yaml");
  EXPECT_STREQ(e.what(),
               "scenario.yaml:5:3: error: unknown key 'relocation.phii'; did you mean "
               "'relocation.phi'?\n  phii: 0.2\n  ^");
}

TEST(Scenario, UnknownKeySuggestionsWorkAtEveryLevel) {
  auto e = error_of("name: x\npopulaton: 10\n");
  EXPECT_EQ(e.message(), "unknown key 'populaton'; did you mean 'population'?");
  EXPECT_EQ(e.line(), 2);
  EXPECT_EQ(e.column(), 1);
  e = error_of("regions:\n  chnia: {tau: 0.1}\n");  // transposition
  EXPECT_EQ(e.message(), "unknown key 'regions.chnia'; did you mean 'regions.china'?");
  e = error_of("regions: {china: {tua: 0.1}}\n");
  EXPECT_EQ(e.message(), "unknown key 'regions.china.tua'; did you mean 'regions.china.tau'?");
  EXPECT_EQ(e.line(), 1);
  EXPECT_EQ(e.column(), 19);
  e = error_of("output: {panel_rep: [0]}\n");
  EXPECT_EQ(e.message(), "unknown key 'output.panel_rep'; did you mean 'output.panel_reps'?");
  e = error_of("levers: {loans: {budget: 5}}\n");
  EXPECT_EQ(e.key(), "levers.loans.budget");
  EXPECT_TRUE(contains(e.message(), "unknown key 'levers.loans.budget'")) << e.message();
}

TEST(Scenario, DottedKeysExplainTheNestedSpelling) {
  auto e = error_of("name: x\nregions.china.tau: 0.1\n");
  EXPECT_EQ(e.message(),
            "unknown key 'regions.china.tau': write dotted paths as nested maps, "
            "e.g. 'regions: {china: {tau: ...}}'");
  EXPECT_EQ(e.line(), 2);
  e = error_of("levers: {loans.cap: 1}\n");
  EXPECT_EQ(e.message(),
            "unknown key 'levers.loans.cap': write dotted paths as nested maps, "
            "e.g. 'loans: {cap: ...}'");
}

TEST(Scenario, UnknownKeyFarFromAnyValidKeyHasNoSuggestion) {
  const auto e = error_of("name: x\nrelocation: {completely_different: 1}\n");
  EXPECT_EQ(e.key(), "relocation.completely_different");
  EXPECT_FALSE(contains(e.message(), "did you mean")) << e.message();
}

TEST(Scenario, DuplicateKeyIsAnErrorAtTheSecondOccurrence) {
  const auto e = error_of("name: x\nrelocation:\n  phi: 0.2\n  p_invite: 0.1\n  phi: 0.3\n");
  EXPECT_EQ(e.line(), 5);
  EXPECT_EQ(e.column(), 3);
  EXPECT_EQ(e.key(), "relocation.phi");
  EXPECT_EQ(e.message(), "duplicate key 'relocation.phi' (first given on line 3)");
  const auto top = error_of("seed: 1\nname: a\nseed: 2\n");
  EXPECT_EQ(top.line(), 3);
  EXPECT_EQ(top.message(), "duplicate key 'seed' (first given on line 1)");
}

TEST(Scenario, WrongTypeNamesKeyValueAndExpectedType) {
  auto e = error_of("name: x\npopulation: many\n");
  EXPECT_EQ(e.message(), "'population': expected an integer, got 'many'");
  EXPECT_EQ(e.line(), 2);
  EXPECT_EQ(e.column(), 13);
  e = error_of("relocation: {phi: high}\n");
  EXPECT_EQ(e.message(), "'relocation.phi': expected a real number, got 'high'");
  EXPECT_EQ(e.column(), 19);
  e = error_of("levers:\n  loans:\n    sme_only: yes\n");
  EXPECT_EQ(e.message(), "'levers.loans.sme_only': expected true or false, got 'yes'");
  EXPECT_EQ(e.line(), 3);
  EXPECT_EQ(e.column(), 15);
  e = error_of("relocation: {phi: [0.1, 0.2]}\n");
  EXPECT_EQ(e.message(), "'relocation.phi': expected a real number, got a list");
  e = error_of("population:\nname: x\n");
  EXPECT_EQ(e.message(), "'population': expected an integer, got no value");
  EXPECT_EQ(e.line(), 1);
  e = error_of("relocation: 0.2\n");
  EXPECT_EQ(e.message(), "'relocation' must be a map of keys, got '0.2'");
  e = error_of("seed: -1\n");
  EXPECT_EQ(e.key(), "seed");
  EXPECT_TRUE(contains(e.message(), "expected an integer in [0, 2^64 - 1], got '-1'"));
}

TEST(Scenario, NonIntegralIntegerIsRejected) {
  const auto e = error_of("name: x\npopulation: 3.5\n");
  EXPECT_EQ(e.key(), "population");
  EXPECT_EQ(e.message(), "'population': expected an integer, got '3.5'");
  EXPECT_EQ(e.line(), 2);
  EXPECT_EQ(e.column(), 13);
}

TEST(Scenario, NaNIsRejectedAndInfinityOnlyWhereTheRangeIncludesIt) {
  const auto e = error_of("relocation: {theta_c: .nan}\n");
  EXPECT_EQ(e.message(),
            "'relocation.theta_c': expected a real number, got '.nan' (NaN is not "
            "allowed)");
  const auto inf = error_of("relocation: {theta_c: -.inf}\n");
  EXPECT_EQ(inf.message(), "'relocation.theta_c' = -.inf is out of range: expected a finite value");
  const auto p = parse_scenario("levers: {loans: {budget_per_year: .inf}}\n", "s").params;
  EXPECT_EQ(p.levers.loans.budget_per_year, std::numeric_limits<double>::infinity());
}

TEST(Scenario, OutOfRangeShareNamesValueAndRange) {
  const auto e = error_of("name: x\nrelocation:\n  phi: 1.5\n");
  EXPECT_EQ(e.message(), "'relocation.phi' = 1.5 is out of range: expected a value in [0, 1]");
  EXPECT_EQ(e.key(), "relocation.phi");
  EXPECT_EQ(e.line(), 3);
  EXPECT_EQ(e.column(), 8);
  EXPECT_STREQ(e.what(),
               "scenario.yaml:3:8: error: 'relocation.phi' = 1.5 is out of range: expected a "
               "value in [0, 1]\n  phi: 1.5\n       ^");
}

TEST(Scenario, NegativePopulationIsOutOfRange) {
  const auto e = error_of("population: -5\n");
  EXPECT_EQ(e.message(), "'population' = -5 is out of range: expected a value in [1, 50000000]");
}

TEST(Scenario, InfiniteBoundsArePrintedAsInequalities) {
  auto e = error_of("decisions: {H: -1}\n");
  EXPECT_EQ(e.message(), "'decisions.H' = -1 is out of range: expected a value >= 0");
  e = error_of("accounting: {insolvency: 0.5}\n");
  EXPECT_EQ(e.message(), "'accounting.insolvency' = 0.5 is out of range: expected a value <= 0");
}

TEST(Scenario, YearsMustLieWithinTheHorizon) {
  auto e = error_of("start_year: 1990\nend_year: 1985\n");
  EXPECT_EQ(e.message(), "'end_year' = 1985 is before 'start_year' = 1990");
  EXPECT_EQ(e.line(), 2);
  e = error_of("burn_in_end: 2031\n");
  EXPECT_EQ(e.message(),
            "'burn_in_end' = 2031 is out of range: expected a year in [start_year, end_year] = "
            "[1985, 2030]");
  EXPECT_EQ(e.line(), 1);
  EXPECT_EQ(e.column(), 14);
  // A default that the new horizon excludes is moved into it, not reported.
  const auto sc = smesim::sim::parse_scenario("name: short\nend_year: 2000\n", "short.yaml");
  EXPECT_EQ(sc.params.output.panel_from, 1994);
  EXPECT_EQ(sc.params.output.panel_to, 2000);
  e = error_of("output: {panel_from: 2000, panel_to: 1995}\n");
  EXPECT_EQ(e.message(), "'output.panel_from' = 2000 is after 'output.panel_to' = 1995");
}

TEST(Scenario, ShockYearOutsideHorizonIsRejected) {
  const auto e = error_of(
      "shocks:\n  - {year: 2001, region: china, share_of_le: 0.3, fraction: 0.2}\n"
      "  - {year: 2031, region: asean, share_of_le: 0.3, fraction: 0.2}\n");
  EXPECT_EQ(e.key(), "shocks[1].year");
  EXPECT_EQ(e.message(),
            "'shocks[1].year' = 2031 is out of range: expected a year in [start_year, end_year] "
            "= [1985, 2030]");
  EXPECT_EQ(e.line(), 3);
  EXPECT_EQ(e.column(), 12);
  // The horizon is taken after all keys are applied, whatever their order.
  const auto p = parse_scenario(
                     "shocks: [{year: 2035, region: china, share_of_le: 0.5, fraction: 0.1}]\n"
                     "end_year: 2040\n",
                     "s")
                     .params;
  ASSERT_EQ(p.shocks.size(), 1u);
  EXPECT_EQ(p.shocks[0].year, 2035);
  EXPECT_EQ(p.shocks[0].region, smesim::model::region_index("china"));
  EXPECT_EQ(p.shocks[0].share_of_le, 0.5);
  EXPECT_EQ(p.shocks[0].fraction, 0.1);
}

TEST(Scenario, UnknownRegionInShockSuggestsNearest) {
  const auto e = error_of(
      "name: x\nshocks:\n  - year: 2001\n    region: chnia\n    share_of_le: 0.3\n"
      "    fraction: 0.2\n");
  EXPECT_EQ(e.key(), "shocks[0].region");
  EXPECT_TRUE(
      contains(e.message(), "unknown region 'chnia' in 'shocks[0].region'; did you mean 'china'?"))
      << e.message();
  EXPECT_EQ(e.line(), 4);
  EXPECT_EQ(e.column(), 13);
}

TEST(Scenario, ShockFieldsAreExactlyYearRegionShareAndFraction) {
  auto e = error_of("shocks:\n  - {year: 2001, region: china, share_of_le: 0.3}\n");
  EXPECT_EQ(e.message(),
            "'shocks[0]' is missing 'fraction' (a shock needs year, region, "
            "share_of_le and fraction)");
  EXPECT_EQ(e.line(), 2);
  e = error_of("shocks:\n  - {year: 2001, region: china, share_of_le: 0.3, fracton: 0.2}\n");
  EXPECT_EQ(e.message(),
            "unknown shock field 'shocks[0].fracton'; did you mean "
            "'shocks[0].fraction'?");
  e = error_of("shocks:\n  - {year: 2001, region: china, share_of_le: 1.3, fraction: 0.2}\n");
  EXPECT_EQ(e.message(),
            "'shocks[0].share_of_le' = 1.3 is out of range: expected a value in [0, 1]");
  e = error_of("shocks: {year: 2001}\n");
  EXPECT_EQ(e.key(), "shocks");
}

TEST(Scenario, MalformedYamlReportsParserLineAndColumn) {
  const auto e = error_of("name: x\nrelocation:\n  phi: 0.2\n p_invite: 0.1\n");
  EXPECT_EQ(e.line(), 4);  // where yaml-cpp notices the bad indentation
  EXPECT_EQ(e.column(), 2);
  EXPECT_EQ(e.message(), "invalid YAML: end of map not found");
  EXPECT_STREQ(e.what(),
               "scenario.yaml:4:2: error: invalid YAML: end of map not found\n p_invite: 0.1\n ^");
}

TEST(Scenario, EmptyDocumentsNonMapsAndSecondDocumentsAreRejected) {
  auto e = error_of("# only a comment\n");
  EXPECT_EQ(e.line(), 0);
  EXPECT_TRUE(contains(e.message(), "the scenario is empty")) << e.message();
  EXPECT_TRUE(contains(e.what(), "scenario.yaml: error: the scenario is empty")) << e.what();
  e = error_of("- a\n- b\n");
  EXPECT_EQ(e.line(), 1);
  EXPECT_TRUE(contains(e.message(), "must be a map of parameters")) << e.message();
  e = error_of("name: a\n---\nname: b\n");
  EXPECT_EQ(e.line(), 3);
  EXPECT_TRUE(contains(e.message(), "one YAML document")) << e.message();
}

TEST(Scenario, MissingFileIsReportedWithoutLocation) {
  try {
    smesim::sim::load_scenario("no_such_dir/x.yaml");
    FAIL() << "no error";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.line(), 0);
    EXPECT_EQ(e.column(), 0);
    EXPECT_EQ(e.file(), "no_such_dir/x.yaml");
    EXPECT_EQ(e.message(),
              "cannot open scenario file 'no_such_dir/x.yaml': No such file or directory");
    EXPECT_STREQ(e.what(),
                 "no_such_dir/x.yaml: error: cannot open scenario file 'no_such_dir/x.yaml': No "
                 "such file or directory");
  }
}

TEST(Scenario, LoadScenarioReadsFilesAndLocatesErrorsInThem) {
  const auto s = smesim::sim::load_scenario(kData + "good_overrides.yaml");
  EXPECT_EQ(s.params.name, "good_overrides");
  EXPECT_EQ(s.params.relocation.phi, 0.25);
  EXPECT_EQ(s.params.paths.fx.at(1990), 150.0);
  EXPECT_EQ(s.file, kData + "good_overrides.yaml");
  EXPECT_TRUE(contains(s.yaml, "good_overrides"));
  try {
    smesim::sim::load_scenario(kData + "bad_unknown_key.yaml");
    FAIL() << "no error";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.line(), 7);
    EXPECT_EQ(e.column(), 5);
    EXPECT_EQ(
        e.message(),
        "unknown key 'levers.loans.rate_subsidie'; did you mean 'levers.loans.rate_subsidy'?");
    EXPECT_TRUE(contains(e.what(), kData + "bad_unknown_key.yaml:7:5: error:")) << e.what();
  }
}

TEST(Scenario, PathsAreParsedAndInterpolatedLinearly) {
  const auto p =
      parse_scenario("paths:\n  fx:\n    points: {1995: 95, 1985: 240, 2005: 115}\n", "s").params;
  const Path& fx = p.paths.fx;
  EXPECT_EQ(fx.interpolation, Path::Interpolation::linear);  // the path's default
  ASSERT_EQ(fx.points.size(), 3u);
  EXPECT_EQ(fx.points[0], (std::pair<int, double>{1985, 240}));  // sorted by year
  EXPECT_EQ(fx.at(1980), 240.0);                                 // before the first point
  EXPECT_DOUBLE_EQ(fx.at(1990), 167.5);
  EXPECT_DOUBLE_EQ(fx.at(2000), 105.0);
  EXPECT_EQ(fx.at(2020), 115.0);  // after the last point
  // Other paths keep their defaults.
  EXPECT_EQ(p.paths.g_dom.points, Params{}.paths.g_dom.points);
}

TEST(Scenario, PathsAreParsedAsStepFunctions) {
  const auto p = parse_scenario(
                     "paths:\n  g_dom: {interpolation: step, points: {1985: 0.03, 1991: -0.01}}\n"
                     "  fta_coverage: {interpolation: step}\n",
                     "s")
                     .params;
  const Path& g = p.paths.g_dom;
  EXPECT_EQ(g.interpolation, Path::Interpolation::step);
  EXPECT_EQ(g.at(1985), 0.03);
  EXPECT_EQ(g.at(1990), 0.03);
  EXPECT_EQ(g.at(1991), -0.01);
  EXPECT_EQ(g.at(2030), -0.01);
  EXPECT_EQ(p.paths.fta_coverage.interpolation, Path::Interpolation::step);
  EXPECT_EQ(p.paths.fta_coverage.points, Params{}.paths.fta_coverage.points);
  EXPECT_EQ(p.paths.fta_coverage.at(2012), 0.0);
}

TEST(Scenario, InvalidPathsAreRejected) {
  auto e = error_of("paths: {fx: {points: {1985: 0}}}\n");
  EXPECT_EQ(e.message(), "'paths.fx.points.1985' = 0 is out of range: expected a value > 0");
  e = error_of("paths:\n  fta_coverage:\n    points: {2002: 0, 2013: 1.2}\n");
  EXPECT_EQ(e.message(),
            "'paths.fta_coverage.points.2013' = 1.2 is out of range: expected a value in [0, 1]");
  EXPECT_EQ(e.line(), 3);
  EXPECT_EQ(e.column(), 29);
  e = error_of("paths: {fx: {interpolation: cubic}}\n");
  EXPECT_EQ(e.message(), "'paths.fx.interpolation': expected 'linear' or 'step', got 'cubic'");
  e = error_of("paths: {fx: {points: {}}}\n");
  EXPECT_TRUE(contains(e.message(), "at least one point")) << e.message();
  e = error_of("paths: {fx: {points: {year1985: 240}}}\n");
  EXPECT_TRUE(contains(e.message(), "expected a year")) << e.message();
  e = error_of("paths: {fx: {points: {1985: 240, 1990: strong}}}\n");
  EXPECT_EQ(e.message(), "'paths.fx.points.1990': expected a finite real number, got 'strong'");
  e = error_of("paths: {fxx: {points: {1985: 240}}}\n");
  EXPECT_EQ(e.message(), "unknown path 'paths.fxx'; did you mean 'paths.fx'?");
  e = error_of("paths: {fx: {point: {1985: 240}}}\n");
  EXPECT_EQ(e.message(), "unknown key 'paths.fx.point'; did you mean 'paths.fx.points'?");
}

TEST(Scenario, PanelRepsMustBeValidReplications) {
  auto e = error_of("output: {panel_reps: [0, 1]}\n");
  EXPECT_EQ(e.key(), "output.panel_reps[1]");
  EXPECT_TRUE(contains(e.message(),
                       "expected a replication index in [0, replications - 1] = "
                       "[0, 0]"))
      << e.message();
  e = error_of("output: {panel_reps: [0, x]}\n");
  EXPECT_EQ(e.message(), "'output.panel_reps[1]': expected an integer, got 'x'");
  const auto p = parse_scenario("output: {panel_reps: []}\n", "s").params;
  EXPECT_TRUE(p.output.panel_reps.empty());
}

TEST(Scenario, ConsistencyProblemsAreReported) {
  const auto e = error_of("name: x\nfirms:\n  L_min: 10\n  L_max: 5\n");
  EXPECT_EQ(e.message(), "firms.L_max must exceed firms.L_min");
  EXPECT_EQ(e.key(), "firms.L_max");
  EXPECT_EQ(e.line(), 4);
  EXPECT_EQ(e.column(), 10);
}

TEST(Scenario, ResolvedYamlRoundTripsDefaultsExactly) {
  const Params defaults;
  const std::string yaml = resolved_yaml(defaults);
  EXPECT_TRUE(contains(yaml, "budget_per_year: 1e+300")) << yaml;
  EXPECT_TRUE(contains(yaml, "panel_reps: [0]")) << yaml;
  const auto s = parse_scenario(yaml, "resolved.yaml");
  EXPECT_TRUE(same_params(s.params, defaults));
  EXPECT_EQ(resolved_yaml(s.params), yaml);
}

TEST(Scenario, ResolvedYamlRoundTripsModifiedParamsExactly) {
  Params p;
  p.name = "null";  // must come back as a string, not as a YAML null
  p.seed = 18446744073709551615ull;
  p.relocation.phi = 0.1 + 0.2;  // 0.30000000000000004
  p.relocation.theta0_r = -1.0 / 3.0;
  p.relocation.theta_c = -0.0;
  p.decisions.H = 1e-300;
  p.levers.loans.budget_per_year = std::numeric_limits<double>::infinity();
  p.levers.loans.sme_only = false;
  p.industries[3].supplier = true;
  p.regions[5].g = std::nextafter(0.05, 1.0);
  p.population = 1234;
  p.replications = 3;
  p.output.panel_reps = {0, 2};
  p.paths.fx = Path{Path::Interpolation::step, {{1985, 2.0 / 3.0}, {1999, 101.5}}};
  p.paths.fta_coverage.points = {{2000, 0.125}};
  p.shocks = {{2001, 4, 0.3, 0.2}, {2010, 0, 1.0 / 7.0, 0.0}};
  const std::string yaml = resolved_yaml(p);
  const auto s = parse_scenario(yaml, "resolved.yaml");
  EXPECT_TRUE(same_params(s.params, p)) << yaml;
  EXPECT_EQ(s.params.name, "null");
  EXPECT_TRUE(std::signbit(s.params.relocation.theta_c));
  EXPECT_TRUE(contains(yaml, "budget_per_year: .inf")) << yaml;
  EXPECT_TRUE(contains(yaml, "region: china")) << yaml;
}

// model::Table::append (the columnar table used by the panel and the decision log).
TEST(Table, AppendAddsRowsColumnByColumnAndCopiesIntoAnEmptyTable) {
  smesim::model::Table a, b;
  a.int_column("id") = {1, 2};
  a.real_column("x") = {0.5, 1.5};
  b.int_column("id") = {3};
  b.real_column("x") = {2.5};
  a.append(b);
  EXPECT_EQ(a.rows(), 3u);
  EXPECT_EQ(a.int_column("id"), (std::vector<std::int32_t>{1, 2, 3}));
  EXPECT_EQ(a.real_column("x"), (std::vector<double>{0.5, 1.5, 2.5}));
  smesim::model::Table empty;
  empty.append(a);
  EXPECT_EQ(empty.rows(), 3u);
  EXPECT_EQ(empty.ints[0].first, "id");
  a.append(a);
  EXPECT_EQ(a.int_column("id"), (std::vector<std::int32_t>{1, 2, 3, 1, 2, 3}));
}

TEST(Table, AppendRejectsDifferentColumns) {
  smesim::model::Table a, b, c;
  a.int_column("id") = {1};
  a.real_column("x") = {0.5};
  b.int_column("id") = {2};
  b.real_column("y") = {1.0};
  EXPECT_THROW(a.append(b), std::invalid_argument);
  c.real_column("x") = {1.0};
  c.int_column("id") = {2};
  EXPECT_NO_THROW(a.append(c));  // same names per kind and order: ints and reals are separate
  smesim::model::Table d;
  d.int_column("other") = {1};
  d.real_column("x") = {1.0};
  EXPECT_THROW(a.append(d), std::invalid_argument);
  EXPECT_EQ(a.rows(), 2u);  // unchanged by the failed appends
}

}  // namespace
