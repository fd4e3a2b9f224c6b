// `smesim regress`: the CSV reader, the command line end to end (through the binary), and the
// M05 tables on a synthetic survey whose coefficients are known.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "smesim/analysis/csv.hpp"
#include "smesim/analysis/paper.hpp"
#include "smesim/sim/errors.hpp"
#include "smesim/sim/output.hpp"

namespace fs = std::filesystem;
using namespace smesim::analysis;
using smesim::sim::InputError;

namespace {

struct Command {
  int exit_code;
  std::string out;  // stdout
  std::string all;  // stdout, then stderr
};

// Runs the smesim binary once, keeping stdout and stderr apart.
Command run_smesim(const std::string& args) {
  const auto err = fs::temp_directory_path() / ("smesim_regress_err_" + std::to_string(getpid()));
  FILE* pipe = popen((std::string(SMESIM_BINARY) + " " + args + " 2>" + err.string()).c_str(), "r");
  Command c;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, pipe)) c.out.append(buf, n);
  const int status = pclose(pipe);
  c.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(err);
  c.all = c.out + std::string(std::istreambuf_iterator<char>(in), {});
  fs::remove(err);
  return c;
}

fs::path scratch_dir(const std::string& name) {
  const auto dir =
      fs::temp_directory_path() / ("smesim_regress_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

fs::path write_file(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

std::vector<std::vector<std::string>> parse_csv_text(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::string field;
    std::istringstream ls(line);
    while (std::getline(ls, field, ',')) fields.push_back(field);
    if (!line.empty() && line.back() == ',') fields.emplace_back();
    rows.push_back(fields);
  }
  return rows;
}

const std::string grunfeld = std::string(SMESIM_SOURCE_DIR) + "/tests/data/grunfeld.csv";

// The fixed-effects panel of Panel.FixedEffectsMatchHandDerivedValues.
const std::string hand_panel = "firm,year,x,y\n1,1,0,1\n1,2,2,4\n2,1,1,2\n2,2,3,3\n2,3,5,7\n";

}  // namespace

TEST(Regress, CsvReaderReadsNumbersMissingCellsAndLineNumbers) {
  std::istringstream in(
      "\xEF\xBB\xBF"
      "id, x ,y\r\n1,2.5,-3e2\r\n\r\n2,NA,+4\r\n3,,.\r\n");
  const auto t = parse_csv(in, "mem.csv");
  ASSERT_EQ(t.names, (std::vector<std::string>{"id", "x", "y"}));
  ASSERT_EQ(t.rows(), 3u);
  EXPECT_EQ(t.column("x")[0], 2.5);
  EXPECT_EQ(t.column("y")[0], -300);
  EXPECT_EQ(t.column("y")[1], 4);
  EXPECT_TRUE(std::isnan(t.column("x")[1]));
  EXPECT_TRUE(std::isnan(t.column("x")[2]));
  EXPECT_TRUE(std::isnan(t.column("y")[2]));
  EXPECT_EQ(t.line, (std::vector<std::size_t>{2, 4, 5}));  // the blank line 3 is skipped
}

TEST(Regress, CsvReaderRejectsNonNumericCellsNamingLineAndColumn) {
  std::istringstream in("id,x\n1,2\n2,abc\n");
  try {
    parse_csv(in, "data.csv");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("data.csv:3:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'x'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'abc' is not a number"), std::string::npos) << msg;
  }
}

