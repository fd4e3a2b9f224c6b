// Domestic production (v2 5.4): brands share a closed market per industry; keiretsu orders go
// down the DAG, customers before suppliers.
#include "smesim/model/production.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace smesim::model {

std::vector<double> market_shares(const Executor& exec, const Firms& f,
                                  const std::vector<double>& x) {
  constexpr double kLow = -std::numeric_limits<double>::infinity();
  using PerIndustry = std::array<double, kIndustries>;
  const std::size_t blocks = detail::blocks_of(f.size());
  std::vector<PerIndustry> block_max(blocks), block_sum(blocks);
  exec.for_blocks(f.size(), kGrain, [&](std::size_t b, std::size_t lo, std::size_t hi) {
    block_max[b].fill(kLow);
    for (std::size_t i = lo; i < hi; ++i)
      if (f.alive[i]) block_max[b][f.industry[i]] = std::max(block_max[b][f.industry[i]], x[i]);
  });
  PerIndustry top;
  top.fill(kLow);
  for (const auto& m : block_max)
    for (int k = 0; k < kIndustries; ++k) top[k] = std::max(top[k], m[k]);
  std::vector<double> s(f.size(), 0.0);
  exec.for_blocks(f.size(), kGrain, [&](std::size_t b, std::size_t lo, std::size_t hi) {
    block_sum[b].fill(0.0);
    for (std::size_t i = lo; i < hi; ++i)
      if (f.alive[i]) block_sum[b][f.industry[i]] += s[i] = std::exp(x[i] - top[f.industry[i]]);
  });
  PerIndustry total{};
  for (const auto& sums : block_sum)  // in block order: the same for any number of threads
    for (int k = 0; k < kIndustries; ++k) total[k] += sums[k];
  detail::for_ranges(exec, f.size(), [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i)
      if (f.alive[i]) s[i] /= total[f.industry[i]];
  });
  return s;
}

void produce_firm(const Params& P, const Environment& env, Firms& f, std::size_t i, double s) {
  const auto& Pr = P.production;
  double keiretsu = 0.0;
  for (int slot = 0; slot < 2; ++slot) {
    const std::int32_t c = slot ? f.customer1[i] : f.customer0[i];
    double& B = slot ? f.B1[i] : f.B0[i];
    if (c == kNoFirm) continue;
    if (!f.alive[c] || f.Y1[c] <= 0.0) {
      B = 0.0;
      continue;
    }
    // The orders a relocating customer moved abroad (v2 5.3): dB = B(t-1) * Mv_c / Y_c(t-1).
    if (f.relocated_mask[c])
      for (int r = 0; r < kRegions; ++r)
        f.follow[i * kRegions + r] += B * f.moved[std::size_t(c) * kRegions + r];
    // b_ic from last year's orders; parts for the customer's affiliates (Bx) in proportion.
    const double b = f.purchases[c] > 0.0 ? B / f.purchases[c] : 0.0;
    B *= f.Y[c] / f.Y1[c];  // orders follow the customer's production (already computed)
    keiretsu += B + Pr.psi * b * inputs_abroad(f, std::size_t(c));
  }
  const int k = f.industry[i];
  const double o = offshored(f, i);
  const double sales = s * env.D[k];
  f.Ymkt[i] = (1.0 - o) * sales;
  for (int r = 0; r < kRegions; ++r) {
    const std::size_t ir = i * kRegions + r;
    if (f.o[ir] <= 0.0 && f.SoH[ir] <= 0.0 && f.So[ir] == 0.0) continue;
    const double SoJ = f.o[ir] * sales;
    f.So[ir] = SoJ + f.SoH[ir];
    f.saj[ir] = f.So[ir] > 0.0 ? float(SoJ / f.So[ir]) : 0.0f;
  }
  f.first_active[i] = 0;
  f.Y_keiretsu[i] = keiretsu;
  set_overseas_flows(P, f, i);
  f.Y[i] = keiretsu + f.Ymkt[i] + f.Y_exports[i] + f.Y_parts[i];
}

void produce(const Params& P, const YearContext& y, const Tiers& tiers, Environment& env,
             Firms& f) {
  const auto& Pr = P.production;
  // The brands move (persistent), the year's sales draw is transitory (v2 5.4).
  std::vector<double> x(f.size(), 0.0);
  detail::for_ranges(y.exec, f.size(), [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) {
      if (!f.alive[i]) continue;
      Stream sp = y.stream(f, i, Purpose::brand), st = y.stream(f, i, Purpose::sales_shock);
      f.z[i] += Pr.productivity_pass * f.da[i] + Pr.kappa_rep * f.first_active[i] +
                Pr.sigma_p * sp.normal();
      x[i] = f.z[i] + Pr.sigma_t * st.normal();
    }
  });
  const std::vector<double> s = market_shares(y.exec, f, x);
  for (const auto& tier : tiers)
    detail::for_ranges(y.exec, tier.size(), [&](std::size_t lo, std::size_t hi) {
      for (std::size_t k = lo; k < hi; ++k) produce_firm(P, env, f, tier[k], s[tier[k]]);
    });
  count_purchases(f);  // this year's, for next year's b_ic
  // Re-centre the brands per industry (shares depend only on differences) and report the
  // offshored share of each market.
  std::array<double, kIndustries> top, back{};
  top.fill(-std::numeric_limits<double>::infinity());
  for (std::size_t i = 0; i < f.size(); ++i)
    if (f.alive[i]) {
      top[f.industry[i]] = std::max(top[f.industry[i]], f.z[i]);
      back[f.industry[i]] += offshored(f, i) * s[i];
    }
  detail::for_ranges(y.exec, f.size(), [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i)
      if (f.alive[i]) f.z[i] -= top[f.industry[i]];
  });
  env.import_share = back;
}

void count_purchases(Firms& f) {
  std::fill(f.purchases.begin(), f.purchases.end(), 0.0);
  std::fill(f.n_suppliers.begin(), f.n_suppliers.end(), 0);
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (!f.alive[i]) continue;
    for (int slot = 0; slot < 2; ++slot) {
      const std::int32_t c = slot ? f.customer1[i] : f.customer0[i];
      if (c == kNoFirm || !f.alive[c]) continue;
      f.purchases[c] += slot ? f.B1[i] : f.B0[i];
      ++f.n_suppliers[c];
    }
  }
}

double inputs_abroad(const Firms& f, std::size_t c) {
  double abroad = 0.0;
  for (int r = 0; r < kRegions; ++r) abroad += f.suj[c * kRegions + r] * f.So[c * kRegions + r];
  return abroad;
}

void set_overseas_flows(const Params& P, Firms& f, std::size_t i) {
  const auto& Pr = P.production;
  if (!f.abroad(i)) {
    f.Y_parts[i] = f.Y_back[i] = f.Y_exports[i] = 0.0;
    return;
  }
  const double psi_i = f.n_suppliers[i] > 0 ? Pr.psi : 0.0;
  double parts = 0.0, back = 0.0, exports = 0.0;
  for (int r = 0; r < kRegions; ++r) {
    const std::size_t ir = i * kRegions + r;
    parts += (1.0 - psi_i) * f.suj[ir] * f.So[ir];
    back += f.So[ir] - f.SoH[ir];  // SoJ
    exports += f.X[ir];
  }
  f.Y_parts[i] = parts;
  f.Y_back[i] = back;
  f.Y_exports[i] = exports;
}

}  // namespace smesim::model
