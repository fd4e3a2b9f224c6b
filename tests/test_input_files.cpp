// The same rules for every YAML input file (sim/yaml_reader.hpp): scenario, sweep and calibration
// files each reject an unknown key with a suggestion, a duplicate key, a wrong type, a
// non-integer where an integer is expected, NaN, and an out-of-range value naming the range,
// each located at line:col of the offending key or value; the CLI exits with 2, writing nothing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "smesim/analysis/calibration_file.hpp"
#include "smesim/sim/scenario.hpp"
#include "smesim/sim/sweep.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;
using smesim::sim::InputFileError;

namespace {

const std::string kSource = SMESIM_SOURCE_DIR;
const std::string kTargets = kSource + "/data/targets/motohashi2005_table3.csv";

enum class Kind { scenario, sweep, calibration };

// A valid file of each kind; the cases below append one offending line or block to it.
std::string valid(Kind kind) {
  switch (kind) {
    case Kind::scenario:
      return "name: x\n";
    case Kind::sweep:
      return "base: base.yaml\ndesign: {type: grid}\nlevers:\n  relocation.phi: [0.1, 0.2]\n";
    default:
      return "base: base.yaml\ntargets: " + kTargets +
             "\nparameters:\n  relocation.phi: {start: 0.15, lower: 0.05, upper: 0.4}\n";
  }
}

class InputFiles : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = smesim::test::scratch("input_files",
                                 testing::UnitTest::GetInstance()->current_test_info()->name());
    std::ofstream(dir_ / "base.yaml") << "name: base\npopulation: 200\nend_year: 1990\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& text) const {
    const auto path = dir_ / "input.yaml";
    std::ofstream(path) << text;
    return path;
  }

  // Loads `text` as a file of `kind` and returns the error it must raise.
  InputFileError error_of(Kind kind, const std::string& text) const {
    const std::string path = write(text).string();
    try {
      if (kind == Kind::scenario) smesim::sim::load_scenario(path);
      if (kind == Kind::sweep) smesim::sim::load_sweep(path);
      if (kind == Kind::calibration) smesim::analysis::load_calibration(path);
    } catch (const InputFileError& e) {
      return e;
    }
    ADD_FAILURE() << "no error for:\n" << text;
    return InputFileError(path, -1, -1, "", "", "");
  }

  // Expects `text` (valid(kind) + extra) to fail with `message` at line:col, caret shown.
  void expect_error(Kind kind, const std::string& extra, const std::string& message, int line,
                    int col) const {
    const auto e = error_of(kind, valid(kind) + extra);
    EXPECT_EQ(e.message(), message);
    EXPECT_EQ(e.line(), line) << e.what();
    EXPECT_EQ(e.column(), col) << e.what();
    std::string where = ":";  // (appended: GCC 12 warns falsely on ":" + std::string)
    where.append(std::to_string(line)).append(":").append(std::to_string(col)).append(": error: ");
    EXPECT_NE(std::string(e.what()).find(where + message + "\n"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).back(), '^') << e.what();
  }

  fs::path dir_;
};

constexpr int kSweepLines = 4, kCalibrationLines = 4;

// Unknown keys, with a suggestion.

TEST_F(InputFiles, ScenarioUnknownKeySuggestsTheClosest) {
  expect_error(Kind::scenario, "relocaton: {phi: 0.2}\n",
               "unknown key 'relocaton'; did you mean 'relocation'?", 2, 1);
}

TEST_F(InputFiles, SweepUnknownKeySuggestsTheClosest) {
  expect_error(Kind::sweep, "replicatons: 2\n",
               "unknown key 'replicatons'; did you mean 'replications'?", kSweepLines + 1, 1);
  expect_error(Kind::sweep, "panel: {points: [0], rep: [0]}\n",
               "unknown key 'panel.rep'; did you mean 'panel.reps'?", kSweepLines + 1, 22);
  expect_error(Kind::sweep, "uncertainties:\n  relocation.phii: [0.1, 0.2]\n",
               "unknown parameter path 'relocation.phii'; did you mean 'relocation.phi'?",
               kSweepLines + 2, 3);
}

