// Initialization (spec 5.2 and 2.3-2.5): firms, managers, initial international activity, the
// keiretsu DAG and the peer network: the state as of the end of year start_year - 1.
#pragma once

#include "smesim/model/state.hpp"

namespace smesim::model {

// The initial state, in these steps: environment, population (drawn, then numbered by industry
// and size), initial international activity, keiretsu, order shares, peers, production
// components, import shares and the mean log R&D.
State initialize(const Params& p, const Executor& exec, StreamKey key);

// Draws firm i like the initial population (entrants: in year y, smaller than entry_max_L,
// spec 5.10), with its manager.
void draw_firm(const Params& p, const YearContext& y, const Environment& env, Firms& f,
               std::size_t i, bool entrant);

}  // namespace smesim::model
