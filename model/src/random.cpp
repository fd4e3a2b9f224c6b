// Stream::first_blocks (random.hpp): Philox blocks of many streams in one loop.
#include "smesim/model/random.hpp"

namespace smesim::model {

namespace {

struct Batch {
  r123::Philox4x32::ctr_type ctr;  // subject word (0) set per stream
  r123::Philox4x32::key_type key;
};

[[gnu::always_inline]] inline void blocks(const Batch& b, const std::uint32_t* subjects,
                                          std::size_t n, Stream::Block* out) {
  const r123::Philox4x32 philox;
  for (std::size_t k = 0; k < n; ++k) {
    Stream::Block c = b.ctr;
    c.v[0] = subjects[k];
    out[k] = philox(c, b.key);
  }
}

// With AVX2 the loop runs eight streams per instruction; the integers, and so every number drawn,
// are the same either way. (Chosen at run time by a plain test rather than an ifunc, which runs
// before sanitizer runtimes start.)
#if defined(__x86_64__) && defined(__GNUC__)
[[gnu::target("avx2")]] void blocks_avx2(const Batch& b, const std::uint32_t* subjects,
                                         std::size_t n, Stream::Block* out) {
  blocks(b, subjects, n, out);
}
bool has_avx2() {
  static const bool yes = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return yes;
}
#endif

}  // namespace

void Stream::first_blocks(const StreamKey& key, const std::uint32_t* subjects, std::size_t n,
                          std::uint32_t year_offset, Purpose purpose, Block* out) {
  const Stream proto(key, 0, year_offset, purpose);
  const Batch b{proto.ctr_, proto.key_};
#if defined(__x86_64__) && defined(__GNUC__)
  if (has_avx2()) return blocks_avx2(b, subjects, n, out);
#endif
  blocks(b, subjects, n, out);
}

}  // namespace smesim::model