TEST_F(InputFiles, CalibrationUnknownKeySuggestsTheClosest) {
  expect_error(Kind::calibration, "optimiser: bobyqa\n",
               "unknown key 'optimiser'; did you mean 'optimizer'?", kCalibrationLines + 1, 1);
  expect_error(Kind::calibration, "optimizer: bobyqaa\n",
               "'optimizer': expected 'bobyqa', 'sbplx', 'crs2' or 'multistart', got 'bobyqaa'; "
               "did you mean 'bobyqa'?",
               kCalibrationLines + 1, 12);
}

// Duplicate keys: yaml-cpp would keep one silently.

TEST_F(InputFiles, ScenarioDuplicateKeyNamesTheFirstLine) {
  expect_error(Kind::scenario, "seed: 1\nseed: 2\n", "duplicate key 'seed' (first given on line 2)",
               3, 1);
}

TEST_F(InputFiles, SweepDuplicateKeyNamesTheFirstLine) {
  expect_error(Kind::sweep, "replications: 2\nreplications: 3\n",
               "duplicate key 'replications' (first given on line 5)", kSweepLines + 2, 1);
}

TEST_F(InputFiles, CalibrationDuplicateKeyNamesTheFirstLine) {
  expect_error(Kind::calibration, "replications: 2\nreplications: 3\n",
               "duplicate key 'replications' (first given on line 5)", kCalibrationLines + 2, 1);
}

// Wrong types.

TEST_F(InputFiles, ScenarioWrongTypeNamesWhatWasExpected) {
  expect_error(Kind::scenario, "relocation: {phi: high}\n",
               "'relocation.phi': expected a real number, got 'high'", 2, 19);
}

TEST_F(InputFiles, SweepWrongTypeNamesWhatWasExpected) {
  expect_error(Kind::sweep, "common_random_numbers: yes please\n",
               "'common_random_numbers': expected true or false, got 'yes please'", kSweepLines + 1,
               24);
}

TEST_F(InputFiles, CalibrationWrongTypeNamesWhatWasExpected) {
  expect_error(Kind::calibration, "min_t: [1, 2]\n", "'min_t': expected a real number, got a list",
               kCalibrationLines + 1, 8);
}

// Integers are whole numbers: 2.5 is an error, not 2.

TEST_F(InputFiles, ScenarioNonIntegerIsAnError) {
  expect_error(Kind::scenario, "replications: 2.5\n",
               "'replications': expected an integer, got '2.5'", 2, 15);
}

TEST_F(InputFiles, SweepNonIntegerIsAnError) {
  expect_error(Kind::sweep, "replications: 2.5\n", "'replications': expected an integer, got '2.5'",
               kSweepLines + 1, 15);
}

TEST_F(InputFiles, CalibrationNonIntegerIsAnError) {
  expect_error(Kind::calibration, "replications: 2.5\n",
               "'replications': expected an integer, got '2.5'", kCalibrationLines + 1, 15);
}

// NaN is never a value.

TEST_F(InputFiles, ScenarioNaNIsRejected) {
  expect_error(Kind::scenario, "production: {sigma_t: .nan}\n",
               "'production.sigma_t': expected a real number, got '.nan' (NaN is not allowed)", 2,
               23);
}

TEST_F(InputFiles, SweepNaNIsRejected) {
  expect_error(Kind::sweep, "overrides: {production.sigma_t: .nan}\n",
               "'overrides.production.sigma_t': expected a real number, got '.nan' (NaN is not "
               "allowed)",
               kSweepLines + 1, 33);
}

TEST_F(InputFiles, CalibrationNaNIsRejected) {
  expect_error(Kind::calibration, "min_t: .nan\n",
               "'min_t': expected a real number, got '.nan' (NaN is not allowed)",
               kCalibrationLines + 1, 8);
}

