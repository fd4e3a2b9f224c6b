// The checked build (CMake option SMESIM_CHECKED, which defines SMESIM_CHECKED=1 for the model):
// World::step() checks the state's invariants after every step of the schedule. Costly (a pass
// over every firm per step): the build to use while a model change is new.
#pragma once

#include <string_view>

#include "smesim/model/state.hpp"

namespace smesim::model {

// Throws std::logic_error naming the step, the firm (id and slot) and the field when an invariant
// does not hold: every floating-point field of the state finite; for alive firms a valid industry
// and tier, customers in range, shares and information in [0, 1], modes and regions valid;
// tiers and candidates pointing at firms in range; the environment finite.
void check_invariants(const Params& p, const State& s, std::string_view step);

}  // namespace smesim::model
