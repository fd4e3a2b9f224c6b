// The start of a year and the environment (spec 5.1).
#include "smesim/model/environment.hpp"

#include <algorithm>
#include <cmath>

#include "smesim/model/data.hpp"

namespace smesim::model {

void begin_year(const YearContext& y, Firms& f, Networks& net, YearCounters& counters,
                Opportunities& opportunities, DecisionLog& log, Tiers& tiers) {
  counters = YearCounters{};
  // Last year's candidates hold slots that compaction may renumber: cleared with the log.
  opportunities.by_block.clear();
  opportunities.active_mask.clear();
  log.clear();
  // Exited firms keep their slots until they are an eighth of all slots (after a year's
  // observation has seen them exit): then they are dropped, so that the state and the per-firm
  // loops stay dense as the population turns over (docs/performance.md).
  const std::size_t dead = std::size_t(std::count(f.alive.begin(), f.alive.end(), 0));
  if (8 * dead >= f.size() && dead > 0) compact(y.exec, f, net);
  detail::for_ranges(y.exec, f.size(), [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) {
      if (!f.alive[i]) continue;
      f.Y3[i] = f.Y2[i];
      f.Y2[i] = f.Y1[i];
      f.Y1[i] = f.Y[i];
      f.a_start[i] = f.a[i];
      f.relocated_mask[i] = 0;
      f.relocation_cut[i] = 1.0;
      for (int r = 0; r < kRegions; ++r)
        f.moved[i * kRegions + r] = f.follow[i * kRegions + r] = 0.0;
    }
  });
  tiers = detail::alive_by(y.exec, f.alive, 4, [&](std::size_t i) { return f.tier[i]; });
}

void select_firms(const Executor& exec, Firms& f, const std::vector<std::uint32_t>& order) {
  std::vector<unsigned char> scratch;  // one array's copy at a time, reused across arrays
  f.select(order, scratch,
           [&](std::size_t m, const std::function<void(std::size_t, std::size_t)>& body) {
             detail::for_ranges(exec, m, body);
           });
}

void compact(const Executor& exec, Firms& f, Networks& net) {
  // The firms in business, industry by industry (in their order within each): the learning
  // step visits firms by industry and reads its peers' records, so entrants join their
  // industry's range and the records it reads stay together.
  const std::vector<std::uint32_t> order = detail::alive_in_groups(
      exec, f.alive, kIndustries, [&](std::size_t i) { return f.industry[i]; });
  std::vector<std::int32_t> to(f.size(), kNoFirm);
  for (std::size_t k = 0; k < order.size(); ++k) to[order[k]] = std::int32_t(k);
  select_firms(exec, f, order);
  auto remap = [&](std::vector<std::int32_t>& ids) {  // drops exited firms, renumbers the rest
    std::erase_if(ids, [&](std::int32_t i) { return to[std::size_t(i)] == kNoFirm; });
    for (auto& i : ids) i = to[std::size_t(i)];
  };
  remap(net.heads);
  remap(net.tier1);
  // A customer that has exited orders nothing (production sets its orders to zero the year after
  // the exit, exactly as here) and is shown as none.
  detail::for_ranges(exec, f.size(), [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i)
      for (int slot = 0; slot < 2; ++slot) {
        std::int32_t& c = slot ? f.customer1[i] : f.customer0[i];
        if (c == kNoFirm) continue;
        c = to[std::size_t(c)];
        if (c == kNoFirm) (slot ? f.B1[i] : f.B0[i]) = 0.0;
      }
  });
  // Links to exited firms carry nothing (their information and activity are zero): dropped.
  auto& edges = net.peer_edges;
  detail::for_ranges(exec, edges.size(), [&](std::size_t lo, std::size_t hi) {
    for (std::size_t k = lo; k < hi; ++k) {
      auto& [u, v] = edges[k];
      u = to[std::size_t(u)];
      v = to[std::size_t(v)];
    }
  });
  std::erase_if(edges, [](const auto& e) { return e.first == kNoFirm || e.second == kNoFirm; });
  net.rebuild_peers(f.size());
}

double demand_level(const Params& P, int year) {
  // S(t) / S(start) from the Census while there are data (up to data_until); then the mean log
  // growth of the five years to the last data year.
  const int T = std::min(P.environment.data_until, data::last_census_year());
  const double S0 = data::census_shipments_ge4(P.start_year);
  if (year <= T) return data::census_shipments_ge4(year) / S0;
  const int T5 = std::max(data::first_census_year(), T - 5);
  const double trend =
      T > T5 ? std::log(data::census_shipments_ge4(T) / data::census_shipments_ge4(T5)) / (T - T5)
             : 0.0;
  return data::census_shipments_ge4(T) / S0 * std::exp(trend * double(year - T));
}

std::array<double, kIndustries> industry_weights(const Params& P, const Environment& env,
                                                 int year) {
  std::array<double, kIndustries> w{};
  double total = 0.0;
  for (int k = 0; k < kIndustries; ++k)
    total += w[k] = env.w0[k] * std::exp(P.industries[k].g_k * double(year - P.start_year));
  for (double& x : w) x = total > 0 ? x / total : 0.0;
  return w;
}

void set_costs(const Params& P, int year, Environment& env) {
  const int T = P.environment.data_until;
  env.export_share = data::export_shares(std::min(year, T));
  for (int r = 0; r < kRegions; ++r) {
    const auto& R = P.regions[r];
    env.c[r] = R.c * std::exp(R.c_growth * double(std::max(0, year - 2005)));
    // A strong yen (small fx) makes production abroad relatively cheaper (M05 2, Plaza Accord).
    env.adv[r] =
        1.0 - env.c[r] * (P.environment.strong_yen_favours_abroad ? env.fx / P.environment.fx_ref
                                                                  : P.environment.fx_ref / env.fx);
    env.tau[r] = R.tau * (1.0 - P.environment.fta_tau_cut * env.fta);
  }
}

void update_environment(const Params& P, const YearContext& y, Environment& env) {
  const int t = y.year;
  Stream s(y.key, 0xFFFFFFFFu, std::uint32_t(t - P.start_year), Purpose::environment);
  env.g_dom = P.paths.g_dom.at(t);
  env.fx_prev = env.fx;
  env.fx = P.paths.fx.at(t);
  env.fta = P.paths.fta_coverage.at(t);
  env.D3 = env.D2;
  env.D2 = env.D1;
  env.D1 = env.D;
  // The scenario's shift of demand growth, and noise once the data end (v2 5.1).
  const double noise = t > P.environment.data_until ? P.environment.domestic_noise : 0.0;
  env.demand_shift += env.g_dom + noise * s.normal();
  const double level = demand_level(P, t) * std::exp(env.demand_shift);
  const auto w = industry_weights(P, env, t);
  for (int k = 0; k < kIndustries; ++k)
    env.D[k] = env.w0[k] > 0 ? env.D0[k] * level * w[k] / env.w0[k] : 0.0;
  for (int r = 0; r < kRegions; ++r)
    env.M[r] *= std::exp(P.regions[r].g + P.environment.foreign_noise * s.normal());
  set_costs(P, t, env);
}

}  // namespace smesim::model
