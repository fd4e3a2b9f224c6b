// Subcommands of the `smesim` command line, each registered by the file that implements it.
// A command's action runs after parsing and returns the exit code.
#pragma once

#include <functional>

#include "smesim/sim/errors.hpp"

namespace CLI {
class App;
}

namespace smesim::sim {

using Action = std::function<int()>;

void add_run_commands(CLI::App& app, Action& action);         // run, validate (sim/src/cli_run.cpp)
void add_sweep_commands(CLI::App& app, Action& action);       // sweep, merge, sensitivity
void add_analysis_commands(CLI::App& app, Action& action);    // regress, calibrate (analysis/)
void add_sensitivity_command(CLI::App& app, Action& action);  // sensitivity (analysis/)
void add_report_command(CLI::App& app, Action& action);       // report (sim/src/cli_report.cpp)
void add_calibrate_command(CLI::App& app, Action& action);    // calibrate (analysis/)

}  // namespace smesim::sim