TEST(Regress, CsvReaderRejectsQuotedFieldsRaggedRowsAndDuplicateNames) {
  auto error = [](const std::string& text) {
    std::istringstream in(text);
    try {
      parse_csv(in, "f.csv");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error("a,b\n\"1\",2\n").find("f.csv:2: quoted fields are not supported"),
            std::string::npos);
  EXPECT_NE(error("a,b\n1,2,3\n").find("f.csv:2: 3 fields, but the header has 2"),
            std::string::npos);
  EXPECT_NE(error("a,a\n1,2\n").find("column 'a' appears twice"), std::string::npos);
  EXPECT_NE(error("").find("empty file"), std::string::npos);
  std::istringstream ok("a,b\n1,2\n");
  const auto t = parse_csv(ok, "f.csv");
  try {
    t.column("c");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no column 'c' (columns: a, b)"), std::string::npos);
  }
}

TEST(Regress, InteractionTermIsTheProductOfItsColumns) {
  std::istringstream in("a,b,c\n2,3,5\n-1,4,0.5\n");
  const auto t = parse_csv(in, "f.csv");
  EXPECT_EQ(term_values(t, "a:b"), (std::vector<double>{6, -4}));
  EXPECT_EQ(term_values(t, "a:b:c"), (std::vector<double>{30, -2}));
  EXPECT_THROW(term_values(t, "a:"), InputError);
  EXPECT_THROW(term_values(t, "a:zz"), InputError);
}

// The binary on the hand-derived panel: one row per coefficient, values as derived in
// test_panel.cpp (b = 1.3, se = sqrt(0.08), se_cluster = sqrt(8/3 * 0.0032), c = 0.54).
TEST(Regress, CsvCommandPrintsOneRowPerCoefficient) {
  const auto dir = scratch_dir("csv");
  const auto file = write_file(dir / "panel.csv", hand_panel);
  const auto r = run_smesim("regress --csv " + file.string() +
                            " --y y --x x --group firm --time year --model fe --format csv");
  ASSERT_EQ(r.exit_code, 0) << r.all;
  const auto rows = parse_csv_text(r.out);
  ASSERT_EQ(rows.size(), 3u) << r.out;
  EXPECT_EQ(rows[0], (std::vector<std::string>{"model", "term", "coef", "se", "se_cluster", "t"}));
  EXPECT_EQ(rows[1][0], "fe");
  EXPECT_EQ(rows[1][1], "x");
  EXPECT_NEAR(std::stod(rows[1][2]), 1.3, 1e-10);
  EXPECT_NEAR(std::stod(rows[1][3]), std::sqrt(0.08), 1e-10);
  EXPECT_NEAR(std::stod(rows[1][4]), std::sqrt(8.0 / 3 * 0.0032), 1e-10);
  EXPECT_NEAR(std::stod(rows[1][5]), 1.3 / std::sqrt(0.08), 1e-9);
  EXPECT_EQ(rows[2][1], "const");
  EXPECT_NEAR(std::stod(rows[2][2]), 0.54, 1e-10);
  fs::remove_all(dir);
}

// Grunfeld through the binary: Stata's xtreg, re and regress results; an interaction term is
// named A:B; JSON carries the sample and fit.
TEST(Regress, CsvCommandReproducesStataOnGrunfeldInEveryFormat) {
  const std::string base = "regress --csv " + grunfeld + " --y invest --group firm --time year";
  auto re = run_smesim(base + " --x mvalue,kstock --model re --format csv");
  ASSERT_EQ(re.exit_code, 0) << re.all;
  auto rows = parse_csv_text(re.out);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1][0], "re");
  // Stata's printed values, to one unit of their last digit (see Panel.GrunfeldEstimates...).
  EXPECT_NEAR(std::stod(rows[1][2]), .1097811, 1e-7);
  EXPECT_NEAR(std::stod(rows[1][3]), .0104927, 1e-7);
  EXPECT_NEAR(std::stod(rows[3][2]), -57.83441, 1e-5);

  auto ols = run_smesim(base + " --x mvalue,kstock,mvalue:kstock --model pooled --format csv");
  ASSERT_EQ(ols.exit_code, 0) << ols.all;
  rows = parse_csv_text(ols.out);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[3][1], "mvalue:kstock");
  EXPECT_EQ(rows[4][1], "const");

  auto json = run_smesim(base + " --x mvalue,kstock --format json");
  ASSERT_EQ(json.exit_code, 0) << json.all;
  EXPECT_NE(json.out.find("\"model\":\"fe\""), std::string::npos);
  EXPECT_NE(json.out.find("\"n_obs\":200,\"n_groups\":10"), std::string::npos);
  EXPECT_NE(json.out.find("\"term\":\"mvalue\",\"coef\":0.110123804"), std::string::npos);

  auto table = run_smesim(base + " --x mvalue,kstock");
  ASSERT_EQ(table.exit_code, 0) << table.all;
  EXPECT_NE(table.out.find("Fixed-effects (within) regression of invest"), std::string::npos);
  EXPECT_NE(table.out.find("within 0.7668, between 0.8194, overall 0.8060"), std::string::npos);
}

TEST(Regress, CsvCommandWarnsAboutDroppedRegressorsAndMissingRows) {
  const auto dir = scratch_dir("warn");
  const auto file =
      write_file(dir / "p.csv",
                 "firm,year,x,y,size\n1,1,0,1,3\n1,2,2,4,3\n2,1,1,2,5\n2,2,3,3,5\n2,3,5,7,5\n"
                 "2,4,NA,8,5\n");
  const auto r =
      run_smesim("regress --csv " + file.string() + " --y y --x x,size --group firm --format csv");
  ASSERT_EQ(r.exit_code, 0) << r.all;
  EXPECT_NE(r.all.find("warning: size omitted"), std::string::npos) << r.all;
  EXPECT_NE(r.all.find("1 rows with a missing value"), std::string::npos) << r.all;
  EXPECT_EQ(parse_csv_text(r.out).size(), 3u);  // header, x, const
  fs::remove_all(dir);
}

