// Overseas operations (spec 5.7): exports and affiliates grow or fail; spill-over to productivity.
#include <algorithm>
#include <cmath>

#include "smesim/model/world.hpp"

namespace smesim::model {

void World::operate_overseas() {
  const auto& P = params_;
  const auto& O = P.overseas;
  for_alive_firms([&](std::size_t i, YearCounters&) {
    if (!f_.abroad(i) && f_.overseas_size[i] == 1.0) return;  // nothing abroad, then or now
    Stream s = stream(i, Purpose::overseas);
    double size = 1.0;
    for (int r = 0; r < kRegions; ++r) {
      const std::size_t ir = i * kRegions + r;
      const Mode m = Mode(f_.mode[ir]);
      if (m == Mode::none) continue;
      s.seek(std::uint32_t(2 * r));  // fixed draws per region: blocks 2r and 2r + 1
      const double u_fail = s.uniform();
      s.seek(std::uint32_t(2 * r + 1));
      const double z = s.normal();
      const double I = f_.info[ir], g = P.regions[r].g;
      const bool young = f_.years_in[ir] < O.fail_years;
      // The learning premium fades as the channel reaches its mature size, and reverses above
      // it; a negative premium (little information) always applies in full.
      auto growth = [&](double premium, double sales, double ratio) {
        const double scale = ratio * f_.Y[i];
        const double maturity = scale > 0.0 ? std::clamp(1.0 - sales / scale, -1.0, 1.0) : -1.0;
        return premium > 0.0 ? premium * maturity : premium;
      };
      if (m == Mode::exporting) {
        if (f_.years_in[ir] > 0)
          f_.X[ir] *= std::exp(
              g + growth(O.export_info * I + O.export_drift, f_.X[ir], O.mature_ratio_export) +
              O.export_noise * z);
        // A failed first attempt: the firm leaves r but keeps its experience (CE16 4.2.1).
        if (young && u_fail < O.export_fail * (1.0 - I) * (1.5 - f_.ell[i])) {
          f_.mode[ir] = 0;
          f_.X[ir] = 0.0;
          f_.years_in[ir] = 0;
          continue;
        }
      } else {
        if (f_.years_in[ir] > 0) {
          f_.So[ir] *=
              std::exp(g + growth(O.fdi_info * I + O.fdi_drift, f_.So[ir], O.mature_ratio_fdi) +
                       O.fdi_noise * z);
          f_.suj[ir] *= 1.0 - O.suj_decay;  // local procurement grows with age (M05 4)
        }
        if (young && u_fail < O.fdi_fail * (1.0 - I)) {
          f_.W[i] -= f_.K_abroad[ir];  // the affiliate's capital is written off
          f_.K_abroad[ir] = 0.0;
          f_.mode[ir] = 0;
          f_.So[ir] = 0.0;
          f_.years_in[ir] = 0;
          continue;
        }
      }
      f_.years_in[ir] = std::uint8_t(std::min(255, f_.years_in[ir] + 1));
      size += f_.So[ir] + f_.X[ir];
    }
    // Group competitiveness: growth abroad raises productivity at home (M05 4).
    f_.a[i] += O.kappa_spill * std::max(0.0, std::log(size) - std::log(f_.overseas_size[i]));
    f_.overseas_size[i] = size;
  });
}

}  // namespace smesim::model
