// Large-firm relocation (spec 5.3): LEs move a share of domestic production abroad and invite
// their tier-1 suppliers to follow (CE16 4.1.1).
#include <cmath>

#include "smesim/model/draws.hpp"
#include "smesim/model/world.hpp"

namespace smesim::model {

double World::relocation_hazard(std::size_t i, int r) const {
  const auto& R = params_.relocation;
  return sigmoid(R.theta0_r + params_.industries[f_.industry[i]].theta0_k +
                 R.theta_c * env_.adv[r] + R.theta_m * params_.regions[r].g +
                 R.size_elasticity * std::log(f_.L[i] / 1000.0));
}

// Moves `share` of last year's domestic production to an affiliate in r; production lines (and
// the same share of domestic fixed assets) go with it. The open-market cut is applied in 5.4.
void World::relocate(std::size_t i, int r, double share, Stream& s, YearCounters& c) {
  const std::size_t ir = i * kRegions + r;
  if (f_.mode[ir] != std::uint8_t(Mode::fdi)) {
    f_.mode[ir] = std::uint8_t(Mode::fdi);
    f_.years_in[ir] = 0;
    f_.X[ir] = 0.0;  // the affiliate now serves the market
    f_.saj[ir] = beta_mean(s, params_.regions[r].s_aj, params_.firms.share_concentration);
    f_.suj[ir] = beta_mean(s, params_.regions[r].s_uj, params_.firms.share_concentration);
  }
  f_.So[ir] += share * f_.Y1[i];
  f_.K_abroad[ir] += share * f_.K_dom[i];
  f_.K_dom[i] *= 1.0 - share;
  f_.relocation_cut[i] *= 1.0 - share;
  f_.relocated_mask[i] |= std::uint8_t(1u << r);
  if (!f_.ever_international[i]) {
    f_.ever_international[i] = 1;
    f_.first_active[i] = 1;
  }
  c.relocations += 1;
}

void World::relocate_large_firms() {
  const auto& P = params_;
  for_alive_firms([&](std::size_t i, YearCounters& c) {
    if (!f_.is_le(i, P)) return;
    Stream s = stream(i, Purpose::relocation);
    std::array<double, kRegions> u{};
    for (auto& x : u) x = s.uniform();  // one fixed draw per event (spec 9, smooth objective)
    for (int r = 0; r < kRegions; ++r)
      if (u[r] < relocation_hazard(i, r)) relocate(i, r, P.relocation.phi, s, c);
    for (std::size_t k = 0; k < P.shocks.size(); ++k) {
      const auto& shock = P.shocks[k];
      if (shock.year != env_.year) continue;
      Stream ss(key_, f_.id[i], std::uint32_t(env_.year - P.start_year), Purpose::shock);
      for (std::size_t skip = 0; skip < k; ++skip) ss.uniform();
      if (ss.uniform() < shock.share_of_le) relocate(i, shock.region, shock.fraction, s, c);
    }
  });
}

}  // namespace smesim::model
