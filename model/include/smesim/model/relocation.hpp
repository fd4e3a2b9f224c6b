// Large-firm relocation (spec 5.3): LEs move a share of domestic production abroad and invite
// their tier-1 suppliers to follow (CE16 4.1.1).
#pragma once

#include "smesim/model/state.hpp"

namespace smesim::model {

// The yearly probability that LE i relocates to region r.
double relocation_hazard(const Params& p, const Environment& env, const Firms& f, std::size_t i,
                         int r);

// True for NIEs, ASEAN and China (relocation there serves Japan: import-back).
bool is_asia(int r);

// LE i relocates share `share` to r (v2 5.3): to Asia its offshored share o_i[r] rises by
// share * (1 - o_before) (o_before: o_i of last year) and Mv = share * Ymkt_i(t-1); elsewhere
// Mv = min(X_i[r], share * Ymkt_i(t-1)) moves from exports to affiliate sales. Records
// moved[r] = Mv / Y_i(t-1) for its suppliers; Mv = 0 is no relocation.
void relocate(const Params& p, Firms& f, std::size_t i, int r, double share, double o_before,
              Stream& s, YearCounters& c);

// Every alive LE relocates to each region with its hazard, and to a shock's region with the
// shock's probability in the shock's year.
void relocate_large_firms(const Params& p, const YearContext& y, const Environment& env, Firms& f,
                          YearCounters& counters);

}  // namespace smesim::model
