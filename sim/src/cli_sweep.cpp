// `smesim sweep`, `smesim merge` and `smesim sensitivity`.
#include <CLI/CLI.hpp>

#include "smesim/sim/commands.hpp"

namespace smesim::sim {

void add_sweep_commands(CLI::App&, Action&) {}

}  // namespace smesim::sim
