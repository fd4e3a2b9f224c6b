// analysis/statistics: Student t quantiles from Boost.Math, the mean and its interval over
// replications, cost per effect.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "smesim/analysis/statistics.hpp"

using namespace smesim::analysis;

TEST(Statistics, TQuantileMatchesPublishedTablesAndTheNormalLimit) {
  // Two-sided 95% factors (97.5% quantiles), e.g. Abramowitz and Stegun table 26.10.
  EXPECT_NEAR(t_quantile(2), 12.7062047, 1e-6);
  EXPECT_NEAR(t_quantile(3), 4.30265273, 1e-7);
  EXPECT_NEAR(t_quantile(11), 2.22813885, 1e-7);
  EXPECT_NEAR(t_quantile(31), 2.04227246, 1e-7);
  EXPECT_NEAR(t_quantile(121), 1.97993040, 1e-7);
  EXPECT_NEAR(t_quantile(1000000), 1.95996398, 1e-5);
  EXPECT_NEAR(t_quantile(11, 0.90), 1.81246112, 1e-7);
  EXPECT_TRUE(std::isnan(t_quantile(1)));
  EXPECT_TRUE(std::isnan(t_quantile(10, 1.0)));
}

TEST(Statistics, MeanIntervalIsTheMeanPlusMinusTTimesTheStandardError) {
  const std::vector<double> v = {1, 2, 3, 4};
  const double t = t_quantile(4);
  const MeanInterval s = mean_interval(v, t);
  EXPECT_DOUBLE_EQ(s.mean, 2.5);
  EXPECT_DOUBLE_EQ(s.sd, std::sqrt(5.0 / 3.0));
  EXPECT_DOUBLE_EQ(s.high - s.mean, t * s.sd / 2);
  EXPECT_DOUBLE_EQ(s.mean - s.low, t * s.sd / 2);
  const MeanInterval one = mean_interval(std::vector<double>{7}, t_quantile(1));
  EXPECT_EQ(one.mean, 7);
  EXPECT_TRUE(std::isnan(one.sd) && std::isnan(one.low) && std::isnan(one.high));
}

TEST(Statistics, CostPerEffectIsNanWithoutAnEffect) {
  EXPECT_EQ(cost_per_effect(10, 4), 2.5);
  EXPECT_EQ(cost_per_effect(-3, 2), -1.5);
  EXPECT_TRUE(std::isnan(cost_per_effect(10, 0)));
}

TEST(Statistics, SampleQuantileInterpolatesBetweenOrderStatistics) {
  const std::vector<double> v = {1, 2, 4, 8};
  EXPECT_EQ(sample_quantile(v, 0), 1);
  EXPECT_EQ(sample_quantile(v, 1), 8);
  EXPECT_DOUBLE_EQ(sample_quantile(v, 0.5), 3);      // between 2 and 4
  EXPECT_DOUBLE_EQ(sample_quantile(v, 0.975), 7.7);  // h = 2.925: 4 + 0.925 * 4
}
