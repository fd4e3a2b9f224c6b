#include "smesim/model/data.hpp"

#include <algorithm>

namespace smesim::model::data {

namespace {

// data/targets/census_size_classes.csv, 1985 rows (4+ employees).
constexpr SizeClass kClasses1985[] = {
    {4, 9, 253595, 1509740, 13457.2},  {10, 19, 84506, 1167937, 15181.6},
    {20, 29, 42791, 1046467, 15474.3}, {30, 49, 22700, 881873, 15428.2},
    {50, 99, 19608, 1355395, 27493.8}, {100, 199, 8976, 1229292, 29015.1},
    {200, 299, 2578, 622559, 17980.8}, {300, 499, 1868, 710645, 27515.6},
    {500, 999, 1217, 830384, 32837.7}, {1000, 50000, 679, 1535657, 70936.3},
};

// data/targets/census_size_classes.csv, series shipments_ge4 (billion yen), 1985-2004.
constexpr int kFirstYear = 1985;
constexpr double kShipmentsGe4[] = {265320.6, 254688.6, 253515.3, 274400.7, 298893.1,
                                    323372.6, 340834.6, 329520.6, 311199.5, 299027.4,
                                    306029.6, 313068.4, 323071.8, 305840.0, 291449.6,
                                    300477.6, 286667.4, 269361.8, 273734.4, 284418.3};

// data/targets/export_shares.csv: MOF trade statistics by destination, grouped into the model's
// regions (north_america, europe, nies, asean, china, others).
struct Shares {
  int year;
  std::array<double, kRegions> share;
};
constexpr Shares kExportShares[] = {
    {1985, {0.396, 0.150, 0.127, 0.044, 0.071, 0.212}},
    {1990, {0.339, 0.229, 0.198, 0.078, 0.021, 0.135}},
    {1995, {0.286, 0.169, 0.251, 0.121, 0.050, 0.123}},
    {2000, {0.312, 0.174, 0.239, 0.094, 0.063, 0.118}},
    {2004, {0.237, 0.169, 0.247, 0.087, 0.131, 0.129}},
};

}  // namespace

std::span<const SizeClass> size_classes_1985() { return kClasses1985; }

int first_census_year() { return kFirstYear; }
int last_census_year() { return kFirstYear + int(std::size(kShipmentsGe4)) - 1; }

double census_shipments_ge4(int year) {
  year = std::clamp(year, first_census_year(), last_census_year());
  return kShipmentsGe4[year - kFirstYear];
}

std::array<double, kRegions> export_shares(int year) {
  const auto& first = kExportShares[0];
  const auto& last = kExportShares[std::size(kExportShares) - 1];
  if (year <= first.year) return first.share;
  if (year >= last.year) return last.share;
  std::size_t k = 1;
  while (kExportShares[k].year < year) ++k;
  const auto& a = kExportShares[k - 1];
  const auto& b = kExportShares[k];
  const double w = double(year - a.year) / double(b.year - a.year);
  std::array<double, kRegions> s{};
  double total = 0.0;
  for (int r = 0; r < kRegions; ++r) total += s[r] = a.share[r] + w * (b.share[r] - a.share[r]);
  for (double& x : s) x /= total;
  return s;
}

}  // namespace smesim::model::data
