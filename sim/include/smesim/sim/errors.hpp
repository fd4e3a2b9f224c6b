// Errors that the `smesim` command turns into exit codes, shared by sim/ and analysis/: bad user
// input is exit code 2, anything else 1 (see app/main.cpp).
#pragma once

#include <stdexcept>
#include <string>

namespace smesim::sim {

// Bad user input (a file, a flag value): reported on stderr, exit code 2.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws std::runtime_error before any work when `out` cannot be written (missing or read-only
// directory).
void check_output_path(const std::string& out);

}  // namespace smesim::sim
