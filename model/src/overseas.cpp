// Overseas operations (spec 5.7): exports and affiliates grow or fail; spill-over to productivity.
#include "smesim/model/overseas.hpp"

#include <algorithm>
#include <cmath>

namespace smesim::model {

void operate_overseas_firm(const Params& P, Firms& f, std::size_t i, Stream& s) {
  const auto& O = P.overseas;
  double size = 1.0;
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
            g + growth(O.export_info * I + O.export_drift, f.X[ir], O.mature_ratio_export) +
            O.export_noise * z);
      // A failed first attempt: the firm leaves r but keeps its experience (CE16 4.2.1).
      if (young && u_fail < O.export_fail * (1.0 - I) * (1.5 - f.ell[i])) {
        f.mode[ir] = 0;
        f.X[ir] = 0.0;
        f.years_in[ir] = 0;
        continue;
      }
    } else {
      if (f.years_in[ir] > 0) {
        f.So[ir] *=
            std::exp(g + growth(O.fdi_info * I + O.fdi_drift, f.So[ir], O.mature_ratio_fdi) +
                     O.fdi_noise * z);
        f.suj[ir] *= 1.0 - O.suj_decay;  // local procurement grows with age (M05 4)
      }
      if (young && u_fail < O.fdi_fail * (1.0 - I)) {
        f.W[i] -= f.K_abroad[ir];  // the affiliate's capital is written off
        f.K_abroad[ir] = 0.0;
        f.mode[ir] = 0;
        f.So[ir] = 0.0;
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

void operate_overseas(const Params& P, const YearContext& y, Firms& f) {
  detail::for_ranges(y.exec, f.size(), [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) {
      if (!f.alive[i]) continue;
      if (!f.abroad(i) && f.overseas_size[i] == 1.0) continue;  // nothing abroad, then or now
      Stream s = y.stream(f, i, Purpose::overseas);
      operate_overseas_firm(P, f, i, s);
    }
  });
}

}  // namespace smesim::model
