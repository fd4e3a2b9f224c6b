#include "smesim/analysis/statistics.hpp"

#include <cmath>
#include <limits>

namespace smesim::analysis {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

double t_quantile(int n, double level) {
  // 97.5% quantiles of Student's t, 3 decimals (the 95% level only).
  static const double table[] = {0,     12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365,
                                 2.306, 2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
                                 2.120, 2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069,
                                 2.064, 2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
  const int df = n - 1;
  if (df < 1 || level != kIntervalLevel) return kNaN;
  return df <= 30 ? table[df] : 1.96 + 2.4 / df;  // the tail approximation is within 0.002
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

double cost_per_effect(double extra_cost, double extra_effect) {
  return extra_effect != 0 ? extra_cost / extra_effect : kNaN;
}

}  // namespace smesim::analysis
