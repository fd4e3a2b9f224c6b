// Experimental designs for sweeps (issue 3): full factorial grids, Latin hypercubes and Sobol
// sequences (optionally in the Saltelli layout for variance-based sensitivity analysis).
#include "smesim/sim/design.hpp"

#include <algorithm>
#include <boost/random/sobol.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

#include "smesim/model/random.hpp"

namespace smesim::sim {

namespace {

void check_ranges(const char* who, const std::vector<std::pair<double, double>>& ranges, int n) {
  if (n <= 0)
    throw std::invalid_argument(std::string(who) + ": the number of points must be positive, got " +
                                std::to_string(n));
  if (ranges.empty()) throw std::invalid_argument(std::string(who) + ": no factors");
  for (std::size_t f = 0; f < ranges.size(); ++f) {
    const auto [lo, hi] = ranges[f];
    // Written so that NaN bounds fail too.
    if (!(lo <= hi) || !std::isfinite(lo) || !std::isfinite(hi))
      throw std::invalid_argument(std::string(who) + ": factor " + std::to_string(f) +
                                  " has an invalid range [" + std::to_string(lo) + ", " +
                                  std::to_string(hi) + "] (need finite lo <= hi)");
  }
}

// Boost's Sobol engine yields 64-bit integers in [0, 2^64) (min() == 0, max() == 2^64 - 1); the
// coordinate is x / 2^64. Keeping the top 53 bits makes the conversion exact for the first 2^53
// points and guarantees a result in [0, 1) (a plain double(x) * 2^-64 could round up to 1).
double sobol_unit(boost::random::sobol::result_type x) {
  static_assert(boost::random::sobol::min() == 0);
  static_assert(boost::random::sobol::max() == std::numeric_limits<std::uint64_t>::max());
  return static_cast<double>(x >> 11) * 0x1.0p-53;
}

// The LHS streams: one per factor (subject = factor index), Purpose::search; year offset 0 for
// the permutation, 1 for the jitter. A Stream holds 2^20 - 4 numbers, so a new stream (key.point =
// chunk index) is started every kChunk points: at most 2^19 numbers are drawn from any one stream
// (a below() is one number, a uniform() two).
constexpr int kChunk = 1 << 18;

model::Stream lhs_stream(std::uint64_t seed, std::size_t factor, int chunk, std::uint32_t which) {
  return model::Stream(model::StreamKey{seed, static_cast<std::uint32_t>(chunk), 0},
                       static_cast<std::uint32_t>(factor), which, model::Purpose::search);
}

}  // namespace

Design grid_design(const std::vector<std::vector<double>>& levels) {
  if (levels.empty()) throw std::invalid_argument("grid_design: no factors");
  std::size_t count = 1;
  for (std::size_t f = 0; f < levels.size(); ++f) {
    if (levels[f].empty())
      throw std::invalid_argument("grid_design: factor " + std::to_string(f) + " has no levels");
    if (count > std::numeric_limits<std::size_t>::max() / levels[f].size())
      throw std::invalid_argument("grid_design: too many points");
    count *= levels[f].size();
  }
  const std::size_t d = levels.size();
  Design design;
  design.points.reserve(count);
  std::vector<std::size_t> index(d, 0);  // mixed-radix counter, last digit fastest
  for (std::size_t p = 0; p < count; ++p) {
    std::vector<double> point(d);
    for (std::size_t f = 0; f < d; ++f) point[f] = levels[f][index[f]];
    design.points.push_back(std::move(point));
    for (std::size_t f = d; f-- > 0;) {
      if (++index[f] < levels[f].size()) break;
      index[f] = 0;
    }
  }
  return design;
}

Design lhs_design(const std::vector<std::pair<double, double>>& ranges, int n, std::uint64_t seed) {
  check_ranges("lhs_design", ranges, n);
  const std::size_t d = ranges.size();
  Design design;
  design.points.assign(static_cast<std::size_t>(n), std::vector<double>(d));
  std::vector<int> stratum(static_cast<std::size_t>(n));
  for (std::size_t f = 0; f < d; ++f) {
    const double lo = ranges[f].first, hi = ranges[f].second;
    // Stratum of each point: a uniformly random permutation (forward Fisher-Yates).
    std::iota(stratum.begin(), stratum.end(), 0);
    auto perm = lhs_stream(seed, f, 0, 0);
    for (int i = 0; i + 1 < n; ++i) {
      // A fresh stream per chunk of steps (constructing a Stream costs nothing).
      if (i > 0 && i % kChunk == 0) perm = lhs_stream(seed, f, i / kChunk, 0);
      const int j = i + static_cast<int>(perm.below(static_cast<std::uint32_t>(n - i)));
      std::swap(stratum[static_cast<std::size_t>(i)], stratum[static_cast<std::size_t>(j)]);
    }
    // Uniform position inside the stratum; the value is forced into [edge_k, edge_{k+1}) against
    // rounding, so each stratum of the range holds exactly one point.
    const auto edge = [&](int k) { return lo + (hi - lo) * (static_cast<double>(k) / n); };
    auto jitter = lhs_stream(seed, f, 0, 1);
    for (int p = 0; p < n; ++p) {
      if (p > 0 && p % kChunk == 0) jitter = lhs_stream(seed, f, p / kChunk, 1);
      const int k = stratum[static_cast<std::size_t>(p)];
      const double u = 1.0 - jitter.uniform();  // [0, 1) (uniform() is in (0, 1])
      double x = lo + (hi - lo) * ((k + u) / n);
      const double a = edge(k), b = edge(k + 1);
      if (x < a) x = a;
      if (x >= b && b > a) x = std::nextafter(b, a);
      design.points[static_cast<std::size_t>(p)][f] = x;
    }
  }
  return design;
}

Design sobol_design(const std::vector<std::pair<double, double>>& ranges, int n, bool saltelli) {
  check_ranges("sobol_design", ranges, n);
  const std::size_t d = ranges.size();
  const std::size_t dim = saltelli ? 2 * d : d;
  // Throws std::invalid_argument beyond Boost's table (3667 dimensions).
  boost::random::sobol engine(dim);
  // Boost's engine already skips the all-zero initial point: its first output vector is
  // (0.5, ..., 0.5). So nothing is discarded here.
  const auto N = static_cast<std::size_t>(n);
  const auto scale = [&](std::size_t f, double u) {
    const auto [lo, hi] = ranges[f];
    return lo + (hi - lo) * u;
  };
  Design design;
  if (!saltelli) {
    design.points.assign(N, std::vector<double>(d));
    for (auto& point : design.points)
      for (std::size_t f = 0; f < d; ++f) point[f] = scale(f, sobol_unit(engine()));
    return design;
  }
  design.saltelli_base = n;
  design.points.assign(N * (d + 2), std::vector<double>(d));
  auto block = [&](std::size_t b, std::size_t row) -> std::vector<double>& {
    return design.points[b * N + row];
  };
  for (std::size_t row = 0; row < N; ++row) {
    for (std::size_t f = 0; f < d; ++f) block(0, row)[f] = scale(f, sobol_unit(engine()));
    for (std::size_t f = 0; f < d; ++f) block(1, row)[f] = scale(f, sobol_unit(engine()));
    for (std::size_t i = 0; i < d; ++i) {
      auto& ab = block(2 + i, row);
      ab = block(0, row);
      ab[i] = block(1, row)[i];
    }
  }
  return design;
}

}  // namespace smesim::sim
