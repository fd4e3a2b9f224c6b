// Calibration (issue 4): the optimiser recovers known parameters of a cheap test model from its
// own simulated targets; the sandwich standard errors and the resume cache behave as documented.
#include <gtest/gtest.h>

#include <cmath>

#include "smesim/analysis/calibration.hpp"
#include "smesim/model/random.hpp"

using namespace smesim::analysis;

namespace {

// A cheap nonlinear "model" with 2 parameters and 4 moments; `noise` adds common-random-number
// Monte Carlo error: the same S draws for every theta (as the simulator's fixed seeds do).
std::vector<double> cheap_model(const std::vector<double>& t, int S, bool noise) {
  std::vector<double> m = {t[0] + 0.5 * t[1], t[0] * t[1], std::exp(0.3 * t[0]) - t[1],
                           t[1] * t[1] + 0.2 * t[0]};
  if (!noise) return m;
  for (int s = 0; s < S; ++s) {
    smesim::model::Stream z({7, 0, std::uint32_t(s)}, 0, 0, smesim::model::Purpose::search);
    for (auto& v : m) v += 0.02 * z.normal() / S;
  }
  return m;
}

std::vector<Target> targets_at(const std::vector<double>& truth, double se) {
  const auto m = cheap_model(truth, 1, false);
  std::vector<Target> t;
  for (std::size_t k = 0; k < m.size(); ++k) {
    std::string name = "m";  // (not "m" + ...: GCC 12 warns falsely with -Wrestrict)
    name += std::to_string(k);
    t.push_back({name, m[k], se, 1.0});
  }
  return t;
}

const std::vector<CalibratedParameter> kParams = {{"a", 0.5, -2.0, 3.0}, {"b", 0.0, -2.0, 2.0}};

}  // namespace

TEST(Calibration, BobyqaRecoversKnownParametersOfANoiseFreeModel) {
  const std::vector<double> truth = {1.2, -0.7};
  CalibrationOptions o;
  o.max_evaluations = 400;
  o.rel_tolerance = 1e-8;
  const auto r = calibrate(
      kParams, targets_at(truth, 0.05), [](const auto& t) { return cheap_model(t, 1, false); }, o);
  EXPECT_NEAR(r.best.theta[0], 1.2, 1e-4);
  EXPECT_NEAR(r.best.theta[1], -0.7, 1e-4);
  EXPECT_LT(r.best.J, 1e-6);
  EXPECT_GT(r.start.J, 10.0);
  EXPECT_EQ(r.jacobian_rank, 2);
}

TEST(Calibration, EveryOptimizerRecoversParametersUnderCommonRandomNumbers) {
  // With S = 10 replications the moments carry noise of sd 0.02 / sqrt(10) ~ 0.006 that does not
  // change with theta, so the estimate is biased by at most a few times that noise through the
  // inverse Jacobian (entries of order 1): a tolerance of 0.05 is about 8 noise sd.
  const std::vector<double> truth = {1.2, -0.7};
  for (const char* opt : {"bobyqa", "sbplx", "crs2", "multistart"}) {
    CalibrationOptions o;
    o.optimizer = opt;
    o.replications = 10;
    o.max_evaluations = std::string(opt) == "crs2" ? 2000 : 400;
    const auto r = calibrate(
        kParams, targets_at(truth, 0.05), [](const auto& t) { return cheap_model(t, 10, true); },
        o);
    EXPECT_NEAR(r.best.theta[0], 1.2, 0.05) << opt;
    EXPECT_NEAR(r.best.theta[1], -0.7, 0.05) << opt;
    EXPECT_LE(r.evaluations, o.max_evaluations + 1) << opt;
  }
}

TEST(Calibration, SandwichStandardErrorsOfALinearModelAreExact) {
  // m = A theta with A = [[1, 0], [1, 1], [0, 2]], se = (0.1, 0.2, 0.1), S = 4:
  // Var = (1 + 1/4) (A' W A)^-1 with W = diag(1/se^2) = diag(100, 25, 100).
  // A'WA = [[125, 25], [25, 425]]; its inverse = [[425, -25], [-25, 125]] / 52500.
  auto linear = [](const std::vector<double>& t) {
    return std::vector<double>{t[0], t[0] + t[1], 2 * t[1]};
  };
  const std::vector<Target> targets = {
      {"m0", 1.0, 0.1, 1}, {"m1", 1.5, 0.2, 1}, {"m2", 1.0, 0.1, 1}};
  CalibrationOptions o;
  o.replications = 4;
  o.rel_tolerance = 1e-10;
  const auto r = calibrate({{"a", 0.0, -5, 5}, {"b", 0.0, -5, 5}}, targets, linear, o);
  EXPECT_NEAR(r.se[0], std::sqrt(1.25 * 425.0 / 52500.0), 1e-6);
  EXPECT_NEAR(r.se[1], std::sqrt(1.25 * 125.0 / 52500.0), 1e-6);
  EXPECT_NEAR(r.jacobian(1, 1), 1.0, 1e-9);
}