// Bad input exits with code 2 and a message that says what and where.
TEST(Regress, BadInputExitsWithCode2AndAClearMessage) {
  const auto dir = scratch_dir("bad");
  const auto good = write_file(dir / "good.csv", hand_panel);
  const auto text = write_file(dir / "text.csv", "firm,year,x,y\n1,1,0,1\n1,2,two,4\n");
  const auto dup = write_file(dir / "dup.csv", "firm,year,x,y\n1,1,0,1\n1,1,2,4\n2,1,1,2\n");
  const auto quoted = write_file(dir / "quoted.csv", "firm,year,x,y\n\"1\",1,0,1\n");
  const auto frac = write_file(dir / "frac.csv", "firm,year,x,y\n1.5,1,0,1\n1.5,2,2,4\n");
  struct Case {
    std::string args, message;
  };
  const std::vector<Case> cases = {
      {"--csv " + good.string() + " --y y --x x,nope --group firm", "no column 'nope'"},
      {"--csv " + good.string() + " --y y --x x --group firm --model ols", "ols"},
      {"--csv " + text.string() + " --y y --x x --group firm", "text.csv:3: column 'x': 'two'"},
      {"--csv " + dup.string() + " --y y --x x --group firm --time year",
       "lines 2 and 3 have the same firm (1) and year (1)"},
      {"--csv " + quoted.string() + " --y y --x x --group firm", "quoted fields"},
      {"--csv " + good.string() + " --x x --group firm", "needs --y, --x and --group"},
      {"--csv " + (dir / "missing.csv").string() + " --y y --x x --group firm", "cannot open"},
      {"--csv " + frac.string() + " --y y --x x --group firm", "frac.csv:2: column 'firm'"},
      {"--y y --x x --group firm", "either --csv FILE or a results file"},
      {(dir / "none.h5").string() + " --spec table3", "cannot open results file"},
      {good.string() + " --spec table9", "table9"},
      {good.string() + " --spec table3", "cannot read results file"},
  };
  for (const auto& c : cases) {
    const auto r = run_smesim("regress " + c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.all;
    EXPECT_NE(r.all.find(c.message), std::string::npos) << c.args << "\n" << r.all;
  }
  fs::remove_all(dir);
}

namespace {

// A synthetic panel with the simulator's columns: for each region, 120 firms with an affiliate
// only there, observed 1994-2002, log Y = a_i + 0.08 LOS + 0.5 D_lf - 0.05 LOS D_lf
// + 0.05 LRD - 0.1 D_parent + N(0, 0.05^2); plus rows the survey must leave out (exited, small,
// out of the window, not responding, not linked) whose Y would ruin the estimates.
smesim::model::Table synthetic_panel(int reps) {
  smesim::model::Table t;
  std::mt19937_64 rng(42);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform;
  const char* regions[] = {"north_america", "europe", "nies", "asean", "china", "others"};
  auto add = [&](int rep, int year, int firm, int alive, double L, int lf, int parent, double y,
                 double rd, int region, double so, int respondent = 1, int linked = 1) {
    t.int_column("point").push_back(0);
    t.int_column("rep").push_back(rep);
    t.int_column("year").push_back(year);
    t.int_column("firm").push_back(firm);
    t.int_column("industry").push_back(firm % 10);
    t.int_column("D_lf").push_back(lf);
    t.int_column("D_parent").push_back(parent);
    t.int_column("alive").push_back(alive);
    t.int_column("respondent").push_back(respondent);
    t.int_column("linked").push_back(linked);
    t.real_column("L").push_back(L);
    t.real_column("Y").push_back(std::exp(y));
    t.real_column("RD").push_back(rd);
    for (int r = 0; r < 6; ++r) {
      const std::string name = regions[r];
      t.real_column("So_" + name).push_back(r == region ? so : 0.0);
      t.real_column("saj_" + name).push_back(r == region ? 0.2 : 0.0);
      t.real_column("suj_" + name).push_back(r == region ? 0.3 * std::pow(0.95, year - 1994) : 0);
    }
  };
  for (int rep = 0; rep < reps; ++rep)
    for (int region = 0; region < 6; ++region)
      for (int f = 0; f < 120; ++f) {
        const int firm = region * 1000 + f;
        const double effect = normal(rng);
        for (int year = 1993; year <= 2003; ++year) {
          const double los = 3 + 2 * uniform(rng);
          const int lf = uniform(rng) < 0.5;
          const int parent = uniform(rng) < 0.3;
          const double rd = uniform(rng) < 0.3 ? 0.0 : std::exp(2 + normal(rng));
          double y = 9 + effect + 0.08 * los + 0.5 * lf - 0.05 * los * lf + 0.05 * std::log1p(rd) -
                     0.1 * parent + 0.05 * normal(rng);
          const bool outside = year == 1993 || year == 2003;
          if (outside) y += 5;  // out of the survey window
          add(rep, year, firm, 1, lf ? 400 : 120, lf, parent, y, rd, region, std::exp(los));
        }
        // Left out: an exited firm-year, and a small firm (L < 50), both with absurd Y.
        add(rep, 1998, firm + 500, 0, 200, 0, 0, 25, 0, region, 10);
        add(rep, 1998, firm + 600, 1, 30, 0, 0, 25, 0, region, 10);
        // Left out of Tables 3 and 4: a firm that did not respond, one whose affiliates are not
        // linked (spec v2 8).
        add(rep, 1998, firm + 700, 1, 200, 0, 0, 25, 0, region, 10, 0, 1);
        add(rep, 1998, firm + 800, 1, 200, 0, 0, 25, 0, region, 10, 1, 0);
      }
  return t;
}

}  // namespace

// Table 3 on the synthetic survey recovers the known coefficients in every region (tolerance:
// 4 standard errors), and the comparison rows carry M05's targets with se = |coef| / t.
TEST(Regress, Table3OnASyntheticSurveyRecoversKnownCoefficients) {
  const auto run = run_paper_table(synthetic_panel(1), PaperTable::table3);
  ASSERT_EQ(run.regressions.size(), 6u);
  const std::map<std::string, double> truth = {
      {"LOS", 0.08}, {"D_lf", 0.5}, {"LOS_x_D_lf", -0.05}, {"LRD", 0.05}, {"D_parent", -0.1}};
  for (const auto& reg : run.regressions) {
    EXPECT_EQ(reg.result.n_obs, 120 * 9) << reg.region;  // 1994-2002, linked respondents only
    EXPECT_EQ(reg.result.n_groups, 120);
    for (const auto& [term, value] : truth)
      EXPECT_LT(std::abs(reg.result.at(term).coef - value), 4 * reg.result.at(term).se)
          << reg.region << " " << term;
  }
  const auto rows = compare_with_paper(run);
  ASSERT_EQ(rows.size(), 36u);
  EXPECT_EQ(rows[0].region, "north_america");
  EXPECT_EQ(rows[0].spec, 1);
  EXPECT_EQ(rows[0].term, "LOS");
  EXPECT_DOUBLE_EQ(rows[0].target_coef, 0.055);
  EXPECT_DOUBLE_EQ(rows[0].target_se, 0.055 / 2.69);
  EXPECT_NEAR(rows[0].z, (rows[0].coef - 0.055) / std::hypot(rows[0].se, 0.055 / 2.69), 1e-12);
  EXPECT_EQ(rows[35].region, "others");
  EXPECT_EQ(rows[35].spec, 6);
  EXPECT_EQ(rows[35].term, "const");
  EXPECT_DOUBLE_EQ(rows[35].target_coef, 11.575);
}

// With several replications: the mean coefficient, its Monte Carlo spread as se, and a z that
// uses the spread of the mean.
TEST(Regress, SeveralReplicationsReportMeanAndMonteCarloSpread) {
  const auto run = run_paper_table(synthetic_panel(3), PaperTable::table3);
  ASSERT_EQ(run.regressions.size(), 18u);
  std::vector<double> los;
  for (const auto& reg : run.regressions)
    if (reg.region == "china") los.push_back(reg.result.at("LOS").coef);
  ASSERT_EQ(los.size(), 3u);
  const double mean = (los[0] + los[1] + los[2]) / 3;
  double ss = 0;
  for (double b : los) ss += (b - mean) * (b - mean);
  const double sd = std::sqrt(ss / 2);
  for (const auto& row : compare_with_paper(run))
    if (row.region == "china" && row.term == "LOS") {
      EXPECT_EQ(row.reps, 3);
      EXPECT_NEAR(row.coef, mean, 1e-12);
      EXPECT_NEAR(row.mc_sd, sd, 1e-12);
      EXPECT_NEAR(row.se, sd, 1e-12);
      EXPECT_NEAR(row.z, (mean - 0.061) / std::sqrt(std::pow(0.061 / 2.83, 2) + sd * sd / 3),
                  1e-12);
    }
}

// The targets compiled into paper.cpp are those of data/targets (comment lines start with #).
TEST(Regress, CompiledTargetsEqualTheTargetFiles) {
  const auto rows = [](const std::string& name) {
    std::ifstream in(std::string(SMESIM_SOURCE_DIR) + "/data/targets/" + name);
    std::string text, line;
    while (std::getline(in, line))
      if (!line.empty() && line[0] != '#') text += line + "\n";
    auto table = parse_csv_text(text);
    table.erase(table.begin());  // header
    return table;
  };
  const auto coefs = rows("motohashi2005_table3.csv");
  const auto targets = table3_targets();
  ASSERT_EQ(coefs.size(), targets.size());
  for (std::size_t i = 0; i < coefs.size(); ++i) {
    EXPECT_EQ(coefs[i][0], targets[i].region);
    EXPECT_EQ(coefs[i][1], targets[i].term);
    EXPECT_EQ(std::stod(coefs[i][2]), targets[i].coef);
    EXPECT_EQ(std::stod(coefs[i][3]), targets[i].t);
  }
  const auto samples = rows("motohashi2005_table3_samples.csv");
  ASSERT_EQ(samples.size(), table3_samples().size());
  for (std::size_t i = 0; i < samples.size(); ++i) {
    EXPECT_EQ(samples[i][0], table3_samples()[i].region);
    EXPECT_EQ(std::stoi(samples[i][1]), table3_samples()[i].observations);
    EXPECT_EQ(std::stoi(samples[i][2]), table3_samples()[i].firms);
    EXPECT_EQ(std::stod(samples[i][3]), table3_samples()[i].r_squared);
  }
}

// The binary on a results file: Table 3 as CSV with targets; Tables 4 and 5 with empty target
// columns, SAJ (constant within firms here) omitted with a note.
TEST(Regress, SpecCommandPrintsPaperTablesFromAResultsFile) {
  const auto dir = scratch_dir("spec");
  smesim::sim::Results results;
  results.meta.smesim_version = "test";
  results.years = {1993};
  results.panel = synthetic_panel(1);
  const auto file = dir / "synthetic.h5";
  smesim::sim::write_results(file.string(), results);

  const auto t3 = run_smesim("regress " + file.string() + " --spec table3 --format csv");
  ASSERT_EQ(t3.exit_code, 0) << t3.all;
  auto rows = parse_csv_text(t3.out);
  ASSERT_EQ(rows.size(), 37u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"region", "spec", "term", "coef", "se", "t",
                                               "target_coef", "target_se", "z"}));
  EXPECT_EQ(rows[1][0], "north_america");
  EXPECT_EQ(rows[1][1], "1");
  EXPECT_EQ(rows[1][2], "LOS");
  EXPECT_NEAR(std::stod(rows[1][3]), 0.08, 0.03);
  EXPECT_EQ(rows[1][6], "0.055");

  const auto t4 = run_smesim("regress " + file.string() + " --spec table4 --format csv");
  ASSERT_EQ(t4.exit_code, 0) << t4.all;
  rows = parse_csv_text(t4.out);
  ASSERT_GT(rows.size(), 1u);
  EXPECT_EQ(rows[1][0], "nies");
  for (std::size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), 9u);
    EXPECT_EQ(rows[i][6], "");
    EXPECT_EQ(rows[i][8], "");
    EXPECT_NE(rows[i][2], "SAJ");
  }
  EXPECT_NE(t4.all.find("SAJ is omitted"), std::string::npos);

  const auto t5 = run_smesim("regress " + file.string() + " --spec table5");
  ASSERT_EQ(t5.exit_code, 0) << t5.all;
  EXPECT_NE(t5.out.find("(3) global_sme"), std::string::npos) << t5.out;
  EXPECT_NE(t5.out.find("LOS_x_D_parent"), std::string::npos);

  const auto json = run_smesim("regress " + file.string() + " --spec table3 --format json");
  ASSERT_EQ(json.exit_code, 0) << json.all;
  EXPECT_NE(json.out.find("\"table\":\"table3\""), std::string::npos);
  EXPECT_NE(json.out.find("\"target_observations\":3768"), std::string::npos);
  EXPECT_NE(json.out.find("\"obs_per_firm\":9,"), std::string::npos) << json.out;
  const auto table = run_smesim("regress " + file.string() + " --spec table3");
  ASSERT_EQ(table.exit_code, 0) << table.all;
  EXPECT_NE(table.out.find("1080 obs, 120 respondents (9.00 obs per firm)"), std::string::npos)
      << table.out;
  EXPECT_NE(table.out.find("[M05: 3768 obs, 717 firms (5.26 per firm), R2 0.03]"),
            std::string::npos)
      << table.out;
  fs::remove_all(dir);
}
