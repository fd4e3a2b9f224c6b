// Reliability (issue 16): no input, fault or file destroys data or is silently trusted. Each test
// is one case of the issue; docs/building.md lists the sanitizer and fuzzing runs that go with
// them.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "smesim/sim/output.hpp"
#include "smesim/sim/sweep.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;
using namespace smesim;
using smesim::test::cli;
using smesim::test::shell;

namespace {

const std::string kBaseline = std::string(SMESIM_SOURCE_DIR) + "/scenarios/baseline.yaml";
const std::string kTable3 =
    std::string(SMESIM_SOURCE_DIR) + "/data/targets/motohashi2005_table3.csv";

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Nothing but the expected files in `dir`: no temporary (".tmp-") left behind.
void expect_no_temporaries(const fs::path& dir) {
  for (const auto& e : fs::recursive_directory_iterator(dir))
    EXPECT_FALSE(contains(e.path().filename().string(), ".tmp"))
        << e.path() << " is a temporary left behind";
}

// A 16-unit sweep (4 points x 4 replications) of small runs; `extra` adds overrides.
std::string tiny_sweep(const std::string& extra = "", int reps = 4, int population = 80,
                       int end_year = 1988) {
  return "base: " + kBaseline + "\noverrides:\n  population: " + std::to_string(population) +
         "\n  end_year: " + std::to_string(end_year) + "\n" + extra +
         "replications: " + std::to_string(reps) +
         "\ndesign: {type: grid}\nlevers:\n  levers.loans.rate_subsidy: [0.0, 0.3]\n"
         "  levers.jetro.outreach: [0.0, 0.05]\npanel: {points: [0, 3], reps: [0" +
         (reps > 2 ? ", 2" : "") + "]}\n";
}

// The aggregates, years and panel of two results files are identical.
void expect_same_results(const std::string& a_file, const std::string& b_file) {
  const auto a = sim::read_results(a_file), b = sim::read_results(b_file);
  EXPECT_EQ(a.points, b.points);
  EXPECT_EQ(a.reps, b.reps);
  EXPECT_EQ(a.years, b.years);
  ASSERT_EQ(a.aggregates.size(), b.aggregates.size());
  for (std::size_t k = 0; k < a.aggregates.size(); ++k) {
    EXPECT_EQ(a.aggregates[k].first, b.aggregates[k].first);
    EXPECT_EQ(a.aggregates[k].second, b.aggregates[k].second) << a.aggregates[k].first;
  }
  EXPECT_EQ(a.panel.ints, b.panel.ints);
  EXPECT_EQ(a.panel.reals, b.panel.reals);
  EXPECT_EQ(a.decisions.ints, b.decisions.ints);
  ASSERT_NE(a.array("summary/mean/smes"), nullptr);
  ASSERT_NE(b.array("summary/mean/smes"), nullptr);
  EXPECT_EQ(a.array("summary/mean/smes")->values, b.array("summary/mean/smes")->values);
}

class Reliability : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = smesim::test::scratch("reliability", info->name());
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }
  std::string f(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

}  // namespace

// --- 1. Resume trusts foreign unit files --------------------------------------------------------

