// `smesim fit` end to end: on a small run of the v2 model, the Census aggregates (establishments,
// overseas production ratio, bankruptcies) get real values inside their intervals; the CSV is
// written atomically and agrees with the results file; bad input exits with 2.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "smesim/analysis/targets.hpp"
#include "smesim/sim/output.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;
using smesim::test::cli;
using smesim::test::shell;

namespace {

// One run shared by the tests: 1 500 firms, 1985-2004, 3 replications.
class Fit : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = smesim::test::scratch("fit", "suite");
    std::ofstream(dir_ / "small.yaml") << "name: fit_small\nseed: 5\npopulation: 1500\n"
                                       << "start_year: 1985\nend_year: 2004\nreplications: 3\n";
    const auto r = shell(
        cli("run " + (dir_ / "small.yaml").string() + " -q -o " + (dir_ / "small.h5").string()));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::ofstream(dir_ / "extra.csv") << "# hand-made targets on aggregates the current model has\n"
                                      << "series,year,value,unit,source\n"
                                      << "entries,1990,1000,firms,\"test, not data\"\n"
                                      << "exits_decline,1995,500,firms,test\n";
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  static std::string h5() { return (dir_ / "small.h5").string(); }
  static fs::path dir_;
};
fs::path Fit::dir_;

// The fields of the CSV line of `series` in `year`.
std::vector<std::string> csv_line(const std::string& csv, const std::string& series, int year) {
  std::istringstream in(csv);
  std::string line;
  const std::string key = series + "," + std::to_string(year) + ",";
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) return smesim::analysis::split_csv_record(line, "");
  return {};
}

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

// The value of aggregate `name` in `year`, averaged over the file's 3 replications.
double mean_of(const smesim::sim::Results& res, const std::string& name, int year) {
  std::size_t y = 0;
  while (y < res.years.size() && res.years[y] != year) ++y;
  EXPECT_LT(y, res.years.size()) << year;
  double mean = 0;
  bool found = false;
  for (const auto& [n, v] : res.aggregates)
    if (n == name) {
      found = true;
      for (int rep = 0; rep < 3; ++rep) mean += v[std::size_t(rep) * res.years.size() + y] / 3;
    }
  EXPECT_TRUE(found) << name;
  return mean;
}

