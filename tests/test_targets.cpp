// Macro targets (analysis/targets.hpp): the target files in data/targets parse and name their
// sources; the CSV reader; the scaling and adjustment rules and the changes on hand-made
// aggregates; the fit table's statuses; a calibration file's macro_targets and the cut-off.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "smesim/analysis/calibration_file.hpp"
#include "smesim/analysis/statistics.hpp"
#include "smesim/analysis/targets.hpp"
#include "smesim/model/params.hpp"
#include "smesim/sim/errors.hpp"
#include "smesim/sim/yaml_reader.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;
using namespace smesim::analysis;
using smesim::sim::InputError;

namespace {

const std::string kTargetsDir = std::string(SMESIM_SOURCE_DIR) + "/data/targets";

std::vector<TargetRow> parse(const std::string& text) {
  std::istringstream in(text);
  return parse_target_rows(in, "t.csv");
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

// Results of one point with the given aggregates over `years`: values[rep][year index].
smesim::sim::Results results(const std::vector<int>& years,
                             const std::map<std::string, std::vector<std::vector<double>>>& aggs) {
  smesim::sim::Results r;
  r.years = years;
  r.points = 1;
  r.reps = int(aggs.begin()->second.size());
  for (const auto& [name, by_rep] : aggs) {
    std::vector<double> flat;
    for (const auto& v : by_rep) flat.insert(flat.end(), v.begin(), v.end());
    r.aggregates.emplace_back(name, flat);
  }
  return r;
}

const FitRow& row_of(const std::vector<FitRow>& t, const std::string& series, int year) {
  for (const auto& f : t)
    if (f.row.series == series && f.row.year == year) return f;
  throw std::runtime_error("no row " + series);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The shipped files

TEST(TargetFiles, EveryCsvParsesAndEveryRowNamesItsSource) {
  int files = 0;
  for (const auto& e : fs::directory_iterator(kTargetsDir)) {
    if (e.path().extension() != ".csv") continue;
    if (e.path().filename().string().rfind("motohashi2005_", 0) == 0) continue;  // region,term,...
    const auto rows = read_target_rows(e.path().string());
    EXPECT_FALSE(rows.empty()) << e.path();
    for (const auto& r : rows) {
      EXPECT_FALSE(r.source.empty()) << e.path() << ":" << r.line;
      EXPECT_FALSE(r.unit.empty()) << e.path() << ":" << r.line;
      EXPECT_GE(r.year, 1980) << e.path() << ":" << r.line;
      EXPECT_LE(r.year, 2030) << e.path() << ":" << r.line;
    }
    ++files;
  }
  EXPECT_EQ(files, 7);
}

TEST(TargetFiles, ExportSharesCoverTheSixRegionsAndSumToOneEachYear) {
  const auto rows = read_target_rows(kTargetsDir + "/export_shares.csv");
  std::map<int, double> sum;
  std::map<int, std::set<std::string>> regions;
  for (const auto& r : rows) {
    ASSERT_EQ(r.series.rfind("export_share_", 0), 0u) << r.series;
    sum[r.year] += r.value;
    regions[r.year].insert(r.series.substr(13));
  }
  const std::set<std::string> six(smesim::model::kRegionNames.begin(),
                                  smesim::model::kRegionNames.end());
  for (int y : {1985, 1990, 1995, 2000, 2004}) {
    EXPECT_NEAR(sum[y], 1.0, 1e-9) << y;
    EXPECT_EQ(regions[y], six) << y;
  }
  // Consistent with the macro file's rows: China equal, North America and NIES contain the
  // United States and Hong Kong.
  const auto macro = read_target_rows(kTargetsDir + "/japan_manufacturing_macro.csv");
  auto value = [](const std::vector<TargetRow>& t, const std::string& s, int y) {
    for (const auto& r : t)
      if (r.series == s && r.year == y) return r.value;
    return std::nan("");
  };
  for (int y : {1985, 1990, 1995, 2000}) {
    EXPECT_DOUBLE_EQ(value(rows, "export_share_china", y), value(macro, "export_share_china", y));
    EXPECT_GE(value(rows, "export_share_north_america", y), value(macro, "export_share_us", y));
    EXPECT_GE(value(rows, "export_share_nies", y), value(macro, "export_share_hongkong", y));
  }
}

TEST(TargetFiles, EverySeriesOfTheTargetFilesHasARule) {
  // The two target files: every row is comparable, a reference or input, or says why not.
  std::vector<TargetRow> rows;
  for (const char* f : {"japan_manufacturing_macro.csv", "census_size_classes.csv"}) {
    auto r = read_target_rows(kTargetsDir + "/" + f);
    rows.insert(rows.end(), r.begin(), r.end());
  }
  int comparable = 0;
  for (const auto& f : prepare_targets(rows)) {
    if (f.status == kStatusNotComparable) {
      EXPECT_FALSE(f.rule.note.empty()) << f.row.series;
      continue;
    }
    EXPECT_TRUE(std::isfinite(f.target)) << f.row.series;
    EXPECT_GT(f.scale, 0) << f.row.series;
    comparable += f.rule.comparison != Comparison::input && !f.rule.reference;
  }
  EXPECT_GT(comparable, 500);
}

// ---------------------------------------------------------------------------------------------
// Reading

TEST(TargetCsv, ReadsQuotedFieldsCommentsAndExtraColumns) {
  const auto rows = parse(
      "# a comment\n\nseries,year,value,unit,status,source\n"
      "a,1990,1.5,billion yen,found,\"METI, table 1 (\"\"General\"\")\"\n"
      "# between rows\r\n"
      "b,1991,-2e3,persons,derived,plain source\r\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].series, "a");
  EXPECT_EQ(rows[0].year, 1990);
  EXPECT_EQ(rows[0].value, 1.5);
  EXPECT_EQ(rows[0].unit, "billion yen");
  EXPECT_EQ(rows[0].source, "METI, table 1 (\"General\")");
  EXPECT_EQ(rows[0].line, 4u);
  EXPECT_EQ(rows[1].value, -2000);
  EXPECT_EQ(rows[1].source, "plain source");
  EXPECT_EQ(rows[1].line, 6u);
  EXPECT_EQ(split_csv_record("x,,\"\",y,", ""), (std::vector<std::string>{"x", "", "", "y", ""}));
}

TEST(TargetCsv, ErrorsNameTheFileAndLine) {
  const std::string h = "series,year,value,unit,source\n";
  EXPECT_EQ(error_of(h + "a,1990,1,x,\"open\n"), "t.csv:2: a quoted field has no closing quote");
  EXPECT_EQ(error_of(h + "a,1990.5,1,x,s\n"), "t.csv:2: year '1990.5' is not a whole number");
  EXPECT_EQ(error_of(h + "a,1990,nan,x,s\n"), "t.csv:2: value 'nan' is not a finite number");
  EXPECT_EQ(error_of(h + "a,1990,1,x,\n"),
            "t.csv:2: series 'a' has no source (every target row names where its figure comes "
            "from)");
  EXPECT_EQ(error_of(h + "a,1990,1,x\n"), "t.csv:2: 4 fields, but the header has 5");
  EXPECT_EQ(error_of("series,year,value,source\n"),
            "t.csv:1: the header has no column 'unit' (a target file has the columns "
            "series,year,value,unit,source)");
  EXPECT_EQ(error_of("# only a comment\n"),
            "t.csv: no header (expected series,year,value,unit,source)");
}

// ---------------------------------------------------------------------------------------------
// Rules, scaling and adjustments

TEST(TargetRules, TolerancesFollowTheTableAndOverrides) {
  EXPECT_TRUE(glob_match("*_change_comparable", "establishments_ge10_change_comparable"));
  EXPECT_TRUE(glob_match("a*b*c", "abbbc"));
  EXPECT_FALSE(glob_match("a*b", "abc"));
  auto t = tolerance_for("establishments_ge10");
  EXPECT_EQ(t.kind, ToleranceKind::relative);
  EXPECT_EQ(t.value, 0.05);
  t = tolerance_for("establishments_ge10_change_comparable");
  EXPECT_EQ(t.kind, ToleranceKind::absolute);
  EXPECT_EQ(t.value, 0.005);
  EXPECT_EQ(tolerance_for("employees_share_lt300_ge4").value, 0.005);
  EXPECT_EQ(tolerance_for("affiliate_sales_mfg_asia").value, 0.25);
  t = tolerance_for("affiliate_sales_mfg_asia",
                    {{"affiliate_sales_mfg_*", 0.3}, {"affiliate_sales_mfg_asia", 0.1}});
  EXPECT_EQ(t.value, 0.1);  // the exact name wins
  EXPECT_EQ(t.kind, ToleranceKind::relative);
  EXPECT_EQ(tolerance_for("affiliate_sales_mfg_china", {{"affiliate_sales_mfg_*", 0.3}}).value,
            0.3);
}

TEST(TargetRules, LevelsScaleCountsAndMoneyToTheNationAndFractionsNot) {
  const auto rows = parse(
      "series,year,value,unit,source\n"
      "establishments_ge10,1997,100,establishments,s\n"
      "establishments_ge10,1998,105.2,establishments,s\n"
      "employees_ge10,1999,1026,persons,s\n"
      "shipments_ge4,1990,2,billion yen,s\n"
      "establishments_share_lt300_ge4,1990,0.7,fraction,s\n"
      "bankruptcies_mfg_tdb,2001,110,firms,\"TDB, JANUARY-NOVEMBER 2001 only\"\n");
  const auto res =
      results({1997, 1998, 1999, 1990, 2001},
              {{"establishments_ge10", {{9, 10, 0, 0, 0}, {11, 11, 0, 0, 0}}},
               {"employees_ge10", {{0, 0, 100, 0, 0}, {0, 0, 100, 0, 0}}},
               {"shipments_ge4", {{0, 0, 0, 200, 0}, {0, 0, 0, 210, 0}}},
               {"establishments_share_lt300_ge4", {{0, 0, 0, 0.71, 0}, {0, 0, 0, 0.73, 0}}},
               {"exits_insolvency", {{0, 0, 0, 0, 12}, {0, 0, 0, 0, 12}}}});
  const auto t = fit_table(prepare_targets(rows), res, 0, 10.0);  // national = 10 x model
  const auto& e97 = row_of(t, "establishments_ge10", 1997);
  EXPECT_EQ(e97.status, "ok");
  EXPECT_DOUBLE_EQ(e97.target, 100);
  EXPECT_DOUBLE_EQ(e97.sim, 100);  // (9 + 11) / 2 * 10
  EXPECT_DOUBLE_EQ(e97.scale, 5);
  EXPECT_DOUBLE_EQ(e97.z, 0);
  const double t2 = smesim::analysis::t_quantile(2);
  EXPECT_NEAR(e97.low, 100 - t2 * std::sqrt(200.0) / std::sqrt(2.0), 1e-9);
  EXPECT_NEAR(e97.high, 100 + t2 * std::sqrt(200.0) / std::sqrt(2.0), 1e-9);
  // After 1997 the 10+ levels are divided by the coverage gain.
  const auto& e98 = row_of(t, "establishments_ge10", 1998);
  EXPECT_DOUBLE_EQ(e98.target, 100);
  EXPECT_DOUBLE_EQ(e98.sim, 105);
  EXPECT_DOUBLE_EQ(e98.z, 1);
  EXPECT_NE(e98.adjustment.find("1.052"), std::string::npos);
  EXPECT_DOUBLE_EQ(row_of(t, "employees_ge10", 1999).target, 1000);
  // Billion yen to million yen.
  const auto& s = row_of(t, "shipments_ge4", 1990);
  EXPECT_DOUBLE_EQ(s.target, 2000);
  EXPECT_DOUBLE_EQ(s.sim, 2050);
  EXPECT_EQ(s.model_unit, "million yen");
  EXPECT_DOUBLE_EQ(s.z, 50 / 100.0);
  // Fractions compare directly, with an absolute scale.
  const auto& f = row_of(t, "establishments_share_lt300_ge4", 1990);
  EXPECT_DOUBLE_EQ(f.sim, 0.72);
  EXPECT_DOUBLE_EQ(f.scale, 0.005);
  EXPECT_NEAR(f.z, 4, 1e-9);
  // Bankruptcies are insolvency exits when the model has no such aggregate; 11 months -> 12.
  const auto& b = row_of(t, "bankruptcies_mfg_tdb", 2001);
  EXPECT_EQ(b.aggregate, "exits_insolvency");
  EXPECT_DOUBLE_EQ(b.target, 120);
  EXPECT_DOUBLE_EQ(b.sim, 120);
}

TEST(TargetRules, EnterpriseSmeSharesMoveToTheFourPlusBasis) {
  // f = 10 / (10 + 90) = 0.1 of persons in the 1-3 class: (0.6 - 0.1) / 0.9.
  const std::string h = "series,year,value,unit,source\n";
  const auto rows =
      parse(h + "sme_share_employees_mfg_enterprise,1998,0.6,fraction,s\n" +
            "employees_sizeclass_1_3,1998,10,persons,s\nemployees_ge4,1998,90,persons,s\n");
  const auto prepared = prepare_targets(rows);  // (row_of returns a reference into it)
  const auto& f = row_of(prepared, "sme_share_employees_mfg_enterprise", 1998);
  EXPECT_NEAR(f.target, 0.5 / 0.9, 1e-12);
  EXPECT_EQ(f.scale, 0.01);
  // Without the census rows it cannot be compared.
  const auto alone = prepare_targets(parse(h + "sme_share_sales_mfg_enterprise,1998,0.3,x,s\n"));
  EXPECT_EQ(alone[0].status, "not comparable");
  EXPECT_NE(alone[0].rule.note.find("shipments_sizeclass_1_3"), std::string::npos);
}

TEST(TargetRules, ChangesAreYearOnYearOrSinceThePreviousRow) {
  const auto rows = parse(
      "series,year,value,unit,source\n"
      "establishments_ge10_change_comparable,1996,-0.02,fraction,s\n"
      "establishments_all_change_comparable,1993,-0.05,fraction,s\n"
      "establishments_all_change_comparable,1995,-0.06,fraction,s\n"
      "establishments_all_change_comparable,1998,-0.09,fraction,s\n");
  const auto res = results(
      {1990, 1991, 1992, 1993, 1994, 1995, 1996, 1997, 1998},
      {{"establishments_ge10", {{0, 0, 0, 0, 0, 100, 98, 0, 0}, {0, 0, 0, 0, 0, 200, 194, 0, 0}}},
       {"establishments_ge4",
        {{1000, 0, 0, 950, 0, 900, 0, 0, 810}, {1000, 0, 0, 950, 0, 900, 0, 0, 810}}}});
  const auto t = fit_table(prepare_targets(rows), res, 0, 7.0);  // changes ignore the scale
  const auto& yoy = row_of(t, "establishments_ge10_change_comparable", 1996);
  EXPECT_NEAR(yoy.sim, -0.025, 1e-12);  // mean of -0.02 and -0.03
  EXPECT_EQ(yoy.aggregate, "establishments_ge10");
  EXPECT_NEAR(yoy.z, -1, 1e-9);
  const auto& first = row_of(t, "establishments_all_change_comparable", 1993);
  EXPECT_EQ(first.base_year, 1990);  // no previous row: the previous complete enumeration
  EXPECT_NEAR(first.sim, -0.05, 1e-12);
  EXPECT_EQ(first.aggregate, "establishments_ge4");
  EXPECT_EQ(row_of(t, "establishments_all_change_comparable", 1995).base_year, 1993);
  const auto& since = row_of(t, "establishments_all_change_comparable", 1998);
  EXPECT_EQ(since.base_year, 1995);
  EXPECT_NEAR(since.sim, -0.1, 1e-12);
  EXPECT_NE(since.rule.note.find("approximation"), std::string::npos);
}

TEST(TargetRules, StatusesForMissingAggregatesYearsAndBases) {
  const auto rows = parse(
      "series,year,value,unit,source\n"
      "overseas_production_ratio,2004,0.162,fraction,s\n"
      "entries,1987,5,firms,s\n"
      "entries,1984,5,firms,s\n"
      "establishments_ge10_change_comparable,1986,-0.02,fraction,s\n"
      "establishments_all,1985,700000,establishments,s\n"
      "employees_sizeclass_1000plus,1985,10,persons,s\n"
      "fx_yen_per_usd,1986,168.52,yen per dollar,s\n"
      "k_dom,1986,1.3,ratio,s\n"
      "entry_rate_nonprimary_estab,1987,0.04,fraction per year,s\n");
  const auto res = results({1986, 1987}, {{"entries", {{3, 4}, {5, 6}}},
                                          {"firms", {{100, 100}, {100, 100}}},
                                          {"fx", {{168.52, 144.64}, {168.52, 144.64}}},
                                          {"establishments_ge10", {{1, 1}, {1, 1}}}});
  const auto t = fit_table(prepare_targets(rows), res, 0, 1.0);
  EXPECT_EQ(row_of(t, "overseas_production_ratio", 2004).status, "missing");
  EXPECT_FALSE(std::isfinite(row_of(t, "overseas_production_ratio", 2004).sim));
  const auto& entries = row_of(t, "entries", 1987);
  EXPECT_EQ(entries.status, "ok");
  EXPECT_DOUBLE_EQ(entries.sim, 5);
  EXPECT_EQ(entries.reps, 2);
  EXPECT_EQ(row_of(t, "entries", 1984).status, "year outside the run");
  // The change of 1986 needs 1985, which the run does not have.
  EXPECT_EQ(row_of(t, "establishments_ge10_change_comparable", 1986).status,
            "year outside the run");
  EXPECT_EQ(row_of(t, "establishments_all", 1985).status, "not comparable");
  EXPECT_EQ(row_of(t, "employees_sizeclass_1000plus", 1985).status, "not comparable");
  const auto& fx = row_of(t, "fx_yen_per_usd", 1986);
  EXPECT_EQ(fx.status, "input");
  EXPECT_DOUBLE_EQ(fx.sim, 168.52);
  EXPECT_EQ(row_of(t, "k_dom", 1986).status, "input");
  const auto& rate = row_of(t, "entry_rate_nonprimary_estab", 1987);
  EXPECT_EQ(rate.status, "reference");
  EXPECT_DOUBLE_EQ(rate.sim, 0.05);  // (4 + 6) / 2 entries per 100 firms of 1986
  EXPECT_THROW(fit_table(prepare_targets(rows), res, 1, 1.0), InputError);
  // The CSV has one line per row and the status of each.
  const std::string csv = fit_csv(t);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), long(t.size()) + 1);
  EXPECT_NE(csv.find("overseas_production_ratio,2004,0.162,,,,0.005,,no,missing,"),
            std::string::npos)
      << csv;
}

TEST(TargetRules, NationalScaleIsAnAttributeOrOne) {
  smesim::sim::Results r;
  EXPECT_EQ(national_scale_of(r), 1.0);
  r.attributes.emplace_back("national_scale", "14.07");
  EXPECT_EQ(national_scale_of(r), 14.07);
}

// ---------------------------------------------------------------------------------------------
// A calibration file with macro targets

class MacroCalibration : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = smesim::test::scratch("macro_calibration",
                                 testing::UnitTest::GetInstance()->current_test_info()->name());
    std::ofstream(dir_ / "base.yaml") << "name: base\npopulation: 200\nend_year: 1990\n";
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& text) const {
    std::ofstream(dir_ / "c.yaml")
        << "base: base.yaml\n"
        << text << "parameters:\n  relocation.phi: {start: 0.15, lower: 0.05, upper: 0.4}\n";
    return (dir_ / "c.yaml").string();
  }
  std::string error_of(const std::string& text) const {
    try {
      load_calibration(write(text));
    } catch (const smesim::sim::InputFileError& e) {
      return e.message();
    }
    return "(no error)";
  }
  fs::path dir_;
};

