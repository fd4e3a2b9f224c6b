// The hindcast's arithmetic (analysis/hindcast.hpp): the three benchmarks against values computed
// by hand, the Diebold-Mariano statistic against an independent computation, the quantiles and
// coverage of the replications, the no-leak property (a post-cut-off actual changes only the
// error columns), the refusal of actuals that end at the cut-off and unknown series with a
// suggestion. The simulated results are built in memory, so no model runs here.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "smesim/analysis/hindcast.hpp"
#include "smesim/analysis/targets.hpp"
#include "smesim/sim/errors.hpp"
#include "smesim/sim/output.hpp"

using namespace smesim::analysis;
using smesim::sim::InputError;
using smesim::sim::Results;

namespace {

std::vector<TargetRow> parse(const std::string& text) {
  std::istringstream in(text);
  return parse_target_rows(in, "actuals.csv");
}

// Results of one point, years 1990-2000, 20 replications: `entries` in replication r is
// 100 + r + (year - 1990) (so its quantiles are known), `sme_fdi_share` is 0.10 + 0.001 r.
Results synthetic() {
  Results r;
  r.points = 1;
  r.reps = 20;
  for (int y = 1990; y <= 2000; ++y) r.years.push_back(y);
  std::vector<double> entries, share;
  for (int rep = 0; rep < r.reps; ++rep)
    for (int y : r.years) {
      entries.push_back(100.0 + rep + (y - 1990));
      share.push_back(0.10 + 0.001 * rep);
    }
  r.aggregates = {{"entries", entries}, {"sme_fdi_share", share}};
  return r;
}

const char* kActuals =
    "series,year,value,unit,source\n"
    "entries,1992,98,firms,test\n"
    "entries,1993,101,firms,test\n"
    "entries,1994,103,firms,test\n"
    "entries,1995,104,firms,test\n"
    "entries,1996,116,firms,test\n"
    "entries,1997,130,firms,test\n"
    "sme_fdi_share,1994,0.08,fraction,test\n"
    "sme_fdi_share,1995,0.09,fraction,test\n"
    "sme_fdi_share,1997,0.11,fraction,test\n"
    "establishments_all,1997,600000,establishments,test\n";

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

}  // namespace

// x = 10, 12, 13, 15, 16 in 2000-2004 (already in the measure).
//   no change: 16.
//   trend: mean year 2002, mean x 13.2, Sxx = 10, Sxy = 15, slope 1.5: 13.2 + 1.5 (y - 2002),
//     19.2 in 2006.
//   AR(1) in differences: d = 2, 1, 2, 1 (2001-2004); pairs (2,1), (1,2), (2,1): mean 5/3 and 4/3,
//     Sxx = 2/3, Sxy = -2/3, phi = -1, c = 4/3 + 5/3 = 3; d(2005) = 3 - 1 = 2, x(2005) = 18;
//     d(2006) = 3 - 2 = 1, x(2006) = 19.
TEST(HindcastBenchmarks, MatchHandComputedForecasts) {
  const std::vector<Observation> h = {{2000, 10}, {2001, 12}, {2002, 13}, {2003, 15}, {2004, 16}};
  EXPECT_DOUBLE_EQ(no_change_forecast(h, 2006), 16);
  EXPECT_NEAR(trend_forecast(h, 2006), 19.2, 1e-12);
  EXPECT_NEAR(trend_forecast(h, 2005), 17.7, 1e-12);
  EXPECT_NEAR(ar1_forecast(h, 2005), 18, 1e-12);
  EXPECT_NEAR(ar1_forecast(h, 2006), 19, 1e-12);
}

