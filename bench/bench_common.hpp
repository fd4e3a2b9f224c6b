// Helpers shared by the benchmark files.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

namespace smesim::bench {

// A scratch directory of its own under the system's temporary directory (unique per process, so
// concurrent benchmark runs do not collide); removed with everything in it on destruction.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name) {
    std::string dir = name;
    dir += '_';
    dir += std::to_string(getpid());
    path_ = std::filesystem::temp_directory_path() / dir;
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace smesim::bench
