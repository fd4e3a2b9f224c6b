// `smesim hindcast` end to end on a tiny scenario (1 500 firms, 1985-2000, 3 replications): the
// table, scores and Markdown are written, the simulated mean is the fit table's, the replications
// are reused with --resume, and bad input (actuals that end at the cut-off, an unknown series, a
// scenario calibrated past the cut-off) exits with 2 and writes nothing.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "smesim/analysis/targets.hpp"
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

// The CSV's records as maps from column to field.
std::vector<std::map<std::string, std::string>> records(const std::string& csv) {
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  const auto header = smesim::analysis::split_csv_record(line, "");
  std::vector<std::map<std::string, std::string>> out;
  while (std::getline(in, line)) {
    const auto f = smesim::analysis::split_csv_record(line, "");
    std::map<std::string, std::string> m;
    for (std::size_t c = 0; c < header.size() && c < f.size(); ++c) m[header[c]] = f[c];
    out.push_back(m);
  }
  return out;
}

class HindcastCli : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = smesim::test::scratch("hindcast", "suite");
    std::ofstream(dir_ / "small.yaml") << "name: hindcast_small\nseed: 5\npopulation: 1500\n"
                                       << "start_year: 1985\nend_year: 2002\nreplications: 1\n";
    std::ofstream(dir_ / "actuals.csv")
        << "series,year,value,unit,source\n"
        << "establishments_ge10,1991,195600,establishments,Census\n"
        << "establishments_ge10,1995,174418,establishments,Census\n"
        << "establishments_ge10,1996,171201,establishments,Census\n"
        << "establishments_ge10,1997,167606,establishments,Census\n"
        << "establishments_ge10,1998,166905,establishments,Census\n"
        << "establishments_ge10,1999,159346,establishments,Census\n"
        << "establishments_ge10_change_comparable,1996,-0.018,fraction,Census\n"
        << "establishments_ge10_change_comparable,1997,-0.021,fraction,Census\n"
        << "establishments_ge10_change_comparable,1998,-0.053,fraction,Census\n"
        << "establishments_ge10_change_comparable,1999,-0.045,fraction,Census\n"
        << "establishments_all,1998,643468,establishments,Census\n";
    const auto r = shell(cli("hindcast " + (dir_ / "small.yaml").string() + " --actuals " +
                             (dir_ / "actuals.csv").string() + " --until 1997 --reps 3 -q -o " +
                             (dir_ / "hc.csv").string() + " --markdown " +
                             (dir_ / "hc.md").string() + " --threads 2"));
    output_ = r.output;
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  static fs::path dir_;
  static std::string output_;
};
fs::path HindcastCli::dir_;
std::string HindcastCli::output_;

}  // namespace

TEST_F(HindcastCli, WritesTheTableScoresAndMarkdown) {
  const auto rows = records(read(dir_ / "hc.csv"));
  ASSERT_EQ(rows.size(), 4u) << read(dir_ / "hc.csv");  // two series x 1998, 1999
  for (const auto& r : rows) {
    EXPECT_EQ(r.at("cutoff"), "1997");
    EXPECT_EQ(r.at("reps"), "3");
    EXPECT_EQ(std::stoi(r.at("horizon")), std::stoi(r.at("year")) - 1997);
    const double lo = std::stod(r.at("sim_q05")), hi = std::stod(r.at("sim_q95")),
                 mean = std::stod(r.at("sim_mean"));
    EXPECT_LE(lo, mean);
    EXPECT_LE(mean, hi);
    EXPECT_FALSE(r.at("no_change").empty());
    EXPECT_FALSE(r.at("err_model").empty());
  }
  EXPECT_EQ(rows[0].at("series"), "establishments_ge10");
  EXPECT_EQ(rows[0].at("measure"), "log points");
  EXPECT_EQ(rows[2].at("measure"), "pp");
  // The actual is the fit table's target: 166 905 divided by the 1998 coverage gain.
  EXPECT_NEAR(std::stod(rows[0].at("actual")), 166905 / 1.052, 1e-3);
  // No change: the 1997 value; the last value up to the cut-off is 1997's.
  EXPECT_EQ(rows[0].at("no_change"), "167606");
  EXPECT_EQ(rows[0].at("last_year"), "1997");
  const auto scores = records(read(dir_ / "hc_scores.csv"));
  ASSERT_EQ(scores.size(), 3u);
  EXPECT_EQ(scores.back().at("series"), "all");
  EXPECT_EQ(scores.back().at("n"), "4");
  const std::string md = read(dir_ / "hc.md");
  EXPECT_NE(md.find("| **all** |"), std::string::npos) << md;
  EXPECT_NE(output_.find("skipped: establishments_all: not comparable"), std::string::npos)
      << output_;
  EXPECT_TRUE(fs::exists(dir_ / "hc.h5"));
  EXPECT_FALSE(fs::exists(dir_ / "hc.h5.parts"));
  EXPECT_FALSE(fs::exists(dir_ / "hc.h5.sweep.yaml"));
}

