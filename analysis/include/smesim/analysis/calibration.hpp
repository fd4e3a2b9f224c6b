// Calibration by the simulated method of moments (spec section 9): minimise
//   J(theta) = sum_k w_k ((m_k(theta) - target_k) / se_k)^2 / (1 + 1/S)
// over box-bounded parameters with NLopt, where m(theta) averages S replications that share
// their random streams across theta (common random numbers), so J is a smooth function of theta.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace smesim::analysis {

struct Target {
  std::string name;  // e.g. "china.LOS"
  double value = 0, se = 1, weight = 1;
};

struct CalibratedParameter {
  std::string path;  // dotted scenario path
  double start = 0, lower = 0, upper = 1;
};

// The simulated moments at parameter vector theta (in the order of the parameters), each the
// mean over `replications` runs. NaN marks a moment the simulation could not produce (e.g. too
// few firms for a regression); it contributes a large penalty.
using MomentFunction = std::function<std::vector<double>(const std::vector<double>& theta)>;

struct Evaluation {
  std::vector<double> theta, moments;
  double J = 0;
};

// The defaults are those of a calibration file that omits the key (calibration_file.hpp reads
// them from here).
struct CalibrationOptions {
  std::string optimizer = "bobyqa";  // bobyqa, sbplx, crs2, multistart
  int max_evaluations = 200;
  int replications = 4;         // S in the (1 + 1/S) correction
  int multistart_points = 8;    // multistart: Sobol starting points, each followed by BOBYQA
  double rel_tolerance = 1e-4;  // on theta
  std::uint64_t seed = 1;       // for the global optimizer
  // Evaluations already made (e.g. read from a trace): returned without simulating again, so an
  // interrupted calibration resumes exactly where it stopped (the optimizers are deterministic).
  std::vector<Evaluation> cache;
  std::function<void(const Evaluation&, int count, bool cached)> on_evaluation;
};

struct CalibrationResult {
  Evaluation start, best;
  int evaluations = 0;
  std::vector<double> se;    // sandwich standard errors of the estimates (NaN if singular)
  Eigen::MatrixXd jacobian;  // d moments / d theta at the estimate (central differences)
  int jacobian_rank = 0;     // identification: full rank = number of parameters
  // Condition number (largest / smallest singular value) of the Jacobian in units of the
  // targets' scales per parameter range (rows / se_k, columns * (upper - lower)); infinite when
  // a parameter moves no moment.
  double jacobian_condition = 0;
  std::string status;  // NLopt's result
};

// The distance J of moments to targets (with the Monte Carlo correction for S replications).
double distance(const std::vector<double>& moments, const std::vector<Target>& targets, int S);

CalibrationResult calibrate(const std::vector<CalibratedParameter>& params,
                            const std::vector<Target>& targets, const MomentFunction& moments,
                            const CalibrationOptions& options);

// Reads targets from a CSV with header `region,term,coef,t` (lines starting with '#' ignored):
// name = region + "." + term, value = coef, se = |coef| / t. Terms in `skip_terms` are left out.
std::vector<Target> read_coefficient_targets(const std::string& path,
                                             const std::vector<std::string>& skip_terms = {
                                                 "const"});

// The stated tolerances (the moments' scales) of the Table 3 sample moments (spec v2 9b): the
// respondent count within 25 % is two scales (as a slope within two standard errors), the
// observations per firm within 20 %, the within R-squared within 0.02 (M05 prints two decimals:
// the scale is one unit of the last printed digit, twice its rounding of +-0.005; spec:
// tolerance >= 0.005). A scale of 0.005 let six R-squared misses of 0.1-0.6 outweigh the 30
// slopes a thousandfold in J (docs/calibration.md).
inline constexpr double kRespondentsTolerance = 0.125;  // relative
inline constexpr double kObsPerFirmTolerance = 0.10;    // relative
inline constexpr double kR2Tolerance = 0.01;            // absolute
// Reads the sample targets of M05 Table 3 from a CSV with header
// `region,observations,firms,r_squared` (e.g. data/targets/motohashi2005_table3_samples.csv):
// per region, `<region>.respondents` (the firms, at national scale), `<region>.obs_per_firm`
// (observations / firms) and `<region>.r2_within`, with the scales above.
std::vector<Target> read_sample_targets(const std::string& path);

}  // namespace smesim::analysis
