// Learning (spec 5.8): Uppsala-style information, experience, language and ties, plus spill-over
// from peers and customers (CE16 6.1.1: SMEs follow their peers).
#include <array>

#include "draws.hpp"
#include "smesim/model/world.hpp"

namespace smesim::model {

void World::learn() {
  const auto& L = params_.learning;
  info_snapshot_ = f_.info;  // spill-over reads the start-of-step state (order independence)
  const auto& snap = info_snapshot_;
  for_alive_firms([&](std::size_t i, YearCounters&) {
    Stream s = stream(i, Purpose::learning);
    std::array<double, kRegions> neighbour_info{};
    int neighbours = 0;
    auto add = [&](std::size_t p) {
      if (!f_.alive[p]) return;
      ++neighbours;
      for (int r = 0; r < kRegions; ++r) neighbour_info[r] += snap[p * kRegions + r];
    };
    for (auto [e, end] = boost::out_edges(i, net_.peers); e != end; ++e)
      add(boost::target(*e, net_.peers));
    for (std::int32_t c : {f_.customer0[i], f_.customer1[i]})
      if (c != kNoFirm) add(std::size_t(c));
    bool active = false;
    for (int r = 0; r < kRegions; ++r) {
      const std::size_t ir = i * kRegions + r;
      double I = snap[ir];
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