TEST(HindcastBenchmarks, NeedEnoughHistory) {
  const std::vector<Observation> none;
  const std::vector<Observation> one = {{1997, 5}};
  EXPECT_TRUE(std::isnan(no_change_forecast(none, 1998)));
  EXPECT_DOUBLE_EQ(no_change_forecast(one, 2003), 5);
  EXPECT_TRUE(std::isnan(trend_forecast(one, 1998)));
  // A gap: 1991 and 1995-1997 give the trend (OLS on the years as they are) but only one pair of
  // consecutive differences, fewer than the AR(1) needs.
  const std::vector<Observation> gap = {{1991, 0}, {1995, 4}, {1996, 5}, {1997, 6}};
  EXPECT_NEAR(trend_forecast(gap, 1998), 7, 1e-12);  // x = year - 1991 exactly
  EXPECT_TRUE(std::isnan(ar1_forecast(gap, 1998)));
  // Three pairs, but the last year has no difference (1999 follows a gap): no AR(1).
  const std::vector<Observation> broken = {{1990, 1}, {1991, 2}, {1992, 4},
                                           {1993, 5}, {1994, 7}, {1999, 9}};
  EXPECT_TRUE(std::isnan(ar1_forecast(broken, 2000)));
}

TEST(HindcastMeasures, RatiosInPercentagePointsLevelsInLogPoints) {
  EXPECT_EQ(measure_of("fraction"), Measure::percentage_points);
  EXPECT_EQ(measure_of("share (fiscal year)"), Measure::percentage_points);
  EXPECT_EQ(measure_of("establishments"), Measure::log_points);
  EXPECT_EQ(measure_of("billion yen"), Measure::log_points);
  EXPECT_DOUBLE_EQ(to_measure(0.162, Measure::percentage_points), 16.2);
  EXPECT_NEAR(to_measure(110, Measure::log_points) - to_measure(100, Measure::log_points),
              100 * std::log(1.1), 1e-12);
  EXPECT_NEAR(from_measure(to_measure(123.4, Measure::log_points), Measure::log_points), 123.4,
              1e-9);
  EXPECT_TRUE(std::isnan(to_measure(0, Measure::log_points)));
}

// e1 = 1, -1, 2, 0, 1 and e2 = 2, 1, -2, 1, 2: d = e1^2 - e2^2 = -3, 0, 0, -1, -3, mean -1.4,
// squared deviations 2.56 + 1.96 + 1.96 + 0.16 + 2.56 = 9.2, gamma0 = 9.2 / 5 = 1.84.
// h = 1: S = -1.4 / sqrt(1.84 / 5), HLN factor sqrt((5 + 1 - 2) / 5) = sqrt(0.8). With h = 1 the
// corrected statistic is the one-sample t statistic of d (s^2 = 9.2 / 4), which scipy computes
// independently: scipy.stats.ttest_1samp([-3, 0, 0, -1, -3], 0) gives t = -2.0641873861685593,
// p = 0.10793882229227657 (4 degrees of freedom).
// h = 2: gamma1 = (1.4 (-1.6) + 1.4 (1.4) + 0.4 (1.4) + (-1.6) (0.4)) / 5 = -0.072, V = 1.84 -
// 0.144 = 1.696, HLN factor sqrt((5 + 1 - 4 + 2 / 5) / 5) = sqrt(0.48): S* = -1.4 / sqrt(1.696 /
// 5) sqrt(0.48) = -1.6654083300081026, p = 0.17116144024288418 (scipy.stats.t.sf, 4 df).
TEST(HindcastDieboldMariano, MatchesAnIndependentComputation) {
  const std::vector<double> e1 = {1, -1, 2, 0, 1}, e2 = {2, 1, -2, 1, 2};
  const auto dm = diebold_mariano(e1, e2, 1);
  EXPECT_EQ(dm.n, 5);
  EXPECT_NEAR(dm.mean_d, -1.4, 1e-12);
  EXPECT_NEAR(dm.statistic, -1.4 / std::sqrt(1.84 / 5) * std::sqrt(0.8), 1e-12);
  EXPECT_NEAR(dm.statistic, -2.0641873861685593, 1e-12);
  EXPECT_NEAR(dm.p_value, 0.10793882229227657, 1e-12);
  const auto dm2 = diebold_mariano(e1, e2, 2);
  EXPECT_NEAR(dm2.statistic, -1.6654083300081026, 1e-12);
  EXPECT_NEAR(dm2.p_value, 0.17116144024288418, 1e-12);
  // Swapping the forecasts flips the sign, not the p value.
  const auto flipped = diebold_mariano(e2, e1, 1);
  EXPECT_NEAR(flipped.statistic, -dm.statistic, 1e-12);
  EXPECT_NEAR(flipped.p_value, dm.p_value, 1e-12);
}

