// Group membership and keiretsu renewal (v2 5.10b).
#include "smesim/model/groups.hpp"

#include <algorithm>
#include <cmath>

namespace smesim::model {

bool change_group(const GroupParams& G, Firms& f, std::size_t i, Stream& s, YearCounters& c) {
  const double u = s.uniform();
  if (f.D_parent[i]) {
    if (u < G.p_leave_group) {  // the equity tie to the main customer ends
      f.D_parent[i] = 0;
      f.B0[i] *= 1.0 - G.leave_order_cut;
      c.group_leaves += 1;
    }
  } else if (f.L[i] >= G.join_min_L && u < G.p_join_group) {
    f.D_parent[i] = 1;
    c.group_joins += 1;
    return true;
  }
  return false;
}

std::int32_t acquirer_of(const Params& p, const Firms& f, std::size_t i,
                         const std::vector<std::vector<std::uint32_t>>& les, Stream& s) {
  const std::int32_t c = f.customer0[i];
  if (c != kNoFirm && f.alive[c] && f.is_le(std::size_t(c), p) && f.industry[c] == f.industry[i])
    return c;
  const auto& pool = les[f.industry[i]];
  double total = 0.0;
  for (auto j : pool)
    if (j != i) total += f.L[j];
  if (!(total > 0.0)) return kNoFirm;
  double u = s.uniform() * total;
  for (auto j : pool) {
    if (j == i) continue;
    if ((u -= f.L[j]) < 0.0) return std::int32_t(j);
  }
  for (auto it = pool.rbegin(); it != pool.rend(); ++it)  // rounding: the last candidate
    if (*it != i) return std::int32_t(*it);
  return kNoFirm;
}

void rationalise_joins(const Params& P, const YearContext& y, std::vector<std::uint32_t> joiners,
                       Firms& f, YearCounters& c) {
  const double share = P.groups.rationalise;
  if (joiners.empty() || !(share > 0.0)) return;
  std::sort(joiners.begin(), joiners.end(),
            [&](std::uint32_t a, std::uint32_t b) { return f.id[a] < f.id[b]; });
  std::vector<std::vector<std::uint32_t>> les(kIndustries);
  for (std::size_t i = 0; i < f.size(); ++i)
    if (f.alive[i] && f.is_le(i, P)) les[f.industry[i]].push_back(std::uint32_t(i));
  for (auto i : joiners) {
    Stream s = y.stream(f, i, Purpose::rationalise);
    const std::int32_t a = acquirer_of(P, f, i, les, s);
    if (a == kNoFirm) continue;
    const double z_old = f.z[i];
    f.z[i] += std::log1p(-share);
    // log(exp(z_a) + share exp(z_old)), stably.
    const double hi = std::max(f.z[a], z_old);
    f.z[a] = hi + std::log(std::exp(f.z[a] - hi) + share * std::exp(z_old - hi));
    c.rationalised += 1;
  }
}

void renew_keiretsu(const Params& P, const YearContext& y, Firms& f, YearCounters& c) {
  std::vector<double> lost(f.size(), 0.0);
  bool any = false;
  for (std::size_t i = 0; i < f.size(); ++i) {
    const bool exited = !f.alive[i] && f.exit_year[i] == y.year;
    if (!f.alive[i] && !exited) continue;
    Stream s = y.stream(f, i, Purpose::tie_decay);
    for (int slot = 0; slot < 2; ++slot) {
      std::int32_t& cust = slot ? f.customer1[i] : f.customer0[i];
      double& B = slot ? f.B1[i] : f.B0[i];
      const double u = s.uniform();  // one draw per slot, used or not
      if (cust == kNoFirm || !f.alive[cust]) continue;
      if (exited) {
        lost[cust] += B;
        any = true;
        continue;
      }
      if (u < P.groups.tie_decay) {
        lost[cust] += B;
        any = true;
        B = 0.0;
        if (slot == 0) f.D_parent[i] = 0;  // the equity tie goes with the main customer
        cust = kNoFirm;
        c.ties_ended += 1;
      }
    }
  }
  if (!any) return;
  // The customer buys the same from its remaining suppliers.
  std::vector<double> kept(f.size(), 0.0);
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (!f.alive[i]) continue;
    if (f.customer0[i] != kNoFirm) kept[f.customer0[i]] += f.B0[i];
    if (f.customer1[i] != kNoFirm) kept[f.customer1[i]] += f.B1[i];
  }
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (!f.alive[i]) continue;
    for (int slot = 0; slot < 2; ++slot) {
      const std::int32_t cust = slot ? f.customer1[i] : f.customer0[i];
      if (cust == kNoFirm || !(lost[cust] > 0.0) || !(kept[cust] > 0.0)) continue;
      (slot ? f.B1[i] : f.B0[i]) *= (kept[cust] + lost[cust]) / kept[cust];
    }
  }
}

}  // namespace smesim::model
