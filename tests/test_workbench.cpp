// The analyst's workbench (issue 15) end to end: `smesim run --set`, `smesim export --csv` on a
// run and on a sweep over a path shift, and every Python block of docs/file-format.md run with
// Debian's Python on a real results file.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "smesim/analysis/csv.hpp"
#include "smesim/sim/output.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;
using smesim::test::cli;
using smesim::test::shell;

namespace {

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// A small run (panel and decision log kept) and a small sweep over a path shift and a lever,
// shared by the tests.
class Workbench : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = smesim::test::scratch("workbench", "suite");
    std::ofstream(dir_ / "small.yaml")
        << "name: wb_small\nseed: 7\npopulation: 400\nstart_year: 1985\nend_year: 1996\n"
        << "replications: 2\noutput: {panel_reps: [0], panel_from: 1994, panel_to: 1996, "
           "decisions: true}\n";
    auto r = shell(
        cli("run " + (dir_ / "small.yaml").string() + " -q -o " + (dir_ / "results.h5").string()));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::ofstream(dir_ / "sweep.yaml")
        << "base: small.yaml\nreplications: 2\ndesign: {type: grid}\n"
        << "uncertainties:\n  paths.g_dom.shift: [-0.03, 0.0]\n"
        << "levers:\n  levers.loans.rate_subsidy: [0.0, 0.3]\n"
        << "reference: {paths.g_dom.shift: 0.0, levers.loans.rate_subsidy: 0.0}\n";
    r = shell(cli("sweep " + (dir_ / "sweep.yaml").string() + " -q --threads 2 -o " +
                  (dir_ / "sweep.h5").string()));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  static fs::path dir_;
};
fs::path Workbench::dir_;

