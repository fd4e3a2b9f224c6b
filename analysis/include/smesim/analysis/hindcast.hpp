// Hindcast (issue 18; docs/validation.md): a calibrated scenario's forecast of every actual after
// a cut-off year, scored against three benchmarks fitted only on the same series' values up to
// the cut-off. The series, their adjustments and the simulated values are the fit table's
// (targets.hpp): a hindcast row is a fit-table row of a year after the cut-off, kept with its value
// in every replication.
//
// Measures. Errors are in the series' natural scale: percentage points for ratios (fractions,
// shares, changes: 100 v) and log points for levels (counts and money: 100 ln v). The benchmarks
// are fitted on that measure: no change (the last value), a linear trend (OLS on the year, so a
// trend in logs for levels), and an AR(1) in the differences of consecutive years.
#pragma once

#include <array>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "smesim/analysis/targets.hpp"
#include "smesim/sim/output.hpp"

namespace smesim::analysis {

enum class Measure { percentage_points, log_points };

// Levels (counts and money, the fit table's national-scale units) are in log points, everything
// else in percentage points.
Measure measure_of(const std::string& unit);
const char* measure_name(Measure m);  // "pp" or "log points"
// A value in its measure (100 ln v: NaN unless v > 0; 100 v) and back.
double to_measure(double value, Measure m);
double from_measure(double x, Measure m);

// One value of a series, in its measure.
struct Observation {
  int year = 0;
  double x = 0;
};

// The benchmarks, fitted on `history` (ascending years) and evaluated at `year` (after the last
// one); NaN when there is too little history: no history at all (no change), fewer than two years
// (trend), fewer than kAr1MinPairs pairs of consecutive differences or a last year without a
// difference (AR(1)).
double no_change_forecast(std::span<const Observation> history, int year);
double trend_forecast(std::span<const Observation> history, int year);
// d(t) = x(t) - x(t-1) for consecutive years; d(t) = c + phi d(t-1) + e by OLS over the pairs
// whose three years are consecutive; the forecast iterates the fitted equation from the last
// year's difference: x(T + k) = x(T + k - 1) + c + phi d(T + k - 1).
double ar1_forecast(std::span<const Observation> history, int year);
inline constexpr int kAr1MinPairs = 3;

inline constexpr int kBenchmarks = 3;
inline constexpr std::array<const char*, kBenchmarks> kBenchmarkNames = {"no_change", "trend",
                                                                         "ar1"};

// Diebold and Mariano (1995) on squared-error loss, d(t) = e1(t)^2 - e2(t)^2, with the small-
// sample correction of Harvey, Leybourne and Newbold (1997): S = dbar / sqrt(V / n), V the
// autocovariances of d up to lag h - 1 (gamma0 + 2 sum gamma_k, each with divisor n; gamma0 alone
// when that sum is not positive), S* = S sqrt((n + 1 - 2h + h(h - 1) / n) / n), p two-sided from
// Student's t with n - 1 degrees of freedom. S* < 0: the first forecast (e1) is the more accurate.
// NaN (n reported) when n < kDmMinErrors or the loss differential has no variance.
struct DieboldMariano {
  int n = 0;
  double mean_d = std::numeric_limits<double>::quiet_NaN();
  double statistic = std::numeric_limits<double>::quiet_NaN();  // S*
  double p_value = std::numeric_limits<double>::quiet_NaN();
};
DieboldMariano diebold_mariano(std::span<const double> e1, std::span<const double> e2, int h = 1);
inline constexpr int kDmMinErrors = 5;

// One actual after the cut-off. Values (actual, simulated, benchmarks) are on the fit table's
// model basis (national scale, adjusted, in `unit`); errors (forecast - actual) in the measure.
struct HindcastRow {
  std::string series, unit;
  int year = 0, horizon = 0;  // horizon = year - cut-off
  Measure measure = Measure::log_points;
  double actual = std::numeric_limits<double>::quiet_NaN();
  double sim_mean = std::numeric_limits<double>::quiet_NaN();  // mean over replications
  double sim_q05 = std::numeric_limits<double>::quiet_NaN();   // quantiles (R type 7)
  double sim_q95 = std::numeric_limits<double>::quiet_NaN();
  int reps = 0;
  std::array<double, kBenchmarks> bench{};
  double err_model = std::numeric_limits<double>::quiet_NaN();
  std::array<double, kBenchmarks> err_bench{};
  bool in_band = false;  // q05 <= actual <= q95
  int history = 0;       // the series' values up to the cut-off
  int last_year = 0;     // the last of them (0 when none)
  double last_value = std::numeric_limits<double>::quiet_NaN();
  std::string file;
  std::size_t line = 0;
};

// Scores of the model against one benchmark, over the rows where both have a forecast.
struct BenchmarkScore {
  int n = 0;
  double mae_model = std::numeric_limits<double>::quiet_NaN();
  double rmse_model = std::numeric_limits<double>::quiet_NaN();
  double mae = std::numeric_limits<double>::quiet_NaN();
  double rmse = std::numeric_limits<double>::quiet_NaN();
  double mae_ratio = std::numeric_limits<double>::quiet_NaN();   // model / benchmark
  double rmse_ratio = std::numeric_limits<double>::quiet_NaN();  // model / benchmark
  DieboldMariano dm;                                             // model = e1
};

// Per series ("all" for the total: every row, measures pooled).
struct HindcastScore {
  std::string series, measure;
  int n = 0;  // rows with a simulated value
  double mae = std::numeric_limits<double>::quiet_NaN();
  double rmse = std::numeric_limits<double>::quiet_NaN();
  double coverage = std::numeric_limits<double>::quiet_NaN();  // share of rows in the 5-95 band
  std::array<BenchmarkScore, kBenchmarks> bench;
};

struct Hindcast {
  int cutoff = 0, reps = 0;
  std::vector<HindcastRow> rows;      // by series, then year
  std::vector<HindcastScore> scores;  // per series (in the rows' order), then "all"
  std::vector<std::string> skipped;   // series left out and why, "series: reason"
};

// Throws sim::InputError (naming the files) unless some row of `actuals` is of a year after
// `cutoff`: an actuals file with every row up to the cut-off has nothing to forecast.
void check_after_cutoff(const std::vector<TargetRow>& actuals, int cutoff);

// The hindcast of design point `point` of `results` against `actuals` (every row read; those up
// to `cutoff` are the benchmarks' history, those after it the forecasts scored): the fit table of
// the actuals (prepare_targets, fit_table), its rows after the cut-off with the quantiles of their
// replication values. Series that are not comparable, inputs and references are skipped (listed in
// `skipped`); rows after the cut-off are never read by anything fitted. `dm_lag` is the h of the
// Diebold-Mariano test. Throws sim::InputError when no row is after the cut-off.
Hindcast hindcast(const std::vector<TargetRow>& actuals, int cutoff, const sim::Results& results,
                  int point, double national_scale, int dm_lag = 1);

// Scores of the rows (the per-series ones in order of appearance, then "all").
std::vector<HindcastScore> hindcast_scores(const std::vector<HindcastRow>& rows, int dm_lag = 1);

// The rows and the scores as CSV (docs/validation.md lists the columns), a text table, and the
// Markdown table of docs/validation.md.
std::string hindcast_csv(const Hindcast& h);
std::string hindcast_scores_csv(const Hindcast& h);
std::string hindcast_text(const Hindcast& h);
std::string hindcast_markdown(const Hindcast& h);

// The series of `rows` that the model cannot compute: no rule and no aggregate of that name among
// `aggregates`. Each as "series (FILE:LINE)", with "; did you mean 'X'?" from `candidates` when one
// is close.
std::vector<std::string> unknown_series(const std::vector<TargetRow>& rows,
                                        const std::vector<std::string>& aggregates,
                                        const std::vector<std::string>& candidates);

}  // namespace smesim::analysis
