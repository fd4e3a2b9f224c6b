// Errors that the `smesim` command turns into exit codes, shared by sim/ and analysis/: bad user
// input is exit code 2, anything else 1 (see app/main.cpp).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace smesim::sim {

// Bad user input (a file, a flag value): reported on stderr, exit code 2.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Checks an output path before any work (every command that writes a file calls it first):
//   - InputError when `out` names one of `inputs` (compared after resolving `.`, `..` and
//     symbolic links, and by device and inode when both exist: hard links too), is a directory,
//     or exists as anything but a regular file (a device such as /dev/null, a FIFO, a socket),
//     which the atomic rename of the finished file would replace;
//   - std::runtime_error when its directory is missing or not writable.
void check_output_path(const std::string& out, const std::vector<std::string>& inputs = {});

// Writes `text` to `path` atomically: to "<path>.tmp-<pid>", flushed and fsync'ed, then renamed
// over `path`. On any error (ENOSPC, EFBIG, EIO, ...) the temporary is removed, `path` keeps
// its earlier contents, and a std::runtime_error names the path and the reason.
void write_text_file(const std::string& path, const std::string& text);

}  // namespace smesim::sim
