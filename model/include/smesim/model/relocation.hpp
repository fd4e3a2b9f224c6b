// Large-firm relocation (spec 5.3): LEs move a share of domestic production abroad and invite
// their tier-1 suppliers to follow (CE16 4.1.1).
#pragma once

#include "smesim/model/state.hpp"

namespace smesim::model {

// The yearly probability that LE i relocates to region r.
double relocation_hazard(const Params& p, const Environment& env, const Firms& f, std::size_t i,
                         int r);

// Moves `share` of firm i's last-year domestic production to an affiliate in r; production lines
// (and the same share of domestic fixed assets) go with it. The open-market cut is applied in
// production (5.4).
void relocate(const Params& p, Firms& f, std::size_t i, int r, double share, Stream& s,
              YearCounters& c);

// Every alive LE relocates to each region with its hazard, and to a shock's region with the
// shock's probability in the shock's year.
void relocate_large_firms(const Params& p, const YearContext& y, const Environment& env, Firms& f,
                          YearCounters& counters);

}  // namespace smesim::model
