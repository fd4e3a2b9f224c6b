// Learning (spec 5.8): Uppsala-style information, experience, language and ties, plus spill-over
// from peers and customers (CE16 6.1.1: SMEs follow their peers).
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <new>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "smesim/model/draws.hpp"
#include "smesim/model/world.hpp"

namespace smesim::model {

namespace {
// A neighbour record: information in six regions in 16-bit fixed point, then 1 for an alive firm,
// then padding: 16 bytes, four records per cache line.
constexpr std::size_t kStride = 8;
constexpr double kInfoScale = 65535.0;
}  // namespace

template <class T>
void HugePageArray<T>::resize(std::size_t n) {
  if (n > capacity_) {
    constexpr std::size_t kHuge = std::size_t(1) << 21;
    const std::size_t bytes = (n * sizeof(T) + kHuge - 1) / kHuge * kHuge;
    auto* p = static_cast<T*>(std::aligned_alloc(kHuge, bytes));
    if (!p) throw std::bad_alloc();  // the array is left as it was
#if defined(MADV_HUGEPAGE)
    ::madvise(p, bytes, MADV_HUGEPAGE);
#endif
    p_.reset(p);
    capacity_ = bytes / sizeof(T);
  }
  n_ = n;
}
template <class T>
void HugePageArray<T>::Free::operator()(T* p) const {
  std::free(p);
}
template class HugePageArray<std::uint16_t>;

void World::learn() {
  // What neighbours see: the start-of-step information (order independence) in 16-bit fixed
  // point (steps of 1.5e-5, far finer than anything the spill-over resolves), eight 16-bit words
  // per firm (six regions, 1 for an alive firm, padding), so that one 16-byte aligned record per
  // neighbour is read. Reading every neighbour's record is a random gather, the step's largest
  // cache-miss cost at national scale. Peers share an industry, so firms are visited industry by
  // industry: the records being gathered are then one industry's (a tenth of the population),
  // and the records of the firm kAhead places on are fetched ahead. Sums of the records are
  // integer sums (exact in any order), and each firm writes only its own state, so the order
  // does not change any result.
  constexpr std::size_t kAhead = 4;
  neighbour_view_.resize(n() * kStride);
  std::uint16_t* view = neighbour_view_.data();
  exec_.for_blocks(n(), kGrain, [&](std::size_t, std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) {
      const bool alive = f_.alive[i];
      for (int r = 0; r < kRegions; ++r)
        view[i * kStride + r] =
            alive ? std::uint16_t(
                        std::clamp(double(f_.info[i * kRegions + r]), 0.0, 1.0) * kInfoScale + 0.5)
                  : 0;
      view[i * kStride + 6] = alive ? 1 : 0;
      view[i * kStride + 7] = 0;
    }
  });
  const std::vector<std::uint32_t> order = alive_by_industry();
  auto prefetch = [&](std::size_t j) {
    net_.for_each_peer(j, [&](std::size_t p) { __builtin_prefetch(view + p * kStride); });
  };
  exec_.for_blocks(order.size(), kGrain, [&](std::size_t, std::size_t lo, std::size_t hi) {
    for (std::size_t pos = lo; pos < hi; ++pos) {
      if (pos + kAhead < hi) prefetch(order[pos + kAhead]);
      learn_firm(order[pos], view);
    }
  });
}

void World::learn_firm(std::size_t i, const std::uint16_t* view) {
  const auto& L = params_.learning;
  Stream s = stream(i, Purpose::learning);
  std::array<std::uint32_t, kStride> sum{};  // by region, then the number of alive neighbours
  auto add = [&](std::size_t p) {
    const std::uint16_t* v = view + p * kStride;
    for (std::size_t k = 0; k < kStride; ++k) sum[k] += v[k];  // 0 when dead
  };
  net_.for_each_peer(i, add);
  for (std::int32_t c : {f_.customer0[i], f_.customer1[i]})
    if (c != kNoFirm) add(std::size_t(c));
  const double neighbours = sum[6];
  bool active = false;
  for (int r = 0; r < kRegions; ++r) {
    const std::size_t ir = i * kRegions + r;
    double I = f_.info[ir];  // only firm i writes its own
    if (f_.mode[ir] != 0) {
      I += L.info_gain * (1.0 - I);
      s.seek(std::uint32_t(16 * r));  // each region's draws from its own blocks
      f_.ties[ir] = std::uint16_t(std::min(65535, f_.ties[ir] + poisson(s, L.tie_rate)));
      active = true;
    } else {
      I *= L.info_decay;
    }
    if (neighbours > 0) I += L.peer_spill * (sum[r] / (kInfoScale * neighbours)) * (1.0 - I);
    f_.info[ir] = I;
  }
  if (active) {
    f_.experience[i] += 1.0;
    f_.ell[i] += L.ell_gain * (1.0 - f_.ell[i]);
  }
}

}  // namespace smesim::model