TEST(HindcastDieboldMariano, NeedsFiveErrorsAndAVaryingDifferential) {
  const std::vector<double> a = {1, 2, 3, 4}, b = {0, 0, 0, 0};
  EXPECT_TRUE(std::isnan(diebold_mariano(a, b).statistic));
  EXPECT_EQ(diebold_mariano(a, b).n, 4);
  const std::vector<double> same = {1, 1, 1, 1, 1}, zero = {0, 0, 0, 0, 0};
  EXPECT_TRUE(std::isnan(diebold_mariano(same, zero).statistic));  // d constant
}

// Cut-off 1995: entries' history 1992-1995 (98, 101, 103, 104), forecasts for 1996 and 1997.
// Replication values in 1996: 106 + r, r = 0..19, so q05 = 106 + 0.05 * 19 = 106.95 and q95 =
// 106 + 0.95 * 19 = 124.05 (R type 7), mean 115.5; 1997: 107.95, 125.05, mean 116.5. The actual
// 116 lies inside, 130 outside: coverage 1 of 2.
TEST(Hindcast, QuantilesAndCoverageComeFromTheReplications) {
  const auto h = hindcast(parse(kActuals), 1995, synthetic(), 0, 1.0);
  ASSERT_EQ(h.rows.size(), 3u);  // entries 1996, 1997; sme_fdi_share 1997
  const auto& r96 = h.rows[0];
  EXPECT_EQ(r96.series, "entries");
  EXPECT_EQ(r96.year, 1996);
  EXPECT_EQ(r96.horizon, 1);
  EXPECT_EQ(r96.reps, 20);
  EXPECT_NEAR(r96.sim_mean, 115.5, 1e-9);
  EXPECT_NEAR(r96.sim_q05, 106.95, 1e-9);
  EXPECT_NEAR(r96.sim_q95, 124.05, 1e-9);
  EXPECT_TRUE(r96.in_band);
  EXPECT_FALSE(h.rows[1].in_band);  // 130 > 125.05
  EXPECT_EQ(r96.measure, Measure::log_points);
  EXPECT_NEAR(r96.err_model, 100 * std::log(115.5 / 116), 1e-9);
  // No change: 104 in every year after the cut-off.
  EXPECT_NEAR(r96.bench[0], 104, 1e-9);
  EXPECT_NEAR(r96.err_bench[0], 100 * std::log(104.0 / 116), 1e-9);
  EXPECT_NEAR(h.rows[1].bench[0], 104, 1e-9);
  // Too short for an AR(1) (two pairs of differences).
  EXPECT_TRUE(std::isnan(r96.bench[2]));
  // The ratio: 0.10 + 0.001 r, mean 0.1095, against 0.11, in percentage points.
  const auto& share = h.rows[2];
  EXPECT_EQ(share.measure, Measure::percentage_points);
  EXPECT_NEAR(share.err_model, 10.95 - 11, 1e-9);
  EXPECT_NEAR(share.bench[0], 0.09, 1e-12);
  EXPECT_NEAR(share.bench[1], 0.11, 1e-12);  // the trend of 8, 9 (1994, 1995) is 11 in 1997
  EXPECT_NEAR(share.err_bench[1], 0, 1e-9);
  // Scores: entries 1 of 2 in the band, the share 1 of 1; all 2 of 3.
  ASSERT_EQ(h.scores.size(), 3u);
  EXPECT_EQ(h.scores[0].series, "entries");
  EXPECT_DOUBLE_EQ(h.scores[0].coverage, 0.5);
  EXPECT_EQ(h.scores[2].series, "all");
  EXPECT_EQ(h.scores[2].measure, "mixed");
  EXPECT_NEAR(h.scores[2].coverage, 2.0 / 3, 1e-12);
  const double e96 = 100 * std::log(115.5 / 116), e97 = 100 * std::log(116.5 / 130);
  EXPECT_NEAR(h.scores[0].mae, (std::abs(e96) + std::abs(e97)) / 2, 1e-9);
  EXPECT_NEAR(h.scores[0].rmse, std::sqrt((e96 * e96 + e97 * e97) / 2), 1e-9);
  const auto& nc = h.scores[0].bench[0];
  EXPECT_EQ(nc.n, 2);
  EXPECT_NEAR(nc.rmse_ratio, h.scores[0].rmse / nc.rmse, 1e-12);
  EXPECT_TRUE(std::isnan(nc.dm.statistic));  // fewer than 5 errors
  // The series the model cannot compare is named, not scored.
  ASSERT_FALSE(h.skipped.empty());
  EXPECT_NE(h.skipped.front().find("establishments_all: not comparable"), std::string::npos);
}

