// Linear panel-data estimators for unbalanced panels: pooled OLS, fixed effects (within) and
// random effects (GLS with Swamy-Arora variance components), each with conventional and
// cluster-robust standard errors. The conventions (constant, degrees of freedom, R-squared,
// small-sample factors) are Stata's `regress` and `xtreg`; docs/econometrics.md states each one
// and where R's plm differs.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace smesim::analysis {

enum class PanelModel { pooled, fe, re };

std::string_view model_name(PanelModel model);  // "pooled", "fe", "re"
// Parses "pooled", "fe" or "re"; throws std::invalid_argument otherwise.
PanelModel parse_panel_model(std::string_view name);

// How `re` estimates the variance of the group effect on an unbalanced panel (the two agree on a
// balanced one).
enum class VarianceComponents {
  stata,          // xtreg, re (default): unweighted between regression, harmonic mean of T_i
  baltagi_chang,  // plm random.method = "swar": T_i-weighted between regression, unbiased form
};

struct PanelOptions {
  PanelModel model = PanelModel::fe;
  VarianceComponents components = VarianceComponents::stata;
  // A regressor is dropped when its variation not explained by the regressors kept before it is
  // at most this share of its total variation (around the grand mean).
  double collinearity_tolerance = 1e-9;
};

struct Coefficient {
  std::string term;  // the regressor's name, or "const"
  double coef = 0;
  double se = 0;          // conventional
  double se_cluster = 0;  // cluster-robust (by group unless other clusters were given)
  double t() const { return coef / se; }
  double t_cluster() const { return coef / se_cluster; }
};

struct PanelResult {
  PanelModel model = PanelModel::fe;
  std::vector<Coefficient> coefficients;  // kept regressors in the order given, then "const"
  std::vector<std::string> omitted;       // regressors dropped as constant or collinear
  std::vector<std::string> warnings;      // one sentence per dropped regressor
  Eigen::MatrixXd vcov, vcov_cluster;     // rows and columns in the order of `coefficients`

  std::int64_t n_obs = 0, n_groups = 0, n_clusters = 0;
  std::int64_t t_min = 0, t_max = 0;  // observations per group
  double t_mean = 0;
  std::int64_t df_resid = 0;  // degrees of freedom of the conventional variance
  double rss = 0;             // residual sum of squares of the estimating regression
  // Stata's three R-squared: corr^2 of (y - ybar_i, (x - xbar_i) b), of (ybar_i, xbar_i b) over
  // groups, and of (y, x b).
  double r2_within = 0, r2_between = 0, r2_overall = 0;
  double sigma_e = 0;  // idiosyncratic standard deviation
  double sigma_u = 0;  // group-effect standard deviation (fe: of the estimated effects)
  double rho = 0;      // sigma_u^2 / (sigma_u^2 + sigma_e^2)
  double theta_min = 0, theta_mean = 0, theta_max = 0;  // re: GLS weights (0 for pooled, 1 for fe)

  const Coefficient* find(std::string_view term) const;  // nullptr when absent (or dropped)
  const Coefficient& at(std::string_view term) const;    // throws std::out_of_range
};

// Estimates y = c + X b (+ u_i) + e on a panel whose rows belong to groups `group` (any integer
// ids, rows in any order, groups of any size). `names` names the columns of X (default x1, x2,
// ...). `cluster` gives one cluster id per row for the cluster-robust variance; empty means
// clustering by group. For fe and re every group must lie within one cluster, as Stata requires.
// Regressors that are constant (fe: within groups) or collinear with earlier ones are dropped and
// reported in `omitted` and `warnings`. Throws std::invalid_argument on mismatched sizes,
// non-finite values, or too few observations or groups to estimate and test the model.
PanelResult estimate(const Eigen::Ref<const Eigen::VectorXd>& y,
                     const Eigen::Ref<const Eigen::MatrixXd>& X,
                     std::span<const std::int64_t> group, const PanelOptions& options = {},
                     std::vector<std::string> names = {},
                     std::span<const std::int64_t> cluster = {});

}  // namespace smesim::analysis
