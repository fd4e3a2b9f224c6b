// Accounting, employment, R&D, productivity and exit (spec 5.10), and group membership changes
// (5.10b) in the same pass.
#include "smesim/model/accounting.hpp"

#include <algorithm>
#include <cmath>

#include "smesim/model/groups.hpp"

namespace smesim::model {

double account_firm(const Params& P, int year, double mean_log_rd, Firms& f, std::size_t i,
                    Stream& s, YearCounters& c) {
  const auto& A = P.accounting;
  const double z_rd = s.normal(), z_a = s.normal();
  double K = f.K_dom[i], So = 0.0;
  if (f.abroad(i))
    for (int r = 0; r < kRegions; ++r) {
      K += f.K_abroad[i * kRegions + r];
      So += f.So[i * kRegions + r];
    }
  // Debt finances the fixed assets that net worth does not (model choice for `interest`).
  const double profit = P.decisions.margin * f.Y[i] + P.overseas.affiliate_return * So -
                        A.fixed_cost * f.Y_entry[i] - A.interest_rate * std::max(0.0, K - f.W[i]);
  f.W[i] += profit - A.tax * std::max(profit, 0.0);
  if (f.Y1[i] > 0.0 && f.Y[i] > 0.0) {
    const double growth = f.Y[i] / f.Y1[i];
    const double log_growth = std::log(growth);
    const double adjust = std::exp(A.emp_elasticity * log_growth);  // growth^elasticity
    f.L[i] *= adjust;
    f.K_dom[i] *= adjust;  // domestic capacity moves with employment
    if (f.RD[i] > 0.0) f.RD[i] *= std::exp(A.xi_rd * log_growth + A.sigma_rd * z_rd);
  }
  const double log_rd = f.RD[i] > 0.0 ? std::log1p(f.RD[i]) : 0.0;  // (4 SMEs in 10 do no R&D)
  f.a[i] += A.innovation * (log_rd - mean_log_rd) + A.drift + A.drift_sd * z_a;
  f.da[i] = f.a[i] - f.a_start[i];
  if (f.W[i] < A.insolvency * f.Y[i])
    exit_firm(f, i, ExitCause::insolvency, year, c);
  else if (f.Y[i] < A.min_sales * f.Y_entry[i])
    exit_firm(f, i, ExitCause::decline, year, c);
  return log_rd;
}

void close_the_year(const Params& P, const YearContext& y, Firms& f, double& mean_log_rd,
                    YearCounters& counters) {
  const std::size_t blocks = detail::blocks_of(f.size());
  std::vector<YearCounters> counts(blocks);
  std::vector<std::pair<double, std::size_t>> log_rd(blocks);
  const double last_mean = mean_log_rd;
  y.exec.for_blocks(f.size(), kGrain, [&](std::size_t b, std::size_t lo, std::size_t hi) {
    auto& [sum, count] = log_rd[b];
    detail::streams_for(
        y.streams(), f.id, f.alive, lo, hi, std::array{Purpose::accounting, Purpose::groups},
        [&](std::size_t i, std::array<Stream, 2>& s) {
          const double x = account_firm(P, y.year, last_mean, f, i, s[0], counts[b]);
          if (!f.alive[i]) return;
          sum += x;
          ++count;
          change_group(P.groups, f, i, s[1], counts[b]);
        });
  });
  double sum = 0.0;
  std::size_t count = 0;
  for (std::size_t b = 0; b < blocks; ++b) {
    sum += log_rd[b].first;
    count += log_rd[b].second;
    counters.add(counts[b]);
  }
  mean_log_rd = count ? sum / double(count) : 0.0;
}

}  // namespace smesim::model
