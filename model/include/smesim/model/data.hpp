// Published data the model reads (v2 2.3, 2.6, 5.1): the Census of Manufacture's 1985 size
// classes and shipments series, and Japan's export shares by destination. The numbers are those
// of data/targets/*.csv (with their sources there); tests/test_data.cpp checks that they agree.
#pragma once

#include <array>
#include <span>

#include "smesim/model/params.hpp"

namespace smesim::model::data {

// One Census size class of establishments with 4+ employees, 1985: employees in [lo, hi]
// (integers), the number of establishments, their persons engaged and shipments (billion yen).
struct SizeClass {
  double lo, hi;
  double establishments, employees, shipments;
};
// 4-9, 10-19, 20-29, 30-49, 50-99, 100-199, 200-299, 300-499, 500-999, 1000+ (hi: firms.L_max).
std::span<const SizeClass> size_classes_1985();
inline constexpr std::size_t kFirstMediumClass = 4;  // 50-99: the classes small plants come from
inline constexpr std::size_t kFirstLargeClass = 7;   // 300-499

// Shipments of establishments with 4+ employees, billion yen, 1985..last_census_year().
double census_shipments_ge4(int year);
int first_census_year();
int last_census_year();

// Japan's export shares by the model's regions in `year` (linear between the tabulated years,
// the nearest end outside them); they sum to 1.
std::array<double, kRegions> export_shares(int year);

}  // namespace smesim::model::data
