// The panel estimators (analysis/panel.hpp): hand-derived values on small panels, Stata's
// published Grunfeld results, independent dense computations (dummy-variable OLS, explicit
// quasi-demeaning), recovery of known coefficients, collinearity, determinism.
#include <gtest/gtest.h>
#include <oneapi/tbb/global_control.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "smesim/analysis/csv.hpp"
#include "smesim/analysis/panel.hpp"

using namespace smesim::analysis;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

PanelResult fit(PanelModel model, const VectorXd& y, const MatrixXd& X,
                const std::vector<std::int64_t>& group, std::vector<std::string> names = {},
                const std::vector<std::int64_t>& cluster = {},
                VarianceComponents components = VarianceComponents::stata) {
  PanelOptions o;
  o.model = model;
  o.components = components;
  return estimate(y, X, group, o, std::move(names), cluster);
}

// `value` agrees with `printed` (as a program prints it) to within one unit of its last digit.
#define EXPECT_PRINTED(value, printed)                                                   \
  do {                                                                                   \
    const std::string p_ = (printed);                                                    \
    const auto dot_ = p_.find('.');                                                      \
    const int decimals_ = dot_ == std::string::npos ? 0 : int(p_.size() - dot_ - 1);     \
    EXPECT_NEAR((value), std::stod(p_), std::pow(10.0, -decimals_)) << "printed " << p_; \
  } while (0)

VectorXd vec(std::initializer_list<double> v) {
  VectorXd out(Eigen::Index(v.size()));
  Eigen::Index i = 0;
  for (double x : v) out[i++] = x;
  return out;
}

// A random unbalanced panel: groups of 1 to 8 rows in shuffled order, k regressors correlated
// with the group effect, y = 1 + x b + a_g + e.
struct Simulated {
  VectorXd y;
  MatrixXd X;
  std::vector<std::int64_t> group;
  std::vector<double> a;  // group effects
};

Simulated simulate(int groups, const VectorXd& beta, double effect_x_correlation,
                   std::uint64_t seed, int max_t = 8) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_int_distribution<int> t_dist(1, max_t);
  Simulated s;
  std::vector<std::vector<double>> rows;
  std::vector<double> ys;
  for (int g = 0; g < groups; ++g) {
    const double a = normal(rng);
    s.a.push_back(a);
    const int t = t_dist(rng);
    for (int r = 0; r < t; ++r) {
      std::vector<double> x(std::size_t(beta.size()));
      double y = 1 + a + normal(rng);
      for (std::size_t j = 0; j < x.size(); ++j) {
        x[j] = effect_x_correlation * a + normal(rng) + 0.1 * double(j) * r;
        y += beta[Eigen::Index(j)] * x[j];
      }
      rows.push_back(x);
      ys.push_back(y);
      s.group.push_back(1000 + 7 * g);  // ids neither dense nor starting at 0
    }
  }
  // Shuffle the rows so that groups are not contiguous.
  std::vector<std::size_t> order(rows.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  s.y.resize(Eigen::Index(rows.size()));
  s.X.resize(Eigen::Index(rows.size()), beta.size());
  std::vector<std::int64_t> group(rows.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    s.y[Eigen::Index(i)] = ys[order[i]];
    for (Eigen::Index j = 0; j < beta.size(); ++j)
      s.X(Eigen::Index(i), j) = rows[order[i]][std::size_t(j)];
    group[i] = s.group[order[i]];
  }
  s.group = group;
  return s;
}

// Dense codes of the groups, in order of first appearance.
std::vector<int> dense_codes(const std::vector<std::int64_t>& ids, int* count) {
  std::vector<int> code;
  std::vector<std::int64_t> seen;
  for (auto id : ids) {
    auto it = std::find(seen.begin(), seen.end(), id);
    if (it == seen.end()) {
      seen.push_back(id);
      it = seen.end() - 1;
    }
    code.push_back(int(it - seen.begin()));
  }
  *count = int(seen.size());
  return code;
}

}  // namespace

