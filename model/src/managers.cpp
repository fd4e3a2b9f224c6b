// Managers: ageing, retirement, succession and closure (spec 5.9; CE16 on the succession problem).
#include "smesim/model/managers.hpp"

#include <algorithm>

#include "smesim/model/draws.hpp"

namespace smesim::model {

void draw_manager(const ManagerParams& M, const Environment& env, Firms& f, std::size_t i,
                  Stream& s, double age_min, double age_max) {
  f.rho[i] = beta(s, M.rho_a, M.rho_b);
  f.experience[i] =
      s.bernoulli(M.experience_prob) ? float(1 + poisson(s, M.experience_poisson)) : 0.0f;
  f.ell[i] = beta(s, M.ell_a, M.ell_b);
  f.proactivity[i] = beta(s, M.pi_a, M.pi_b);
  f.age[i] = float(std::floor(uniform_between(s, age_min, age_max + 1.0)));
  f.experience_region[i] = -1;
  if (f.experience[i] > 0) {
    // Experience was gained where foreign demand is, and dictates where the firm looks
    // (CE16 6.1.2).
    const int r = s.categorical(env.export_share, kRegions);
    f.experience_region[i] = std::int8_t(r);
    float& I = f.info[i * kRegions + r];
    I = float(std::max(double(I), M.experience_info));
    f.ell[i] = float(std::max(double(f.ell[i]), M.experience_ell_min));
  }
}

void update_manager(const Params& p, const ClosedForms& forms, const YearContext& y,
                    const Environment& env, Firms& f, std::size_t i, Stream& s, YearCounters& c) {
  const auto& M = p.managers;
  const auto& lever = p.levers.succession_support;
  f.age[i] += 1.0;
  if (s.uniform() > forms.retirement_probability(M, f.age[i])) return;
  s.seek(1);  // the succession draws only for retiring managers
  const double u_successor = s.uniform(), u_family = s.uniform();
  const bool le = f.is_le(i, p);
  double p_successor = le ? M.successor_prob_le : M.successor_prob_sme;
  if (!le && lever.active()) {
    p_successor = std::min(1.0, p_successor + lever.extra_success);
    c.successions_supported += 1;
    c.spend_succession += lever.cost_per_firm;
  }
  if (u_successor > p_successor) {
    exit_firm(f, i, ExitCause::succession, y.year, c);
    return;
  }
  // A successor: fresh traits, except that a family successor keeps the proactivity and half
  // of the experience (with its region) of the predecessor.
  const bool family = u_family <= M.family_prob;
  const double pi = f.proactivity[i], e = f.experience[i];
  const auto region = f.experience_region[i];
  Stream m = y.stream(f, i, Purpose::successor);
  draw_manager(M, env, f, i, m, M.successor_age_min, M.successor_age_max);
  if (family) {
    f.proactivity[i] = pi;
    if (e > 0 && f.experience[i] == 0) f.experience_region[i] = region;
    f.experience[i] = float(std::max(double(f.experience[i]), 0.5 * e));  // exact
  }
}

void update_managers(const Params& p, const ClosedForms& forms, const YearContext& y,
                     const Environment& env, Firms& f, YearCounters& counters) {
  detail::for_alive_firms(y.exec, y.streams(), f.id, f.alive, Purpose::retirement, counters,
                          [&](std::size_t i, Stream& s, YearCounters& c) {
                            update_manager(p, forms, y, env, f, i, s, c);
                          });
}

}  // namespace smesim::model
