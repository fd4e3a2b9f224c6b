// PRIM (issue 15, scenario discovery): on synthetic cases whose cases of interest fill a known
// box, the chosen box recovers the limits (within 5% of each input's range), restricts no other
// input, and its quasi-p-values are small; grid inputs peel whole levels.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

#include "smesim/analysis/prim.hpp"

namespace {

using smesim::analysis::prim;
using smesim::analysis::PrimOptions;

// Uniform [0, 1) doubles from a fixed seed (the same on every platform).
struct Uniform {
  std::mt19937_64 rng;
  double operator()() { return double(rng() >> 11) * 0x1.0p-53; }
};

struct Synthetic {
  std::vector<std::vector<double>> x;
  std::vector<bool> y;
};

// n cases, 8 inputs on [0, 1]; of interest inside x0 in [0.2, 0.6], x3 >= 0.5, x6 <= 0.7, with
// a share `flip` of the labels flipped at random.
Synthetic synthetic(int n, double flip, std::uint64_t seed) {
  Uniform u{std::mt19937_64(seed)};
  Synthetic s;
  s.x.assign(8, std::vector<double>(std::size_t(n)));
  for (int k = 0; k < n; ++k) {
    for (auto& col : s.x) col[std::size_t(k)] = u();
    const auto& x = s.x;
    bool in = x[0][std::size_t(k)] >= 0.2 && x[0][std::size_t(k)] <= 0.6 &&
              x[3][std::size_t(k)] >= 0.5 && x[6][std::size_t(k)] <= 0.7;
    if (u() < flip) in = !in;
    s.y.push_back(in);
  }
  return s;
}

void expect_box(const smesim::analysis::PrimResult& r) {
  ASSERT_EQ(r.limits.size(), 3u);
  EXPECT_EQ(r.limits[0].input, 0);
  EXPECT_NEAR(r.limits[0].lo, 0.2, 0.05);
  EXPECT_NEAR(r.limits[0].hi, 0.6, 0.05);
  EXPECT_TRUE(r.limits[0].lo_restricted && r.limits[0].hi_restricted);
  EXPECT_EQ(r.limits[1].input, 3);
  EXPECT_NEAR(r.limits[1].lo, 0.5, 0.05);
  EXPECT_FALSE(r.limits[1].hi_restricted);
  EXPECT_EQ(r.limits[2].input, 6);
  EXPECT_NEAR(r.limits[2].hi, 0.7, 0.05);
  EXPECT_FALSE(r.limits[2].lo_restricted);
  for (const auto& l : r.limits) EXPECT_LT(l.quasi_p, 1e-6) << l.input;
}

TEST(Prim, RecoversAKnownBox) {
  const auto s = synthetic(10000, 0.0, 42);
  const auto r = prim(s.x, s.y);
  expect_box(r);
  EXPECT_GT(r.box.coverage, 0.9);
  EXPECT_GT(r.box.density, 0.9);
  // The trade-off curve starts with every case and stops at the first box of density 1 (no
  // peel can do better); along it the mass falls.
  ASSERT_GT(r.curve.size(), 10u);
  EXPECT_EQ(r.curve.front().coverage, 1.0);
  EXPECT_EQ(r.curve.front().mass, 1.0);
  EXPECT_NEAR(r.curve.front().density, 0.4 * 0.5 * 0.7, 0.02);
  EXPECT_EQ(r.curve.back().density, 1.0);
  for (std::size_t k = 1; k + 1 < r.curve.size(); ++k) EXPECT_LT(r.curve[k].density, 1.0);
  for (std::size_t k = 1; k < r.curve.size(); ++k) EXPECT_LT(r.curve[k].mass, r.curve[k - 1].mass);
}

TEST(Prim, RecoversAKnownBoxThroughLabelNoise) {
  const auto s = synthetic(10000, 0.05, 7);
  const auto r = prim(s.x, s.y);
  expect_box(r);
  // With noise the density never reaches 1: peeling goes down to mass_min.
  EXPECT_GE(r.curve.back().mass, 0.05);
  EXPECT_LT(r.curve.back().mass, 0.06);
}

TEST(Prim, ADensityThresholdChoosesTheWidestBoxThatReachesIt) {
  const auto s = synthetic(5000, 0.0, 3);
  PrimOptions o;
  o.min_density = 0.5;
  const auto r = prim(s.x, s.y, o);
  EXPECT_GE(r.curve[std::size_t(r.chosen)].density, 0.5);
  for (std::size_t k = 0; k < r.curve.size(); ++k)
    if (r.curve[k].density >= 0.5) {
      EXPECT_LE(r.curve[k].coverage, r.curve[std::size_t(r.chosen)].coverage);
    }
}

TEST(Prim, GridInputsPeelWholeLevels) {
  // Two inputs on 5 levels; of interest where x0 is at its two lowest levels.
  std::vector<std::vector<double>> x(2);
  std::vector<bool> y;
  for (int rep = 0; rep < 4; ++rep)
    for (int a = 0; a < 5; ++a)
      for (int b = 0; b < 5; ++b) {
        x[0].push_back(0.1 * a);
        x[1].push_back(b);
        y.push_back(a <= 1);
      }
  const auto r = prim(x, y);
  ASSERT_EQ(r.limits.size(), 1u);
  EXPECT_EQ(r.limits[0].input, 0);
  EXPECT_EQ(r.limits[0].hi, 0.1);
  EXPECT_EQ(r.box.density, 1.0);
  EXPECT_EQ(r.box.coverage, 1.0);
}

TEST(Prim, RefusesInputsItCannotUse) {
  EXPECT_THROW(prim({}, {true}), std::invalid_argument);
  EXPECT_THROW(prim({{1, 2}}, {true}), std::invalid_argument);
  EXPECT_THROW(prim({{1, 2}}, {false, false}), std::invalid_argument);
  EXPECT_THROW(prim({{1, NAN}}, {true, false}), std::invalid_argument);
}

}  // namespace
