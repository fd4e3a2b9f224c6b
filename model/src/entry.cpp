// Entry (v2 5.10): entrants per industry follow the growth of its market; each is drawn small,
// behind the industry's technology, from streams keyed by (year, industry, k-th entrant).
#include "smesim/model/entry.hpp"

#include <algorithm>
#include <cmath>

#include "smesim/model/accounting.hpp"
#include "smesim/model/data.hpp"
#include "smesim/model/draws.hpp"
#include "smesim/model/initialization.hpp"

namespace smesim::model {

std::uint32_t entrant_id(std::uint32_t year_offset, int industry, std::uint32_t k) {
  return (year_offset & 0xFFu) << 24 | std::uint32_t(industry & 0xF) << 20 | (k & 0xFFFFFu);
}

std::size_t entrants_of(const Params& P, const YearContext& y, const Environment& env, int k,
                        double alive) {
  Stream s(y.key, 0xFFFFFF00u | std::uint32_t(k), y.offset, Purpose::entry_count);
  const double u = s.uniform();
  const double growth = env.D1[k] > 0.0 && env.D[k] > 0.0 ? std::log(env.D[k] / env.D1[k]) : 0.0;
  const double rate =
      std::max(0.0, P.accounting.entry_rate + P.accounting.entry_elasticity * growth);
  return std::size_t(std::floor(alive * rate + u));
}

namespace {

// Entrant i becomes a tier-2 supplier of a random alive tier-1 supplier with entrant_tier2_prob
// (suppliers' industries only); its orders are a share of its sales.
void attach_entrant(const Params& P, const std::vector<std::int32_t>& tier1, Firms& f,
                    std::size_t i, Stream& sa) {
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
  // After this year's exits (v2 5.4: alive_k, Z_k and mean_Y_k are taken after exits).
  const auto by_industry =
      detail::alive_by(y.exec, f.alive, kIndustries, [&](std::size_t i) { return f.industry[i]; });
  const IndustryTotals totals = industry_totals(y.exec, f, true);
  std::vector<std::int32_t> tier1;
  for (auto t : net.tier1)
    if (f.alive[t]) tier1.push_back(t);
  std::array<std::size_t, kIndustries + 1> first_of{};  // entrants of industry k: [first_of[k], ..)
  for (int k = 0; k < kIndustries; ++k)
    first_of[k + 1] =
        first_of[k] + (by_industry[k].empty() ? 0 : entrants_of(P, y, env, k, totals.alive[k]));
  const std::size_t entrants = first_of[kIndustries];
  const std::size_t first = f.size();
  // Each reallocation copies the whole state: grow by an eighth at once. Slots of exited firms
  // are dropped once they are an eighth of all (compact()), so the slots stay within about a
  // quarter above the firms in business, and a run reallocates a few times.
  if (first + entrants > f.capacity()) f.reserve((first + entrants) * 9 / 8);
  const std::uint32_t next_id = f.next_id;
  f.resize(first + entrants);
  f.next_id = next_id;  // entrants' ids are keyed by (year, industry, k), not by a counter
  // The entry classes: the 1985 classes of 4-49 employees.
  const AgentClasses& classes = agent_classes(P);
  std::vector<double> weights;
  for (const auto& c : classes.classes) weights.push_back(c.hi <= 50.0 ? c.count : 0.0);
  const std::size_t degree = std::size_t(std::max(0, P.network.peer_degree));
  const std::size_t first_edge = net.peer_edges.size();
  net.peer_edges.resize(first_edge + entrants * degree, {kNoFirm, kNoFirm});
  detail::for_ranges(y.exec, entrants, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t e = lo; e < hi; ++e) {
      const std::size_t i = first + e;
      int k = 0;
      while (e >= first_of[k + 1]) ++k;
      f.id[i] = entrant_id(y.offset, k, std::uint32_t(e - first_of[k]));
      Stream s(y.key, f.id[i], y.offset, Purpose::entrant);
      f.industry[i] = std::uint8_t(k);
      const auto& c = classes.classes[std::size_t(s.categorical(weights, weights.size()))];
      f.L[i] = draw_enterprise_size(P, c, s);
      const auto& peers = by_industry[k];
      // Behind the industry: an incumbent's productivity, shifted down, with noise.
      const double a_ref = f.a[peers[s.below(std::uint32_t(peers.size()))]];
      f.a[i] = a_ref - P.accounting.entry_gap + P.accounting.entry_sd * s.normal();
      f.Y[i] = f.L[i] * totals.ybar(k) * std::exp(f.a[i] - totals.abar(k));
      Stream r(y.key, f.id[i], y.offset, Purpose::entry);
      Stream m(y.key, f.id[i], y.offset, Purpose::init_manager);
      draw_manager_and_accounts(P, y, env, f, i, r, m);
      Stream sa = y.stream(f, i, Purpose::entry_attach);
      attach_entrant(P, tier1, f, i, sa);
      // The brand against the pre-entry sum of the industry (v2 5.10).
      const double share = env.D[k] > 0.0 ? f.Ymkt[i] / env.D[k] : 0.0;
      f.z[i] = totals.Z[k] > 0.0 && share > 0.0 ? std::log(totals.Z[k]) + std::log(share) : 0.0;
      Stream sp = y.stream(f, i, Purpose::entry_peers);
      for (std::size_t d = 0; d < degree; ++d)
        net.peer_edges[first_edge + e * degree + d] = {
            std::int32_t(i), std::int32_t(peers[sp.below(std::uint32_t(peers.size()))])};
    }
  });
  net.peer_edges.erase(  // the slots of entrants with no possible peer
      std::remove_if(net.peer_edges.begin() + std::ptrdiff_t(first_edge), net.peer_edges.end(),
                     [](const auto& e) { return e.first == kNoFirm; }),
      net.peer_edges.end());
  // A tier-2 entrant's orders are taken from its customer's other suppliers (v2 5.10): their
  // orders are scaled so that the customer's purchases do not change.
  std::vector<double> added(first, 0.0);
  bool any = false;
  for (std::size_t i = first; i < first + entrants; ++i)
    if (const auto c = f.customer0[i]; c != kNoFirm) {
      added[std::size_t(c)] += f.B0[i];
      any = true;
    }
  if (any) {
    for (std::size_t i = 0; i < first; ++i) {
      if (!f.alive[i]) continue;
      for (int slot = 0; slot < 2; ++slot) {
        const std::int32_t c = slot ? f.customer1[i] : f.customer0[i];
        if (c == kNoFirm || !(added[std::size_t(c)] > 0.0) || !(f.purchases[c] > 0.0)) continue;
        (slot ? f.B1[i] : f.B0[i]) *= std::max(0.0, 1.0 - added[std::size_t(c)] / f.purchases[c]);
      }
    }
    for (std::size_t i = first; i < first + entrants; ++i)
      if (const auto c = f.customer0[i]; c != kNoFirm) ++f.n_suppliers[c];
  }
  counters.entries += double(entrants);
  if (entrants > 0) net.extend_peers(f.size());
}

}  // namespace smesim::model
