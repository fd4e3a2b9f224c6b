// The start of a year and the environment (spec 5.1): the lines of the schedule before any firm
// acts.
#pragma once

#include "smesim/model/state.hpp"

namespace smesim::model {

// Starts year y: clears the year's counters, candidates and decision log, compacts the firm slots
// when the exited are an eighth of them, shifts the sales histories, clears the relocation flags
// and lists the alive firms by tier for production.
void begin_year(const YearContext& y, Firms& f, Networks& net, YearCounters& counters,
                Opportunities& opportunities, DecisionLog& log, Tiers& tiers);

// Drops the slots of exited firms and groups the rest by industry. Firms keep their ids and
// random numbers; positions held in the networks and in customers are remapped.
void compact(const Executor& exec, Firms& f, Networks& net);

// Firm order[k] moves to slot k (Firms::select, in parallel); positions held elsewhere are the
// caller's to remap.
void select_firms(const Executor& exec, Firms& f, const std::vector<std::uint32_t>& order);

// Growth of domestic and foreign demand, exchange rate, FTA coverage and tariffs (5.1).
void update_environment(const Params& p, const YearContext& y, Environment& env);

// Census shipments S(year) / S(start year), with the trend of the last five data years after
// environment.data_until (v2 5.1).
double demand_level(const Params& p, int year);
// Industry weights w_k(year), proportional to w0_k exp(g_k (year - start)), summing to 1.
std::array<double, kIndustries> industry_weights(const Params& p, const Environment& env, int year);
// Export shares, regional costs c_r(year), adv_r and tariffs for env.fx and env.fta.
void set_costs(const Params& p, int year, Environment& env);

}  // namespace smesim::model
