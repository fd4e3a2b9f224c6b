// Variance-based (Sobol) sensitivity indices from model outputs on a Saltelli design
// (smesim::sim::sobol_design with saltelli = true).
#pragma once

#include <cstdint>
#include <vector>

namespace smesim::analysis {

// Per-factor estimates (size d each). `*_ci` are half-widths of 95% bootstrap percentile
// intervals ((q97.5 - q2.5) / 2); NaN when bootstrap == 0 or no bootstrap replicate had a
// positive output variance.
struct SobolIndices {
  std::vector<double> first, total, first_ci, total_ci;
};

// First-order and total Sobol indices from the outputs `y` of a Saltelli design with N base
// samples in d factors: y holds the blocks f(A) (N values), f(B) (N), then f(AB_1) ... f(AB_d)
// (N each), in the point order of smesim::sim::Design, so y.size() == N * (d + 2).
//   first:  S_i  = mean(f_B * (f_ABi - f_A)) / V            (Saltelli et al. 2010)
//   total:  ST_i = mean((f_A - f_ABi)^2) / (2 V)            (Jansen 1999)
// with V the (population) variance of the 2N values f_A, f_B. The bootstrap resamples the N rows
// (the same row index in every block) with replacement `bootstrap` times; it is deterministic in
// `seed` (counter-based streams, smesim::model::Stream).
// Throws std::invalid_argument if N <= 0, d <= 0, bootstrap < 0, y.size() != N * (d + 2) or
// V == 0.
SobolIndices sobol_indices(const std::vector<double>& y, int N, int d, int bootstrap = 200,
                           std::uint64_t seed = 1);

}  // namespace smesim::analysis
