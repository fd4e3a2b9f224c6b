// Distributions over a Stream (Boost.Random, header-only and portable: the same numbers with any
// standard library).
#pragma once

#include <boost/random/beta_distribution.hpp>
#include <boost/random/poisson_distribution.hpp>
#include <cmath>

#include "smesim/model/random.hpp"

namespace smesim::model {

inline double beta(Stream& s, double a, double b) {
  return boost::random::beta_distribution<double>(a, b)(s);
}
// Beta with the given mean and concentration (a + b); degenerate means return the mean.
inline double beta_mean(Stream& s, double mean, double concentration) {
  if (mean <= 0.0 || mean >= 1.0) return mean;
  return beta(s, mean * concentration, (1.0 - mean) * concentration);
}
inline int poisson(Stream& s, double mean) {
  if (!(mean > 0.0)) return 0;
  return boost::random::poisson_distribution<int, double>(mean)(s);
}
// Truncated Pareto on [lo, hi] with tail index alpha, by inversion.
inline double truncated_pareto(Stream& s, double lo, double hi, double alpha) {
  const double u = s.uniform();
  const double tail = std::pow(lo / hi, alpha);
  return lo * std::pow(1.0 - u * (1.0 - tail), -1.0 / alpha);
}
inline double uniform_between(Stream& s, double lo, double hi) {
  return lo + (hi - lo) * s.uniform();
}

}  // namespace smesim::model
