// Overseas operations (spec 5.7): exports and affiliates grow or fail; spill-over to productivity.
#pragma once

#include "smesim/model/state.hpp"

namespace smesim::model {

// Firm i's exports and affiliates of the year: growth with foreign demand and information,
// failure of young ones, and the spill-over of growth abroad to productivity at home
// (s: its Purpose::overseas stream).
void operate_overseas_firm(const Params& p, const Environment& env, Firms& f, std::size_t i,
                           Stream& s);

// Every alive firm that is, or was last year, active abroad.
void operate_overseas(const Params& p, const YearContext& y, const Environment& env, Firms& f);

}  // namespace smesim::model
