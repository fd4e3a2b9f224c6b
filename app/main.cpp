// The `smesim` command line: each subcommand is registered by the file that implements it.
#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "commands.hpp"
#include "smesim/sim/errors.hpp"
#include "smesim/sim/scenario.hpp"
#include "smesim/version.hpp"

int main(int argc, char** argv) {
  using namespace smesim;
  // A file-size limit (ulimit -f) makes a write fail with EFBIG, reported like a full disk,
  // instead of killing the process (SIGXFSZ) with its temporary files left behind.
  std::signal(SIGXFSZ, SIG_IGN);
  constexpr int kExitRuntime = 1;  // I/O or internal failure
  constexpr int kExitInput = 2;    // bad scenario, input file or command line
  CLI::App cli{
      "smesim: an agent-based simulator of Japanese manufacturing SMEs facing a shrinking "
      "home market and customers moving production abroad"};
  cli.set_version_flag("--version", std::string("smesim ") + kVersion + " (" + kGitCommit + ")");
  cli.require_subcommand(1);
  app::Action action;
  app::add_run_commands(cli, action);
  app::add_sweep_commands(cli, action);
  app::add_analysis_commands(cli, action);
  app::add_sensitivity_command(cli, action);
  app::add_report_command(cli, action);
  app::add_calibrate_command(cli, action);
  app::add_fit_command(cli, action);
  app::add_hindcast_command(cli, action);
  app::add_workbench_commands(cli, action);
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = cli.exit(e);
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
