// Experimental designs for sweeps (issue 3): points in the space of varied parameters.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace smesim::sim {

// A design: points[p][f] is the value of factor f at point p.
struct Design {
  std::vector<std::vector<double>> points;
  // Saltelli layout (Sobol designs only; 0 otherwise): N base samples in d factors, the points are
  // the blocks A (N rows), B (N rows), then AB_1 ... AB_d (N rows each; AB_i is A with column i
  // taken from B), so points.size() == N * (d + 2).
  int saltelli_base = 0;
};

// Full factorial over the given levels per factor; the last factor varies fastest.
Design grid_design(const std::vector<std::vector<double>>& levels);
// Latin hypercube: n points in the boxes `ranges` (lo, hi); each factor's n strata [k/n, (k+1)/n)
// of its range hold exactly one point. Deterministic in `seed`.
Design lhs_design(const std::vector<std::pair<double, double>>& ranges, int n, std::uint64_t seed);
// Sobol quasi-random points (Joe-Kuo direction numbers, Boost.Random's table), skipping the
// initial zero point, scaled to `ranges`. With `saltelli`, the Saltelli scheme for first-order and
// total indices built from a 2d-dimensional Sobol sequence (A = first d columns, B = last d).
Design sobol_design(const std::vector<std::pair<double, double>>& ranges, int n, bool saltelli);

}  // namespace smesim::sim
