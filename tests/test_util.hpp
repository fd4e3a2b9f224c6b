// Helpers shared by the tests that drive the `smesim` binary.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

namespace smesim::test {

struct Command {
  int exit_code;
  std::string output;  // stdout and stderr
};

// Runs a shell command and collects its output and exit code.
inline Command shell(const std::string& cmd) {
  FILE* pipe = popen((cmd + " 2>&1").c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// The command line of the smesim binary under test with `args`.
inline std::string cli(const std::string& args) { return std::string(SMESIM_BINARY) + " " + args; }

// A fresh, empty temporary directory unique to this test process.
inline std::filesystem::path scratch(const std::string& prefix, const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("smesim_" + prefix + "_" + name + "_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace smesim::test
