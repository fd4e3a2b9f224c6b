// Learning (spec 5.8): Uppsala-style information, experience, language and ties, plus spill-over
// from peers and customers (CE16 6.1.1: SMEs follow their peers).
#include <array>
#include <cstdint>

#include "draws.hpp"
#include "smesim/model/world.hpp"

namespace smesim::model {

void World::learn() {
  const auto& L = params_.learning;
  // What neighbours see: the start-of-step information (order independence) in single precision,
  // eight floats per firm (six regions, then 0 and 1 for an alive firm), so that one 32-byte
  // aligned record per neighbour is read. The neighbours' information is a random gather over
  // the whole population, the step's largest cache-miss cost at national scale: the compact
  // records fit the last-level cache, and firm i + kAhead's records are fetched while firm i is
  // being computed.
  constexpr std::size_t kStride = 8, kAhead = 8;
  neighbour_view_.resize(n() * kStride + kStride);
  auto* view = reinterpret_cast<float*>(
      (reinterpret_cast<std::uintptr_t>(neighbour_view_.data()) + 31) & ~std::uintptr_t(31));
  exec_.for_blocks(n(), kGrain, [&](std::size_t, std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) {
      const bool alive = f_.alive[i];
      for (int r = 0; r < kRegions; ++r)
        view[i * kStride + r] = alive ? float(f_.info[i * kRegions + r]) : 0.0f;
      view[i * kStride + 6] = 0.0f;
      view[i * kStride + 7] = alive ? 1.0f : 0.0f;
    }
  });
  auto prefetch = [&](std::size_t j) {
    net_.for_each_peer(j, [&](std::size_t p) { __builtin_prefetch(view + p * kStride); });
  };
  for_alive_firms([&](std::size_t i, YearCounters&) {
    if (i + kAhead < n()) prefetch(i + kAhead);
    Stream s = stream(i, Purpose::learning);
    std::array<double, kRegions> neighbour_info{};
    double neighbours = 0;
    auto add = [&](std::size_t p) {
      const float* v = view + p * kStride;
      neighbours += v[7];
      for (int r = 0; r < kRegions; ++r) neighbour_info[r] += double(v[r]);  // 0 when dead
    };
    net_.for_each_peer(i, add);
    for (std::int32_t c : {f_.customer0[i], f_.customer1[i]})
      if (c != kNoFirm) add(std::size_t(c));
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
      if (neighbours > 0) I += L.peer_spill * (neighbour_info[r] / neighbours) * (1.0 - I);
      f_.info[ir] = I;
    }
    if (active) {
      f_.experience[i] += 1.0;
      f_.ell[i] += L.ell_gain * (1.0 - f_.ell[i]);
    }
  });
}

}  // namespace smesim::model
