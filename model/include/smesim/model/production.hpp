// Domestic production down the keiretsu DAG (spec 5.4): customers before suppliers.
#pragma once

#include "smesim/model/state.hpp"

namespace smesim::model {

// Production of every alive firm, tier by tier (heads first, so a supplier's orders follow its
// customer's production of the same year); then this year's purchases for next year's b_ic.
// Writes the import shares m_k and D_eff of the environment first.
void produce(const Params& p, const YearContext& y, const Tiers& tiers, Environment& env, Firms& f);

// Firm i's production from its customers' orders, the open market and its flows abroad
// (s: its Purpose::production stream).
void produce_firm(const Params& p, const Environment& env, Firms& f, std::size_t i, Stream& s);

// Import-back of all firms in industry k not replacing their own product takes a share m_k of the
// domestic market: this year's affiliates over last year's domestic production. Sets
// env.import_share and env.D_eff.
void update_import_shares(const Params& p, const Executor& exec, const Firms& f, Environment& env);

// Each customer's purchases from its alive keiretsu suppliers (P_c) and their number (psi = 0
// for a firm without suppliers).
void count_purchases(Firms& f);

// Inputs of firm c's affiliates that come from Japan: sum_r suj_c[r] * gamma_in * So_c[r].
double inputs_abroad(const ProductionParams& Pr, const Firms& f, std::size_t c);

// Parts to own affiliates, own import-back and exports of firm i.
void set_overseas_flows(const Params& p, Firms& f, std::size_t i);

}  // namespace smesim::model