TEST_F(MacroCalibration, ListedSeriesAndYearsBecomeMomentsAfterTableThree) {
  const auto c =
      load_calibration(write("targets: " + kTargetsDir +
                             "/motohashi2005_table3.csv\nmacro_targets:\n  file: " + kTargetsDir +
                             "/census_size_classes.csv\n  series: [establishments_ge4, "
                             "employees_share_lt300_ge4]\n  years: [1990, 1995, 2003]\n"
                             "  tolerance: {establishments_ge4: 0.1}\n  weight: 2\n"));
  // Table 3: the 30 slopes and, from motohashi2005_table3_samples.csv beside them (the default
  // sample_targets), the 18 sample moments (spec v2 9b); the macro moments come after them.
  constexpr std::size_t kTable3 = 30 + 18;
  EXPECT_EQ(c.table3_count, kTable3);
  ASSERT_EQ(c.macro.size(), 6u);
  ASSERT_EQ(c.targets.size(), kTable3 + 6);
  std::map<std::string, Target> by_name;
  for (std::size_t k = kTable3; k < kTable3 + 6; ++k) {
    by_name[c.targets[k].name] = c.targets[k];
    EXPECT_EQ(c.targets[k].name, target_name(c.macro[k - kTable3].row));  // the same order
  }
  const auto& e = by_name.at("establishments_ge4@1990");
  EXPECT_GT(e.value, 400000);  // establishments with 4+ employees, national
  EXPECT_DOUBLE_EQ(e.se, 0.1 * e.value);
  EXPECT_EQ(e.weight, 2);
  EXPECT_EQ(by_name.at("employees_share_lt300_ge4@2003").se, 0.005);
  EXPECT_TRUE(in_objective(c, c.macro[0].row));
  TargetRow other;
  other.series = "establishments_ge4";
  other.year = 1991;
  EXPECT_FALSE(in_objective(c, other));

  auto cut = c;
  apply_until(cut, 1995);  // drops Table 3 (2002) and the 2003 rows
  EXPECT_EQ(cut.table3_count, 0u);
  ASSERT_EQ(cut.targets.size(), 4u);
  for (const auto& t : cut.targets) EXPECT_EQ(t.name.find("2003"), std::string::npos) << t.name;
  ASSERT_EQ(cut.macro.size(), 4u);
  EXPECT_EQ(cut.targets[3].name, target_name(cut.macro[3].row));
  EXPECT_EQ(cut.until, 1995);
  EXPECT_THROW(apply_until(cut, 1980), InputError);
  auto keep = c;
  apply_until(keep, 2002);
  EXPECT_EQ(keep.table3_count, kTable3);
  EXPECT_EQ(keep.targets.size(), kTable3 + 4);
}

