// `smesim regress` and `smesim calibrate`.
#include <CLI/CLI.hpp>

#include "smesim/sim/commands.hpp"

namespace smesim::sim {

void add_analysis_commands(CLI::App&, Action&) {}

}  // namespace smesim::sim