// FE on a 2-group unbalanced panel, every number derived by hand.
//   group 1: x = 0, 2  y = 1, 4     means x 1, y 2.5   within x -1, 1   y -1.5, 1.5
//   group 2: x = 1,3,5 y = 2, 3, 7  means x 3, y 4     within x -2,0,2  y -2, -1, 3
// Sxx = 1+1+4+0+4 = 10, Sxy = 1.5+1.5+4+0+6 = 13, b = 1.3
// residuals -0.2, 0.2 | 0.6, -1, 0.4; RSS = 1.6; df = N - G - k = 5 - 2 - 1 = 2; s2 = 0.8
// se(b) = sqrt(0.8 / 10); constant = ybar - xbar b = 3.4 - 2.2 * 1.3 = 0.54,
// se(c) = sqrt(s2 (1/N + xbar^2 / Sxx)) = sqrt(0.8 * (0.2 + 0.484))
// cluster scores (sum of xw e per group): 0.4, -0.4 (residuals sum to 0 in each group)
// q = G/(G-1) (N-1)/(N-k-1) = 2 * 4/3; V(b) = q * (0.16 + 0.16) / 10^2; V(c) = xbar^2 V(b)
// R2: within Sxy^2 / (Sxx Syy_w) = 169 / (10 * 18.5); between 1 (two groups);
// overall corr^2(x, y) = 16.6^2 / (14.8 * 21.2); sigma_u: effects 0.66, -0.44, sd = sqrt(0.605)
TEST(Panel, FixedEffectsMatchHandDerivedValues) {
  const auto r =
      fit(PanelModel::fe, vec({1, 4, 2, 3, 7}), vec({0, 2, 1, 3, 5}), {1, 1, 2, 2, 2}, {"x"});
  const double q = 2.0 * 4.0 / 3.0, vb_cluster = q * 0.32 / 100;
  ASSERT_EQ(r.coefficients.size(), 2u);
  EXPECT_NEAR(r.at("x").coef, 1.3, 1e-12);
  EXPECT_NEAR(r.at("x").se, std::sqrt(0.8 / 10), 1e-12);
  EXPECT_NEAR(r.at("x").se_cluster, std::sqrt(vb_cluster), 1e-12);
  EXPECT_NEAR(r.at("const").coef, 0.54, 1e-12);
  EXPECT_NEAR(r.at("const").se, std::sqrt(0.8 * (0.2 + 0.484)), 1e-12);
  EXPECT_NEAR(r.at("const").se_cluster, std::sqrt(2.2 * 2.2 * vb_cluster), 1e-12);
  EXPECT_EQ(r.n_obs, 5);
  EXPECT_EQ(r.n_groups, 2);
  EXPECT_EQ(r.df_resid, 2);
  EXPECT_EQ(r.t_min, 2);
  EXPECT_EQ(r.t_max, 3);
  EXPECT_NEAR(r.rss, 1.6, 1e-12);
  EXPECT_NEAR(r.r2_within, 169.0 / 185.0, 1e-12);
  EXPECT_NEAR(r.r2_between, 1.0, 1e-12);
  EXPECT_NEAR(r.r2_overall, 16.6 * 16.6 / (14.8 * 21.2), 1e-12);
  EXPECT_NEAR(r.sigma_e, std::sqrt(0.8), 1e-12);
  EXPECT_NEAR(r.sigma_u, std::sqrt(0.605), 1e-12);
}

// Pooled OLS on 4 rows, clusters {1,4} and {2,3} that cut across the groups {1,2}, {3,4}.
//   x = 0,1,2,3  y = 1,3,2,4: xbar 1.5, ybar 2.5, Sxy = 4, Sxx = 5, b = 0.8, c = 2.5 - 1.2 = 1.3
//   residuals -0.3, 0.9, -0.9, 0.3; RSS 1.8; df = 4 - 2; s2 = 0.9
//   se(b) = sqrt(0.9 / 5), se(c) = sqrt(0.9 (1/4 + 1.5^2 / 5))
//   cluster scores on (x - xbar, 1): {1,4}: (-1.5)(-0.3) + (1.5)(0.3) = 0.9, sum e = 0;
//   {2,3}: (-0.5)(0.9) + (0.5)(-0.9) = -0.9, sum e = 0. q = 2/1 * 3/2 = 3.
//   V(b) = 3 * 1.62 / 25, V(c) = 1.5^2 V(b). R2 = Sxy^2 / (Sxx Syy) = 16 / 25.
TEST(Panel, PooledOlsMatchesHandDerivedValuesWithCrossCuttingClusters) {
  const auto r = fit(PanelModel::pooled, vec({1, 3, 2, 4}), vec({0, 1, 2, 3}), {1, 1, 2, 2}, {"x"},
                     {10, 20, 20, 10});
  EXPECT_NEAR(r.at("x").coef, 0.8, 1e-12);
  EXPECT_NEAR(r.at("const").coef, 1.3, 1e-12);
  EXPECT_NEAR(r.at("x").se, std::sqrt(0.18), 1e-12);
  EXPECT_NEAR(r.at("const").se, std::sqrt(0.63), 1e-12);
  EXPECT_NEAR(r.at("x").se_cluster, std::sqrt(3 * 1.62 / 25), 1e-12);
  EXPECT_NEAR(r.at("const").se_cluster, std::sqrt(2.25 * 3 * 1.62 / 25), 1e-12);
  EXPECT_NEAR(r.r2_overall, 0.64, 1e-12);
  EXPECT_EQ(r.df_resid, 2);
  EXPECT_EQ(r.n_clusters, 2);
}

