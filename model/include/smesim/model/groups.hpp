// Group membership and keiretsu renewal (spec 5.10b as v2 revises it).
#pragma once

#include <vector>

#include "smesim/model/state.hpp"

namespace smesim::model {

// Firm i leaves its customer's group (and loses part of its orders) or joins one
// (s: its Purpose::groups stream). Returns true when it joins. The schedule runs it in the
// accounting pass (close_the_year(), accounting.hpp) for the firms that stay in business.
bool change_group(const GroupParams& G, Firms& f, std::size_t i, Stream& s, YearCounters& c);

// The acquirer of joiner i: its main customer if that is an alive LE of the same industry, else
// an alive LE of i's industry drawn in proportion to L (les: per industry, alive LE slots), or
// kNoFirm when there is none.
std::int32_t acquirer_of(const Params& p, const Firms& f, std::size_t i,
                         const std::vector<std::vector<std::uint32_t>>& les, Stream& s);

// Each joiner hands share `rationalise` of its brand to its acquirer (v2 5.10b):
// z_i += log(1 - rationalise), z_acq = log(exp(z_acq) + rationalise exp(z_i)), so the industry's
// sum of exp(z) is unchanged. Serially, in id order.
void rationalise_joins(const Params& p, const YearContext& y, std::vector<std::uint32_t> joiners,
                       Firms& f, YearCounters& c);

// Keiretsu renewal: each tie ends with probability tie_decay; the supplier loses its orders and
// the customer's other suppliers' orders are scaled so that its purchases are unchanged; orders
// of suppliers that exited this year go to the customer's other suppliers in the same way.
void renew_keiretsu(const Params& p, const YearContext& y, Firms& f, YearCounters& c);

}  // namespace smesim::model
