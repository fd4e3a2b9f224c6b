// Large-firm relocation (spec 5.3): LEs move a share of domestic production abroad and invite
// their tier-1 suppliers to follow (CE16 4.1.1).
#include "smesim/model/relocation.hpp"

#include <cmath>

#include "smesim/model/draws.hpp"
#include "smesim/model/production.hpp"

namespace smesim::model {

double relocation_hazard(const Params& p, const Environment& env, const Firms& f, std::size_t i,
                         int r) {
  const auto& R = p.relocation;
  return sigmoid(R.theta0_r + p.industries[f.industry[i]].theta0_k + R.theta_c * env.adv[r] +
                 R.theta_m * p.regions[r].g + R.size_elasticity * std::log(f.L[i] / 1000.0));
}

bool is_asia(int r) {
  return r == int(Region::nies) || r == int(Region::asean) || r == int(Region::china);
}

void relocate(const Params& p, Firms& f, std::size_t i, int r, double share, double o_before,
              Stream& s, YearCounters& c) {
  const std::size_t ir = i * kRegions + r;
  // The amount moved (v2 5.3), from last year's open-market sales: to Asia the brand's
  // offshored share rises (import-back); elsewhere exports to r become affiliate sales.
  const bool asia = is_asia(r);
  const double Mv = asia ? share * f.Ymkt[i] : std::min(f.X[ir], share * f.Ymkt[i]);
  if (!(Mv > 0.0)) return;  // nothing moved: no relocation, no invitation
  if (asia) {
    f.o[ir] += share * (1.0 - o_before);
  } else {
    f.X[ir] -= Mv;
    f.SoH[ir] += Mv;
    f.So[ir] += Mv;
  }
  if (f.mode[ir] != std::uint8_t(Mode::fdi)) {
    // A new Asian affiliate also sells in its host market and to third countries (M05 Table 1:
    // import-back is a quarter of Asian affiliates' sales), starting at
    // relocation.host_start * Y (as an SME's first FDI at share_fdi * Y, v2 5.7); the intensive
    // margin then grows it (docs/model.md 6.3).
    if (asia) {
      f.SoH[ir] = p.relocation.host_start * f.Y1[i];
      f.So[ir] += f.SoH[ir];
    }
    f.mode[ir] = std::uint8_t(Mode::fdi);
    // A relocation-made affiliate takes no early-failure draw (past the failure window).
    f.years_in[ir] = std::uint8_t(p.overseas.fail_years);
    f.suj[ir] = beta_mean(s, p.regions[r].s_uj, p.firms.share_concentration);
  }
  const double moved = f.Y1[i] > 0.0 ? Mv / f.Y1[i] : 0.0;
  f.moved[ir] += moved;
  f.K_abroad[ir] += moved * f.K_dom[i];
  f.K_dom[i] *= 1.0 - std::min(1.0, moved);
  f.relocated_mask[i] |= std::uint8_t(1u << r);
  if (!f.ever_international[i]) {
    f.ever_international[i] = 1;
    f.first_active[i] = 1;
  }
  c.relocations += 1;
}

void relocate_large_firms(const Params& P, const YearContext& y, const Environment& env, Firms& f,
                          YearCounters& counters) {
  detail::for_alive_firms(y.exec, f.alive, counters, [&](std::size_t i, YearCounters& c) {
    if (!f.is_le(i, P)) return;
    Stream s = y.stream(f, i, Purpose::relocation);
    std::array<double, kRegions> u{};
    for (auto& x : u) x = s.uniform();  // one fixed draw per event (spec 9, smooth objective)
    // All of the year's relocations use last year's o and Ymkt (v2 5.3).
    const double o_before = offshored(f, i);
    for (int r = 0; r < kRegions; ++r)
      if (u[r] < relocation_hazard(P, env, f, i, r))
        relocate(P, f, i, r, P.relocation.phi, o_before, s, c);
    for (std::size_t k = 0; k < P.shocks.size(); ++k) {
      const auto& shock = P.shocks[k];
      if (shock.year != y.year) continue;
      Stream ss = y.stream(f, i, Purpose::shock);
      for (std::size_t skip = 0; skip < k; ++skip) ss.uniform();
      if (ss.uniform() < shock.share_of_le)
        relocate(P, f, i, shock.region, shock.fraction, o_before, s, c);
    }
  });
}

}  // namespace smesim::model
