// Entry (spec 5.10): new firms, a share of the alive ones, some attached to tier-1 suppliers as
// tier-2 suppliers, each with peers in its industry.
#pragma once

#include "smesim/model/state.hpp"

namespace smesim::model {

void enter_firms(const Params& p, const YearContext& y, const Environment& env, Networks& net,
                 Firms& f, YearCounters& counters);

}  // namespace smesim::model
