// Subcommands of the `smesim` command line, each registered by the file that implements it.
// A command's action runs after parsing and returns the exit code.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>

namespace CLI {
class App;
}

namespace smesim::sim {

using Action = std::function<int()>;

// Bad user input (a file, a flag value): reported on stderr, exit code 2.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws std::runtime_error before any work when `out` cannot be written (missing or read-only
// directory).
void check_output_path(const std::string& out);

void add_run_commands(CLI::App& app, Action& action);         // run, validate (sim/src/cli_run.cpp)
void add_sweep_commands(CLI::App& app, Action& action);       // sweep, merge, sensitivity
void add_analysis_commands(CLI::App& app, Action& action);    // regress, calibrate (analysis/)
void add_sensitivity_command(CLI::App& app, Action& action);  // sensitivity (analysis/)
void add_report_command(CLI::App& app, Action& action);       // report (sim/src/cli_report.cpp)
void add_calibrate_command(CLI::App& app, Action& action);    // calibrate (analysis/)

}  // namespace smesim::sim
