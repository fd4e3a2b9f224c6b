// Managers: traits, ageing, retirement, succession and closure (spec 2.4, 5.9).
#pragma once

#include "smesim/model/state.hpp"

namespace smesim::model {

// Draws a new manager for firm i: risk aversion, experience (and where it was gained, towards
// foreign demand env.M), language, proactivity and an age in [age_min, age_max].
void draw_manager(const ManagerParams& M, const Environment& env, Firms& f, std::size_t i,
                  Stream& s, double age_min, double age_max);

// Firm i's manager ages by a year and may retire (s: the firm's Purpose::retirement stream).
void update_manager(const Params& p, const ClosedForms& forms, const YearContext& y,
                    const Environment& env, Firms& f, std::size_t i, Stream& s, YearCounters& c);

// Every alive firm's update_manager(). Managers age; those who retire are followed by a successor
// (a family one keeps part of the predecessor's traits) or the firm closes (ExitCause::succession).
// The succession-support lever raises SMEs' chance of a successor.
void update_managers(const Params& p, const ClosedForms& forms, const YearContext& y,
                     const Environment& env, Firms& f, YearCounters& counters);

}  // namespace smesim::model