TEST_F(Fit, DefaultTargetsShowTheModelsAggregatesWithRealValues) {
  const auto out = dir_ / "fit.csv";
  const auto r = shell(cli("fit " + h5() + " -o " + out.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Fit to macro targets"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("not comparable (not listed; --all lists them)"), std::string::npos);
  EXPECT_EQ(r.output.find("employees_sizeclass_1_3"), std::string::npos);
  const auto all = shell(cli("fit " + h5() + " --all"));
  EXPECT_NE(all.output.find("employees_sizeclass_1_3"), std::string::npos);
  const std::string csv = read(out);
  EXPECT_FALSE(fs::exists(out.string() + ".tmp-" + std::to_string(getpid())));
  EXPECT_EQ(csv.rfind("series,year,target,sim,ci95_low,ci95_high,scale,z,in_objective,status,", 0),
            0u);
  const auto res = smesim::sim::read_results(h5());
  // The model v2 aggregates (spec v2 8) are in the file: establishments with 10+ employees get
  // a simulated value (national scale), within its Monte Carlo interval, against the target
  // after the 1998 coverage gain.
  auto e = csv_line(csv, "establishments_ge10", 1998);
  ASSERT_GE(e.size(), 12u) << csv.substr(0, 500);
  EXPECT_EQ(e[9], "ok");
  EXPECT_EQ(e[11], "establishments_ge10");
  EXPECT_NEAR(std::stod(e[2]), 166905 / 1.052, 0.01);  // the target, after the coverage gain
  const double sim = std::stod(e[3]);
  EXPECT_GT(sim, 0.0);
  EXPECT_LE(std::stod(e[4]), sim);
  EXPECT_GE(std::stod(e[5]), sim);
  EXPECT_EQ(csv_line(csv, "establishments_all", 1985)[9], "not comparable");
  // The overseas production ratio (METI's basis) is a share.
  const auto opr = csv_line(csv, "overseas_production_ratio", 2004);
  ASSERT_GE(opr.size(), 12u);
  EXPECT_EQ(opr[9], "ok");
  EXPECT_GE(std::stod(opr[3]), 0.0);
  EXPECT_LT(std::stod(opr[3]), 1.0);
  // Bankruptcies are the model's own bankruptcies_mfg_tdb aggregate (insolvency exits), the
  // replication mean of the file's value at national scale (/meta national_scale).
  const auto b = csv_line(csv, "bankruptcies_mfg_tdb", 1998);
  ASSERT_GE(b.size(), 12u);
  EXPECT_EQ(b[9], "ok");
  EXPECT_EQ(b[11], "bankruptcies_mfg_tdb");
  EXPECT_GT(res.meta.national_scale, 1.0);  // a small population
  const double mean = mean_of(res, "bankruptcies_mfg_tdb", 1998) * res.meta.national_scale;
  EXPECT_NEAR(std::stod(b[3]), mean, 1e-9 * (1 + mean));
  EXPECT_EQ(b[8], "no");  // no calibration file given
}

// The 1985 observation reproduces the Census's 50-99, 100-199 and 200-299 classes: the LEs' small
// plants, which initialization took out of these classes in proportion to their counts, are put
// back the same way (docs/model.md 9.1). With one plant size (103) they all fell in 100-199, which
// came out at 2.3 times the Census's count and 50-99 and 200-299 at 0.48. The small plants are
// half of these classes and scale with the LEs' employment, a sum of about 13 Pareto draws here:
// the band [0.75, 1.33] holds that noise and excludes both old ratios.
TEST_F(Fit, MediumSizeClassesOf1985MatchTheCensus) {
  const auto res = smesim::sim::read_results(h5());
  const double per_firm = res.meta.national_scale;  // national enterprises per simulated one
  const std::vector<std::pair<std::string, double>> census{
      {"establishments_sizeclass_50_99", 19608},
      {"establishments_sizeclass_100_199", 8976},
      {"establishments_sizeclass_200_299", 2578}};
  for (const auto& [name, count] : census) {
    const double ratio = mean_of(res, name, 1985) * per_firm / count;
    EXPECT_GT(ratio, 0.75) << name;
    EXPECT_LT(ratio, 1.33) << name;
  }
}

TEST_F(Fit, TargetFilesGivenOnTheCommandLine) {
  const auto out = dir_ / "extra_fit.csv";
  const auto r = shell(cli("fit " + h5() + " --targets " + (dir_ / "extra.csv").string() +
                           " --tolerance entries=0.5 -o " + out.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string csv = read(out);
  const auto e = csv_line(csv, "entries", 1990);
  ASSERT_GE(e.size(), 10u) << csv;
  EXPECT_EQ(e[9], "ok");
  const double sim = std::stod(e[3]), low = std::stod(e[4]), high = std::stod(e[5]);
  EXPECT_GT(sim, 0);
  EXPECT_LE(low, sim);
  EXPECT_GE(high, sim);
  EXPECT_DOUBLE_EQ(std::stod(e[6]), 500);  // 50 % of 1 000
  EXPECT_NEAR(std::stod(e[7]), (sim - 1000) / 500, 1e-6);
  EXPECT_EQ(csv_line(csv, "exits_decline", 1995)[9], "ok");
  EXPECT_NE(r.output.find("entries"), std::string::npos);
}

TEST_F(Fit, BadInputExitsWithTwoAndWritesNothing) {
  const auto out = dir_ / "never.csv";
  auto r = shell(cli("fit " + h5() + " --point 3 -o " + out.string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--point 3 is outside the file's points 0-0"), std::string::npos)
      << r.output;
  r = shell(cli("fit " + h5() + " --tolerance entries -o " + out.string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  r = shell(cli("fit " + h5() + " --targets " + (dir_ / "nope.csv").string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("cannot open target file"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(Fit, CalibrateWithMacroTargetsRecordsTheCutOff) {
  std::ofstream(dir_ / "base.yaml") << "name: base\npopulation: 300\nend_year: 1986\n";
  std::ofstream(dir_ / "cal.yaml")
      << "base: base.yaml\ntargets: none\nmacro_targets:\n  file: extra.csv\n"
      << "replications: 2\nmax_evaluations: 2\n"
      << "parameters:\n  relocation.phi: {start: 0.15, lower: 0.05, upper: 0.4}\n";
  const auto out = dir_ / "calibrated.yaml";
  const std::string args =
      "calibrate " + (dir_ / "cal.yaml").string() + " -o " + out.string() + " --threads 1";
  auto r = shell(cli(args + " --until 1992"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("0 Table 3 coefficients and 1 macro targets"), std::string::npos)
      << r.output;
  const std::string trace = read(out.string() + ".trace.csv");
  EXPECT_EQ(trace.rfind("# until 1992: targets of years up to it only (Table 3 counts as 2002)\n"
                        "# setup ",
                        0),
            0u)
      << trace;
  // The moment is the simulated number of entrants in 1990 (national scale 1): finite.
  std::istringstream lines(trace);
  std::string line;
  while (std::getline(lines, line) && line.rfind('#', 0) == 0) {
  }
  EXPECT_EQ(line, "eval,J,relocation.phi,entries@1990");
  std::getline(lines, line);
  const auto fields = smesim::analysis::split_csv_record(line, "");
  ASSERT_EQ(fields.size(), 4u) << line;
  EXPECT_TRUE(std::isfinite(std::stod(fields[3]))) << line;
  EXPECT_NE(read(out).find("# Hindcast cut-off: calibrated on targets of years up to 1992"),
            std::string::npos);
  // A resume must use the same cut-off.
  r = shell(cli(args + " --resume"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("with a different cut-off"), std::string::npos) << r.output;
  r = shell(cli(args + " --resume --until 1992"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  // fit marks the calibration's targets.
  const auto csv_out = dir_ / "marked.csv";
  r = shell(cli("fit " + h5() + " --targets " + (dir_ / "extra.csv").string() + " --calibration " +
                (dir_ / "cal.yaml").string() + " --until 1992 -o " + csv_out.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string csv = read(csv_out);
  EXPECT_EQ(csv_line(csv, "entries", 1990)[8], "yes");
  EXPECT_EQ(csv_line(csv, "exits_decline", 1995)[8], "no");  // after the cut-off
}
