// Accounting, employment, R&D, productivity and exit (spec 5.10), with the group changes (5.10b)
// of the firms that stay, in one pass over the firms.
#pragma once

#include "smesim/model/state.hpp"

namespace smesim::model {

// Accounts, employment, R&D, productivity and exit of firm i (s: its Purpose::accounting
// stream); mean_log_rd: last year's mean of log(1 + RD), which innovation is measured against.
// Returns log(1 + RD) for this year's mean.
double account_firm(const Params& p, int year, double mean_log_rd, Firms& f, std::size_t i,
                    Stream& s, YearCounters& c);

// The schedule's line 9a-9b: account_firm() for every alive firm, then change_group() (groups.hpp)
// for each that stays; sets mean_log_rd to the mean over the firms that stay (per-block sums
// added in block order: the same for any number of threads).
void close_the_year(const Params& p, const YearContext& y, Firms& f, double& mean_log_rd,
                    YearCounters& counters);

}  // namespace smesim::model