TEST_F(Workbench, SetOverridesAParameterAndShiftsAPath) {
  const auto out = dir_ / "set.h5";
  const auto r = shell(cli("run " + (dir_ / "small.yaml").string() + " -q -o " + out.string() +
                           " --set paths.g_dom.shift=-0.02 --set relocation.phi=0.4"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto res = smesim::sim::read_results(out.string(), smesim::sim::ReadTables::none);
  EXPECT_TRUE(contains(res.meta.resolved_parameters, "phi: 0.4")) << res.meta.resolved_parameters;
  EXPECT_TRUE(contains(res.meta.resolved_parameters, "points: {1985: -0.02}"))
      << res.meta.resolved_parameters;
  EXPECT_TRUE(contains(res.meta.scenario_yaml, "# --set paths.g_dom.shift=-0.02\n"));
  // Demand falls faster than in the run without the shift.
  const auto base =
      smesim::sim::read_results((dir_ / "results.h5").string(), smesim::sim::ReadTables::none);
  auto last_demand = [](const smesim::sim::Results& x) {
    for (const auto& [n, v] : x.aggregates)
      if (n == "demand") return v[x.years.size() - 1];
    return std::nan("");
  };
  EXPECT_LT(last_demand(res), last_demand(base));
}

TEST_F(Workbench, SetErrorsExitWithTwoAndWriteNothing) {
  const auto out = dir_ / "bad.h5";
  for (const auto& [set, message] : std::vector<std::pair<std::string, std::string>>{
           {"paths.g_dom.shift=-15",
            "--set paths.g_dom.shift=-15: 'paths.g_dom.shift' = -15 is out of range: expected a "
            "value in [-0.5, 0.5]"},
           {"relocation.phii=0.3", "did you mean 'relocation.phi'?"},
           {"paths.g_dom=-0.01",
            "'paths.g_dom' is a group of keys, not a value: give one of them, e.g. "
            "'paths.g_dom.shift', 'paths.g_dom.scale', 'paths.g_dom.multiplier', "
            "'paths.g_dom.points', 'paths.g_dom.interpolation'"}}) {
    const auto r = shell(
        cli("run " + (dir_ / "small.yaml").string() + " -q -o " + out.string() + " --set " + set));
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_TRUE(contains(r.output, message)) << r.output;
    EXPECT_FALSE(fs::exists(out));
  }
  const auto v =
      shell(cli("validate " + (dir_ / "small.yaml").string() + " --set paths.fx.scale=0"));
  EXPECT_EQ(v.exit_code, 2) << v.output;
  EXPECT_TRUE(contains(v.output,
                       "'paths.fx.scale' = 0 is out of range: expected a value in "
                       "(0, 10]"))
      << v.output;
}

TEST_F(Workbench, ExportWritesOneTidyCsvPerTable) {
  const auto csv = dir_ / "run_csv";
  const auto r = shell(cli("export " + (dir_ / "results.h5").string() + " --csv " + csv.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto res = smesim::sim::read_results((dir_ / "results.h5").string());
  const auto agg = smesim::analysis::read_csv((csv / "aggregates.csv").string());
  ASSERT_EQ(agg.rows(), std::size_t(2 * 12));  // 2 replications x 12 years, one point
  EXPECT_EQ(agg.names[0], "point");
  EXPECT_EQ(agg.names[1], "rep");
  EXPECT_EQ(agg.names[2], "year");
  ASSERT_EQ(agg.names.size(), 3 + res.aggregates.size());
  for (std::size_t k = 0; k < res.aggregates.size(); ++k) {
    const auto& [name, values] = res.aggregates[k];
    ASSERT_EQ(agg.names[3 + k], name);
    for (std::size_t i = 0; i < values.size(); ++i)
      if (std::isfinite(values[i])) {
        EXPECT_EQ(agg.columns[3 + k][i], values[i]) << name;
      }
  }
  const auto panel = smesim::analysis::read_csv((csv / "panel.csv").string());
  EXPECT_EQ(panel.rows(), res.panel.rows());
  for (const auto& [n, c] : res.panel.reals) {
    if (n == "L") {
      EXPECT_EQ(panel.column("L"), c);
    }
  }
  for (const auto& [n, c] : res.panel.ints) {
    if (n == "firm") {
      EXPECT_EQ(panel.column("firm"), std::vector<double>(c.begin(), c.end()));
    }
  }
  EXPECT_GT(res.decisions.rows(), 0u);
  EXPECT_EQ(smesim::analysis::read_csv((csv / "decisions.csv").string()).rows(),
            res.decisions.rows());
  EXPECT_FALSE(fs::exists(csv / "points.csv"));  // a single run has no swept parameters
  // An earlier export is replaced; a directory with other files is refused.
  EXPECT_EQ(shell(cli("export " + (dir_ / "results.h5").string() + " -q --csv " + csv.string()))
                .exit_code,
            0);
  std::ofstream(csv / "notes.txt") << "mine\n";
  const auto refused =
      shell(cli("export " + (dir_ / "results.h5").string() + " --csv " + csv.string()));
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_TRUE(contains(refused.output, "notes.txt")) << refused.output;
  EXPECT_TRUE(fs::exists(csv / "aggregates.csv"));
}

TEST_F(Workbench, ExportOfASweepCarriesEachPointsParameters) {
  const auto csv = dir_ / "sweep_csv";
  const auto r = shell(cli("export " + (dir_ / "sweep.h5").string() + " -q --csv " + csv.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto agg = smesim::analysis::read_csv((csv / "aggregates.csv").string());
  ASSERT_EQ(agg.rows(), std::size_t(4 * 2 * 12));
  EXPECT_EQ(agg.names[3], "levers.loans.rate_subsidy");  // levers first, then uncertainties
  EXPECT_EQ(agg.names[4], "paths.g_dom.shift");
  const auto& point = agg.column("point");
  const auto& shift = agg.column("paths.g_dom.shift");
  const auto& subsidy = agg.column("levers.loans.rate_subsidy");
  for (std::size_t i = 0; i < agg.rows(); ++i) {  // grid: the last factor varies fastest
    const int p = int(point[i]);
    EXPECT_EQ(subsidy[i], p < 2 ? 0.0 : 0.3) << i;
    EXPECT_EQ(shift[i], p % 2 ? 0.0 : -0.03) << i;
  }
  const auto points = smesim::analysis::read_csv((csv / "points.csv").string());
  ASSERT_EQ(points.rows(), 4u);
  EXPECT_EQ(points.column("reference"), (std::vector<double>{0, 1, 0, 0}));
  EXPECT_TRUE(fs::exists(csv / "panel.csv"));
}

TEST_F(Workbench, ExportOfABadFileExitsWithTwoAndWritesNothing) {
  std::ofstream(dir_ / "not.h5") << "not hdf5\n";
  const auto csv = dir_ / "never";
  const auto r = shell(cli("export " + (dir_ / "not.h5").string() + " --csv " + csv.string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "not an smesim results file")) << r.output;
  EXPECT_FALSE(fs::exists(csv));
}

TEST_F(Workbench, DiscoverFindsTheShiftThatLowersDemand) {
  const auto csv = dir_ / "prim.csv";
  const auto r = shell(cli("discover " + (dir_ / "sweep.h5").string() +
                           " --outcome demand --effect --where '< 0' --csv " + csv.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // 6 cases (3 points x 2 replications: the reference point's effects are 0 by construction);
  // demand falls against the reference exactly where the growth path is shifted down, whatever
  // the loan subsidy.
  EXPECT_TRUE(contains(r.output,
                       "PRIM: 6 cases (4 points x 2 replications, less the reference "
                       "point), 2 inputs; cases of interest (effect on demand in 1996 "
                       "< 0): 4 (66.7%)"))
      << r.output;
  EXPECT_TRUE(contains(r.output, "coverage 1.000, density 1.000, mass 0.667")) << r.output;
  EXPECT_TRUE(contains(r.output, "  paths.g_dom.shift: <= -0.03   quasi-p ")) << r.output;
  EXPECT_FALSE(contains(r.output, "levers.loans.rate_subsidy:")) << r.output;
  const auto curve = smesim::analysis::read_csv(csv.string());
  ASSERT_EQ(curve.rows(), 3u);  // boxes 0 and 1 of the curve, then the pasted box
  EXPECT_NEAR(curve.column("density")[0], 4.0 / 6, 1e-9);  // 10 significant digits
  EXPECT_EQ(curve.column("density")[1], 1.0);
  EXPECT_EQ(curve.column("density")[2], 1.0);
  EXPECT_EQ(curve.column("paths.g_dom.shift:hi"), (std::vector<double>{0, -0.03, -0.03}));
}

TEST_F(Workbench, DiscoverErrorsExitWithTwo) {
  const std::string sweep = (dir_ / "sweep.h5").string();
  for (const auto& [args, message] : std::vector<std::pair<std::string, std::string>>{
           {sweep + " --outcome demnd --where '< 0'",
            "--outcome: no aggregate 'demnd' in '" + sweep + "'; did you mean 'demand'?"},
           {sweep + " --outcome demand --where 'below 0'",
            "--where 'below 0': expected a comparison (<, <=, >, >=, == or !=) with a finite "
            "number, e.g. \"< 0\""},
           {sweep + " --outcome demand --where '< 0' --year 2050",
            "--year 2050: the results hold 1985-1996"},
           {sweep + " --outcome demand --where '< 0' --inputs paths.g_dom.shfit",
            "did you mean 'paths.g_dom.shift'?"},
           {(dir_ / "results.h5").string() + " --outcome demand --where '< 0'",
            "is not a sweep: scenario discovery needs the results of smesim sweep"}}) {
    const auto r = shell(cli("discover " + args));
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
    EXPECT_TRUE(contains(r.output, message)) << r.output;
  }
}

// Every ```python block of docs/file-format.md runs (in a directory holding results.h5 and the
// analysis/ directory, as the examples assume) with Debian's /usr/bin/python3.
TEST_F(Workbench, EveryPythonBlockOfTheFileFormatDocRuns) {
  const auto have = shell("/usr/bin/python3 -c 'import h5py, numpy, pandas'");
  ASSERT_EQ(have.exit_code, 0)
      << "docs/file-format.md's Python examples need /usr/bin/python3 with h5py, numpy and "
         "pandas (Debian: apt-get install python3-h5py python3-pandas); none here:\n"
      << have.output;
  const auto work = dir_ / "doc";
  fs::create_directories(work);
  fs::copy_file(dir_ / "results.h5", work / "results.h5", fs::copy_options::overwrite_existing);
  fs::create_directory_symlink(fs::path(SMESIM_SOURCE_DIR) / "analysis", work / "analysis");
  const std::string doc = read(fs::path(SMESIM_SOURCE_DIR) / "docs" / "file-format.md");
  int blocks = 0;
  for (std::size_t at = 0; (at = doc.find("```python\n", at)) != std::string::npos;) {
    const std::size_t begin = at + 10, end = doc.find("\n```", begin);
    ASSERT_NE(end, std::string::npos);
    const std::string code = doc.substr(begin, end - begin + 1);
    const auto script = work / ("block" + std::to_string(++blocks) + ".py");
    std::ofstream(script) << code;
    const auto r = shell("cd " + work.string() + " && /usr/bin/python3 -B " + script.string());
    EXPECT_EQ(r.exit_code, 0) << "docs/file-format.md, Python block " << blocks << ":\n"
                              << code << "\n"
                              << r.output;
    at = end;
  }
  EXPECT_GE(blocks, 2);
}

}  // namespace
