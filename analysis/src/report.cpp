// `smesim report`: finds the report script and a Python that can run it, and runs it.
#include "smesim/analysis/report.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "smesim/sim/errors.hpp"

extern char** environ;

namespace fs = std::filesystem;

namespace smesim::analysis {

using sim::InputError;

namespace {

// Runs `args` (args[0] looked up on PATH unless it holds a '/') and returns its exit code; -1
// when it could not be started or did not exit normally. `quiet` discards its output.
int spawn(const std::vector<std::string>& args, bool quiet) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (quiet) {
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  }
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The first of $SMESIM_PYTHON, /usr/bin/python3 and python3 on PATH that imports h5py, pandas
// and matplotlib.
std::string find_python() {
  std::vector<std::pair<std::string, std::string>> candidates;  // interpreter, how it was found
  if (const char* env = std::getenv("SMESIM_PYTHON"); env && *env)
    candidates.emplace_back(env, std::string("SMESIM_PYTHON=") + env);
  candidates.emplace_back("/usr/bin/python3", "/usr/bin/python3");
  candidates.emplace_back("python3", "python3 on PATH");
  std::string tried;
  for (const auto& [python, how] : candidates) {
    if (spawn({python, "-c", "import h5py, pandas, matplotlib"}, true) == 0) return python;
    tried += (tried.empty() ? "" : ", ") + how;
  }
  throw InputError(
      "smesim report needs a Python 3 with h5py, pandas and matplotlib, and none was found "
      "(tried " +
      tried +
      "). On Debian or Ubuntu: apt-get install python3-h5py python3-pandas "
      "python3-matplotlib (or set SMESIM_PYTHON to an interpreter that has them)");
}

// analysis/smesim_report.py: in $SMESIM_ANALYSIS_DIR, or in the source tree the executable was
// built in (build/smesim -> analysis/), searched upwards from the executable's directory.
fs::path find_script(const fs::path& exe) {
  constexpr const char* kScript = "smesim_report.py";
  if (const char* env = std::getenv("SMESIM_ANALYSIS_DIR"); env && *env) {
    const fs::path p = fs::path(env) / kScript;
    if (!fs::is_regular_file(p))
      throw InputError(std::string("SMESIM_ANALYSIS_DIR is '") + env + "', which holds no " +
                       kScript);
    return p;
  }
  fs::path dir = exe.parent_path();
  for (int up = 0; up < 4 && !dir.empty(); ++up, dir = dir.parent_path()) {
    for (const auto& p : {dir / "analysis" / kScript, dir / "share/smesim/analysis" / kScript})
      if (fs::is_regular_file(p)) return p;
    if (dir == dir.root_path()) break;
  }
  throw InputError("cannot find analysis/" + std::string(kScript) + " near the executable '" +
                   exe.string() +
                   "': set SMESIM_ANALYSIS_DIR to the analysis/ directory of the smesim sources");
}

}  // namespace

int write_report(const ReportRequest& r) {
  if (!fs::is_regular_file(r.results))
    throw InputError("no such results file: '" + r.results + "'");
  if (!r.hindcast.empty() && !fs::is_regular_file(r.hindcast))
    throw InputError("--hindcast: no such file: '" + r.hindcast + "'");
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);  // empty if unavailable
  const fs::path script = find_script(exe);
  const std::string python = find_python();
  // The report is written to a temporary directory beside OUT and renamed to OUT when complete
  // (smesim_report.py); OUT is absent, an empty directory or an earlier report.
  if (fs::exists(r.out, ec) && !fs::is_directory(r.out, ec))
    throw InputError("the report output '" + r.out + "' exists and is not a directory");
  const fs::path parent = fs::absolute(r.out).parent_path();
  if (!fs::is_directory(parent, ec))
    throw std::runtime_error("cannot create the report directory '" + r.out + "': '" +
                             parent.string() + "' does not exist");
  std::vector<std::string> args = {python, "-B", script.string(), r.results, "-o", r.out};
  if (!exe.empty()) args.insert(args.end(), {"--smesim", exe.string()});
  if (r.year) args.insert(args.end(), {"--year", std::to_string(*r.year)});
  if (r.point) args.insert(args.end(), {"--point", std::to_string(*r.point)});
  if (r.head) args.insert(args.end(), {"--head", std::to_string(*r.head)});
  if (!r.outcomes.empty()) args.insert(args.end(), {"--outcomes", r.outcomes});
  if (!r.hindcast.empty()) args.insert(args.end(), {"--hindcast", r.hindcast});
  std::cout.flush();
  const int rc = spawn(args, false);
  if (rc < 0) throw std::runtime_error("could not run " + python + " " + script.string());
  return rc;
}

}  // namespace smesim::analysis