TEST_F(MacroCalibration, TargetsNoneAndAListOfBlocks) {
  const auto c = load_calibration(
      write("targets: none\nmacro_targets:\n  - {file: " + kTargetsDir +
            "/japan_manufacturing_macro.csv, series: [establishments_ge10_change_comparable]}\n"
            "  - file: [" +
            kTargetsDir + "/japan_manufacturing_macro.csv, " + kTargetsDir +
            "/census_size_classes.csv]\n    series: [sme_share_employees_mfg_enterprise]\n"));
  EXPECT_EQ(c.table3_count, 0u);
  ASSERT_EQ(c.targets.size(), 9u);  // 8 changes 1995-2002 and the 1998 share
  EXPECT_EQ(c.targets[0].name, "establishments_ge10_change_comparable@1995");
  EXPECT_NEAR(c.targets[8].value, 0.574, 0.003);  // the 4+ basis (spec 2.3: about 57 %)
}

TEST_F(MacroCalibration, SeriesThatCannotBeTargetsAreInputErrors) {
  const std::string file = "targets: none\nmacro_targets:\n  file: " + kTargetsDir +
                           "/japan_manufacturing_macro.csv\n  series: [";
  EXPECT_EQ(error_of(file + "establishments_all]\n"),
            "'establishments_all' cannot be a target (not comparable: includes establishments "
            "with 1-3 employees, which the model does not have: compare the 4+ or 10+ series)");
  EXPECT_NE(error_of(file + "establishments_ge11]\n").find("did you mean"), std::string::npos);
  EXPECT_NE(error_of(file + "entry_rate_nonprimary_estab]\n").find("reference only"),
            std::string::npos);
  EXPECT_EQ(error_of(file + "establishments_ge10]\n  years: [1980]\n"),
            "'establishments_ge10' has no row in the years of 'macro_targets.years'");
  EXPECT_EQ(error_of("targets: none\n"), "no targets: 'targets: none' needs 'macro_targets'");
  EXPECT_NE(
      error_of("targets: none\nmacro_targets: {file: nope.csv}\n").find("cannot open target file"),
      std::string::npos);
}

