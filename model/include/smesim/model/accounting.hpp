// Accounting, employment, R&D, productivity and exit (spec 5.10 as v2 revises it), with the group
// changes (5.10b) of the firms that stay.
#pragma once

#include "smesim/model/state.hpp"

namespace smesim::model {

// Per industry, of the alive firms: their number, sum of Y, sum of L and sum of a. Per-block sums
// added in block order (the same for any number of threads).
struct IndustryTotals {
  std::array<double, kIndustries> alive{}, Y{}, L{}, a{}, Z{};
  double mean_Y(int k) const { return alive[k] > 0 ? Y[k] / alive[k] : 0.0; }
  double ybar(int k) const { return L[k] > 0 ? Y[k] / L[k] : 0.0; }  // output per worker
  double abar(int k) const { return alive[k] > 0 ? a[k] / alive[k] : 0.0; }
};
// Z (sum of exp(z), an exp per firm) only with `brands`: entry needs it, accounting does not.
IndustryTotals industry_totals(const Executor& exec, const Firms& f, bool brands = false);

// Accounts, employment, R&D, productivity and exit of firm i (s: its Purpose::accounting
// stream); mean_log_rd: last year's mean of log(1 + RD), which innovation is measured against;
// t: the industry totals before this year's exits. Returns log(1 + RD) for this year's mean.
double account_firm(const Params& p, int year, double mean_log_rd, const IndustryTotals& t,
                    Firms& f, std::size_t i, Stream& s, YearCounters& c);

// The schedule's line 9a-9b: account_firm() for every alive firm, then change_group() (groups.hpp)
// for each that stays, then the joins' rationalisation (serially, in id order) and the end of
// keiretsu ties (groups.hpp); sets mean_log_rd to the mean over the firms that stay.
void close_the_year(const Params& p, const YearContext& y, Firms& f, double& mean_log_rd,
                    YearCounters& counters);

}  // namespace smesim::model
