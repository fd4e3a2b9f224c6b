// Experimental designs (sim/design.hpp): full factorial grids, Latin hypercubes and Sobol
// sequences, the latter checked against the Joe-Kuo construction worked out independently here.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <utility>
#include <vector>

#include "smesim/sim/design.hpp"

namespace {

using smesim::sim::Design;
using smesim::sim::grid_design;
using smesim::sim::lhs_design;
using smesim::sim::sobol_design;
using Ranges = std::vector<std::pair<double, double>>;

// ---------------------------------------------------------------------------------------------
// Grid

TEST(Design, GridHasOnePointPerCombinationOfLevels) {
  const Design g = grid_design({{1, 2}, {10, 20, 30}, {5}, {7, 8, 9, 10}});
  EXPECT_EQ(g.points.size(), 2u * 3u * 1u * 4u);
  EXPECT_EQ(g.saltelli_base, 0);
  for (const auto& p : g.points) EXPECT_EQ(p.size(), 4u);
}

TEST(Design, GridVariesTheLastFactorFastest) {
  const Design g = grid_design({{1, 2}, {10, 20, 30}});
  const std::vector<std::vector<double>> expected = {{1, 10}, {1, 20}, {1, 30},
                                                     {2, 10}, {2, 20}, {2, 30}};
  EXPECT_EQ(g.points, expected);
}

TEST(Design, GridWithOneFactorListsItsLevelsInOrder) {
  const Design g = grid_design({{0.5, -1.0, 3.25}});
  const std::vector<std::vector<double>> expected = {{0.5}, {-1.0}, {3.25}};
  EXPECT_EQ(g.points, expected);
}

TEST(Design, GridPointsAreTheMixedRadixDigitsOfTheirIndex) {
  const std::vector<std::vector<double>> levels = {{0, 1, 2}, {0, 1}, {0, 1, 2, 3}};
  const Design g = grid_design(levels);
  ASSERT_EQ(g.points.size(), 24u);
  for (std::size_t p = 0; p < g.points.size(); ++p) {
    EXPECT_EQ(g.points[p][2], static_cast<double>(p % 4));
    EXPECT_EQ(g.points[p][1], static_cast<double>(p / 4 % 2));
    EXPECT_EQ(g.points[p][0], static_cast<double>(p / 8));
  }
}

TEST(Design, GridRejectsNoFactorsAndEmptyLevelLists) {
  EXPECT_THROW(grid_design({}), std::invalid_argument);
  EXPECT_THROW(grid_design({{1, 2}, {}}), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// Latin hypercube

const Ranges kLhsRanges = {{0.0, 1.0}, {-5.0, 5.0}, {100.0, 100.5}, {-3.0, -2.0}};

TEST(Design, LhsHasTheRequestedNumberOfPointsInsideTheRanges) {
  const Design l = lhs_design(kLhsRanges, 37, 11);
  ASSERT_EQ(l.points.size(), 37u);
  EXPECT_EQ(l.saltelli_base, 0);
  for (const auto& p : l.points) {
    ASSERT_EQ(p.size(), kLhsRanges.size());
    for (std::size_t f = 0; f < p.size(); ++f) {
      EXPECT_GE(p[f], kLhsRanges[f].first);
      EXPECT_LT(p[f], kLhsRanges[f].second);
    }
  }
}

TEST(Design, LhsPutsExactlyOnePointInEachStratumOfEachFactor) {
  for (const int n : {1, 2, 7, 100, 1000}) {
    const Design l = lhs_design(kLhsRanges, n, 2024);
    ASSERT_EQ(l.points.size(), static_cast<std::size_t>(n));
    for (std::size_t f = 0; f < kLhsRanges.size(); ++f) {
      const auto [lo, hi] = kLhsRanges[f];
      std::vector<double> v;
      for (const auto& p : l.points) v.push_back(p[f]);
      std::sort(v.begin(), v.end());
      // Sorted, the k-th value must lie in stratum k, [lo + k w, lo + (k+1) w), w = (hi - lo)/n.
      for (int k = 0; k < n; ++k) {
        EXPECT_GE(v[k], lo + (hi - lo) * k / n) << "n=" << n << " f=" << f << " k=" << k;
        EXPECT_LT(v[k], lo + (hi - lo) * (k + 1) / n) << "n=" << n << " f=" << f << " k=" << k;
      }
    }
  }
}

TEST(Design, LhsStratifiesMorePointsThanOneRandomStreamHolds) {
  // A Stream holds 2^20 - 4 numbers and the jitter takes two per point: n > 2^19 needs the
  // implementation to move on to further streams (and must not abort).
  constexpr int n = 600000;
  const Design l = lhs_design({{0.0, 1.0}}, n, 5);
  std::vector<double> v;
  for (const auto& p : l.points) v.push_back(p[0]);
  std::sort(v.begin(), v.end());
  int misplaced = 0;
  for (int k = 0; k < n; ++k)
    misplaced += !(v[k] >= static_cast<double>(k) / n && v[k] < static_cast<double>(k + 1) / n);
  EXPECT_EQ(misplaced, 0);
}

TEST(Design, LhsIsIdenticalForTheSameSeed) {
  EXPECT_EQ(lhs_design(kLhsRanges, 50, 99).points, lhs_design(kLhsRanges, 50, 99).points);
}

TEST(Design, LhsDiffersBetweenSeedsInEveryFactor) {
  const Design a = lhs_design(kLhsRanges, 50, 1), b = lhs_design(kLhsRanges, 50, 2);
  for (std::size_t f = 0; f < kLhsRanges.size(); ++f) {
    int same = 0;
    for (std::size_t p = 0; p < 50; ++p) same += a.points[p][f] == b.points[p][f];
    EXPECT_EQ(same, 0) << "factor " << f;
  }
}

TEST(Design, LhsFactorsAreNotPermutedAlike) {
  // Each factor has its own stream, so the stratum orders of two factors differ.
  const Design l = lhs_design({{0.0, 1.0}, {0.0, 1.0}}, 50, 3);
  int same = 0;
  for (const auto& p : l.points) same += std::floor(p[0] * 50) == std::floor(p[1] * 50);
  EXPECT_LT(same, 10);
}

TEST(Design, LhsRejectsInvalidArguments) {
  EXPECT_THROW(lhs_design(kLhsRanges, 0, 1), std::invalid_argument);
  EXPECT_THROW(lhs_design(kLhsRanges, -3, 1), std::invalid_argument);
  EXPECT_THROW(lhs_design({}, 10, 1), std::invalid_argument);
  EXPECT_THROW(lhs_design({{0.0, 1.0}, {2.0, 1.0}}, 10, 1), std::invalid_argument);
  EXPECT_THROW(lhs_design({{0.0, std::nan("")}}, 10, 1), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// Sobol

// Reference Sobol generator written from Joe & Kuo's description (new-joe-kuo-6.21201, 32 bits,
// Gray-code order), for the first three dimensions:
//   dimension 1: all m_k = 1 (van der Corput);
//   dimension 2: s = 1, a = 0, m = 1;
//   dimension 3: s = 2, a = 1, m = 1, 3.
// Direction numbers V_k = m_k 2^(32-k); for k > s:
//   V_k = V_{k-s} ^ (V_{k-s} >> s) ^ XOR_{l=1..s-1} a_l V_{k-l}   (a_l = bit s-1-l of a);
// X_0 = 0, X_i = X_{i-1} ^ V_c with c the 1-based position of the lowest zero bit of i - 1.
//
// By hand: dim 2: m_2 = 2 m_1 ^ m_1 = 3, m_3 = 2*3 ^ 3 = 5: V = .1, .11, .101 (binary);
//          dim 3: m_3 = 2 a_1 m_2 ^ 4 m_1 ^ m_1 = 6 ^ 4 ^ 1 = 3: V = .1, .11, .011.
//   i  c  dim1                dim2                 dim3
//   1  1  .1    = 0.5         .1          = 0.5    .1          = 0.5
//   2  2  .1^.01 = 0.75       .1^.11      = 0.25   .1^.11      = 0.25
//   3  1  .01   = 0.25        .11         = 0.75   .11         = 0.75
//   4  3  .011  = 0.375       .11^.101    = 0.375  .11^.011    = 0.625
//   5  1  .111  = 0.875       .011^.1     = 0.875  .101^.1     = 0.125
// (Boost's engine starts at i = 1: the all-zero X_0 is not part of the design.)
std::vector<std::array<double, 3>> joe_kuo_reference(int count) {
  constexpr int kBits = 32;
  struct Dim {
    int s;
    unsigned a;
    std::vector<std::uint32_t> m;
  };
  const std::array<Dim, 3> dims = {Dim{0, 0, {}}, Dim{1, 0, {1}}, Dim{2, 1, {1, 3}}};
  std::array<std::array<std::uint32_t, kBits + 1>, 3> v{};
  for (int j = 0; j < 3; ++j) {
    const Dim& dim = dims[j];
    if (j == 0) {
      for (int k = 1; k <= kBits; ++k) v[j][k] = std::uint32_t{1} << (kBits - k);
      continue;
    }
    for (int k = 1; k <= dim.s; ++k) v[j][k] = dim.m[k - 1] << (kBits - k);
    for (int k = dim.s + 1; k <= kBits; ++k) {
      v[j][k] = v[j][k - dim.s] ^ (v[j][k - dim.s] >> dim.s);
      for (int l = 1; l < dim.s; ++l)
        if ((dim.a >> (dim.s - 1 - l)) & 1u) v[j][k] ^= v[j][k - l];
    }
  }
  std::vector<std::array<double, 3>> points;
  std::array<std::uint32_t, 3> x{};
  for (int i = 1; i <= count; ++i) {
    int c = 1;
    for (std::uint32_t value = static_cast<std::uint32_t>(i - 1); value & 1u; value >>= 1) ++c;
    std::array<double, 3> p{};
    for (int j = 0; j < 3; ++j) {
      x[j] ^= v[j][c];
      p[j] = std::ldexp(static_cast<double>(x[j]), -kBits);
    }
    points.push_back(p);
  }
  return points;
}

TEST(Design, SobolFirstPointsIn2DAreTheJoeKuoValues) {
  const Design s = sobol_design({{0.0, 1.0}, {0.0, 1.0}}, 5, false);
  const std::vector<std::vector<double>> expected = {
      {0.5, 0.5}, {0.75, 0.25}, {0.25, 0.75}, {0.375, 0.375}, {0.875, 0.875}};
  EXPECT_EQ(s.points, expected);
  EXPECT_EQ(s.saltelli_base, 0);
}

TEST(Design, SobolFirstPointsIn3DAreTheJoeKuoValues) {
  const Design s = sobol_design({{0.0, 1.0}, {0.0, 1.0}, {0.0, 1.0}}, 5, false);
  const std::vector<std::vector<double>> expected = {{0.5, 0.5, 0.5},
                                                     {0.75, 0.25, 0.25},
                                                     {0.25, 0.75, 0.75},
                                                     {0.375, 0.375, 0.625},
                                                     {0.875, 0.875, 0.125}};
  EXPECT_EQ(s.points, expected);
}

TEST(Design, SobolMatchesTheJoeKuoConstructionOverManyPoints) {
  constexpr int kCount = 4095;
  const auto ref = joe_kuo_reference(kCount);
  const Design s = sobol_design({{0.0, 1.0}, {0.0, 1.0}, {0.0, 1.0}}, kCount, false);
  ASSERT_EQ(s.points.size(), static_cast<std::size_t>(kCount));
  for (int i = 0; i < kCount; ++i)
    for (int j = 0; j < 3; ++j)
      ASSERT_EQ(s.points[i][j], ref[i][j]) << "point " << i << " dim " << j;
}

TEST(Design, SobolIsScaledToTheRanges) {
  const Ranges ranges = {{-2.0, 2.0}, {10.0, 11.0}, {0.0, 1e6}};
  const Design s = sobol_design(ranges, 1000, false);
  const Design u = sobol_design({{0.0, 1.0}, {0.0, 1.0}, {0.0, 1.0}}, 1000, false);
  ASSERT_EQ(s.points.size(), 1000u);
  for (std::size_t p = 0; p < s.points.size(); ++p)
    for (std::size_t f = 0; f < ranges.size(); ++f) {
      const auto [lo, hi] = ranges[f];
      EXPECT_GE(s.points[p][f], lo);
      EXPECT_LT(s.points[p][f], hi);
      EXPECT_DOUBLE_EQ(s.points[p][f], lo + (hi - lo) * u.points[p][f]);
    }
}

TEST(Design, SobolSaltelliLayoutIsABThenABi) {
  const Ranges ranges = {{0.0, 1.0}, {-1.0, 1.0}, {5.0, 6.0}};
  constexpr int kN = 64;
  constexpr std::size_t d = 3;
  const Design s = sobol_design(ranges, kN, true);
  EXPECT_EQ(s.saltelli_base, kN);
  ASSERT_EQ(s.points.size(), kN * (d + 2));
  // A and B are the first and last d columns of the 2d-dimensional sequence.
  Ranges doubled = ranges;
  doubled.insert(doubled.end(), ranges.begin(), ranges.end());
  const Design full = sobol_design(doubled, kN, false);
  for (std::size_t r = 0; r < kN; ++r) {
    const auto& a = s.points[r];
    const auto& b = s.points[kN + r];
    for (std::size_t f = 0; f < d; ++f) {
      EXPECT_EQ(a[f], full.points[r][f]);
      EXPECT_EQ(b[f], full.points[r][d + f]);
    }
    // AB_i is A with column i taken from B.
    for (std::size_t i = 0; i < d; ++i) {
      const auto& ab = s.points[(2 + i) * kN + r];
      for (std::size_t f = 0; f < d; ++f) EXPECT_EQ(ab[f], f == i ? b[f] : a[f]);
    }
  }
}

TEST(Design, SobolRejectsInvalidArguments) {
  EXPECT_THROW(sobol_design({{0.0, 1.0}}, 0, false), std::invalid_argument);
  EXPECT_THROW(sobol_design({{0.0, 1.0}}, -1, true), std::invalid_argument);
  EXPECT_THROW(sobol_design({}, 10, false), std::invalid_argument);
  EXPECT_THROW(sobol_design({{1.0, 0.0}}, 10, false), std::invalid_argument);
  EXPECT_THROW(sobol_design({{0.0, 1.0}, {3.0, 2.0}}, 10, true), std::invalid_argument);
}

}  // namespace