// Changing an actual after the cut-off moves its own actual, errors and band flag, nothing else:
// no benchmark, simulated value or other row reads it.
TEST(Hindcast, APostCutoffActualChangesOnlyErrorColumns) {
  std::string changed = kActuals;
  const std::string from = "entries,1996,116,", to = "entries,1996,150,";
  changed.replace(changed.find(from), from.size(), to);
  const auto a = lines(hindcast_csv(hindcast(parse(kActuals), 1995, synthetic(), 0, 1.0)));
  const auto b = lines(hindcast_csv(hindcast(parse(changed), 1995, synthetic(), 0, 1.0)));
  ASSERT_EQ(a.size(), b.size());
  const auto header = split_csv_record(a[0], "");
  int differing_lines = 0;
  for (std::size_t i = 1; i < a.size(); ++i) {
    if (a[i] == b[i]) continue;
    ++differing_lines;
    const auto fa = split_csv_record(a[i], ""), fb = split_csv_record(b[i], "");
    ASSERT_EQ(fa.size(), header.size());
    EXPECT_EQ(fa[2], "1996") << "only the changed row differs";
    for (std::size_t c = 0; c < header.size(); ++c) {
      const bool error_column =
          header[c] == "actual" || header[c].rfind("err_", 0) == 0 || header[c] == "in_band";
      if (!error_column) {
        EXPECT_EQ(fa[c], fb[c]) << header[c];
      }
    }
  }
  EXPECT_EQ(differing_lines, 1);
  // A change before the cut-off does move the benchmarks.
  std::string history = kActuals;
  const std::string h0 = "entries,1995,104,", h1 = "entries,1995,110,";
  history.replace(history.find(h0), h0.size(), h1);
  const auto c = hindcast(parse(history), 1995, synthetic(), 0, 1.0);
  EXPECT_NEAR(c.rows[0].bench[0], 110, 1e-9);
}

TEST(Hindcast, RefusesActualsThatAllEndAtTheCutoff) {
  const auto rows = parse(
      "series,year,value,unit,source\nentries,1992,98,firms,test\nentries,1995,104,firms,test\n");
  try {
    hindcast(rows, 1995, synthetic(), 0, 1.0);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("'actuals.csv'"), std::string::npos) << m;
    EXPECT_NE(m.find("no row after the cut-off 1995"), std::string::npos) << m;
    EXPECT_NE(m.find("the last year is 1995"), std::string::npos) << m;
  }
  EXPECT_NO_THROW(check_after_cutoff(rows, 1994));
}

TEST(Hindcast, NamesUnknownSeriesWithASuggestion) {
  const auto rows = parse(
      "series,year,value,unit,source\n"
      "establishments_ge10,1999,1,establishments,t\n"
      "estabishments_ge10,1999,1,establishments,t\n"
      "establishments_all,1999,1,establishments,t\n"  // known: not comparable, skipped later
      "fx_yen_per_usd,1999,110,yen per dollar,t\n");  // an input: skipped later
  const auto unknown = unknown_series(rows, {"establishments_ge10", "entries"}, {});
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_NE(unknown[0].find("'estabishments_ge10' (actuals.csv:3)"), std::string::npos)
      << unknown[0];
  EXPECT_NE(unknown[0].find("did you mean 'establishments_ge10'?"), std::string::npos)
      << unknown[0];
}
