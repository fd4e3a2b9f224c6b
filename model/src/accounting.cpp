// Accounting, employment, R&D, productivity and exit (v2 5.10), and group membership changes
// (5.10b) of the firms that stay.
#include "smesim/model/accounting.hpp"

#include <algorithm>
#include <cmath>

#include "smesim/model/groups.hpp"

namespace smesim::model {

IndustryTotals industry_totals(const Executor& exec, const Firms& f, bool brands) {
  std::vector<IndustryTotals> blocks(detail::blocks_of(f.size()));
  exec.for_blocks(f.size(), kGrain, [&](std::size_t b, std::size_t lo, std::size_t hi) {
    auto& t = blocks[b];
    for (std::size_t i = lo; i < hi; ++i) {
      if (!f.alive[i]) continue;
      const int k = f.industry[i];
      t.alive[k] += 1;
      t.Y[k] += f.Y[i];
      t.L[k] += f.L[i];
      t.a[k] += f.a[i];
      if (brands) t.Z[k] += std::exp(f.z[i]);
    }
  });
  IndustryTotals total;
  for (const auto& t : blocks)
    for (int k = 0; k < kIndustries; ++k) {
      total.alive[k] += t.alive[k];
      total.Y[k] += t.Y[k];
      total.L[k] += t.L[k];
      total.a[k] += t.a[k];
      total.Z[k] += t.Z[k];
    }
  return total;
}

double account_firm(const Params& P, int year, double mean_log_rd, const IndustryTotals& t,
                    Firms& f, std::size_t i, Stream& s, YearCounters& c) {
  const auto& A = P.accounting;
  const int k = f.industry[i];
  const double z_rd = s.normal(), z_a = s.normal();
  double K = f.K_dom[i], So = 0.0;
  if (f.abroad(i))
    for (int r = 0; r < kRegions; ++r) {
      K += f.K_abroad[i * kRegions + r];
      So += f.So[i * kRegions + r];
    }
  // The fixed cost is an overhead of f_fix workers at the industry's output per worker, so exit
  // feels the industry's demand (v2 5.10). Debt finances the fixed assets that net worth does not.
  const double profit = P.decisions.margin * f.Y[i] + P.overseas.affiliate_return * So -
                        A.f_fix * t.ybar(k) - A.interest_rate * std::max(0.0, K - f.W[i]);
  f.W[i] += profit - A.tax * std::max(profit, 0.0);
  // Employment with a productivity trend and a lag (v2 5.10).
  if (f.Y[i] > 0.0 && f.Y_entry[i] > 0.0 && f.L[i] > 0.0) {
    const double log_target = std::log(f.L_entry[i]) +
                              A.emp_elasticity * std::log(f.Y[i] / f.Y_entry[i]) -
                              A.g_lp * double(year - f.entry_year[i]);
    const double log_L = std::log(f.L[i]);
    const double L_new = std::exp(log_L + A.lambda_L * (log_target - log_L));
    f.K_dom[i] *= L_new / f.L[i];  // domestic capacity moves with employment
    f.L[i] = L_new;
  }
  if (f.Y1[i] > 0.0 && f.Y[i] > 0.0 && f.RD[i] > 0.0)
    f.RD[i] *= std::exp(A.xi_rd * std::log(f.Y[i] / f.Y1[i]) + A.sigma_rd * z_rd);
  const double log_rd = f.RD[i] > 0.0 ? std::log1p(f.RD[i]) : 0.0;  // (4 SMEs in 10 do no R&D)
  f.a[i] += A.innovation * (log_rd - mean_log_rd) + A.drift + A.drift_sd * z_a;
  f.da[i] = f.a[i] - f.a_start[i];
  // Decline on the firm's position in its industry, two years running (v2 5.10).
  const double mean_Y = t.mean_Y(k);
  f.years_small[i] = mean_Y > 0.0 && f.Y[i] < A.c_exit * mean_Y
                         ? std::uint8_t(std::min(2, f.years_small[i] + 1))
                         : std::uint8_t(0);
  if (f.W[i] < A.insolvency * f.Y[i])
    exit_firm(f, i, ExitCause::insolvency, year, c);
  else if (f.years_small[i] >= 2)
    exit_firm(f, i, ExitCause::decline, year, c);
  return log_rd;
}

void close_the_year(const Params& P, const YearContext& y, Firms& f, double& mean_log_rd,
                    YearCounters& counters) {
  const std::size_t blocks = detail::blocks_of(f.size());
  std::vector<YearCounters> counts(blocks);
  std::vector<std::pair<double, std::size_t>> log_rd(blocks);
  std::vector<std::vector<std::uint32_t>> joined(blocks);
  const double last_mean = mean_log_rd;
  const IndustryTotals totals = industry_totals(y.exec, f);
  y.exec.for_blocks(f.size(), kGrain, [&](std::size_t b, std::size_t lo, std::size_t hi) {
    auto& [sum, count] = log_rd[b];
    detail::streams_for(
        y.streams(), f.id, f.alive, lo, hi, std::array{Purpose::accounting, Purpose::groups},
        [&](std::size_t i, std::array<Stream, 2>& s) {
          const double x = account_firm(P, y.year, last_mean, totals, f, i, s[0], counts[b]);
          if (!f.alive[i]) return;
          sum += x;
          ++count;
          if (change_group(P.groups, f, i, s[1], counts[b])) joined[b].push_back(std::uint32_t(i));
        });
  });
  double sum = 0.0;
  std::size_t count = 0;
  std::vector<std::uint32_t> joiners;
  for (std::size_t b = 0; b < blocks; ++b) {
    sum += log_rd[b].first;
    count += log_rd[b].second;
    counters.add(counts[b]);
    joiners.insert(joiners.end(), joined[b].begin(), joined[b].end());
  }
  mean_log_rd = count ? sum / double(count) : 0.0;
  rationalise_joins(P, y, joiners, f, counters);
  renew_keiretsu(P, y, f, counters);
}

}  // namespace smesim::model
