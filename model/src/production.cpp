// Domestic production down the keiretsu DAG (spec 5.4): customers before suppliers.
#include <algorithm>
#include <array>
#include <cmath>

#include "smesim/model/world.hpp"

namespace smesim::model {

void World::produce() {
  const auto& P = params_;
  const auto& Pr = P.production;

  update_import_shares();

  auto produce_firm = [&](std::size_t i, Stream& s) {
    const double shock = s.normal();
    double keiretsu = 0.0;
    for (int slot = 0; slot < 2; ++slot) {
      const std::int32_t c = slot ? f_.customer1[i] : f_.customer0[i];
      double& B = slot ? f_.B1[i] : f_.B0[i];
      if (c == kNoFirm) continue;
      if (!f_.alive[c] || f_.Y1[c] <= 0.0) {
        B = 0.0;
        continue;
      }
      // b_ic from last year's orders; parts for the customer's affiliates (Bx) in proportion.
      const double b = f_.purchases[c] > 0.0 ? B / f_.purchases[c] : 0.0;
      B *= f_.Y[c] / f_.Y1[c];  // orders follow the customer's production (already computed)
      keiretsu += B + Pr.psi * b * inputs_abroad(std::size_t(c));
    }
    const int k = f_.industry[i];
    const double demand = env_.D_eff_prev[k] > 0.0 ? env_.D_eff[k] / env_.D_eff_prev[k] : 0.0;
    f_.Ymkt[i] *= demand * f_.relocation_cut[i] *
                  std::exp(Pr.productivity_pass * f_.da[i] + Pr.kappa_rep * f_.first_active[i] +
                           Pr.sigma_y * shock);
    f_.first_active[i] = 0;
    f_.Y_keiretsu[i] = keiretsu;
    set_overseas_flows(i);
    f_.Y[i] = std::max(0.0, keiretsu + f_.Ymkt[i] + f_.Y_exports[i] + f_.Y_parts[i] - f_.Y_back[i]);
  };
  for (const auto& tier : tiers_)
    exec_.for_blocks(tier.size(), kGrain, [&](std::size_t, std::size_t lo, std::size_t hi) {
      streams_for(tier.data() + lo, hi - lo, std::array{Purpose::production},
                  [&](std::size_t i, std::array<Stream, 1>& s) { produce_firm(i, s[0]); });
    });

  count_purchases();  // this year's, for next year's b_ic
}

// Import-back of all firms in industry k not replacing their own product takes a share m_k of the
// domestic market: this year's affiliates over last year's domestic production.
void World::update_import_shares() {
  const auto& Pr = params_.production;
  // Per-block sums added in block order: the same result for any number of threads.
  using Sums = std::array<double, 2 * kIndustries>;  // import-back, then last year's sales
  const std::size_t blocks = (n() + kGrain - 1) / kGrain;
  std::vector<Sums> block_sums(blocks, Sums{});
  exec_.for_blocks(n(), kGrain, [&](std::size_t blk, std::size_t lo, std::size_t hi) {
    auto& sums = block_sums[blk];
    for (std::size_t i = lo; i < hi; ++i) {
      if (!f_.alive[i]) continue;
      const double chi = f_.is_le(i, params_) ? Pr.chi_le : Pr.chi_sme;
      double b = 0.0;
      if (f_.abroad(i))
        for (int r = 0; r < kRegions; ++r) b += f_.saj[i * kRegions + r] * f_.So[i * kRegions + r];
      sums[f_.industry[i]] += (1.0 - chi) * b;
      sums[kIndustries + f_.industry[i]] += f_.Y1[i];
    }
  });
  Sums total{};
  for (const auto& sums : block_sums)
    for (std::size_t k = 0; k < total.size(); ++k) total[k] += sums[k];
  for (int k = 0; k < kIndustries; ++k) {
    const double back = total[std::size_t(k)], sales = total[std::size_t(kIndustries + k)];
    env_.import_share[k] = sales > 0 ? std::min(1.0, back / sales) : 0.0;
    env_.D_eff[k] = env_.D[k] * (1.0 - env_.import_share[k]);
  }
}

// Each customer's purchases from its alive keiretsu suppliers (P_c) and their number (psi = 0
// for a firm without suppliers).
void World::count_purchases() {
  std::fill(f_.purchases.begin(), f_.purchases.end(), 0.0);
  std::fill(f_.n_suppliers.begin(), f_.n_suppliers.end(), 0);
  for (std::size_t i = 0; i < n(); ++i) {
    if (!f_.alive[i]) continue;
    for (int slot = 0; slot < 2; ++slot) {
      const std::int32_t c = slot ? f_.customer1[i] : f_.customer0[i];
      if (c == kNoFirm || !f_.alive[c]) continue;
      f_.purchases[c] += slot ? f_.B1[i] : f_.B0[i];
      ++f_.n_suppliers[c];
    }
  }
}

// Inputs of firm c's affiliates that come from Japan: sum_r suj_c[r] * gamma_in * So_c[r].
double World::inputs_abroad(std::size_t c) const {
  double abroad = 0.0;
  for (int r = 0; r < kRegions; ++r)
    abroad += f_.suj[c * kRegions + r] * params_.production.gamma_in * f_.So[c * kRegions + r];
  return abroad;
}

// Parts to own affiliates, own import-back and exports of firm i (spec 5.4).
void World::set_overseas_flows(std::size_t i) {
  const auto& Pr = params_.production;
  if (!f_.abroad(i)) {
    f_.Y_parts[i] = f_.Y_back[i] = f_.Y_exports[i] = 0.0;
    return;
  }
  const double chi = f_.is_le(i, params_) ? Pr.chi_le : Pr.chi_sme;
  const double psi_i = f_.n_suppliers[i] > 0 ? Pr.psi : 0.0;
  double parts = 0.0, back = 0.0, exports = 0.0;
  for (int r = 0; r < kRegions; ++r) {
    const std::size_t ir = i * kRegions + r;
    parts += (1.0 - psi_i) * f_.suj[ir] * Pr.gamma_in * f_.So[ir];
    back += chi * f_.saj[ir] * f_.So[ir];
    exports += f_.X[ir];
  }
  f_.Y_parts[i] = parts;
  f_.Y_back[i] = back;
  f_.Y_exports[i] = exports;
}

}  // namespace smesim::model
