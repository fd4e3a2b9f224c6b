// Domestic production (v2 5.4): a closed market per industry in which brands share the demand
// D_k, and keiretsu orders down the DAG (customers before suppliers).
#pragma once

#include <vector>

#include "smesim/model/state.hpp"

namespace smesim::model {

// The brands' update (z), their shares of each industry's market (a stable softmax with the
// transitory shock), then every alive firm's production, tier by tier (heads first, so a
// supplier's orders follow its customer's production of the same year); then this year's
// purchases for next year's b_ic. Writes env.import_share (the offshored share of each market).
void produce(const Params& p, const YearContext& y, const Tiers& tiers, Environment& env, Firms& f);

// Market shares s_i of the alive firms (0 for the others) from weights x_i = z_i + sigma_t eps_i:
// per industry exp(x_i - max_k) / sum, the maximum exact in any order and the sums added in
// block order, so the shares do not depend on the number of threads. Sum to 1 in every industry
// with an alive firm.
std::vector<double> market_shares(const Executor& exec, const Firms& f,
                                  const std::vector<double>& x);

// Firm i's production given its market share s (orders, open market, flows abroad).
void produce_firm(const Params& p, const Environment& env, Firms& f, std::size_t i, double s);

// Each customer's purchases from its alive keiretsu suppliers (P_c) and their number (psi = 0
// for a firm without suppliers).
void count_purchases(Firms& f);

// Inputs of firm c's affiliates that come from Japan: sum_r suj_c[r] * So_c[r] (v2: suj is a
// share of affiliate sales).
double inputs_abroad(const Firms& f, std::size_t c);

// Parts to own affiliates, own import-back (kept for the outputs; it is not domestic
// production) and exports of firm i.
void set_overseas_flows(const Params& p, Firms& f, std::size_t i);

// The offshored share o_i = sum_r o_i[r].
inline double offshored(const Firms& f, std::size_t i) {
  double o = 0.0;
  for (int r = 0; r < kRegions; ++r) o += f.o[i * kRegions + r];
  return o;
}

}  // namespace smesim::model
