#include "smesim/model/firms.hpp"

namespace smesim::model {

void Firms::resize(std::size_t n) {
  const std::size_t nr = n * kRegions;
  for (auto* v : {&industry, &alive, &tier, &D_parent, &exit_cause, &relocated_mask, &first_active,
                  &ever_international, &trained})
    v->resize(n, 0);
  for (auto* v : {&entry_year, &n_suppliers}) v->resize(n, 0);
  exit_year.resize(n, -1);
  for (auto* v : {&customer0, &customer1}) v->resize(n, kNoFirm);
  for (auto* v :
       {&B0,  &B1,         &purchases,  &L,           &a,       &a_start,   &da,
        &Y,   &Y1,         &Y2,         &Y3,          &Y_entry, &Ymkt,      &RD,
        &W,   &K_dom,      &Y_keiretsu, &Y_parts,     &Y_back,  &Y_exports, &overseas_size,
        &rho, &experience, &ell,        &proactivity, &age})
    v->resize(n, 0.0);
  relocation_cut.resize(n, 1.0);
  experience_region.resize(n, -1);
  for (auto* v : {&X, &So, &K_abroad, &saj, &suj, &info}) v->resize(nr, 0.0);
  ties.resize(nr, 0);
  years_in.resize(nr, 0);
  mode.resize(nr, 0);
}

std::size_t Firms::memory_bytes() const {
  std::size_t b = 0;
  auto add = [&](const auto&... v) { ((b += v.capacity() * sizeof(v[0])), ...); };
  add(industry, alive, tier, D_parent, exit_cause, entry_year, exit_year, customer0, customer1, B0,
      B1, purchases, n_suppliers, L, a, a_start, da, Y, Y1, Y2, Y3, Y_entry, Ymkt, RD, W, K_dom,
      Y_keiretsu, Y_parts, Y_back, Y_exports, relocation_cut, overseas_size, X, So, K_abroad, saj,
      suj, info, ties, years_in, mode, rho, experience, ell, proactivity, age, experience_region,
      relocated_mask, first_active, ever_international, trained);
  return b;
}

}  // namespace smesim::model
