// Learning (spec 5.8): Uppsala-style information, experience, language and ties, plus spill-over
// from peers and customers (CE16 6.1.1: SMEs follow their peers).
#include "smesim/model/learning.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

#include "smesim/model/draws.hpp"

namespace smesim::model {

namespace {
// A neighbour record: information in six regions in 16-bit fixed point, then 1 for an alive firm,
// then padding: 16 bytes, four records per cache line.
constexpr std::size_t kStride = 8;
constexpr double kInfoScale = 65535.0;
}  // namespace

void record_neighbours(const Executor& exec, const Firms& f, NeighbourRecords& records) {
  records.view.resize(f.size() * kStride);
  std::uint16_t* view = records.view.data();
  detail::for_ranges(exec, f.size(), [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) {
      const bool alive = f.alive[i];
      for (int r = 0; r < kRegions; ++r)
        view[i * kStride + r] =
            alive ? std::uint16_t(
                        std::clamp(double(f.info[i * kRegions + r]), 0.0, 1.0) * kInfoScale + 0.5)
                  : 0;
      view[i * kStride + 6] = alive ? 1 : 0;
      view[i * kStride + 7] = 0;
    }
  });
}

void learn(const LearningParams& L, const YearContext& y, const Networks& net,
           NeighbourRecords& records, Firms& f) {
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
  record_neighbours(y.exec, f, records);
  const std::uint16_t* view = records.view.data();
  const std::vector<std::uint32_t> order = detail::alive_in_groups(
      y.exec, f.alive, kIndustries, [&](std::size_t i) { return f.industry[i]; });
  auto prefetch = [&](std::size_t j) {
    net.for_each_peer(j, [&](std::size_t p) { __builtin_prefetch(view + p * kStride); });
  };
  detail::for_ranges(y.exec, order.size(), [&](std::size_t lo, std::size_t hi) {
    for (std::size_t pos = lo; pos < hi; ++pos) {
      if (pos + kAhead < hi) prefetch(order[pos + kAhead]);
      learn_firm(L, y, net, view, f, order[pos]);
    }
  });
}

void learn_firm(const LearningParams& L, const YearContext& y, const Networks& net,
                const std::uint16_t* view, Firms& f, std::size_t i) {
  Stream s = y.stream(f, i, Purpose::learning);
  std::array<std::uint32_t, kStride> sum{};  // by region, then the number of alive neighbours
  auto add = [&](std::size_t p) {
    const std::uint16_t* v = view + p * kStride;
    for (std::size_t k = 0; k < kStride; ++k) sum[k] += v[k];  // 0 when dead
  };
  net.for_each_peer(i, add);
  for (std::int32_t c : {f.customer0[i], f.customer1[i]})
    if (c != kNoFirm) add(std::size_t(c));
  const double neighbours = sum[6];
  bool active = false;
  for (int r = 0; r < kRegions; ++r) {
    const std::size_t ir = i * kRegions + r;
    double I = f.info[ir];  // only firm i writes its own
    if (f.mode[ir] != 0) {
      I += L.info_gain * (1.0 - I);
      s.seek(std::uint32_t(16 * r));  // each region's draws from its own blocks
      f.ties[ir] = std::uint16_t(std::min(65535, f.ties[ir] + poisson(s, L.tie_rate)));
      active = true;
    } else {
      I *= L.info_decay;
    }
    if (neighbours > 0) I += L.peer_spill * (sum[r] / (kInfoScale * neighbours)) * (1.0 - I);
    f.info[ir] = I;
  }
  if (active) {
    f.experience[i] += 1.0;
    f.ell[i] += L.ell_gain * (1.0 - f.ell[i]);
  }
}

}  // namespace smesim::model