// Out of range, naming the range.

TEST_F(InputFiles, ScenarioOutOfRangeNamesTheRange) {
  expect_error(Kind::scenario, "population: 0\n",
               "'population' = 0 is out of range: expected a value in [1, 50000000]", 2, 13);
}

TEST_F(InputFiles, SweepOutOfRangeNamesTheRange) {
  expect_error(Kind::sweep, "replications: 0\n",
               "'replications' = 0 is out of range: expected a value in [1, 1000000]",
               kSweepLines + 1, 15);
  expect_error(Kind::sweep, "overrides: {relocation.p_invite: 1.5}\n",
               "'overrides.relocation.p_invite' = 1.5 is out of range: expected a value in [0, 1]",
               kSweepLines + 1, 34);
}

TEST_F(InputFiles, CalibrationOutOfRangeNamesTheRange) {
  expect_error(Kind::calibration, "replications: 0\n",
               "'replications' = 0 is out of range: expected a value in [1, 1000000]",
               kCalibrationLines + 1, 15);
  const auto e =
      error_of(Kind::calibration, "base: base.yaml\ntargets: " + kTargets +
                                      "\nparameters:\n  relocation.phi: {start: 0.2, lower: 0.1, "
                                      "upper: 1.5}\n");
  EXPECT_EQ(e.message(),
            "'parameters.relocation.phi.upper' = 1.5 is out of range: expected a value in [0, 1]");
  EXPECT_EQ(e.line(), 4);
  EXPECT_EQ(e.column(), 51);
}

// Valid files load as before.

TEST_F(InputFiles, ShippedCalibrationFileLoadsWithItsSettingsAndTheDefaults) {
  const auto c = smesim::analysis::load_calibration(kSource + "/calibration/table3.yaml");
  ASSERT_EQ(c.params.size(), 9u);
  EXPECT_EQ(c.params[0].path, "relocation.phi");
  EXPECT_EQ(c.params[0].start, 0.131);
  EXPECT_EQ(c.params[1].lower, -8.0);
  EXPECT_EQ(c.options.replications, 2);
  EXPECT_EQ(c.options.max_evaluations, 100);
  EXPECT_EQ(c.options.optimizer, "bobyqa");
  EXPECT_EQ(c.options.multistart_points, smesim::analysis::CalibrationOptions{}.multistart_points);
  EXPECT_EQ(c.base.params.population, 300000);
  EXPECT_EQ(c.base.params.end_year, 2002);
  ASSERT_EQ(c.targets.size(), 30u + 18u);  // the slopes, then the samples (spec v2 9b)
  EXPECT_EQ(c.targets[30].name, "north_america.respondents");
  for (const auto& t : c.targets)
    EXPECT_EQ(t.weight, t.name.rfind("others.", 0) == 0 ? 0.0 : 1.0) << t.name;
}

// The CLI: exit code 2, the message with its location, and nothing written.

TEST_F(InputFiles, CommandsExitWithTwoAndWriteNothingOnAnInputError) {
  const auto sweep = write(valid(Kind::sweep) + "replications: 2.5\n");
  const auto out = dir_ / "out.h5";
  auto r = smesim::test::shell(
      smesim::test::cli("sweep " + sweep.string() + " -o " + out.string() + " -q"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("input.yaml:5:15: error: 'replications': expected an integer"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out.string() + ".parts"));

  const auto calibration = write(valid(Kind::calibration) + "replications: 2.5\n");
  const auto scenario = dir_ / "calibrated.yaml";
  r = smesim::test::shell(
      smesim::test::cli("calibrate " + calibration.string() + " -o " + scenario.string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("input.yaml:5:15: error:"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(scenario));
  EXPECT_FALSE(fs::exists(scenario.string() + ".trace.csv"));
}

}  // namespace
