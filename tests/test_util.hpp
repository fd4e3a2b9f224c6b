// Helpers shared by the tests that drive the `smesim` binary.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "print.hpp"

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

// Compares the text between docs/<file>'s markers `<!-- BEGIN generated: NAME -->` and
// `<!-- END generated: NAME -->` with `text`; rewrites it instead when
// SMESIM_UPDATE_GENERATED=1 (scripts/update-generated.sh).
inline void check_generated(const std::string& file, const std::string& name,
                            const std::string& text) {
  const std::string path = std::string(SMESIM_SOURCE_DIR) + "/docs/" + file;
  std::string doc;
  {
    std::ifstream in(path);
    ASSERT_TRUE(in) << path;
    std::stringstream ss;
    ss << in.rdbuf();
    doc = ss.str();
  }
  const std::string begin = "<!-- BEGIN generated: " + name + " -->\n";
  const std::string end = "<!-- END generated: " + name + " -->";
  const auto b = doc.find(begin);
  ASSERT_NE(b, std::string::npos) << path << " has no marker " << begin;
  const auto from = b + begin.size();
  const auto e = doc.find(end, from);
  ASSERT_NE(e, std::string::npos) << path << " has no marker " << end;
  const char* update = std::getenv("SMESIM_UPDATE_GENERATED");
  if (update && std::string(update) == "1") {
    if (doc.compare(from, e - from, text) != 0) {
      doc.replace(from, e - from, text);
      std::ofstream(path) << doc;
    }
    return;
  }
  EXPECT_EQ(doc.substr(from, e - from), text)
      << path << " differs from the declarations: run scripts/update-generated.sh";
}

}  // namespace smesim::test
