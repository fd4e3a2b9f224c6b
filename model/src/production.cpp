// Domestic production down the keiretsu DAG (spec 5.4): customers before suppliers.
#include "smesim/model/production.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace smesim::model {

void produce_firm(const Params& P, const Environment& env, Firms& f, std::size_t i, Stream& s) {
  const auto& Pr = P.production;
  const double shock = s.normal();
  double keiretsu = 0.0;
  for (int slot = 0; slot < 2; ++slot) {
    const std::int32_t c = slot ? f.customer1[i] : f.customer0[i];
    double& B = slot ? f.B1[i] : f.B0[i];
    if (c == kNoFirm) continue;
    if (!f.alive[c] || f.Y1[c] <= 0.0) {
      B = 0.0;
      continue;
    }
    // b_ic from last year's orders; parts for the customer's affiliates (Bx) in proportion.
    const double b = f.purchases[c] > 0.0 ? B / f.purchases[c] : 0.0;
    B *= f.Y[c] / f.Y1[c];  // orders follow the customer's production (already computed)
    keiretsu += B + Pr.psi * b * inputs_abroad(Pr, f, std::size_t(c));
  }
  const int k = f.industry[i];
  const double demand = env.D_eff_prev[k] > 0.0 ? env.D_eff[k] / env.D_eff_prev[k] : 0.0;
  f.Ymkt[i] *= demand * f.relocation_cut[i] *
               std::exp(Pr.productivity_pass * f.da[i] + Pr.kappa_rep * f.first_active[i] +
                        Pr.sigma_y * shock);
  f.first_active[i] = 0;
  f.Y_keiretsu[i] = keiretsu;
  set_overseas_flows(P, f, i);
  f.Y[i] = std::max(0.0, keiretsu + f.Ymkt[i] + f.Y_exports[i] + f.Y_parts[i] - f.Y_back[i]);
}

void produce(const Params& P, const YearContext& y, const Tiers& tiers, Environment& env,
             Firms& f) {
  update_import_shares(P, y.exec, f, env);
  for (const auto& tier : tiers)
    y.exec.for_blocks(tier.size(), kGrain, [&](std::size_t, std::size_t lo, std::size_t hi) {
      detail::streams_for(
          y.streams(), f.id, tier.data() + lo, hi - lo, std::array{Purpose::production},
          [&](std::size_t i, std::array<Stream, 1>& s) { produce_firm(P, env, f, i, s[0]); });
    });
  count_purchases(f);  // this year's, for next year's b_ic
}

void update_import_shares(const Params& P, const Executor& exec, const Firms& f, Environment& env) {
  const auto& Pr = P.production;
  // Per-block sums added in block order: the same result for any number of threads.
  using Sums = std::array<double, 2 * kIndustries>;  // import-back, then last year's sales
  std::vector<Sums> block_sums(detail::blocks_of(f.size()), Sums{});
  exec.for_blocks(f.size(), kGrain, [&](std::size_t blk, std::size_t lo, std::size_t hi) {
    auto& sums = block_sums[blk];
    for (std::size_t i = lo; i < hi; ++i) {
      if (!f.alive[i]) continue;
      const double chi = f.is_le(i, P) ? Pr.chi_le : Pr.chi_sme;
      double b = 0.0;
      if (f.abroad(i))
        for (int r = 0; r < kRegions; ++r) b += f.saj[i * kRegions + r] * f.So[i * kRegions + r];
      sums[f.industry[i]] += (1.0 - chi) * b;
      sums[kIndustries + f.industry[i]] += f.Y1[i];
    }
  });
  Sums total{};
  for (const auto& sums : block_sums)
    for (std::size_t k = 0; k < total.size(); ++k) total[k] += sums[k];
  for (int k = 0; k < kIndustries; ++k) {
    const double back = total[std::size_t(k)], sales = total[std::size_t(kIndustries + k)];
    env.import_share[k] = sales > 0 ? std::min(1.0, back / sales) : 0.0;
    env.D_eff[k] = env.D[k] * (1.0 - env.import_share[k]);
  }
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

double inputs_abroad(const ProductionParams& Pr, const Firms& f, std::size_t c) {
  double abroad = 0.0;
  for (int r = 0; r < kRegions; ++r)
    abroad += f.suj[c * kRegions + r] * Pr.gamma_in * f.So[c * kRegions + r];
  return abroad;
}

void set_overseas_flows(const Params& P, Firms& f, std::size_t i) {
  const auto& Pr = P.production;
  if (!f.abroad(i)) {
    f.Y_parts[i] = f.Y_back[i] = f.Y_exports[i] = 0.0;
    return;
  }
  const double chi = f.is_le(i, P) ? Pr.chi_le : Pr.chi_sme;
  const double psi_i = f.n_suppliers[i] > 0 ? Pr.psi : 0.0;
  double parts = 0.0, back = 0.0, exports = 0.0;
  for (int r = 0; r < kRegions; ++r) {
    const std::size_t ir = i * kRegions + r;
    parts += (1.0 - psi_i) * f.suj[ir] * Pr.gamma_in * f.So[ir];
    back += chi * f.saj[ir] * f.So[ir];
    exports += f.X[ir];
  }
  f.Y_parts[i] = parts;
  f.Y_back[i] = back;
  f.Y_exports[i] = exports;
}

}  // namespace smesim::model