TEST(Calibration, UnidentifiedParameterShowsInTheJacobianRank) {
  auto only_a = [](const std::vector<double>& t) { return std::vector<double>{t[0], 2 * t[0]}; };
  const std::vector<Target> targets = {{"m0", 1.0, 0.1, 1}, {"m1", 2.0, 0.1, 1}};
  const auto r = calibrate({{"a", 0.0, -5, 5}, {"b", 0.0, -5, 5}}, targets, only_a, {});
  EXPECT_EQ(r.jacobian_rank, 1);
  EXPECT_TRUE(std::isnan(r.se[1]));
}

TEST(Calibration, ResumeReplaysCachedEvaluationsWithoutSimulating) {
  const std::vector<double> truth = {1.2, -0.7};
  int calls = 0;
  auto counted = [&](const std::vector<double>& t) {
    ++calls;
    return cheap_model(t, 1, false);
  };
  CalibrationOptions first;
  first.max_evaluations = 30;
  std::vector<Evaluation> trace;
  first.on_evaluation = [&](const Evaluation& e, int, bool) { trace.push_back(e); };
  const auto a = calibrate(kParams, targets_at(truth, 0.05), counted, first);
  // Interrupted after 12 evaluations: a rerun with the first 12 cached simulates only the rest.
  CalibrationOptions second = first;
  second.on_evaluation = nullptr;
  second.cache.assign(trace.begin(), trace.begin() + 12);
  calls = 0;
  const auto b = calibrate(kParams, targets_at(truth, 0.05), counted, second);
  EXPECT_EQ(b.best.theta, a.best.theta);
  EXPECT_EQ(b.best.J, a.best.J);
  EXPECT_EQ(calls, a.evaluations - 12 + 2 * 2);  // + central-difference Jacobian (2 per parameter)
}

TEST(Calibration, DistanceWeightsAndPenalizesMissingMoments) {
  const std::vector<Target> t = {{"a", 1.0, 0.5, 1}, {"b", 0.0, 1.0, 0}, {"c", 2.0, 1.0, 2}};
  // ((2 - 1) / 0.5)^2 + 0 (weight 0) + 2 * 10^2 (missing), over (1 + 1/4).
  EXPECT_DOUBLE_EQ(distance({2.0, 5.0, std::nan("")}, t, 4), (4.0 + 200.0) / 1.25);
}

TEST(Calibration, ReadsTheThirtySlopeTargetsOfMotohashiTable3) {
  const auto t = read_coefficient_targets(std::string(SMESIM_SOURCE_DIR) +
                                          "/data/targets/motohashi2005_table3.csv");
  ASSERT_EQ(t.size(), 30u);
  EXPECT_EQ(t[0].name, "north_america.LOS");
  EXPECT_DOUBLE_EQ(t[0].value, 0.055);
  EXPECT_DOUBLE_EQ(t[0].se, 0.055 / 2.69);
}

// The sample moments of spec v2 9b: per region the respondent firms, the observations per firm
// and the within R-squared, with the stated tolerances as scales (R-squared: 0.01).
TEST(Calibration, ReadsTheSampleTargetsOfMotohashiTable3) {
  const auto t = read_sample_targets(std::string(SMESIM_SOURCE_DIR) +
                                     "/data/targets/motohashi2005_table3_samples.csv");
  ASSERT_EQ(t.size(), 18u);
  EXPECT_EQ(t[0].name, "north_america.respondents");
  EXPECT_DOUBLE_EQ(t[0].value, 717);
  EXPECT_DOUBLE_EQ(t[0].se, 0.125 * 717);
  EXPECT_EQ(t[1].name, "north_america.obs_per_firm");
  EXPECT_DOUBLE_EQ(t[1].value, 3768.0 / 717.0);
  EXPECT_EQ(t[2].name, "north_america.r2_within");
  EXPECT_DOUBLE_EQ(t[2].value, 0.03);
  EXPECT_DOUBLE_EQ(t[2].se, 0.01);
  EXPECT_EQ(t[17].name, "others.r2_within");
  EXPECT_DOUBLE_EQ(t[17].value, 0.02);
}
