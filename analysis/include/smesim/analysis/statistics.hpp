// Summary statistics of replicated runs, in one place for the sweep engine (sim/), the analysis
// commands and, through the results file, the Python report: Student t quantiles (Boost.Math),
// the mean, standard deviation and interval of the mean over replications, sample quantiles, and
// cost per effect.
// A small library of its own (smesim_statistics) so that sim/ can use it without depending on
// the rest of analysis/.
#pragma once

#include <span>

namespace smesim::analysis {

// Two-sided confidence level of every interval smesim writes (the ci95_* arrays).
inline constexpr double kIntervalLevel = 0.95;

// The factor of the two-sided `level` interval of the mean of n observations: the (1 + level) / 2
// quantile of Student's t with n - 1 degrees of freedom (Boost.Math), to double precision. NaN
// when n < 2 or the level is not in (0, 1).
double t_quantile(int n, double level = kIntervalLevel);

struct MeanInterval {
  double mean = 0;
  double sd = 0;             // sample standard deviation (n - 1); NaN when n < 2
  double low = 0, high = 0;  // mean -/+ t * sd / sqrt(n)
};

// Mean, standard deviation and interval of the mean of `values`, with `t` = t_quantile(n)
// computed once by the caller for many summaries of the same size.
MeanInterval mean_interval(std::span<const double> values, double t);

// Quantile q (in [0, 1]) of `sorted` (ascending, not empty) by linear interpolation between
// order statistics (R's type 7); the bootstrap intervals of the Sobol indices use it.
double sample_quantile(std::span<const double> sorted, double q);

// Extra cost per unit of extra effect (e.g. million yen per additional internationalized SME);
// NaN when the effect is zero.
double cost_per_effect(double extra_cost, double extra_effect);

}  // namespace smesim::analysis
