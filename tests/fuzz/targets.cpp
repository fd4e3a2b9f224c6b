// The fuzz targets (targets.hpp).
#include "targets.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "smesim/analysis/calibration_file.hpp"
#include "smesim/sim/errors.hpp"
#include "smesim/sim/output.hpp"
#include "smesim/sim/scenario.hpp"
#include "smesim/sim/sweep.hpp"
#include "smesim/sim/yaml_reader.hpp"

namespace fs = std::filesystem;

namespace smesim::fuzz {

namespace {

std::string text_of(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// A path beside the project's own files, so that `base: baseline.yaml` (sweeps) and
// `base: ../scenarios/baseline.yaml` (calibrations) name real files. Nothing is written there.
std::string beside(const char* dir) {
  return std::string(SMESIM_SOURCE_DIR) + "/" + dir + "/fuzz-input.yaml";
}

// Runs `read`; the project's errors for bad input are expected, anything else escapes.
template <class F>
int expecting_input_errors(F read) {
  try {
    read();
  } catch (const sim::InputFileError&) {
  } catch (const sim::InputError&) {
  }
  return 0;
}

}  // namespace

int scenario(const std::uint8_t* data, std::size_t size) {
  return expecting_input_errors(
      [&] { sim::parse_scenario(text_of(data, size), beside("scenarios")); });
}

int sweep(const std::uint8_t* data, std::size_t size) {
  return expecting_input_errors(
      [&] { sim::parse_sweep(text_of(data, size), beside("scenarios")); });
}

int calibration(const std::uint8_t* data, std::size_t size) {
  return expecting_input_errors(
      [&] { analysis::parse_calibration(text_of(data, size), beside("calibration")); });
}

int results(const std::uint8_t* data, std::size_t size) {
  static const sim::SweepSpec spec =
      sim::load_sweep(std::string(SMESIM_SOURCE_DIR) + "/tests/fuzz/sweep_tiny.yaml");
  static const fs::path dir = [] {
    const fs::path d = fs::temp_directory_path() / ("smesim_fuzz_" + std::to_string(getpid()));
    fs::create_directories(d);
    return d;
  }();
  const std::string in = (dir / "input.h5").string(), out = (dir / "merged.h5").string();
  {
    std::FILE* f = std::fopen(in.c_str(), "wb");
    if (!f) return 0;
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  sim::Results r;
  try {
    r = sim::read_results(in);  // a std::runtime_error for any file it does not accept
  } catch (const std::runtime_error&) {
    return 0;
  }
  for (int unit : {0, 1, spec.points() * spec.replications - 1})
    (void)sim::unit_file_problem(spec, unit, r);
  try {
    sim::merge_shards({in}, out);  // InputError for anything but a complete shard set
  } catch (const sim::InputError&) {
  }
  std::error_code ec;
  fs::remove(out, ec);
  return 0;
}

}  // namespace smesim::fuzz
