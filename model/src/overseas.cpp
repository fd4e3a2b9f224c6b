// Overseas operations (spec 5.7): exports and affiliates grow or fail; spill-over to productivity.
#include "smesim/model/overseas.hpp"

#include <algorithm>
#include <cmath>

#include "smesim/model/relocation.hpp"

namespace smesim::model {

void operate_overseas_firm(const Params& P, const Environment& env, Firms& f, std::size_t i,
                           Stream& s) {
  const auto& O = P.overseas;
  // Exports respond to the exchange rate (v2 5.1): a weaker yen (larger fx) raises them.
  const double dlog_fx = env.fx_prev > 0.0 && env.fx > 0.0 ? std::log(env.fx / env.fx_prev) : 0.0;
  double size = 1.0;
  // v2: the export channel matures as a whole: the premium fades as the firm's exports to all
  // regions (as of last year) approach mature_ratio_export * Y (per region, an LE exporting to
  // six markets would grow each towards the whole cap; docs/model.md).
  double exports = 0.0;
  for (int r = 0; r < kRegions; ++r) exports += f.X[i * kRegions + r];
  for (int r = 0; r < kRegions; ++r) {
    const std::size_t ir = i * kRegions + r;
    const Mode m = Mode(f.mode[ir]);
    if (m == Mode::none) continue;
    s.seek(std::uint32_t(2 * r));  // fixed draws per region: blocks 2r and 2r + 1
    const double u_fail = s.uniform();
    s.seek(std::uint32_t(2 * r + 1));
    const double z = s.normal();
    const double I = f.info[ir], g = P.regions[r].g;
    const bool young = f.years_in[ir] < O.fail_years;
    // The learning premium fades as the channel reaches its mature size, and reverses above
    // it; a negative premium (little information) always applies in full.
    auto growth = [&](double premium, double sales, double ratio) {
      const double scale = ratio * f.Y[i];
      const double maturity = scale > 0.0 ? std::clamp(1.0 - sales / scale, -1.0, 1.0) : -1.0;
      return premium > 0.0 ? premium * maturity : premium;
    };
    if (m == Mode::exporting) {
      if (f.years_in[ir] > 0)
        f.X[ir] *= std::exp(
            g + growth(O.export_info * I + O.export_drift, exports, O.mature_ratio_export) +
            O.export_noise * z + P.environment.eta_fx * dlog_fx);
      // A failed first attempt: the firm leaves r but keeps its experience (CE16 4.2.1).
      if (young && u_fail < O.export_fail * (1.0 - I) * (1.5 - f.ell[i])) {
        f.mode[ir] = 0;
        f.X[ir] = 0.0;
        f.years_in[ir] = 0;
        continue;
      }
    } else {
      // The intensive margin (v2 5.7): host-market sales grow with information towards a
      // mature size mu_r * Y; sales to Japan (SoJ) follow the brand's market (5.4).
      if (f.years_in[ir] > 0 && f.SoH[ir] > 0.0) {
        const double mu = is_asia(r) ? O.mu_asia : O.mu_west;
        const double cap = mu * f.Y[i];
        const double room = cap > 0.0 ? 1.0 - f.So[ir] / cap : -1.0;
        const double SoJ = f.So[ir] - f.SoH[ir];
        f.SoH[ir] *= std::exp(g + O.k_I * I * room - O.delta_So + O.sigma_So * z);
        f.So[ir] = SoJ + f.SoH[ir];
        f.suj[ir] *= 1.0 - O.suj_decay;  // local procurement grows with age (M05 4)
      }
      // A supplier already producing in r keeps the orders its customer moved there (5.3).
      if (f.follow[ir] > 0.0) {
        f.SoH[ir] += f.follow[ir];
        f.So[ir] += f.follow[ir];
        f.follow[ir] = 0.0;
      }
      if (young && u_fail < O.fdi_fail * (1.0 - I)) {
        f.W[i] -= f.K_abroad[ir];  // the affiliate's capital is written off
        f.K_abroad[ir] = 0.0;
        f.mode[ir] = 0;
        f.So[ir] = f.SoH[ir] = f.o[ir] = 0.0;
        f.saj[ir] = 0.0f;
        f.years_in[ir] = 0;
        continue;
      }
    }
    f.years_in[ir] = std::uint8_t(std::min(255, f.years_in[ir] + 1));
    size += f.So[ir] + f.X[ir];
  }
  // Group competitiveness: growth abroad raises productivity at home (M05 4).
  f.a[i] += O.kappa_spill * std::max(0.0, std::log(size) - std::log(f.overseas_size[i]));
  f.overseas_size[i] = size;
}

void operate_overseas(const Params& P, const YearContext& y, const Environment& env, Firms& f) {
  detail::for_ranges(y.exec, f.size(), [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) {
      if (!f.alive[i]) continue;
      if (!f.abroad(i) && f.overseas_size[i] == 1.0) continue;  // nothing abroad, then or now
      Stream s = y.stream(f, i, Purpose::overseas);
      operate_overseas_firm(P, env, f, i, s);
    }
  });
}

}  // namespace smesim::model
