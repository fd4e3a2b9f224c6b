// Group membership changes (spec 5.10b).
#include "smesim/model/groups.hpp"

namespace smesim::model {

void change_group(const GroupParams& G, Firms& f, std::size_t i, Stream& s, YearCounters& c) {
  const double u = s.uniform();
  if (f.D_parent[i]) {
    if (u < G.p_leave_group) {  // the equity tie to the main customer ends
      f.D_parent[i] = 0;
      f.B0[i] *= 1.0 - G.leave_order_cut;
      c.group_leaves += 1;
    }
  } else if (f.L[i] >= G.join_min_L && u < G.p_join_group) {
    f.D_parent[i] = 1;
    c.group_joins += 1;
  }
}

}  // namespace smesim::model
