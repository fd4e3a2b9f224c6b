// Accounting, employment, R&D, productivity and exit (spec 5.10), group membership changes
// (5.10b) and entry.
#include <algorithm>
#include <cmath>

#include "smesim/model/draws.hpp"
#include "smesim/model/world.hpp"

namespace smesim::model {

// Accounts, employment, R&D, productivity and exit of firm i; returns log(1 + RD) for the mean
// that next year's innovation is measured against.
double World::account_firm(std::size_t i, Stream& s, YearCounters& c) {
  const auto& P = params_;
  const auto& A = P.accounting;
  const double z_rd = s.normal(), z_a = s.normal();
  double K = f_.K_dom[i], So = 0.0;
  if (f_.abroad(i))
    for (int r = 0; r < kRegions; ++r) {
      K += f_.K_abroad[i * kRegions + r];
      So += f_.So[i * kRegions + r];
    }
  // Debt finances the fixed assets that net worth does not (model choice for `interest`).
  const double profit = P.decisions.margin * f_.Y[i] + P.overseas.affiliate_return * So -
                        A.fixed_cost * f_.Y_entry[i] - A.interest_rate * std::max(0.0, K - f_.W[i]);
  f_.W[i] += profit - A.tax * std::max(profit, 0.0);
  if (f_.Y1[i] > 0.0 && f_.Y[i] > 0.0) {
    const double growth = f_.Y[i] / f_.Y1[i];
    const double log_growth = std::log(growth);
    const double adjust = std::exp(A.emp_elasticity * log_growth);  // growth^elasticity
    f_.L[i] *= adjust;
    f_.K_dom[i] *= adjust;  // domestic capacity moves with employment
    if (f_.RD[i] > 0.0) f_.RD[i] *= std::exp(A.xi_rd * log_growth + A.sigma_rd * z_rd);
  }
  const double log_rd = f_.RD[i] > 0.0 ? std::log1p(f_.RD[i]) : 0.0;  // (4 SMEs in 10 do no R&D)
  f_.a[i] += A.innovation * (log_rd - mean_log_rd_) + A.drift + A.drift_sd * z_a;
  f_.da[i] = f_.a[i] - f_.a_start[i];
  if (f_.W[i] < A.insolvency * f_.Y[i])
    exit_firm(i, ExitCause::insolvency, c);
  else if (f_.Y[i] < A.min_sales * f_.Y_entry[i])
    exit_firm(i, ExitCause::decline, c);
  return log_rd;
}

void World::change_group(std::size_t i, Stream& s, YearCounters& c) {
  const auto& G = params_.groups;
  const double u = s.uniform();
  if (f_.D_parent[i]) {
    if (u < G.p_leave_group) {  // the equity tie to the main customer ends
      f_.D_parent[i] = 0;
      f_.B0[i] *= 1.0 - G.leave_order_cut;
      c.group_leaves += 1;
    }
  } else if (f_.L[i] >= G.join_min_L && u < G.p_join_group) {
    f_.D_parent[i] = 1;
    c.group_joins += 1;
  }
}

// Runs accounting (and, when `groups`, the group changes of the firms that stay) in one pass, and
// sets the mean log R&D of the surviving firms from per-block sums added in block order (the same
// for any number of threads).
void World::account(bool groups) {
  const std::size_t blocks = (n() + kGrain - 1) / kGrain;
  std::vector<YearCounters> counts(blocks);
  std::vector<std::pair<double, std::size_t>> log_rd(blocks);
  exec_.for_blocks(n(), kGrain, [&](std::size_t b, std::size_t lo, std::size_t hi) {
    auto& [sum, count] = log_rd[b];
    streams_for(lo, hi, std::array{Purpose::accounting, Purpose::groups},
                [&](std::size_t i, std::array<Stream, 2>& s) {
                  const double x = account_firm(i, s[0], counts[b]);
                  if (!f_.alive[i]) return;
                  sum += x;
                  ++count;
                  if (groups) change_group(i, s[1], counts[b]);
                });
  });
  double sum = 0.0;
  std::size_t count = 0;
  for (std::size_t b = 0; b < blocks; ++b) {
    sum += log_rd[b].first;
    count += log_rd[b].second;
    counters_.add(counts[b]);
  }
  mean_log_rd_ = count ? sum / double(count) : 0.0;
}

void World::account_and_exit() { account(false); }

void World::change_groups() {
  for_alive_firms(Purpose::groups,
                  [&](std::size_t i, Stream& s, YearCounters& c) { change_group(i, s, c); });
}

void World::enter_firms() {
  const auto& P = params_;
  const auto by_industry = alive_by(kIndustries, [&](std::size_t i) { return f_.industry[i]; });
  std::size_t alive = 0;
  for (const auto& firms : by_industry) alive += firms.size();
  std::vector<std::int32_t> tier1;
  for (auto t : net_.tier1)
    if (f_.alive[t]) tier1.push_back(t);
  Stream s(key_, 0xFFFFFFFFu, std::uint32_t(env_.year - P.start_year), Purpose::entry);
  const auto entrants =
      std::size_t(std::floor(P.accounting.entry_rate * double(alive) + s.uniform()));
  const std::size_t first = n();
  // Each reallocation copies the whole state: grow by an eighth at once. Slots of exited firms
  // are dropped once they are an eighth of all (World::compact), so the slots stay within about
  // a quarter above the firms in business, and a run reallocates a few times.
  if (first + entrants > f_.capacity()) f_.reserve((first + entrants) * 9 / 8);
  f_.resize(first + entrants);
  // Entrants are drawn, and pick their customer and peers, independently (in parallel, each
  // from its own streams); only adding their orders to their customers' purchases is serial, in
  // id order.
  const std::size_t degree = std::size_t(std::max(0, P.network.peer_degree));
  const std::size_t first_edge = net_.peer_edges.size();
  net_.peer_edges.resize(first_edge + entrants * degree, {kNoFirm, kNoFirm});
  exec_.for_blocks(entrants, kGrain, [&](std::size_t, std::size_t lo, std::size_t hi) {
    for (std::size_t i = first + lo; i < first + hi; ++i) {
      add_firm(i, true);
      Stream sa = stream(i, Purpose::entry_attach);
      const double u_attach = sa.uniform();
      if (P.industries[f_.industry[i]].supplier && !tier1.empty() &&
          u_attach < P.network.entrant_tier2_prob) {
        const auto c = tier1[sa.below(std::uint32_t(tier1.size()))];
        const double share = beta_mean(sa, P.network.share_mean, P.network.share_concentration);
        f_.customer0[i] = c;
        f_.tier[i] = kTier2;
        f_.B0[i] = share * f_.Y[i];
        f_.Ymkt[i] = f_.Y[i] - f_.B0[i];
      }
      f_.Y_keiretsu[i] = f_.B0[i];
      const auto& peers = by_industry[f_.industry[i]];
      if (peers.empty()) continue;
      Stream sp = stream(i, Purpose::entry_peers);
      for (std::size_t d = 0; d < degree; ++d)
        net_.peer_edges[first_edge + (i - first) * degree + d] = {
            std::int32_t(i), std::int32_t(peers[sp.below(std::uint32_t(peers.size()))])};
    }
  });
  net_.peer_edges.erase(  // the slots of entrants with no possible peer
      std::remove_if(net_.peer_edges.begin() + std::ptrdiff_t(first_edge), net_.peer_edges.end(),
                     [](const auto& e) { return e.first == kNoFirm; }),
      net_.peer_edges.end());
  for (std::size_t i = first; i < first + entrants; ++i)
    if (const auto c = f_.customer0[i]; c != kNoFirm) {
      f_.purchases[c] += f_.B0[i];  // part of the customer's purchases from the start
      ++f_.n_suppliers[c];
    }
  counters_.entries += double(entrants);
  if (entrants > 0) net_.extend_peers(n());
}

}  // namespace smesim::model