// A truncated, a random, a foreign (other seed, other size, other horizon) and a misplaced (other
// unit index) unit file in the checkpoint: each is named and computed again, and the result is
// the uninterrupted run's. (Old main: exit 0 with another result; a longer horizon as the last
// unit was a heap-buffer-overflow in assemble; a truncated or random unit stopped with exit 1.)
TEST_F(Reliability, ResumeRecomputesDamagedForeignAndMisplacedUnitFiles) {
  write(f("s.yaml"), tiny_sweep());
  write(f("seed.yaml"), tiny_sweep() + "seed: 99\n");
  write(f("size.yaml"), tiny_sweep("", 4, 60));
  write(f("horizon.yaml"), tiny_sweep("", 4, 80, 1991));
  auto r = shell(cli("sweep " + f("s.yaml") + " -q -o " + f("plain.h5")));
  ASSERT_EQ(r.exit_code, 0) << r.output;

  const auto spec = sim::load_sweep(f("s.yaml"));
  const std::string out = f("resumed.h5"), parts = sim::parts_dir_of(out);
  fs::create_directories(parts);
  write(fs::path(parts) / "sweep.fingerprint", spec.fingerprint + "\n");
  const auto other = [&](const std::string& file, int unit, int as) {
    const auto s = sim::load_sweep(f(file));
    const std::string d = f(file + ".parts");
    fs::create_directories(d);
    sim::run_unit(s, unit, d);
    fs::copy_file(fs::path(d) / ("unit-" + std::to_string(unit) + ".h5"),
                  fs::path(parts) / ("unit-" + std::to_string(as) + ".h5"),
                  fs::copy_options::overwrite_existing);
  };
  const auto unit = [&](int u) { return fs::path(parts) / ("unit-" + std::to_string(u) + ".h5"); };
  sim::run_unit(spec, 0, parts);  // then cut to half its size
  fs::resize_file(unit(0), fs::file_size(unit(0)) / 2);
  std::string noise(5000, '\0');
  for (std::size_t i = 0; i < noise.size(); ++i) noise[i] = char((i * 7919u) % 251u);
  write(unit(1), noise);
  other("seed.yaml", 2, 2);
  other("size.yaml", 3, 3);
  other("horizon.yaml", 4, 4);
  other("horizon.yaml", 15, 15);  // a longer horizon as the last unit
  other("s.yaml", 9, 5);          // unit 9 of this very sweep, misplaced as unit 5
  sim::run_unit(spec, 6, parts);  // a good one: kept

  r = shell(cli("sweep " + f("s.yaml") + " -q --resume -o " + out));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (int u : {0, 1, 2, 3, 4, 5, 15})
    EXPECT_TRUE(contains(r.output, "unit file '" + unit(u).string() + "'"))
        << "unit " << u << " not named in:\n"
        << r.output;
  EXPECT_FALSE(contains(r.output, unit(6).string())) << r.output;
  EXPECT_TRUE(contains(r.output, "belongs to another sweep")) << r.output;
  EXPECT_TRUE(contains(r.output, "holds unit 9, not unit 5")) << r.output;
  EXPECT_TRUE(contains(r.output, "cannot be read")) << r.output;
  expect_same_results(out, f("plain.h5"));
}

// --- 2. Shards and merge -----------------------------------------------------------------------

