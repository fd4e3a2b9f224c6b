#include "smesim/sim/errors.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace fs = std::filesystem;

namespace smesim::sim {

namespace {

// The path with `.`, `..` and symbolic links resolved as far as it exists.
fs::path resolved(const std::string& p) {
  std::error_code ec;
  fs::path r = fs::weakly_canonical(fs::absolute(p, ec), ec);
  return ec ? fs::absolute(p).lexically_normal() : r;
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {
  }, sb{};
  if (::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0)
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  return resolved(a) == resolved(b);
}

}  // namespace

// Fails early, before any work, when the output cannot or must not be written there.
void check_output_path(const std::string& out, const std::vector<std::string>& inputs) {
  if (out.empty()) throw InputError("the output path is empty");
  for (const auto& in : inputs)
    if (!in.empty() && same_file(out, in))
      throw InputError("the output '" + out + "' is the input '" + in +
                       "': writing it would destroy the input; choose another output name");
  struct stat st {};
  if (::stat(out.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode))
      throw InputError("the output '" + out + "' is a directory: give a file name");
    if (!S_ISREG(st.st_mode))
      throw InputError("the output '" + out +
                       "' exists and is not a regular file (a device, FIFO or socket): "
                       "smesim replaces its output by renaming, which would remove it");
  }
  const fs::path dir = fs::absolute(fs::path(out)).parent_path();
  if (!fs::is_directory(dir))
    throw std::runtime_error("cannot write '" + out + "': directory '" + dir.string() +
                             "' does not exist");
  if (::access(dir.c_str(), W_OK) != 0)
    throw std::runtime_error("cannot write '" + out + "': directory '" + dir.string() +
                             "' is not writable");
}

void write_text_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  auto fail = [&](const std::string& what, int err) {
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot write '" + path + "': " + what + ": " + std::strerror(err));
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) fail("cannot create '" + tmp + "'", errno);
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      ::close(fd);
      fail("writing '" + tmp + "'", err);
    }
    p += n;
    left -= std::size_t(n);
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    fail("flushing '" + tmp + "'", err);
  }
  if (::close(fd) != 0) fail("closing '" + tmp + "'", errno);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) fail("renaming '" + tmp + "' to it", errno);
}

}  // namespace smesim::sim