// The simulated mean is the one `smesim fit` computes from the same replications.
TEST_F(HindcastCli, SimulatedMeanIsTheFitTables) {
  const auto r = shell(cli("fit " + (dir_ / "hc.h5").string() + " --targets " +
                           (dir_ / "actuals.csv").string() + " -o " + (dir_ / "fit.csv").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto fit = records(read(dir_ / "fit.csv"));
  int matched = 0;
  for (const auto& h : records(read(dir_ / "hc.csv")))
    for (const auto& f : fit)
      if (f.at("series") == h.at("series") && f.at("year") == h.at("year")) {
        EXPECT_EQ(f.at("sim"), h.at("sim_mean")) << h.at("series") << " " << h.at("year");
        EXPECT_EQ(f.at("target"), h.at("actual"));
        ++matched;
      }
  EXPECT_EQ(matched, 4);
}

TEST_F(HindcastCli, ResumeReusesTheFinishedReplications) {
  const auto before = read(dir_ / "hc.csv");
  const auto r = shell(cli("hindcast " + (dir_ / "small.yaml").string() + " --actuals " +
                           (dir_ / "actuals.csv").string() + " --until 1997 --reps 3 -o " +
                           (dir_ / "hc.csv").string() + " --resume"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Reusing the finished replications"), std::string::npos) << r.output;
  EXPECT_EQ(read(dir_ / "hc.csv"), before);
  // The results file itself is a hindcast input too.
  const auto from_h5 = shell(cli("hindcast " + (dir_ / "hc.h5").string() + " --actuals " +
                                 (dir_ / "actuals.csv").string() + " --until 1997 -o " +
                                 (dir_ / "again.csv").string()));
  ASSERT_EQ(from_h5.exit_code, 0) << from_h5.output;
  EXPECT_EQ(read(dir_ / "again.csv"), before);
}

TEST_F(HindcastCli, BadInputExitsWithTwoAndWritesNothing) {
  const std::string base = "hindcast " + (dir_ / "small.yaml").string() + " --reps 1 -q ";
  const auto out = dir_ / "bad.csv";
  // Every row up to the cut-off.
  auto r = shell(cli(base + "--actuals " + (dir_ / "actuals.csv").string() + " --until 2001 -o " +
                     out.string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("no row after the cut-off 2001"), std::string::npos) << r.output;
  // An unknown series, with a suggestion.
  std::ofstream(dir_ / "typo.csv") << "series,year,value,unit,source\n"
                                   << "establishment_ge10,1998,1,establishments,test\n";
  r = shell(
      cli(base + "--actuals " + (dir_ / "typo.csv").string() + " --until 1997 -o " + out.string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("did you mean 'establishments_ge10'?"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("typo.csv:2"), std::string::npos) << r.output;
  // --series that the actuals do not hold.
  r = shell(cli(base + "--actuals " + (dir_ / "actuals.csv").string() +
                " --until 1997 --series establishments_ge1 -o " + out.string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("did you mean 'establishments_ge10'?"), std::string::npos) << r.output;
  // Only a series the model cannot compare (the 1-3 class), before any replication.
  r = shell(cli(base + "--actuals " + (dir_ / "actuals.csv").string() +
                " --until 1997 --series establishments_all -o " + out.string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("can be compared with the model (establishments_all: includes"),
            std::string::npos)
      << r.output;
  // A scenario calibrated on targets after the cut-off.
  std::ofstream(dir_ / "late.yaml")
      << "# Hindcast cut-off: calibrated on targets of years up to 2001\n"
      << read(dir_ / "small.yaml");
  r = shell(cli("hindcast " + (dir_ / "late.yaml").string() + " --actuals " +
                (dir_ / "actuals.csv").string() + " --until 1997 -o " + out.string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("calibrated on targets up to 2001, after the cut-off 1997"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(dir_ / "bad_scores.csv"));
  EXPECT_FALSE(fs::exists(dir_ / "bad.h5"));
}
