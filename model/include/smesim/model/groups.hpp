// Group membership changes (spec 5.10b): equity ties to the main customer end or begin.
#pragma once

#include "smesim/model/state.hpp"

namespace smesim::model {

// Firm i leaves its customer's group (and loses part of its orders) or joins one
// (s: its Purpose::groups stream). The schedule runs it in the accounting pass
// (close_the_year(), accounting.hpp) for the firms that stay in business.
void change_group(const GroupParams& G, Firms& f, std::size_t i, Stream& s, YearCounters& c);

}  // namespace smesim::model
