// libFuzzer's entry point for one target (SMESIM_FUZZ_TARGET: scenario, sweep, calibration or
// results), linked either with libFuzzer (-fsanitize=fuzzer) or with replay.cpp.
#include <cstddef>
#include <cstdint>

#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return smesim::fuzz::SMESIM_FUZZ_TARGET(data, size);
}
