// Managers: ageing, retirement, succession and closure (spec 5.9; CE16 on the succession problem).
#include <algorithm>

#include "smesim/model/draws.hpp"
#include "smesim/model/world.hpp"

namespace smesim::model {

void World::update_managers() {
  const auto& M = params_.managers;
  const auto& lever = params_.levers.succession_support;
  for_alive_firms(Purpose::retirement, [&](std::size_t i, Stream& s, YearCounters& c) {
    f_.age[i] += 1.0;
    if (s.uniform() > retirement_probability(f_.age[i])) return;
    s.seek(1);  // the succession draws only for retiring managers
    const double u_successor = s.uniform(), u_family = s.uniform();
    const bool le = f_.is_le(i, params_);
    double p_successor = le ? M.successor_prob_le : M.successor_prob_sme;
    if (!le && lever.active()) {
      p_successor = std::min(1.0, p_successor + lever.extra_success);
      c.successions_supported += 1;
      c.spend_succession += lever.cost_per_firm;
    }
    if (u_successor > p_successor) {
      exit_firm(i, ExitCause::succession, c);
      return;
    }
    // A successor: fresh traits, except that a family successor keeps the proactivity and half
    // of the experience (with its region) of the predecessor.
    const bool family = u_family <= M.family_prob;
    const double pi = f_.proactivity[i], e = f_.experience[i];
    const auto region = f_.experience_region[i];
    Stream m = stream(i, Purpose::successor);
    draw_manager(i, m, M.successor_age_min, M.successor_age_max);
    if (family) {
      f_.proactivity[i] = pi;
      if (e > 0 && f_.experience[i] == 0) f_.experience_region[i] = region;
      f_.experience[i] = float(std::max(double(f_.experience[i]), 0.5 * e));  // exact
    }
  });
}

}  // namespace smesim::model
