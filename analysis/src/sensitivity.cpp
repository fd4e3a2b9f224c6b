// Sobol sensitivity indices (first-order: Saltelli et al. 2010; total: Jansen 1999) with
// bootstrap percentile confidence intervals.
#include "smesim/analysis/sensitivity.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>

#include "smesim/analysis/statistics.hpp"
#include "smesim/model/random.hpp"

namespace smesim::analysis {

namespace {

// Estimates over the rows row(0) ... row(N-1) (the identity, or a bootstrap resample). Returns
// false (and leaves the outputs alone) when the output variance is not positive.
template <class Row>
bool estimate(const std::vector<double>& y, std::size_t N, std::size_t d, Row row,
              std::vector<double>& first, std::vector<double>& total) {
  const double* fa = y.data();
  const double* fb = y.data() + N;
  double mean = 0.0;
  for (std::size_t r = 0; r < N; ++r) mean += fa[row(r)] + fb[row(r)];
  mean /= static_cast<double>(2 * N);
  double var = 0.0;
  for (std::size_t r = 0; r < N; ++r) {
    const double a = fa[row(r)] - mean, b = fb[row(r)] - mean;
    var += a * a + b * b;
  }
  var /= static_cast<double>(2 * N);
  if (!(var > 0.0) || !std::isfinite(var)) return false;
  for (std::size_t i = 0; i < d; ++i) {
    const double* fab = y.data() + (2 + i) * N;
    double s = 0.0, st = 0.0;
    for (std::size_t r = 0; r < N; ++r) {
      const std::size_t k = row(r);
      s += fb[k] * (fab[k] - fa[k]);
      st += (fa[k] - fab[k]) * (fa[k] - fab[k]);
    }
    first[i] = s / static_cast<double>(N) / var;
    total[i] = st / static_cast<double>(N) / (2.0 * var);
  }
  return true;
}

double half_width(std::vector<double> values) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(values.begin(), values.end());
  return 0.5 * (sample_quantile(values, 0.975) - sample_quantile(values, 0.025));
}

// Row draws per bootstrap stream: a Stream holds 2^20 - 4 numbers and below() uses one.
constexpr std::size_t kChunk = std::size_t{1} << 19;

}  // namespace

SobolIndices sobol_indices(const std::vector<double>& y, int N, int d, int bootstrap,
                           std::uint64_t seed) {
  if (N <= 0) throw std::invalid_argument("sobol_indices: N must be positive");
  if (d <= 0) throw std::invalid_argument("sobol_indices: d must be positive");
  if (bootstrap < 0) throw std::invalid_argument("sobol_indices: bootstrap must be >= 0");
  const auto n = static_cast<std::size_t>(N), dd = static_cast<std::size_t>(d);
  if (y.size() != n * (dd + 2))
    throw std::invalid_argument("sobol_indices: y has " + std::to_string(y.size()) +
                                " values, the Saltelli layout with N = " + std::to_string(N) +
                                " and d = " + std::to_string(d) +
                                " needs N * (d + 2) = " + std::to_string(n * (dd + 2)));
  SobolIndices out;
  out.first.assign(dd, 0.0);
  out.total.assign(dd, 0.0);
  if (!estimate(
          y, n, dd, [](std::size_t r) { return r; }, out.first, out.total))
    throw std::invalid_argument(
        "sobol_indices: the variance of the outputs f(A), f(B) is zero (or not finite)");

  // Bootstrap: replicate b draws its rows from the streams (seed, point = b, subject = chunk).
  std::vector<std::vector<double>> first_b(dd), total_b(dd);
  std::vector<std::size_t> rows(n);
  std::vector<double> first(dd), total(dd);
  for (int b = 0; b < bootstrap; ++b) {
    model::Stream stream(model::StreamKey{seed, static_cast<std::uint32_t>(b), 0}, 0, 0,
                         model::Purpose::search);
    for (std::size_t r = 0; r < n; ++r) {
      if (r > 0 && r % kChunk == 0)
        stream = model::Stream(model::StreamKey{seed, static_cast<std::uint32_t>(b), 0},
                               static_cast<std::uint32_t>(r / kChunk), 0, model::Purpose::search);
      rows[r] = stream.below(static_cast<std::uint32_t>(n));
    }
    // A degenerate resample (all outputs equal) has no indices; it is left out.
    if (!estimate(
            y, n, dd, [&rows](std::size_t r) { return rows[r]; }, first, total))
      continue;
    for (std::size_t i = 0; i < dd; ++i) {
      first_b[i].push_back(first[i]);
      total_b[i].push_back(total[i]);
    }
  }
  out.first_ci.resize(dd);
  out.total_ci.resize(dd);
  for (std::size_t i = 0; i < dd; ++i) {
    out.first_ci[i] = half_width(std::move(first_b[i]));
    out.total_ci[i] = half_width(std::move(total_b[i]));
  }
  return out;
}

}  // namespace smesim::analysis
