// Distributions over a Stream (Boost.Random where it is fast enough, and portable: the same
// numbers with any standard library).
#pragma once

#include <boost/random/poisson_distribution.hpp>
#include <cmath>

#include "smesim/model/random.hpp"

namespace smesim::model {

// Gamma(a, 1) by Marsaglia and Tsang (2000, ACM TOMS 26:363): a ziggurat normal and a uniform
// per try, accepted ~98% of the time for a >= 1, mostly without a logarithm; a < 1 as
// Gamma(a + 1) * U^(1/a). Boost.Random's gamma uses a tangent rejection method whose
// `tan`, `exp` and `log` per try were a twentieth of a calibration run (docs/performance.md).
inline double gamma_draw(Stream& s, double a) {
  if (a < 1.0) return gamma_draw(s, a + 1.0) * std::pow(s.uniform(), 1.0 / a);
  const double d = a - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = s.normal();
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = s.uniform();  // in (0, 1]: log(u) is finite
    const double x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2) return d * v;
    if (std::log(u) < 0.5 * x2 + d * (1.0 - v + std::log(v))) return d * v;
  }
}
// Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
inline double beta(Stream& s, double a, double b) {
  const double x = gamma_draw(s, a);
  return x / (x + gamma_draw(s, b));
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
// The mean of the truncated Pareto on [lo, hi] with tail index alpha (density ~ L^-(alpha+1);
// any real alpha, alpha = 0 and 1 by their limits).
inline double truncated_pareto_mean(double lo, double hi, double alpha) {
  const double eps = 1e-9;
  const double l = std::log(hi / lo);
  if (std::abs(alpha) < eps) return (hi - lo) / l;
  if (std::abs(alpha - 1.0) < eps) return l / (1.0 / lo - 1.0 / hi);
  return alpha / (alpha - 1.0) * (std::pow(hi, 1.0 - alpha) - std::pow(lo, 1.0 - alpha)) /
         (std::pow(hi, -alpha) - std::pow(lo, -alpha));
}
// The tail index whose truncated Pareto on [lo, hi] has mean `mean` (lo < mean < hi), by
// bisection (the mean falls as alpha rises).
inline double truncated_pareto_index(double lo, double hi, double mean) {
  double a = -20.0, b = 20.0;
  for (int it = 0; it < 200; ++it) {
    const double m = 0.5 * (a + b);
    (truncated_pareto_mean(lo, hi, m) > mean ? a : b) = m;
  }
  return 0.5 * (a + b);
}
// A draw of the truncated Pareto on [lo, hi] with any real tail index, by inversion.
inline double truncated_pareto_any(Stream& s, double lo, double hi, double alpha) {
  const double u = s.uniform();
  if (std::abs(alpha) < 1e-9) return lo * std::pow(hi / lo, u);
  const double tail = std::pow(lo / hi, alpha);
  return std::min(hi, lo * std::pow(1.0 - u * (1.0 - tail), -1.0 / alpha));
}
inline double uniform_between(Stream& s, double lo, double hi) {
  return lo + (hi - lo) * s.uniform();
}

}  // namespace smesim::model