// RE on a balanced panel of 3 groups x 2 periods.
//   group 1: x 0, 2  y 1, 3 | group 2: x 1, 3  y 5, 9 | group 3: x 2, 4  y 5, 5
//   within: x -1, 1 in each group; y -1,1 | -2,2 | 0,0. Sxx_w = 6, Sxy_w = 6, b_w = 1,
//   RSS_w = 0+0+1+1+1+1 = 4, sigma_e^2 = 4 / (6 - 3 - 1) = 2
//   between (group means x 1,2,3; y 2,7,5): slope 3/2, residuals -7/6, 7/3, -7/6,
//   SSR_b = 49/6, sigma_u^2 = SSR_b / (3 - 2) - sigma_e^2 / T = 49/6 - 1 = 43/6
//   theta = 1 - sqrt(2 / (2 * 43/6 + 2)) = 1 - sqrt(6)/7; let a^2 = (1 - theta)^2 = 6/49
//   GLS cross products: Sxx = 6 + T a^2 sum d^2 = 6 + 24/49 = 318/49 (d = -1, 0, 1),
//   Sxy = 6 + T a^2 sum d dy = 6 + 36/49 = 330/49 (dy = -8/3, 7/3, 1/3), b = 55/53;
//   the constant's column (1 - theta) is orthogonal (sum d = sum dy = 0): c = 14/3 - 2 b = 412/159
//   residuals: within part yw - b xw = +-2/53 | -+51/53 | +-55/53, group part
//   h_g = a (dy - b d) = a (-259, 371, -112)/159; RSS* = 2 sum(within^2) + 2 sum h^2
//   s2 = RSS* / (6 - 2); se(b) = sqrt(s2 / Sxx); se(c) = sqrt(s2 (xbar^2 / Sxx + 1 / Sww)),
//   Sww = 6 a^2. Cluster scores per group: x: sum xw e + T a^2 d (dy - b d); w: T a^2 (dy - b d).
TEST(Panel, RandomEffectsMatchHandDerivedValues) {
  const auto r = fit(PanelModel::re, vec({1, 3, 5, 9, 5, 5}), vec({0, 2, 1, 3, 2, 4}),
                     {1, 1, 2, 2, 3, 3}, {"x"});
  const double a2 = 6.0 / 49, b = 55.0 / 53, sxx = 318.0 / 49, sww = 36.0 / 49, xbar = 2;
  const double rss = 2 * (4.0 + 2601 + 3025) / 2809 + 2 * a2 * (67081.0 + 137641 + 12544) / 25281;
  const double s2 = rss / 4;
  EXPECT_NEAR(r.sigma_e, std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(r.sigma_u, std::sqrt(43.0 / 6), 1e-12);
  EXPECT_NEAR(r.theta_min, 1 - std::sqrt(6.0) / 7, 1e-12);
  EXPECT_NEAR(r.theta_max, 1 - std::sqrt(6.0) / 7, 1e-12);
  EXPECT_NEAR(r.at("x").coef, b, 1e-12);
  EXPECT_NEAR(r.at("const").coef, 412.0 / 159, 1e-12);
  EXPECT_NEAR(r.rss, rss, 1e-12);
  EXPECT_NEAR(r.at("x").se, std::sqrt(s2 / sxx), 1e-12);
  EXPECT_NEAR(r.at("const").se, std::sqrt(s2 * (xbar * xbar / sxx + 1 / sww)), 1e-12);
  const double d[3] = {-1, 0, 1}, dy[3] = {-8.0 / 3, 7.0 / 3, 1.0 / 3};
  const double xw_ew[3] = {-4.0 / 53, 102.0 / 53, -110.0 / 53};
  double bxx = 0, bxw = 0, bww = 0;
  for (int g = 0; g < 3; ++g) {
    const double ux = xw_ew[g] + 2 * a2 * d[g] * (dy[g] - b * d[g]);
    const double uw = 2 * a2 * (dy[g] - b * d[g]);
    bxx += ux * ux / (sxx * sxx);
    bxw += ux * uw / (sxx * sww);
    bww += uw * uw / (sww * sww);
  }
  const double q = 3.0 / 2 * 5.0 / 4;  // G/(G-1) (N-1)/(N-k-1)
  EXPECT_NEAR(r.at("x").se_cluster, std::sqrt(q * bxx), 1e-12);
  EXPECT_NEAR(r.at("const").se_cluster, std::sqrt(q * (xbar * xbar * bxx - 2 * xbar * bxw + bww)),
              1e-12);
  EXPECT_NEAR(r.r2_within, 0.6, 1e-12);
  EXPECT_NEAR(r.r2_between, 81.0 / 228, 1e-12);
  EXPECT_NEAR(r.r2_overall, 1296.0 / 3180, 1e-12);
}

// Stata 'webuse grunfeld' (Baltagi 2013, Table 2.1): xtreg invest mvalue kstock, fe / re, and
// fe vce(cluster company); regress; values as Stata prints them. Stata stores this dataset's
// variables as 4-byte floats, which moves the data by ~1e-8 relative and can change the last
// printed digit, so each value must agree with the printed one to within one unit of its last
// digit.
TEST(Panel, GrunfeldEstimatesEqualStataOutput) {
  const auto t = read_csv(std::string(SMESIM_SOURCE_DIR) + "/tests/data/grunfeld.csv");
  const auto n = Eigen::Index(t.rows());
  const VectorXd y = Eigen::Map<const VectorXd>(t.column("invest").data(), n);
  MatrixXd X(n, 2);
  X.col(0) = Eigen::Map<const VectorXd>(t.column("mvalue").data(), n);
  X.col(1) = Eigen::Map<const VectorXd>(t.column("kstock").data(), n);
  std::vector<std::int64_t> firm;
  for (double f : t.column("firm")) firm.push_back(std::int64_t(f));
  const std::vector<std::string> names = {"mvalue", "kstock"};

  const auto fe = fit(PanelModel::fe, y, X, firm, names);
  EXPECT_PRINTED(fe.at("mvalue").coef, ".1101238");
  EXPECT_PRINTED(fe.at("mvalue").se, ".0118567");
  EXPECT_PRINTED(fe.at("kstock").coef, ".3100653");
  EXPECT_PRINTED(fe.at("kstock").se, ".0173545");
  EXPECT_PRINTED(fe.at("const").coef, "-58.74393");
  EXPECT_PRINTED(fe.at("const").se, "12.45369");
  EXPECT_PRINTED(fe.at("mvalue").se_cluster, ".0151945");
  EXPECT_PRINTED(fe.at("kstock").se_cluster, ".0527518");
  EXPECT_PRINTED(fe.at("const").se_cluster, "27.60286");
  EXPECT_PRINTED(fe.r2_within, "0.7668");
  EXPECT_PRINTED(fe.r2_between, "0.8194");
  EXPECT_PRINTED(fe.r2_overall, "0.8060");
  EXPECT_PRINTED(fe.sigma_u, "85.7325");
  EXPECT_PRINTED(fe.sigma_e, "52.76797");

  const auto re = fit(PanelModel::re, y, X, firm, names);
  EXPECT_PRINTED(re.at("mvalue").coef, ".1097811");
  EXPECT_PRINTED(re.at("mvalue").se, ".0104927");
  EXPECT_PRINTED(re.at("kstock").coef, ".308113");
  EXPECT_PRINTED(re.at("kstock").se, ".0171805");
  EXPECT_PRINTED(re.at("const").coef, "-57.83441");
  EXPECT_PRINTED(re.at("const").se, "28.89893");
  EXPECT_PRINTED(re.sigma_u, "84.20095");
  EXPECT_PRINTED(re.theta_min, ".86122");
  EXPECT_PRINTED(re.r2_between, "0.8196");
  EXPECT_PRINTED(re.r2_overall, "0.8061");
  // Balanced: plm's Swamy-Arora (Baltagi-Chang) gives the same variance components.
  const auto re_bc = fit(PanelModel::re, y, X, firm, names, {}, VarianceComponents::baltagi_chang);
  EXPECT_NEAR(re_bc.sigma_u, re.sigma_u, 1e-9);
  EXPECT_NEAR(re_bc.at("mvalue").coef, re.at("mvalue").coef, 1e-12);

  const auto ols = fit(PanelModel::pooled, y, X, firm, names);
  EXPECT_PRINTED(ols.at("mvalue").coef, ".1155622");
  EXPECT_PRINTED(ols.at("mvalue").se, ".0058357");
  EXPECT_PRINTED(ols.at("kstock").coef, ".2306785");
  EXPECT_PRINTED(ols.at("kstock").se, ".0254758");
  EXPECT_PRINTED(ols.at("const").coef, "-42.71437");
  EXPECT_PRINTED(ols.at("const").se, "9.511676");
  EXPECT_PRINTED(ols.r2_overall, "0.8124");
}

// FE equals OLS with one dummy per group (and no constant) on a random unbalanced panel: the
// slopes, their conventional se (same residuals, df = N - G - k), and the cluster-robust se up
// to the documented factor: Stata's xtreg, fe does not count the G absorbed dummies, so its
// variance is the dummy regression's times (N - k - G) / (N - k - 1).
TEST(Panel, FixedEffectsEqualDummyVariableRegression) {
  const auto s = simulate(40, vec({0.5, -0.3, 0.2}), 0.8, 7);
  const auto fe = fit(PanelModel::fe, s.y, s.X, s.group);
  int G = 0;
  const auto code = dense_codes(s.group, &G);
  const Eigen::Index n = s.y.size(), k = s.X.cols();
  MatrixXd D = MatrixXd::Zero(n, k + G);
  D.leftCols(k) = s.X;
  for (Eigen::Index i = 0; i < n; ++i) D(i, k + code[std::size_t(i)]) = 1;
  const Eigen::ColPivHouseholderQR<MatrixXd> qr(D);
  const VectorXd beta = qr.solve(s.y);
  const VectorXd e = s.y - D * beta;
  const double s2 = e.squaredNorm() / double(n - k - G);
  const MatrixXd inv = (D.transpose() * D).inverse();
  MatrixXd meat = MatrixXd::Zero(k + G, k + G);
  for (int g = 0; g < G; ++g) {
    VectorXd u = VectorXd::Zero(k + G);
    for (Eigen::Index i = 0; i < n; ++i)
      if (code[std::size_t(i)] == g) u += D.row(i).transpose() * e[i];
    meat += u * u.transpose();
  }
  const double q_dummy = double(G) / (G - 1) * double(n - 1) / double(n - k - G);
  const MatrixXd v_cluster = q_dummy * inv * meat * inv;
  const double stata_factor = double(n - k - G) / double(n - k - 1);
  for (Eigen::Index j = 0; j < k; ++j) {
    const auto& c = fe.coefficients[std::size_t(j)];
    EXPECT_NEAR(c.coef, beta[j], 1e-9 * std::max(1.0, std::abs(beta[j])));
    EXPECT_NEAR(c.se, std::sqrt(s2 * inv(j, j)), 1e-9 * c.se);
    EXPECT_NEAR(c.se_cluster, std::sqrt(v_cluster(j, j) * stata_factor), 1e-9 * c.se_cluster);
  }
  EXPECT_NEAR(fe.rss, e.squaredNorm(), 1e-9 * fe.rss);
}

// RE equals an explicit computation on dense matrices, for Stata's variance components (between
// regression on group means, harmonic mean of T_i) and plm's "swar" (Baltagi-Chang: T-weighted
// "Between" model, written here with plm's matrices Z_B, Z_S), on a random unbalanced panel.
TEST(Panel, RandomEffectsEqualExplicitQuasiDemeanedRegression) {
  const auto s = simulate(60, vec({0.5, -0.3}), 0.0, 11);
  int G = 0;
  const auto code = dense_codes(s.group, &G);
  const Eigen::Index n = s.y.size(), k = s.X.cols();
  MatrixXd Z(n, k + 1);  // [1, x]
  Z.col(0).setOnes();
  Z.rightCols(k) = s.X;
  VectorXd T = VectorXd::Zero(G);
  MatrixXd sums = MatrixXd::Zero(G, k + 2);  // [1, x, y] sums by group
  for (Eigen::Index i = 0; i < n; ++i) {
    T[code[std::size_t(i)]] += 1;
    sums.row(code[std::size_t(i)]).head(k + 1) += Z.row(i);
    sums(code[std::size_t(i)], k + 1) += s.y[i];
  }
  const MatrixXd means = T.cwiseInverse().asDiagonal() * sums;
  MatrixXd ZB(n, k + 1), ZS(n, k + 1);  // group means and sums, row by row
  VectorXd yB(n), ybar_row(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const int g = code[std::size_t(i)];
    ZB.row(i) = means.row(g).head(k + 1);
    ZS.row(i) = sums.row(g).head(k + 1);
    yB[i] = means(g, k + 1);
  }
  // Within regression (sigma_e^2).
  const MatrixXd Xw = s.X - ZB.rightCols(k);
  const VectorXd yw = s.y - yB;
  const VectorXd bw = Xw.colPivHouseholderQr().solve(yw);
  const double sigma_e2 = (yw - Xw * bw).squaredNorm() / double(n - G - k);
  for (const auto method : {VarianceComponents::stata, VarianceComponents::baltagi_chang}) {
    double sigma_u2 = 0;
    if (method == VarianceComponents::stata) {
      const MatrixXd Zg = means.leftCols(k + 1);  // one row per group
      const VectorXd yg = means.col(k + 1);
      const VectorXd res = yg - Zg * Zg.colPivHouseholderQr().solve(yg);
      const double t_bar = G / T.cwiseInverse().sum();
      sigma_u2 = res.squaredNorm() / double(G - k - 1) - sigma_e2 / t_bar;
    } else {
      const VectorXd res = yB - ZB * ZB.colPivHouseholderQr().solve(yB);
      const double trace = ((ZB.transpose() * ZB).inverse() * (ZS.transpose() * Z)).trace();
      sigma_u2 = (res.squaredNorm() - double(G - k - 1) * sigma_e2) / (double(n) - trace);
    }
    ASSERT_GT(sigma_u2, 0);
    VectorXd theta(n);
    for (Eigen::Index i = 0; i < n; ++i)
      theta[i] = 1 - std::sqrt(sigma_e2 / (T[code[std::size_t(i)]] * sigma_u2 + sigma_e2));
    const MatrixXd Zs = Z - theta.asDiagonal() * ZB;
    const VectorXd ys = s.y - theta.cwiseProduct(yB);
    const VectorXd beta = Zs.colPivHouseholderQr().solve(ys);
    const VectorXd e = ys - Zs * beta;
    const MatrixXd inv = (Zs.transpose() * Zs).inverse();
    const MatrixXd v = e.squaredNorm() / double(n - k - 1) * inv;
    MatrixXd meat = MatrixXd::Zero(k + 1, k + 1);
    for (int g = 0; g < G; ++g) {
      VectorXd u = VectorXd::Zero(k + 1);
      for (Eigen::Index i = 0; i < n; ++i)
        if (code[std::size_t(i)] == g) u += Zs.row(i).transpose() * e[i];
      meat += u * u.transpose();
    }
    const MatrixXd vc = double(G) / (G - 1) * double(n - 1) / double(n - k - 1) * inv * meat * inv;

    const auto re = fit(PanelModel::re, s.y, s.X, s.group, {}, {}, method);
    EXPECT_NEAR(re.sigma_e * re.sigma_e, sigma_e2, 1e-9 * sigma_e2);
    EXPECT_NEAR(re.sigma_u * re.sigma_u, sigma_u2, 1e-9 * sigma_u2);
    for (Eigen::Index j = 0; j <= k; ++j) {  // ours: slopes then const; here: const then slopes
      const auto& c = re.coefficients[std::size_t(j < k ? j : k)];
      const Eigen::Index m = j < k ? j + 1 : 0;
      EXPECT_NEAR(c.coef, beta[m], 1e-9 * std::max(1.0, std::abs(beta[m])));
      EXPECT_NEAR(c.se, std::sqrt(v(m, m)), 1e-9 * c.se);
      EXPECT_NEAR(c.se_cluster, std::sqrt(vc(m, m)), 1e-9 * c.se_cluster);
    }
  }
  // On this unbalanced panel the two methods differ (slightly).
  const auto a = fit(PanelModel::re, s.y, s.X, s.group);
  const auto b = fit(PanelModel::re, s.y, s.X, s.group, {}, {}, VarianceComponents::baltagi_chang);
  EXPECT_NE(a.sigma_u, b.sigma_u);
}

// y = 1 + 0.5 x1 - 0.3 x2 + a_i + e with a_i, e ~ N(0, 1), 1 000 groups of 1-8 rows (about
// 4 500 rows, shuffled). The tolerance is 4 standard errors as the estimator reports them: for a
// correct estimator and se a miss has probability below 1e-4 per coefficient (normal
// approximation), while a wrong transformation is far off: with x = 0.8 a + noise, pooled OLS
// (checked below) is biased by the projection of a on x, about 0.35 for x1, more than 10 of its
// clustered se. sigma_e^2 has ~3 500 degrees of freedom: sd(sigma_e) ~ sqrt(1 / 7000) = 1.2%,
// so 5% is 4 sd. sigma_u^2 comes from a between regression on 1 000 group means of variance
// about 1 + E[1/T] = 1.34: sd(sigma_u^2) ~ 1.34 sqrt(2 / 1000) = 0.06, sd(sigma_u) ~ 0.03, so
// 0.12 is 4 sd.
TEST(Panel, KnownCoefficientsAreRecoveredWithinMonteCarloError) {
  const VectorXd beta = vec({0.5, -0.3});
  // x1 correlated with the effect: FE is consistent, pooled OLS is not.
  const auto s = simulate(1000, beta, 0.8, 2024);
  const auto fe = fit(PanelModel::fe, s.y, s.X, s.group);
  for (Eigen::Index j = 0; j < 2; ++j) {
    const auto& c = fe.coefficients[std::size_t(j)];
    EXPECT_LT(std::abs(c.coef - beta[j]), 4 * c.se) << c.term;
    EXPECT_LT(std::abs(c.coef - beta[j]), 4 * c.se_cluster) << c.term;
  }
  EXPECT_NEAR(fe.sigma_e, 1.0, 0.05);
  const auto ols = fit(PanelModel::pooled, s.y, s.X, s.group);
  EXPECT_GT(ols.at("x1").coef - beta[0], 10 * ols.at("x1").se_cluster);

  // Effects independent of x: RE is consistent, constant included.
  const auto r = simulate(1000, beta, 0.0, 2025);
  const auto re = fit(PanelModel::re, r.y, r.X, r.group);
  EXPECT_LT(std::abs(re.at("x1").coef - 0.5), 4 * re.at("x1").se);
  EXPECT_LT(std::abs(re.at("x2").coef + 0.3), 4 * re.at("x2").se);
  EXPECT_LT(std::abs(re.at("const").coef - 1.0), 4 * re.at("const").se);
  EXPECT_NEAR(re.sigma_e, 1.0, 0.05);
  EXPECT_NEAR(re.sigma_u, 1.0, 0.12);
  const auto pooled = fit(PanelModel::pooled, r.y, r.X, r.group);
  EXPECT_LT(std::abs(pooled.at("x1").coef - 0.5), 4 * pooled.at("x1").se_cluster);
}

// A regressor that is a linear combination of earlier ones, one that is constant, and (fe) one
// that does not vary within groups are dropped with a warning; the estimates equal those without
// them.
TEST(Panel, CollinearAndConstantRegressorsAreDroppedWithWarning) {
  const auto s = simulate(50, vec({0.5, -0.3}), 0.5, 3);
  const Eigen::Index n = s.y.size();
  MatrixXd X(n, 5);
  X.col(0) = s.X.col(0);
  X.col(1) = s.X.col(1);
  X.col(2) = 2 * s.X.col(0) - s.X.col(1);                                              // collinear
  X.col(3).setConstant(4.2);                                                           // constant
  for (Eigen::Index i = 0; i < n; ++i) X(i, 4) = double(s.group[std::size_t(i)] % 5);  // per group
  const std::vector<std::string> names = {"x1", "x2", "x3", "four", "by_group"};
  for (const auto model : {PanelModel::pooled, PanelModel::fe, PanelModel::re}) {
    const auto full = fit(model, s.y, X, s.group, names);
    const bool fe = model == PanelModel::fe;
    const std::vector<std::string> omitted = fe ? std::vector<std::string>{"x3", "four", "by_group"}
                                                : std::vector<std::string>{"x3", "four"};
    EXPECT_EQ(full.omitted, omitted) << model_name(model);
    ASSERT_EQ(full.warnings.size(), omitted.size());
    EXPECT_NE(full.warnings[0].find("x3"), std::string::npos);
    EXPECT_NE(full.warnings[0].find("collinear"), std::string::npos);
    EXPECT_NE(full.warnings[1].find("constant"), std::string::npos);
    if (fe) {
      EXPECT_NE(full.warnings[2].find("within"), std::string::npos);
    }
    MatrixXd kept(n, fe ? 2 : 3);
    kept.leftCols(2) = s.X;
    if (!fe) kept.col(2) = X.col(4);
    const auto reduced = fit(model, s.y, kept, s.group,
                             fe ? std::vector<std::string>{"x1", "x2"}
                                : std::vector<std::string>{"x1", "x2", "by_group"});
    ASSERT_EQ(full.coefficients.size(), reduced.coefficients.size());
    for (std::size_t c = 0; c < full.coefficients.size(); ++c) {
      EXPECT_EQ(full.coefficients[c].term, reduced.coefficients[c].term);
      EXPECT_NEAR(full.coefficients[c].coef, reduced.coefficients[c].coef, 1e-9);
      EXPECT_NEAR(full.coefficients[c].se, reduced.coefficients[c].se, 1e-9);
    }
  }
}

// Rows in any order and any group ids give the same estimates.
TEST(Panel, EstimatesDoNotDependOnRowOrderOrGroupIds) {
  const auto s = simulate(30, vec({0.5, -0.3}), 0.5, 5);
  const Eigen::Index n = s.y.size();
  VectorXd y2(n);
  MatrixXd X2(n, 2);
  std::vector<std::int64_t> g2(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) {  // reversed, ids remapped far apart
    y2[i] = s.y[n - 1 - i];
    X2.row(i) = s.X.row(n - 1 - i);
    g2[std::size_t(i)] = -(s.group[std::size_t(n - 1 - i)] * 1'000'000'007LL);
  }
  for (const auto model : {PanelModel::pooled, PanelModel::fe, PanelModel::re}) {
    const auto a = fit(model, s.y, s.X, s.group), b = fit(model, y2, X2, g2);
    for (std::size_t c = 0; c < a.coefficients.size(); ++c) {
      EXPECT_NEAR(a.coefficients[c].coef, b.coefficients[c].coef, 1e-10);
      EXPECT_NEAR(a.coefficients[c].se_cluster, b.coefficients[c].se_cluster, 1e-10);
    }
  }
}

// Parallel passes use fixed chunks combined in order: identical results for 1 and 4 threads.
TEST(Panel, EstimatesAreIdenticalForAnyThreadCount) {
  const auto s = simulate(20000, vec({0.5, -0.3, 0.1}), 0.5, 9);
  ASSERT_GT(s.y.size(), 70000);  // several parallel chunks
  auto run = [&](int threads) {
    oneapi::tbb::global_control limit(oneapi::tbb::global_control::max_allowed_parallelism,
                                      std::size_t(threads));
    return fit(PanelModel::re, s.y, s.X, s.group);
  };
  const auto one = run(1), four = run(4);
  for (std::size_t c = 0; c < one.coefficients.size(); ++c) {
    EXPECT_EQ(one.coefficients[c].coef, four.coefficients[c].coef);
    EXPECT_EQ(one.coefficients[c].se, four.coefficients[c].se);
    EXPECT_EQ(one.coefficients[c].se_cluster, four.coefficients[c].se_cluster);
  }
}

TEST(Panel, GroupsSplitAcrossClustersAreRejectedForFixedAndRandomEffects) {
  const VectorXd y = vec({1, 2, 3, 4, 5, 7}), x = vec({1, 3, 2, 5, 4, 4});
  const std::vector<std::int64_t> group = {1, 1, 2, 2, 3, 3}, cluster = {1, 2, 1, 2, 1, 2};
  EXPECT_THROW(fit(PanelModel::fe, y, x, group, {}, cluster), std::invalid_argument);
  EXPECT_THROW(fit(PanelModel::re, y, x, group, {}, cluster), std::invalid_argument);
  EXPECT_NO_THROW(fit(PanelModel::pooled, y, x, group, {}, cluster));
}

TEST(Panel, MissingValuesAndTooFewObservationsAreRejected) {
  const std::vector<std::int64_t> group = {1, 1, 2, 2};
  EXPECT_THROW(fit(PanelModel::fe, vec({1, 2, NAN, 4}), vec({1, 2, 3, 5}), group),
               std::invalid_argument);
  // 4 rows - 2 groups - 2 slopes = 0 residual degrees of freedom.
  MatrixXd X(4, 2);
  X << 1, 0, 2, 1, 3, 2, 5, 0;
  EXPECT_THROW(fit(PanelModel::fe, vec({1, 2, 3, 4}), X, group), std::invalid_argument);
  EXPECT_THROW(parse_panel_model("ols"), std::invalid_argument);
}
