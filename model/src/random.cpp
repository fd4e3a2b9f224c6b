// Stream::first_blocks (random.hpp): Philox blocks of many streams in one loop.
#include "smesim/model/random.hpp"

namespace smesim::model {

// With AVX2 (chosen at run time where the processor has it) the loop runs eight streams per
// instruction; the integers, and so every number drawn, are the same either way.
#if defined(__x86_64__) && defined(__GNUC__)
[[gnu::target_clones("avx2", "default")]]
#endif
void Stream::first_blocks(const StreamKey& key, const std::uint32_t* subjects, std::size_t n,
                          std::uint32_t year_offset, Purpose purpose, Block* out) {
  const Stream proto(key, 0, year_offset, purpose);
  const r123::Philox4x32 philox;
  for (std::size_t k = 0; k < n; ++k) {
    Block c = proto.ctr_;
    c.v[0] = subjects[k];
    out[k] = philox(c, proto.key_);
  }
}

}  // namespace smesim::model
