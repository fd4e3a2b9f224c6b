#include "smesim/model/firms.hpp"

namespace smesim::model {

namespace {
// Grows v to `count` elements. Entry appends a few percent a year, so instead of the standard
// library's doubling the capacity grows by 1/16: less than 6% of the slots are ever spare.
template <class T, class V>
void grow(std::vector<T>& v, std::size_t count, V value) {
  if (count > v.capacity()) v.reserve(v.empty() ? count : count + count / 16);
  v.resize(count, T(value));
}
}  // namespace

void Firms::resize(std::size_t n) {
  const std::size_t nr = n * kRegions;
  for (auto* v : {&industry, &alive, &tier, &D_parent, &exit_cause, &relocated_mask, &first_active,
                  &ever_international, &trained})
    grow(*v, n, 0);
  for (auto* v : {&entry_year, &n_suppliers}) grow(*v, n, 0);
  grow(exit_year, n, -1);
  for (auto* v : {&customer0, &customer1}) grow(*v, n, kNoFirm);
  for (auto* v : {&B0,         &B1,    &purchases,  &L,       &a,       &a_start,   &da,
                  &Y,          &Y1,    &Y2,         &Y3,      &Y_entry, &Ymkt,      &RD,
                  &W,          &K_dom, &Y_keiretsu, &Y_parts, &Y_back,  &Y_exports, &overseas_size,
                  &experience, &age})
    grow(*v, n, 0.0);
  for (auto* v : {&rho, &ell, &proactivity}) grow(*v, n, 0.0f);
  grow(relocation_cut, n, 1.0);
  grow(experience_region, n, -1);
  for (auto* v : {&X, &So, &K_abroad}) grow(*v, nr, 0.0);
  for (auto* v : {&saj, &suj, &info}) grow(*v, nr, 0.0f);
  grow(ties, nr, 0);
  grow(years_in, nr, 0);
  grow(mode, nr, 0);
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
