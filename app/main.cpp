// The `smesim` command line: each subcommand is registered by the file that implements it.
#include <CLI/CLI.hpp>
#include <iostream>

#include "smesim/sim/commands.hpp"
#include "smesim/sim/scenario.hpp"
#include "smesim/version.hpp"

int main(int argc, char** argv) {
  using namespace smesim;
  constexpr int kExitRuntime = 1;  // I/O or internal failure
  constexpr int kExitInput = 2;    // bad scenario, input file or command line
  CLI::App app{
      "smesim: an agent-based simulator of Japanese manufacturing SMEs facing a shrinking "
      "home market and customers moving production abroad"};
  app.set_version_flag("--version", std::string("smesim ") + kVersion + " (" + kGitCommit + ")");
  app.require_subcommand(1);
  sim::Action action;
  sim::add_run_commands(app, action);
  sim::add_sweep_commands(app, action);
  sim::add_analysis_commands(app, action);
  sim::add_sensitivity_command(app, action);
  sim::add_report_command(app, action);
  sim::add_calibrate_command(app, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitInput;
  }
  try {
    return action ? action() : kExitInput;
  } catch (const sim::ScenarioError& e) {
    std::cerr << e.what() << "\n";
    return kExitInput;
  } catch (const sim::InputError& e) {
    std::cerr << "smesim: error: " << e.what() << "\n";
    return kExitInput;
  } catch (const std::exception& e) {
    std::cerr << "smesim: error: " << e.what() << "\n";
    return kExitRuntime;
  }
}
