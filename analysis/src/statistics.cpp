#include "smesim/analysis/statistics.hpp"

#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>

namespace smesim::analysis {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

double t_quantile(int n, double level) {
  if (n < 2 || !(level > 0 && level < 1)) return kNaN;
  const boost::math::students_t t(double(n - 1));
  return boost::math::quantile(boost::math::complement(t, (1 - level) / 2));
}

MeanInterval mean_interval(std::span<const double> values, double t) {
  const std::size_t n = values.size();
  double s = 0, s2 = 0;
  for (double v : values) s += v;
  const double m = s / double(n);
  for (double v : values) s2 += (v - m) * (v - m);
  MeanInterval out;
  out.mean = m;
  out.sd = n > 1 ? std::sqrt(s2 / double(n - 1)) : kNaN;
  out.low = m - t * out.sd / std::sqrt(double(n));
  out.high = m + t * out.sd / std::sqrt(double(n));
  return out;
}

double sample_quantile(std::span<const double> sorted, double q) {
  const double h = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

double cost_per_effect(double extra_cost, double extra_effect) {
  return extra_effect != 0 ? extra_cost / extra_effect : kNaN;
}

}  // namespace smesim::analysis
