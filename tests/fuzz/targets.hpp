// Fuzz targets (docs/building.md, "Fuzzing"): each takes any bytes and feeds them to one of the
// readers of user files. A target returns normally when the reader accepts the input or rejects
// it with the project's error for bad input; anything else (a crash, a sanitizer report, another
// exception) is a finding. The same entry runs under libFuzzer (SMESIM_FUZZ=ON, clang) and in the
// normal build through replay.cpp, which feeds it every file of tests/fuzz/corpus/<target>/.
#pragma once

#include <cstddef>
#include <cstdint>

namespace smesim::fuzz {

int scenario(const std::uint8_t* data, std::size_t size);     // scenario YAML (scenario.cpp)
int sweep(const std::uint8_t* data, std::size_t size);        // sweep YAML (sweep.cpp)
int calibration(const std::uint8_t* data, std::size_t size);  // calibration YAML
// A results file as a sweep's unit file (unit_file_problem) and as a shard for merge_shards.
int results(const std::uint8_t* data, std::size_t size);

}  // namespace smesim::fuzz
