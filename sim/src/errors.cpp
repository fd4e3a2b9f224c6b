#include "smesim/sim/errors.hpp"

#include <unistd.h>

#include <filesystem>

namespace fs = std::filesystem;

namespace smesim::sim {

// Fails early, before any work, when the output cannot be written there.
void check_output_path(const std::string& out) {
  const fs::path dir = fs::absolute(fs::path(out)).parent_path();
  if (!fs::is_directory(dir))
    throw std::runtime_error("cannot write '" + out + "': directory '" + dir.string() +
                             "' does not exist");
  if (::access(dir.c_str(), W_OK) != 0)
    throw std::runtime_error("cannot write '" + out + "': directory '" + dir.string() +
                             "' is not writable");
}

}  // namespace smesim::sim