// 20 shards of a 16-unit sweep: shards 17-20 hold no unit, write a shard file without units, and
// the merge equals the uninterrupted run. (Old main: std::bad_alloc / UBSan on the empty map.)
TEST_F(Reliability, TwentyShardsOfSixteenUnitsMergeToTheUninterruptedRun) {
  write(f("s.yaml"), tiny_sweep());
  auto r = shell(cli("sweep " + f("s.yaml") + " -q -o " + f("plain.h5")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string shards;
  for (int i = 1; i <= 20; ++i) {
    const std::string shard = f("shard" + std::to_string(i) + ".h5");
    r = shell(cli("sweep " + f("s.yaml") + " -q --threads 1 --shard " + std::to_string(i) +
                  "/20 -o " + shard));
    ASSERT_EQ(r.exit_code, 0) << "shard " << i << ": " << r.output;
    EXPECT_FALSE(fs::exists(shard + ".parts"));
    shards += " " + shard;
  }
  EXPECT_TRUE(sim::read_results(f("shard20.h5")).array("sweep/units")->values.empty());
  r = shell(cli("merge" + shards + " -o " + f("merged.h5")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_same_results(f("merged.h5"), f("plain.h5"));
  expect_no_temporaries(dir_);
}

// merge of a unit file, and of shards whose /sweep/units holds 1e9, NaN or -5: exit 2 naming the
// file (old main: SIGSEGV on a null attribute, a NaN-to-int conversion, a heap-use-after-free);
// a duplicated unit names both files.
TEST_F(Reliability, MergeChecksEveryFileAndUnitIndex) {
  write(f("s.yaml"), tiny_sweep("", 1));
  auto r = shell(cli("sweep " + f("s.yaml") + " -q --shard 1/2 -o " + f("a.h5")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = shell(cli("sweep " + f("s.yaml") + " -q --shard 2/2 -o " + f("b.h5")));
  ASSERT_EQ(r.exit_code, 0) << r.output;

  const auto spec = sim::load_sweep(f("s.yaml"));
  fs::create_directories(f("parts"));
  sim::run_unit(spec, 0, f("parts"));
  r = shell(cli("merge " + f("parts/unit-0.h5") + " -o " + f("m.h5")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "is a unit file")) << r.output;

  for (double bad : {1e9, std::nan(""), -5.0}) {
    auto res = sim::read_results(f("b.h5"));
    for (auto& a : res.arrays)
      if (a.path == "sweep/units") a.values.back() = bad;
    sim::write_results(f("bad.h5"), res);
    r = shell(cli("merge " + f("a.h5") + " " + f("bad.h5") + " -o " + f("m.h5")));
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.output;
    EXPECT_TRUE(contains(r.output, "bad.h5': /sweep/units holds")) << r.output;
    EXPECT_TRUE(contains(r.output, "not a unit index")) << r.output;
  }
  r = shell(cli("merge " + f("a.h5") + " " + f("b.h5") + " " + f("a.h5") + " -o " + f("m.h5")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "in more than one shard: '" + f("a.h5") + "' and '" + f("a.h5")))
      << r.output;
  EXPECT_FALSE(fs::exists(f("m.h5")));
  r = shell(cli("merge " + f("a.h5") + " " + f("b.h5") + " -o " + f("m.h5")));
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

// SLURM_ARRAY_TASK_ID=abc ran shard 1 (atoi); every count is parsed strictly.
TEST_F(Reliability, SlurmVariablesAndShardsAreParsedStrictly) {
  write(f("s.yaml"), tiny_sweep());
  for (const char* env :
       {"SLURM_ARRAY_TASK_ID=abc SLURM_ARRAY_TASK_COUNT=4",
        "SLURM_ARRAY_TASK_ID=1 "
        "SLURM_ARRAY_TASK_COUNT=4x",
        "SLURM_ARRAY_TASK_ID=-1 SLURM_ARRAY_TASK_COUNT=4",
        "SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=4 SLURM_ARRAY_TASK_MIN=z"}) {
    const auto r =
        shell(std::string(env) + " " + cli("sweep " + f("s.yaml") + " -q -o " + f("o.h5")));
    EXPECT_EQ(r.exit_code, 2) << env << ": " << r.output;
    EXPECT_TRUE(contains(r.output, "SLURM_ARRAY_TASK_")) << r.output;
    EXPECT_FALSE(fs::exists(f("o.h5")));
  }
  for (const char* bad : {" 1/2", "1/2 ", "+1/2", "1/2x", "0/2", "3/2", "1/0", "1e0/2", "1/-2",
                          "99999999999999999999/2"})
    EXPECT_FALSE(sim::parse_shard(bad).has_value()) << bad;
  ASSERT_TRUE(sim::parse_shard("2/8").has_value());
  EXPECT_EQ(sim::parse_shard("2/8")->index, 1);
  EXPECT_FALSE(sim::parse_count("12a", 0, 100).has_value());
  EXPECT_FALSE(sim::parse_count("101", 0, 100).has_value());
  EXPECT_EQ(sim::parse_count("100", 0, 100).value(), 100);
}

// A 400 x 400 grid with 20 000 replications overflowed int in SweepSpec::units(); designs have
// an upper bound (docs/sweeps.md), refused at the key before any work.
TEST_F(Reliability, DesignSizeHasAnUpperBound) {
  std::string levels;
  for (int i = 0; i < 400; ++i) levels += (i ? ", " : "") + std::to_string(i / 400.0);
  write(f("huge.yaml"), "base: " + kBaseline + "\nreplications: 20000\ndesign: {type: grid}\n" +
                            "levers:\n  relocation.phi: [" + levels +
                            "]\n  levers.loans.rate_subsidy: [" + levels + "]\n");
  auto r = shell(cli("sweep " + f("huge.yaml") + " -q -o " + f("o.h5")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output,
                       "huge.yaml:2:1: error: the design has 160000 points x 20000 "
                       "replications = 3200000000 units"))
      << r.output;
  EXPECT_FALSE(fs::exists(f("o.h5.parts")));
  write(f("sobol.yaml"), "base: " + kBaseline +
                             "\ndesign: {type: sobol, samples: 1000000}\nlevers:\n"
                             "  relocation.phi: [0.1, 0.2]\n  levers.loans.rate_subsidy: [0, 1]\n");
  r = shell(cli("sweep " + f("sobol.yaml") + " -q -o " + f("o.h5")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "sobol.yaml:2:1: error: the Saltelli design has")) << r.output;
}

// A sweep whose points differ in horizon would assemble units of different lengths; the point's
// error is located at the varied key (old main: located nowhere, or a corrupt file).
TEST_F(Reliability, SweepPointErrorsAreLocatedAtTheirKey) {
  write(f("years.yaml"),
        "base: " + kBaseline + "\ndesign: {type: grid}\nlevers:\n  end_year: [1990, 2000]\n");
  auto r = shell(cli("sweep " + f("years.yaml") + " -q -o " + f("o.h5")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output,
                       "years.yaml:4:3: error: point 0: a sweep cannot vary start_year "
                       "or end_year"))
      << r.output;
}

// --- 3. Outputs overwrite what they must not ---------------------------------------------------

// `run victim.yaml -o victim.yaml` replaced the scenario with HDF5 (and `sweep`, `calibrate -o`,
// `merge`); also through a symbolic link and a hard link.
TEST_F(Reliability, AnOutputThatIsAnInputIsRefusedBeforeAnyWork) {
  fs::copy_file(kBaseline, f("victim.yaml"));
  const std::string original = read(f("victim.yaml"));
  fs::create_symlink(f("victim.yaml"), f("link.h5"));
  fs::create_hard_link(f("victim.yaml"), f("hard.h5"));
  write(f("s.yaml"), "base: victim.yaml\ndesign: {type: grid}\nlevers:\n  relocation.phi: [0.1]\n");
  write(f("cal.yaml"), "base: victim.yaml\ntargets: " + kTable3 +
                           "\nparameters:\n  relocation.phi: {start: 0.2, lower: 0.1, upper: "
                           "0.3}\n");
  for (const std::string& args :
       {"run " + f("victim.yaml") + " -o " + f("victim.yaml"),
        "run " + f("victim.yaml") + " -o " + f("link.h5"),
        "run " + f("victim.yaml") + " -o " + f("hard.h5"),
        "run " + f("victim.yaml") + " -o " + dir_.string() + "/../" + dir_.filename().string() +
            "/victim.yaml",
        "sweep " + f("s.yaml") + " -o " + f("s.yaml"),
        "sweep " + f("s.yaml") + " -o " + f("victim.yaml"),
        "calibrate " + f("cal.yaml") + " -o " + f("cal.yaml"),
        "calibrate " + f("cal.yaml") + " -o " + f("victim.yaml"),
        "calibrate " + f("cal.yaml") + " -o " + f("c.yaml") + " --trace " + f("cal.yaml"),
        "calibrate " + f("cal.yaml") + " -o " + f("c.yaml") + " --trace " + f("c.yaml")}) {
    const auto r = shell(cli(args));
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
    EXPECT_TRUE(contains(r.output, "would destroy the input")) << args << "\n" << r.output;
  }
  EXPECT_EQ(read(f("victim.yaml")), original);
  EXPECT_EQ(read(f("s.yaml")).rfind("base: victim.yaml", 0), 0u);
  EXPECT_EQ(read(f("cal.yaml")).rfind("base: victim.yaml", 0), 0u);
  EXPECT_TRUE(fs::is_symlink(f("link.h5")));
  EXPECT_FALSE(fs::exists(f("c.yaml")));
  expect_no_temporaries(dir_);
}

// A directory as output was found only after all the work; a FIFO (or, as root, /dev/null) was
// replaced by a regular file by the atomic rename.
TEST_F(Reliability, ADirectoryOrSpecialFileAsOutputIsRefusedBeforeAnyWork) {
  fs::create_directories(f("dir.h5"));
  ASSERT_EQ(::mkfifo(f("fifo.h5").c_str(), 0600), 0);
  write(f("s.yaml"), tiny_sweep());
  for (const std::string& out : {f("dir.h5"), f("fifo.h5")}) {
    for (const std::string& cmd : {"run " + kBaseline, "sweep " + f("s.yaml")}) {
      const auto r = shell(cli(cmd + " -q -o " + out));
      EXPECT_EQ(r.exit_code, 2) << cmd << " -o " << out << "\n" << r.output;
      EXPECT_TRUE(contains(r.output, out.substr(out.size() - 6))) << r.output;
      EXPECT_FALSE(fs::exists(out + ".parts"));
    }
  }
  EXPECT_TRUE(fs::is_directory(f("dir.h5")));
  EXPECT_TRUE(fs::is_fifo(f("fifo.h5")));
  const auto r = shell(cli("run " + kBaseline + " -q -o " + f("dir.h5")));
  EXPECT_TRUE(contains(r.output, "is a directory")) << r.output;
  expect_no_temporaries(dir_);
}

// --- 4. calibrate's writes; 6. calibration traces ----------------------------------------------

namespace {

// A calibration of seconds: one parameter, one macro target, two evaluations.
struct SmallCalibration {
  fs::path dir;
  explicit SmallCalibration(const fs::path& d, int population = 300) : dir(d) {
    write(dir / "base.yaml",
          "name: base\npopulation: " + std::to_string(population) + "\nend_year: 1986\n");
    write(dir / "targets.csv", "series,year,value,unit,source\nentries,1985,1000,firms,test\n");
    write(dir / "cal.yaml",
          "base: base.yaml\ntargets: none\nmacro_targets:\n  file: targets.csv\n"
          "replications: 2\nmax_evaluations: 3\n"
          "parameters:\n  relocation.phi: {start: 0.15, lower: 0.05, upper: 0.4}\n");
  }
  std::string args(const std::string& out) const {
    return "calibrate " + (dir / "cal.yaml").string() + " -o " + (dir / out).string() +
           " --threads 1";
  }
};

// The data lines of a trace (after the header).
std::vector<std::string> data_lines(const std::string& trace) {
  std::vector<std::string> out;
  std::istringstream in(trace);
  bool header = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind('#', 0) == 0) continue;
    if (header) out.push_back(line);
    header = header || line.rfind("eval,J", 0) == 0;
  }
  return out;
}

}  // namespace

// On a full disk (here a file-size limit: EFBIG) calibrate exited 0 and replaced the scenario it
// wrote before with a 0-byte file. Now: exit 1, a message, the earlier file intact, no temporary.
TEST_F(Reliability, CalibrateOnAFullDiskKeepsTheEarlierScenario) {
  SmallCalibration c(dir_);
  write(f("out.yaml"), "# the scenario of an earlier calibration\n");
  // 2 blocks of 1 KiB: room for the trace, not for the scenario (every resolved parameter).
  const auto r = shell("ulimit -f 2; " + cli(c.args("out.yaml")));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "cannot write '" + f("out.yaml") + "'")) << r.output;
  EXPECT_TRUE(contains(r.output, "File too large")) << r.output;
  EXPECT_EQ(read(f("out.yaml")), "# the scenario of an earlier calibration\n");
  expect_no_temporaries(dir_);
  // The trace too is checked: with no room at all, a message and exit 1.
  fs::remove(f("out.yaml.trace.csv"));
  const auto none = shell("ulimit -f 0; " + cli(c.args("out.yaml")));
  EXPECT_EQ(none.exit_code, 1) << none.output;
  EXPECT_TRUE(contains(none.output, "cannot write trace")) << none.output;
}

// A trace made at 300 firms, resumed by a file with 200, gave another estimate than a clean run;
// now the resume is refused and says what changed.
TEST_F(Reliability, CalibrateResumeWithAnotherSetUpSaysWhatChanged) {
  SmallCalibration c(dir_);
  auto r = shell(cli(c.args("out.yaml")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  SmallCalibration other(dir_, 200);
  r = shell(cli(other.args("out.yaml") + " --resume"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "parameter population: 300 in the trace, 200 now")) << r.output;
}

// A tampered J was trusted (the estimate became the start point); a corrupt cell gave a bare
// `stod`; both are now named by file and line.
TEST_F(Reliability, CalibrateResumeChecksEveryTraceLine) {
  SmallCalibration c(dir_);
  auto r = shell(cli(c.args("out.yaml")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string trace = read(f("out.yaml.trace.csv"));
  const auto lines = data_lines(trace);
  ASSERT_GE(lines.size(), 2u) << trace;
  std::size_t header_line = 0;  // 1-based line number of the header
  {
    std::istringstream in(trace);
    std::string l;
    while (std::getline(in, l) && ++header_line && l.rfind("eval,J", 0) != 0) {
    }
  }
  const auto edit = [&](const std::string& from, const std::string& to) {
    std::string t = trace;
    t.replace(t.find(from), from.size(), to);
    write(f("out.yaml.trace.csv"), t);
  };
  // J of the second evaluation set to 0: its moments say otherwise.
  const std::string second = lines[1];
  const auto c1 = second.find(','), c2 = second.find(',', c1 + 1);
  edit(second, second.substr(0, c1 + 1) + "0" + second.substr(c2));
  r = shell(cli(c.args("out.yaml") + " --resume"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, f("out.yaml.trace.csv") + ":" + std::to_string(header_line + 2) +
                                     ": J = 0 but the moments on the line give"))
      << r.output;
  edit(second, second.substr(0, c2 + 1) + "abc" + second.substr(second.find(',', c2 + 1)));
  r = shell(cli(c.args("out.yaml") + " --resume"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, f("out.yaml.trace.csv") + ":" + std::to_string(header_line + 2) +
                                     ": corrupt trace line"))
      << r.output;
}

// A cut last line had the next evaluation appended to it and was then skipped; now it is dropped,
// appends start on a fresh line, and the estimate is the uninterrupted run's.
TEST_F(Reliability, CalibrateResumeAfterACutLineEqualsACleanRun) {
  SmallCalibration c(dir_);
  auto r = shell(cli(c.args("clean.yaml") + " --trace " + f("clean.trace.csv")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string trace = read(f("clean.trace.csv"));
  const auto lines = data_lines(trace);
  ASSERT_GE(lines.size(), 2u);
  // Keep the first evaluation and half of the second, as a kill in mid-write leaves it.
  const auto cut = trace.find(lines[1]) + lines[1].size() / 2;
  write(f("cut.trace.csv"), trace.substr(0, cut));
  r = shell(cli(c.args("resumed.yaml") + " --trace " + f("cut.trace.csv") + " --resume"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "cut.trace.csv' line")) << r.output;
  EXPECT_TRUE(contains(r.output, "(from trace)")) << r.output;
  EXPECT_EQ(data_lines(read(f("cut.trace.csv"))), lines);
  const auto body = [](std::string s) { return s.substr(s.find('\n')); };  // after the command
  EXPECT_EQ(body(read(f("resumed.yaml"))), body(read(f("clean.yaml"))));
}

// A calibration whose overrides contradict each other failed at its first evaluation and left a
// trace behind (the corrected rerun then demanded --resume); now it is an input error at the key.
TEST_F(Reliability, ABadCalibrationFileLeavesNoTrace) {
  SmallCalibration c(dir_);
  write(dir_ / "cal.yaml", read(dir_ / "cal.yaml") + "overrides: {start_year: 1990}\n");
  const auto r = shell(cli(c.args("out.yaml")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "cal.yaml:9:1: error:")) << r.output;
  EXPECT_TRUE(contains(r.output, "end_year (1986) is before start_year (1990)")) << r.output;
  EXPECT_FALSE(fs::exists(f("out.yaml.trace.csv")));
  EXPECT_FALSE(fs::exists(f("out.yaml")));
}

// --- 5. One reading policy for sweep and calibration files -------------------------------------

struct BadFile {
  const char* name;
  const char* command;  // "sweep" or "calibrate"
  const char* yaml;     // BASE is replaced by the baseline's path
  const char* expect;
  friend void PrintTo(const BadFile& b, std::ostream* os) { *os << b.name; }
};
class ReliabilityBadFile : public ::testing::TestWithParam<BadFile> {};

TEST_P(ReliabilityBadFile, IsAnErrorAtItsKeyWithExitTwoAndNothingWritten) {
  const auto& c = GetParam();
  const auto dir = smesim::test::scratch("reliability_yaml", c.name);
  std::string yaml = c.yaml;
  for (std::size_t at; (at = yaml.find("BASE")) != std::string::npos;)
    yaml.replace(at, 4, kBaseline);
  if (std::string(c.command) == "calibrate") yaml += "targets: " + kTable3 + "\n";
  write(dir / "bad.yaml", yaml);
  const auto out = dir / "out";
  const auto r = shell(
      cli(std::string(c.command) + " " + (dir / "bad.yaml").string() + " -o " + out.string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, c.expect)) << r.output;
  EXPECT_FALSE(contains(r.output, "yaml-cpp")) << r.output;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out.string() + ".parts"));
  EXPECT_FALSE(fs::exists(out.string() + ".trace.csv"));
  fs::remove_all(dir);
}

constexpr const char* kLever = "design: {type: grid}\nlevers:\n  relocation.phi: [0.1]\n";
constexpr const char* kParam =
    "parameters:\n  relocation.phi: {start: 0.2, lower: 0.1, upper: 0.3}\n";

INSTANTIATE_TEST_SUITE_P(
    Cases, ReliabilityBadFile,
    ::testing::Values(
        BadFile{"sweep_duplicate_top_level", "sweep",
                "base: BASE\nreplications: 2\nreplications: 3\ndesign: {type: grid}\nlevers:\n  "
                "relocation.phi: [0.1]\n",
                "bad.yaml:3:1: error: duplicate key 'replications' (first given on line 2)"},
        BadFile{"sweep_duplicate_override", "sweep",
                "base: BASE\noverrides:\n  population: 100\n  population: 200\ndesign: {type: "
                "grid}\nlevers:\n  relocation.phi: [0.1]\n",
                "bad.yaml:4:3: error: duplicate key 'overrides.population'"},
        BadFile{"sweep_nan_population", "sweep",
                "base: BASE\noverrides: {population: .nan}\ndesign: {type: grid}\nlevers:\n  "
                "relocation.phi: [0.1]\n",
                "bad.yaml:2:25: error: 'overrides.population': expected an integer, got '.nan'"},
        BadFile{"sweep_panel_scalar", "sweep",
                "base: BASE\ndesign: {type: grid}\nlevers:\n  relocation.phi: [0.1]\npanel: 5\n",
                "bad.yaml:5:8: error: 'panel' must be a map of keys, got '5'"},
        BadFile{"sweep_cross_key_override", "sweep",
                "base: BASE\noverrides: {end_year: 1980}\ndesign: {type: grid}\nlevers:\n  "
                "relocation.phi: [0.1]\n",
                "bad.yaml:2:1: error: end_year (1980) is before start_year"},
        BadFile{"calibration_duplicate_key", "calibrate",
                "base: BASE\nreplications: 2\nreplications: 3\nparameters:\n  relocation.phi: "
                "{start: 0.2, lower: 0.1, upper: 0.3}\n",
                "bad.yaml:3:1: error: duplicate key 'replications'"},
        BadFile{"calibration_fractional_replications", "calibrate",
                "base: BASE\nreplications: 2.5\nparameters:\n  relocation.phi: {start: 0.2, "
                "lower: 0.1, upper: 0.3}\n",
                "bad.yaml:2:15: error: 'replications': expected an integer, got '2.5'"},
        BadFile{"calibration_huge_max_evaluations", "calibrate",
                "base: BASE\nmax_evaluations: 1e308\nparameters:\n  relocation.phi: {start: 0.2, "
                "lower: 0.1, upper: 0.3}\n",
                "bad.yaml:2:18: error: 'max_evaluations' = 1e308 is out of range"},
        BadFile{"calibration_nan_start", "calibrate",
                "base: BASE\nparameters:\n  relocation.phi: {start: .nan, lower: 0.1, upper: "
                "0.3}\n",
                "bad.yaml:3:27: error:"},
        BadFile{"calibration_nan_population", "calibrate",
                "base: BASE\noverrides: {population: .nan}\nparameters:\n  relocation.phi: "
                "{start: 0.2, lower: 0.1, upper: 0.3}\n",
                "bad.yaml:2:25: error: 'overrides.population': expected an integer, got '.nan'"},
        BadFile{"calibration_cross_key_override", "calibrate",
                "base: BASE\noverrides: {start_year: 2000, end_year: 1990}\nparameters:\n  "
                "relocation.phi: {start: 0.2, lower: 0.1, upper: 0.3}\n",
                "bad.yaml:2:1: error: end_year (1990) is before start_year (2000)"}),
    [](const auto& info) { return std::string(info.param.name); });

// --- 7. Report and regress ---------------------------------------------------------------------

// A results file whose real panel columns are all NaN: a Python traceback, exit 1 and a partial
// report directory (PNGs without index.html). Now the page says which figures could not be drawn.
TEST_F(Reliability, AReportOnAnAllNaNPanelSaysWhyInsteadOfAborting) {
  write(f("small.yaml"), "name: small\npopulation: 200\nend_year: 1996\n");
  auto r = shell(cli("run " + f("small.yaml") + " -q -o " + f("run.h5")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto res = sim::read_results(f("run.h5"));
  ASSERT_GT(res.panel.rows(), 0u);
  for (auto& [name, col] : res.panel.reals)
    std::fill(col.begin(), col.end(), std::numeric_limits<double>::quiet_NaN());
  sim::write_results(f("nan.h5"), res);
  r = shell(cli("report " + f("nan.h5") + " -o " + f("report")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_FALSE(contains(r.output, "Traceback")) << r.output;
  const std::string page = read(f("report/index.html"));
  EXPECT_TRUE(contains(page, "could not be drawn from this file")) << r.output;
  expect_no_temporaries(dir_);
}

// A report that fails leaves no directory (it is written to a temporary one and renamed), and an
// earlier report at that path stays whole.
TEST_F(Reliability, AFailedReportLeavesNothingAndKeepsTheEarlierOne) {
  write(f("small.yaml"), "name: small\npopulation: 200\nend_year: 1996\n");
  auto r = shell(cli("run " + f("small.yaml") + " -q -o " + f("run.h5")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = shell(cli("report " + f("run.h5") + " --year 1970 -o " + f("report")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_FALSE(fs::exists(f("report")));
  r = shell(cli("report " + f("run.h5") + " -o " + f("report")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string page = read(f("report/index.html"));
  r = shell(cli("report " + f("run.h5") + " --year 1970 -o " + f("report")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(read(f("report/index.html")), page);
  // A directory of other files is not a report to replace.
  fs::create_directories(f("mine"));
  write(f("mine/notes.txt"), "keep me\n");
  r = shell(cli("report " + f("run.h5") + " -o " + f("mine")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(read(f("mine/notes.txt")), "keep me\n");
  expect_no_temporaries(dir_);
}

// `regress` on a file that kept no panel said the file "was written by an older smesim".
TEST_F(Reliability, RegressOnAFileWithoutPanelSaysSo) {
  write(f("nopanel.yaml"),
        "name: nopanel\npopulation: 200\nend_year: 1996\noutput:\n  "
        "panel_reps: []\n");
  auto r = shell(cli("run " + f("nopanel.yaml") + " -q -o " + f("run.h5")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = shell(cli("regress " + f("run.h5") + " --spec table3"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "holds no firm-year panel")) << r.output;
  EXPECT_FALSE(contains(r.output, "older smesim")) << r.output;
}

// Found by the scenario fuzzer: a YAML file that starts with a stray ',' made yaml-cpp 0.7's
// LoadAll loop forever, allocating (jbeder/yaml-cpp#1040); every reader now stops with an error
// at the comma. (Old main: a hang, here cut by `timeout`.)
TEST_F(Reliability, AStrayCommaIsAnErrorNotAHang) {
  write(f("comma.yaml"), ",a: 1\n");
  for (const std::string& cmd :
       {"validate " + f("comma.yaml"), "sweep " + f("comma.yaml") + " -o " + f("o.h5"),
        "calibrate " + f("comma.yaml") + " -o " + f("o.yaml")}) {
    const auto r = shell("timeout 60 " + cli(cmd));
    EXPECT_EQ(r.exit_code, 2) << cmd << "\n" << r.output;
    EXPECT_TRUE(contains(r.output, "comma.yaml:1:1: error: invalid YAML: unexpected ','"))
        << r.output;
  }
}
