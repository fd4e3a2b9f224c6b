// Entry (spec 5.10).
#include "smesim/model/entry.hpp"

#include <algorithm>
#include <cmath>

#include "smesim/model/draws.hpp"
#include "smesim/model/initialization.hpp"

namespace smesim::model {

namespace {

// Entrant i becomes a tier-2 supplier of a random alive tier-1 supplier with entrant_tier2_prob
// (suppliers' industries only).
void attach_entrant(const Params& P, const YearContext& y, const std::vector<std::int32_t>& tier1,
                    Firms& f, std::size_t i) {
  Stream sa = y.stream(f, i, Purpose::entry_attach);
  const double u_attach = sa.uniform();
  if (P.industries[f.industry[i]].supplier && !tier1.empty() &&
      u_attach < P.network.entrant_tier2_prob) {
    const auto c = tier1[sa.below(std::uint32_t(tier1.size()))];
    const double share = beta_mean(sa, P.network.share_mean, P.network.share_concentration);
    f.customer0[i] = c;
    f.tier[i] = kTier2;
    f.B0[i] = share * f.Y[i];
    f.Ymkt[i] = f.Y[i] - f.B0[i];
  }
  f.Y_keiretsu[i] = f.B0[i];
}

}  // namespace

void enter_firms(const Params& P, const YearContext& y, const Environment& env, Networks& net,
                 Firms& f, YearCounters& counters) {
  const auto by_industry =
      detail::alive_by(y.exec, f.alive, kIndustries, [&](std::size_t i) { return f.industry[i]; });
  std::size_t alive = 0;
  for (const auto& firms : by_industry) alive += firms.size();
  std::vector<std::int32_t> tier1;
  for (auto t : net.tier1)
    if (f.alive[t]) tier1.push_back(t);
  Stream s(y.key, 0xFFFFFFFFu, y.offset, Purpose::entry);
  const auto entrants =
      std::size_t(std::floor(P.accounting.entry_rate * double(alive) + s.uniform()));
  const std::size_t first = f.size();
  // Each reallocation copies the whole state: grow by an eighth at once. Slots of exited firms
  // are dropped once they are an eighth of all (compact()), so the slots stay within about a
  // quarter above the firms in business, and a run reallocates a few times.
  if (first + entrants > f.capacity()) f.reserve((first + entrants) * 9 / 8);
  f.resize(first + entrants);
  // Entrants are drawn, and pick their customer and peers, independently (in parallel, each
  // from its own streams); only adding their orders to their customers' purchases is serial, in
  // id order.
  const std::size_t degree = std::size_t(std::max(0, P.network.peer_degree));
  const std::size_t first_edge = net.peer_edges.size();
  net.peer_edges.resize(first_edge + entrants * degree, {kNoFirm, kNoFirm});
  detail::for_ranges(y.exec, entrants, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = first + lo; i < first + hi; ++i) {
      draw_firm(P, y, env, f, i, true);
      attach_entrant(P, y, tier1, f, i);
      const auto& peers = by_industry[f.industry[i]];
      if (peers.empty()) continue;
      Stream sp = y.stream(f, i, Purpose::entry_peers);
      for (std::size_t d = 0; d < degree; ++d)
        net.peer_edges[first_edge + (i - first) * degree + d] = {
            std::int32_t(i), std::int32_t(peers[sp.below(std::uint32_t(peers.size()))])};
    }
  });
  net.peer_edges.erase(  // the slots of entrants with no possible peer
      std::remove_if(net.peer_edges.begin() + std::ptrdiff_t(first_edge), net.peer_edges.end(),
                     [](const auto& e) { return e.first == kNoFirm; }),
      net.peer_edges.end());
  for (std::size_t i = first; i < first + entrants; ++i)
    if (const auto c = f.customer0[i]; c != kNoFirm) {
      f.purchases[c] += f.B0[i];  // part of the customer's purchases from the start
      ++f.n_suppliers[c];
    }
  counters.entries += double(entrants);
  if (entrants > 0) net.extend_peers(f.size());
}

}  // namespace smesim::model
