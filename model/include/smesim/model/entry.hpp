// Entry (v2 5.10): per industry a number of entrants that follows the growth of its market, each
// drawn small and behind the industry's technology, some attached to tier-1 suppliers as tier-2
// suppliers, each with peers in its industry.
#pragma once

#include "smesim/model/state.hpp"

namespace smesim::model {

// The id (and stream key) of the k-th entrant of `industry` in the year with this offset: one
// more entrant leaves every other firm's numbers unchanged (initial firms have ids < 2^24).
std::uint32_t entrant_id(std::uint32_t year_offset, int industry, std::uint32_t k);

// Entrants of industry k this year: floor(alive * max(0, entry_rate + entry_elasticity *
// dlog D_k) + u_k), u_k uniform on the stream of (year, industry).
std::size_t entrants_of(const Params& p, const YearContext& y, const Environment& env, int k,
                        double alive);

void enter_firms(const Params& p, const YearContext& y, const Environment& env, Networks& net,
                 Firms& f, YearCounters& counters);

}  // namespace smesim::model
