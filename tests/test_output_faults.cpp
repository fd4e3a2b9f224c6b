// Faults while writing results (issue 16 item 4, issue 19): a file-size limit or a full disk ends
// `run` and `sweep` with a clear message and exit code 1, no crash, no temporary file, and an
// earlier file at the output path intact; SIGINT and SIGTERM remove the temporary file. Also: a
// run streamed to the file (`smesim run`) holds the values of the in-memory run.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bit>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "smesim/sim/output.hpp"
#include "smesim/sim/run.hpp"
#include "smesim/sim/scenario.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;
using smesim::test::cli;
using smesim::test::scratch;
using smesim::test::shell;

namespace {

// A scenario whose results file (panel and decision log) is a few MB.
const char* kScenario =
    "name: faults\npopulation: 6000\nend_year: 2000\nreplications: 1\n"
    "output: {panel_reps: [0], panel_from: 1985, panel_to: 2000, decisions: true}\n";

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    names.push_back(e.path().lexically_relative(dir).string());
  return names;
}

bool has_temporary(const fs::path& dir) {
  for (const auto& name : names_in(dir))
    if (name.find(".tmp-") != std::string::npos) return true;
  return false;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

// `ulimit -f` in the child (RLIMIT_FSIZE, 1 KiB blocks in bash); SIGXFSZ keeps its default
// action, which smesim itself turns off so that the limit is a write error.
TEST(OutputFaults, RunOverAFileSizeLimitFailsCleanlyAndKeepsTheEarlierFile) {
  const auto dir = scratch("faults", "fsize");
  std::ofstream(dir / "s.yaml") << kScenario;
  std::ofstream(dir / "out.h5") << "earlier results";
  const auto r = shell("bash -c 'ulimit -f 1500; exec " +
                       cli("run " + (dir / "s.yaml").string() + " -o " + (dir / "out.h5").string() +
                           " --threads 2") +
                       "'");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("cannot write results file '" + (dir / "out.h5").string() + "'"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("file-size limit"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("HDF5-DIAG"), std::string::npos) << r.output;  // no HDF5 stack dump
  EXPECT_FALSE(has_temporary(dir));
  EXPECT_EQ(read_text(dir / "out.h5"), "earlier results");
  fs::remove_all(dir);
}

// A sweep writes a results file per unit: the same limit stops it with exit code 1 and leaves
// no temporary unit file (a rerun with --resume recomputes what is missing).
TEST(OutputFaults, SweepUnitFilesOverAFileSizeLimitFailCleanly) {
  const auto dir = scratch("faults", "sweep");
  std::ofstream(dir / "base.yaml") << kScenario;
  std::ofstream(dir / "sweep.yaml")
      << "name: faults_sweep\nbase: base.yaml\nreplications: 2\ndesign: {type: grid}\n"
      << "levers:\n  levers.jetro.outreach: [0.0, 0.05]\n"
      << "reference:\n  levers.jetro.outreach: 0.0\npanel: {points: [0, 1], reps: [0, 1]}\n";
  const auto r = shell("bash -c 'ulimit -f 1500; exec " +
                       cli("sweep " + (dir / "sweep.yaml").string() + " -o " +
                           (dir / "sweep.h5").string() + " --threads 2") +
                       "'");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("file-size limit"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("HDF5-DIAG"), std::string::npos) << r.output;
  EXPECT_FALSE(has_temporary(dir)) << ::testing::PrintToString(names_in(dir));
  EXPECT_FALSE(fs::exists(dir / "sweep.h5"));
  fs::remove_all(dir);
}

// A full disk (ENOSPC from the kernel, not our own check): a 1 MiB tmpfs where the machine lets
// the tests mount one (root with CAP_SYS_ADMIN), skipped elsewhere.
TEST(OutputFaults, RunOnAFullDiskFailsCleanlyAndKeepsTheEarlierFile) {
  const auto dir = scratch("faults", "tmpfs");
  const fs::path disk = dir / "disk";
  fs::create_directories(disk);
  if (::mount("tmpfs", disk.c_str(), "tmpfs", 0, "size=1m") != 0) {
    fs::remove_all(dir);
    GTEST_SKIP() << "cannot mount a tmpfs here";
  }
  std::ofstream(dir / "s.yaml") << kScenario;
  std::ofstream(disk / "out.h5") << "earlier results";
  const auto r = shell(cli("run " + (dir / "s.yaml").string() + " -o " +
                           (disk / "out.h5").string() + " --threads 2"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("No space left on device"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("HDF5-DIAG"), std::string::npos) << r.output;
  EXPECT_FALSE(has_temporary(disk));
  EXPECT_EQ(read_text(disk / "out.h5"), "earlier results");
  ::umount(disk.c_str());
  fs::remove_all(dir);
}

// SIGTERM and SIGINT while the run writes: the process ends by the signal and leaves neither
// its temporary file nor a file under the final name.
TEST(OutputFaults, SignalsWhileWritingLeaveNoFile) {
  for (int sig : {SIGTERM, SIGINT}) {
    const auto dir = scratch("faults", "signal" + std::to_string(sig));
    std::ofstream(dir / "s.yaml")
        << "name: signal\npopulation: 20000\nend_year: 2030\nreplications: 1\n"
        << "output: {panel_reps: [0], panel_from: 1985, panel_to: 2030, decisions: true}\n";
    const std::string out = (dir / "out.h5").string();
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::signal(SIGINT, SIG_DFL);  // a shell may have started the tests with SIGINT ignored
      ::execl(SMESIM_BINARY, SMESIM_BINARY, "run", (dir / "s.yaml").c_str(), "-o", out.c_str(),
              "--threads", "2", "-q", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    // Wait until the temporary file holds some rows.
    bool writing = false;
    for (int i = 0; i < 600 && !writing; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      for (const auto& name : names_in(dir))
        if (name.find(".tmp-") != std::string::npos && fs::file_size(dir / name) > 100'000)
          writing = true;
    }
    EXPECT_TRUE(writing) << "the run never started writing";
    ::kill(pid, sig);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig) << status;
    EXPECT_FALSE(has_temporary(dir)) << ::testing::PrintToString(names_in(dir));
    EXPECT_FALSE(fs::exists(out));
    fs::remove_all(dir);
  }
}

// `smesim run` streams the panel and the decision log to the file while the run goes on, the
// kept replications in replication order whichever finishes first: the values are those of the
// in-memory run, for one and two threads.
TEST(OutputStreaming, StreamedRunHoldsTheInMemoryRunsValues) {
  const auto dir = scratch("faults", "streamed");
  std::ofstream(dir / "s.yaml")
      << "name: streamed\npopulation: 2500\nend_year: 1998\nreplications: 3\n"
      << "output: {panel_reps: [2, 0], panel_from: 1990, panel_to: 1996, decisions: true}\n";
  const auto scenario = smesim::sim::load_scenario((dir / "s.yaml").string());
  smesim::sim::RunOptions options;
  options.threads = 2;
  const auto memory = smesim::sim::run_scenario(scenario, options);
  ASSERT_GT(memory.panel.rows(), 0u);
  for (const char* threads : {"1", "2"}) {
    const fs::path out = dir / (std::string("t") + threads + ".h5");
    const auto r = shell(
        cli("run " + (dir / "s.yaml").string() + " -o " + out.string() + " --threads " + threads));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("MB written"), std::string::npos) << r.output;
    const auto file = smesim::sim::read_results(out.string());
    EXPECT_EQ(file.aggregates, memory.aggregates) << threads;
    EXPECT_EQ(file.panel.ints, memory.panel.ints) << threads;
    EXPECT_EQ(file.decisions.ints, memory.decisions.ints) << threads;
    // Bitwise (NaN == NaN): compare the bits.
    auto bits = [](const smesim::model::Table& t) {
      std::vector<std::pair<std::string, std::vector<std::uint64_t>>> columns;
      for (const auto& [name, c] : t.reals) {
        columns.emplace_back(name, std::vector<std::uint64_t>());
        for (double v : c) columns.back().second.push_back(std::bit_cast<std::uint64_t>(v));
      }
      return columns;
    };
    EXPECT_EQ(bits(file.panel), bits(memory.panel)) << threads;
    EXPECT_EQ(bits(file.decisions), bits(memory.decisions)) << threads;
  }
  fs::remove_all(dir);
}
