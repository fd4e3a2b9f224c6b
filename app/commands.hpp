// Subcommands of the `smesim` command line, each registered by the file of app/ that implements
// it. A command's action runs after parsing and returns the exit code; bad input throws
// sim::InputError or sim::ScenarioError (exit code 2, app/main.cpp).
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace smesim::app {

using Action = std::function<int()>;

void add_run_commands(CLI::App& app, Action& action);         // run, validate (cli_run.cpp)
void add_sweep_commands(CLI::App& app, Action& action);       // sweep, merge (cli_sweep.cpp)
void add_analysis_commands(CLI::App& app, Action& action);    // regress (cli_analysis.cpp)
void add_sensitivity_command(CLI::App& app, Action& action);  // sensitivity (cli_sensitivity.cpp)
void add_report_command(CLI::App& app, Action& action);       // report (cli_report.cpp)
void add_calibrate_command(CLI::App& app, Action& action);    // calibrate (cli_calibrate.cpp)
void add_fit_command(CLI::App& app, Action& action);          // fit (cli_fit.cpp)
void add_hindcast_command(CLI::App& app, Action& action);     // hindcast (cli_hindcast.cpp)
// export, discover (cli_workbench.cpp)
void add_workbench_commands(CLI::App& app, Action& action);

}  // namespace smesim::app
