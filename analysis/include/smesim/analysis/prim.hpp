// Scenario discovery with PRIM, the Patient Rule Induction Method (Friedman and Fisher 1999, as
// the EMA Workbench runs it; issue 15): which box of input values holds most of the cases of
// interest (coverage) and mostly cases of interest (density)?
//   - peeling: from the box of all cases, repeatedly remove the alpha (0.05) share of the box's
//     cases at the low or the high end of one input, choosing the peel that leaves the highest
//     density; the boxes so found form the coverage-density trade-off curve, down to a box of
//     `mass_min` of the cases (or to the first box whose every case is of interest);
//   - choice: the box of the curve with the highest coverage among those of density >=
//     `min_density`, or (by default) the one with the largest coverage x density;
//   - pasting: the chosen box grows back by alpha shares of cases along one input while that
//     raises its density;
//   - quasi-p-values: for each input the box restricts, the binomial probability of finding at
//     least the box's cases of interest among its cases if the density were that of the box
//     without this restriction (EMA's quasi-p; small = the restriction matters).
// Inputs with few distinct values (a grid design) peel a whole level at a time.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace smesim::analysis {

struct PrimOptions {
  double peel_alpha = 0.05;
  double paste_alpha = 0.05;
  double mass_min = 0.05;             // the smallest box, as a share of all cases
  std::optional<double> min_density;  // choice rule (see above)
};

struct PrimBox {
  std::vector<double> lo, hi;  // per input; limits are case values, inclusive
  int cases = 0, interesting = 0;
  double coverage = 0, density = 0, mass = 0;
  int restricted = 0;  // inputs whose limits are inside the inputs' full range
};

struct PrimLimit {
  int input = 0;
  double lo = 0, hi = 0;  // the box's limits
  bool lo_restricted = false, hi_restricted = false;
  double quasi_p = 1;  // binomial quasi-p-value of the restriction
};

struct PrimResult {
  std::vector<PrimBox> curve;     // peeling trajectory: box 0 holds every case
  int chosen = 0;                 // index into curve
  PrimBox box;                    // the chosen box after pasting
  std::vector<PrimLimit> limits;  // the restricted inputs of `box`, in input order
  int total_cases = 0, total_interesting = 0;
};

// x[i][k]: value of input i in case k (all inputs the same length, finite); y[k]: case of
// interest. Throws std::invalid_argument on empty or mismatched input or no case of interest.
PrimResult prim(const std::vector<std::vector<double>>& x, const std::vector<bool>& y,
                const PrimOptions& options = {});

}  // namespace smesim::analysis