// docs/calibration.md's table of default tolerances is generated from default_tolerances().
TEST(GeneratedDocs, TargetTolerances) {
  std::string text = "| series (pattern) | tolerance | why |\n|---|---|---|\n";
  for (const auto& e : default_tolerances()) {
    char value[64];
    if (e.tolerance.kind == ToleranceKind::relative)
      std::snprintf(value, sizeof value, "%g %% of the value", 100 * e.tolerance.value);
    else
      std::snprintf(value, sizeof value, "%g (in the unit)", e.tolerance.value);
    text += "| `" + e.pattern + "` | " + value + " | " + e.tolerance.why + " |\n";
  }
  smesim::test::check_generated("calibration.md", "tolerances", text);
}

TEST_F(MacroCalibration, TheExampleOfTheDocsLoads) {
  std::ifstream in(std::string(SMESIM_SOURCE_DIR) + "/docs/calibration.md");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  const auto from = doc.find("```yaml\ntargets: none");
  ASSERT_NE(from, std::string::npos);
  const auto to = doc.find("```\n", from + 8);
  std::string block = doc.substr(from + 8, to - from - 8);
  for (std::size_t at; (at = block.find("../data/targets")) != std::string::npos;)
    block.replace(at, 15, kTargetsDir);
  const auto c = load_calibration(write(block));
  EXPECT_EQ(c.table3_count, 0u);
  EXPECT_GT(c.macro.size(), 20u);
  for (const auto& f : c.macro) EXPECT_EQ(f.status, "") << f.row.series;
}
