// The yearly schedule (spec section 3) and the environment (spec 5.1).
#include "smesim/model/world.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace smesim::model {

void World::step() {
  env_.year = next_year_;
  // Wall time of each line, summed over the run (docs/performance.md): a clock read per line.
  std::size_t line = 0;
  auto timed = [&](void (World::*f)()) {
    const auto t0 = std::chrono::steady_clock::now();
    (this->*f)();
    step_seconds_[line++] +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  timed(&World::begin_year);
  timed(&World::update_environment);         // 1
  timed(&World::update_managers);            // 2
  timed(&World::relocate_large_firms);       // 3
  timed(&World::produce);                    // 4
  timed(&World::collect_opportunities);      // 5
  timed(&World::decide);                     // 6
  timed(&World::operate_overseas);           // 7
  timed(&World::learn);                      // 8
  timed(&World::account_and_change_groups);  // 9: account_and_exit() and change_groups() (5.10b)
  timed(&World::enter_firms);                // 9
  ++next_year_;  // 10: the caller observes (aggregates(), append_panel())
}

void World::select_firms(const std::vector<std::uint32_t>& order) {
  std::vector<unsigned char> scratch;  // one array's copy at a time, reused across arrays
  f_.select(order, scratch,
            [&](std::size_t m, const std::function<void(std::size_t, std::size_t)>& body) {
              exec_.for_blocks(m, kGrain,
                               [&](std::size_t, std::size_t lo, std::size_t hi) { body(lo, hi); });
            });
}

void World::compact() {
  // The firms in business, industry by industry (in their order within each): the learning
  // step visits firms by industry and reads its peers' records, so entrants join their
  // industry's range and the records it reads stay together.
  const std::vector<std::uint32_t> order = alive_by_industry();
  std::vector<std::int32_t> to(n(), kNoFirm);
  for (std::size_t k = 0; k < order.size(); ++k) to[order[k]] = std::int32_t(k);
  select_firms(order);
  auto remap = [&](std::vector<std::int32_t>& ids) {  // drops exited firms, renumbers the rest
    std::erase_if(ids, [&](std::int32_t i) { return to[std::size_t(i)] == kNoFirm; });
    for (auto& i : ids) i = to[std::size_t(i)];
  };
  remap(net_.heads);
  remap(net_.tier1);
  // A customer that has exited orders nothing (production sets its orders to zero the year after
  // the exit, exactly as here) and is shown as none.
  exec_.for_blocks(n(), kGrain, [&](std::size_t, std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i)
      for (int slot = 0; slot < 2; ++slot) {
        std::int32_t& c = slot ? f_.customer1[i] : f_.customer0[i];
        if (c == kNoFirm) continue;
        c = to[std::size_t(c)];
        if (c == kNoFirm) (slot ? f_.B1[i] : f_.B0[i]) = 0.0;
      }
  });
  // Links to exited firms carry nothing (their information and activity are zero): dropped.
  auto& edges = net_.peer_edges;
  exec_.for_blocks(edges.size(), kGrain, [&](std::size_t, std::size_t lo, std::size_t hi) {
    for (std::size_t k = lo; k < hi; ++k) {
      auto& [u, v] = edges[k];
      u = to[std::size_t(u)];
      v = to[std::size_t(v)];
    }
  });
  std::erase_if(edges, [](const auto& e) { return e.first == kNoFirm || e.second == kNoFirm; });
  net_.rebuild_peers(n());
}

std::vector<std::uint32_t> World::alive_by_industry() {
  std::vector<std::uint32_t> order;
  order.reserve(n());
  for (const auto& firms : alive_by(kIndustries, [&](std::size_t i) { return f_.industry[i]; }))
    order.insert(order.end(), firms.begin(), firms.end());
  return order;
}

std::vector<std::string> World::step_names() {
  return {"begin_year", "environment", "managers", "relocation", "production", "opportunities",
          "decisions",  "overseas",    "learning", "accounting", "entry"};
}

void World::begin_year() {
  counters_ = YearCounters{};
  decision_log_.clear();
  // Exited firms keep their slots until they are an eighth of all slots (after a year's
  // observation has seen them exit): then they are dropped, so that the state and the per-firm
  // loops stay dense as the population turns over (docs/performance.md).
  std::size_t dead = std::size_t(std::count(f_.alive.begin(), f_.alive.end(), 0));
  if (8 * dead >= n() && dead > 0) compact();
  exec_.for_blocks(n(), kGrain, [&](std::size_t, std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) {
      if (!f_.alive[i]) continue;
      f_.Y3[i] = f_.Y2[i];
      f_.Y2[i] = f_.Y1[i];
      f_.Y1[i] = f_.Y[i];
      f_.a_start[i] = f_.a[i];
      f_.relocated_mask[i] = 0;
      f_.relocation_cut[i] = 1.0;
    }
  });
  tiers_ = alive_by(4, [&](std::size_t i) { return f_.tier[i]; });
}

void World::update_environment() {
  const auto& P = params_;
  const int t = env_.year;
  Stream s(key_, 0xFFFFFFFFu, std::uint32_t(t - P.start_year), Purpose::environment);
  env_.g_dom = P.paths.g_dom.at(t);
  env_.fx = P.paths.fx.at(t);
  env_.fta = P.paths.fta_coverage.at(t);
  for (int k = 0; k < kIndustries; ++k)
    env_.D[k] *=
        std::exp(env_.g_dom + P.industries[k].g_k + P.environment.domestic_noise * s.normal());
  for (int r = 0; r < kRegions; ++r) {
    const auto& R = P.regions[r];
    env_.M[r] *= std::exp(R.g + P.environment.foreign_noise * s.normal());
    // A strong yen (small fx) makes production abroad relatively cheaper (M05 2, Plaza Accord).
    env_.adv[r] =
        1.0 - R.c * (P.environment.strong_yen_favours_abroad ? env_.fx / P.environment.fx_ref
                                                             : P.environment.fx_ref / env_.fx);
    env_.tau[r] = R.tau * (1.0 - P.environment.fta_tau_cut * env_.fta);
  }
  env_.D_eff_prev = env_.D_eff;
}

std::size_t World::memory_bytes() const {
  auto bytes = [](const auto& v) { return v.capacity() * sizeof(v[0]); };
  auto graph = [](const PeerGraph& g) {  // the CSR arrays (public members of Boost's graph)
    return (g.m_forward.m_rowstart.capacity() + g.m_forward.m_column.capacity()) *
           sizeof(std::uint32_t);
  };
  std::size_t b = f_.memory_bytes() + bytes(net_.peer_edges) + graph(net_.peers) +
                  graph(net_.recent) + bytes(net_.heads) + bytes(net_.tier1) +
                  bytes(decision_log_) + bytes(active_mask_) +
                  neighbour_view_.capacity() * sizeof(std::uint16_t);
  for (const auto& t : tiers_) b += bytes(t);
  for (const auto& c : block_candidates_) b += bytes(c);
  return b;
}

void World::exit_firm(std::size_t i, ExitCause cause, YearCounters& c) {
  f_.alive[i] = 0;
  f_.exit_cause[i] = std::uint8_t(cause);
  f_.exit_year[i] = std::int16_t(env_.year);
  c.exits[std::size_t(cause)] += 1;
}

}  // namespace smesim::model
