// Pooled OLS, fixed effects and random effects on unbalanced panels (docs/econometrics.md).
//
// All three models are one OLS regression on transformed rows
//   z_i = (v_i - vbar) - lambda_g (vbar_g - vbar)   for v = x and y,   plus a column w_g,
// with lambda_g = 0, w_g = 1 (pooled), lambda_g = 1, w_g = 1 (fe: Stata's within regression with
// the grand mean added back) and lambda_g = theta_g, w_g = 1 - theta_g (re: quasi-demeaning). The
// estimating regression is then y* = x* b + c w + e with x* = z + w xbar: its coefficients and
// their variances follow from those on [z, w] by one fixed linear map (A below). Centring keeps
// the normal equations well conditioned, and each pass over the data works on blocks of rows
// that stay in cache, so the data are read three times (four for re) and never copied.
#include "smesim/analysis/panel.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <unordered_map>
#include <utility>

namespace smesim::analysis {

namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;
using Indices = std::vector<Index>;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// A column whose variation around its mean is below this share of its sum of squares is constant
// up to rounding.
constexpr double kConstantTolerance = 1e-12;

// Dense codes 0..count-1 for arbitrary integer ids, in order of first appearance.
struct Codes {
  std::vector<std::int32_t> code;
  std::int32_t count = 0;
};

Codes encode(std::span<const std::int64_t> ids) {
  Codes c;
  c.code.resize(ids.size());
  if (ids.empty()) return c;
  const auto [lo, hi] = std::minmax_element(ids.begin(), ids.end());
  const std::uint64_t range = std::uint64_t(*hi) - std::uint64_t(*lo);
  if (range < 4 * std::uint64_t(ids.size()) + 1024) {  // compact ids: a direct table
    std::vector<std::int32_t> table(range + 1, -1);
    for (std::size_t i = 0; i < ids.size(); ++i) {
      auto& t = table[std::uint64_t(ids[i]) - std::uint64_t(*lo)];
      if (t < 0) t = c.count++;
      c.code[i] = t;
    }
  } else {
    std::unordered_map<std::int64_t, std::int32_t> table;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const auto [it, inserted] = table.try_emplace(ids[i], c.count);
      if (inserted) ++c.count;
      c.code[i] = it->second;
    }
  }
  return c;
}

// The data and their group structure. Index order of the (k+1)-vectors: x_1..x_k, y.
struct Panel {
  Index n = 0, k = 0, groups = 0;
  std::vector<const double*> column;  // x_1..x_k, y
  const std::int32_t* group = nullptr;
  VectorXd count;  // T_g
  VectorXd grand;  // grand means
  MatrixXd dev;    // (k+1) x groups: group mean minus grand mean
};

Panel describe(const Eigen::Ref<const VectorXd>& y, const Eigen::Ref<const MatrixXd>& X,
               const Codes& groups) {
  Panel p;
  p.n = y.size();
  p.k = X.cols();
  p.groups = groups.count;
  p.group = groups.code.data();
  for (Index j = 0; j < p.k; ++j) p.column.push_back(X.col(j).data());
  p.column.push_back(y.data());
  const Index k1 = p.k + 1;
  MatrixXd sums = MatrixXd::Zero(k1, p.groups);
  p.count = VectorXd::Zero(p.groups);
  for (Index i = 0; i < p.n; ++i) p.count[p.group[i]] += 1;
  for (Index j = 0; j < k1; ++j) {
    const double* v = p.column[std::size_t(j)];
    double* s = sums.data() + j;
    for (Index i = 0; i < p.n; ++i) s[k1 * p.group[i]] += v[i];
  }
  if (!sums.allFinite())
    throw std::invalid_argument("y or a regressor has a missing (NaN) or infinite value");
  p.grand = sums.rowwise().sum() / double(p.n);
  p.dev = sums * p.count.cwiseInverse().asDiagonal();
  p.dev.colwise() -= p.grand;
  return p;
}

// Calls f(block, first_row) for consecutive blocks of rows of [z_x, w, z_y] (k + 2 columns).
template <class F>
void for_each_block(const Panel& p, const VectorXd& lambda, const VectorXd& w, F&& f) {
  constexpr Index kBlock = 512;
  const Index k1 = p.k + 1;
  MatrixXd block(std::min(kBlock, p.n), p.k + 2);
  for (Index first = 0; first < p.n; first += kBlock) {
    const Index m = std::min(kBlock, p.n - first);
    const std::int32_t* g = p.group + first;
    for (Index j = 0; j < k1; ++j) {
      const double* v = p.column[std::size_t(j)] + first;
      const double* dev = p.dev.data() + j;
      const double mean = p.grand[j];
      double* out = block.col(j < p.k ? j : p.k + 1).data();
      for (Index r = 0; r < m; ++r) out[r] = v[r] - mean - lambda[g[r]] * dev[k1 * g[r]];
    }
    double* wc = block.col(p.k).data();
    for (Index r = 0; r < m; ++r) wc[r] = w[g[r]];
    f(block.topRows(m), first);
  }
}

// Cross-product matrix of [z_x, w, z_y].
MatrixXd cross_products(const Panel& p, const VectorXd& lambda, const VectorXd& w) {
  MatrixXd s = MatrixXd::Zero(p.k + 2, p.k + 2);
  for_each_block(p, lambda, w, [&](const auto& block, Index) {
    s.selfadjointView<Eigen::Lower>().rankUpdate(block.transpose());
  });
  s.triangularView<Eigen::StrictlyUpper>() = s.transpose();
  return s;
}

// The inverse of a symmetric positive definite matrix, equilibrated to unit diagonal first.
MatrixXd spd_inverse(const MatrixXd& a) {
  const VectorXd d = a.diagonal().cwiseSqrt().cwiseInverse();
  const MatrixXd scaled = d.asDiagonal() * a * d.asDiagonal();
  const Eigen::LDLT<MatrixXd> ldlt(scaled);
  return d.asDiagonal() * ldlt.solve(MatrixXd::Identity(a.rows(), a.cols())) * d.asDiagonal();
}

enum class Dropped { none, constant, no_within, collinear };

// Left-to-right choice of the columns of the cross-product matrix `w` that are not (nearly)
// linear combinations of the columns kept before them; Stata's _rmcoll likewise keeps the first
// of a collinear set. `total` is each column's sum of squares around its grand mean and
// `magnitude` its raw sum of squares.
Indices independent_columns(const MatrixXd& w, const VectorXd& total, const VectorXd& magnitude,
                            double tolerance, std::vector<Dropped>* why = nullptr) {
  Indices kept;
  for (Index j = 0; j < w.rows(); ++j) {
    Dropped reason = Dropped::none;
    if (!(total[j] > kConstantTolerance * magnitude[j])) {
      reason = Dropped::constant;
    } else if (!(w(j, j) > tolerance * total[j])) {
      reason = Dropped::no_within;
    } else {
      double residual = w(j, j);
      if (!kept.empty()) {
        const MatrixXd wkk = w(kept, kept);
        const VectorXd wkj = w(kept, Eigen::seqN(j, 1));
        residual -= wkj.dot(spd_inverse(wkk) * wkj);
      }
      if (!(residual > tolerance * total[j])) reason = Dropped::collinear;
    }
    if (reason == Dropped::none) kept.push_back(j);
    if (why) why->push_back(reason);
  }
  return kept;
}

double squared_correlation(double sxy, double sxx, double syy) {
  return sxx > 0 && syy > 0 ? sxy * sxy / (sxx * syy) : kNaN;
}

// Between regression of ybar_g on xbar_g over the kept columns: its residuals. `weight` is 1 per
// group (Stata) or T_g (plm's "Between" model); `dev` rows are x_1..x_k, y.
struct Between {
  VectorXd residual;  // one per group
  Index slopes = 0;
  MatrixXd design;  // [1, centred xbar_g] over the kept columns, one row per group
};

Between between_regression(const Panel& p, const Indices& cols, const VectorXd& weight,
                           double tolerance) {
  const double total_weight = weight.sum();
  MatrixXd d(p.groups, Index(cols.size()) + 1);  // kept x columns then y, centred (weighted)
  for (std::size_t c = 0; c <= cols.size(); ++c) {
    const Index row = c < cols.size() ? cols[c] : p.k;
    const VectorXd v = p.dev.row(row).transpose();
    d.col(Index(c)) = v.array() - v.dot(weight) / total_weight;
  }
  const Index kc = Index(cols.size());
  const MatrixXd s = d.transpose() * weight.asDiagonal() * d;
  VectorXd magnitude(kc);
  for (Index c = 0; c < kc; ++c) {
    const double mean = p.grand[cols[std::size_t(c)]];
    magnitude[c] = s(c, c) + total_weight * mean * mean;
  }
  const VectorXd diag = s.diagonal().head(kc);
  const Indices kept = independent_columns(s.topLeftCorner(kc, kc), diag, magnitude, tolerance);
  Between b;
  b.slopes = Index(kept.size());
  VectorXd beta = VectorXd::Zero(kc);
  if (!kept.empty()) beta(kept) = spd_inverse(s(kept, kept)) * s(kept, Eigen::seqN(kc, 1));
  b.residual = d.col(kc) - d.leftCols(kc) * beta;
  b.design.resize(p.groups, b.slopes + 1);
  b.design.col(0).setOnes();
  for (Index c = 0; c < b.slopes; ++c) b.design.col(c + 1) = d.col(kept[std::size_t(c)]);
  return b;
}

}  // namespace

std::string_view model_name(PanelModel model) {
  switch (model) {
    case PanelModel::pooled:
      return "pooled";
    case PanelModel::fe:
      return "fe";
    case PanelModel::re:
      return "re";
  }
  return "?";
}

PanelModel parse_panel_model(std::string_view name) {
  if (name == "pooled") return PanelModel::pooled;
  if (name == "fe") return PanelModel::fe;
  if (name == "re") return PanelModel::re;
  throw std::invalid_argument("unknown model '" + std::string(name) +
                              "' (expected fe, re or pooled)");
}

const Coefficient* PanelResult::find(std::string_view term) const {
  for (const auto& c : coefficients)
    if (c.term == term) return &c;
  return nullptr;
}

const Coefficient& PanelResult::at(std::string_view term) const {
  if (const auto* c = find(term)) return *c;
  throw std::out_of_range("no coefficient '" + std::string(term) + "' in the estimates");
}

PanelResult estimate(const Eigen::Ref<const VectorXd>& y, const Eigen::Ref<const MatrixXd>& X,
                     std::span<const std::int64_t> group, const PanelOptions& options,
                     std::vector<std::string> names, std::span<const std::int64_t> cluster) {
  const Index n = y.size(), k = X.cols();
  if (X.rows() != n || Index(group.size()) != n || (!cluster.empty() && Index(cluster.size()) != n))
    throw std::invalid_argument("y, the regressors, the groups and the clusters differ in length");
  if (names.empty())
    for (Index j = 0; j < k; ++j) names.push_back("x" + std::to_string(j + 1));
  if (Index(names.size()) != k)
    throw std::invalid_argument("the number of names differs from the number of regressors");
  for (const auto& name : names)
    if (name == "const")
      throw std::invalid_argument("'const' is reserved for the constant; rename that regressor");
  if (n < 2) throw std::invalid_argument("too few observations (" + std::to_string(n) + ")");

  const PanelModel model = options.model;
  const double tol = options.collinearity_tolerance;
  const Codes groups = encode(group);
  const Codes clusters = cluster.empty() ? Codes{} : encode(cluster);
  const Codes& cl = cluster.empty() ? groups : clusters;
  if (!cluster.empty() && model != PanelModel::pooled) {
    std::vector<std::int32_t> cluster_of(std::size_t(groups.count), -1);
    for (Index i = 0; i < n; ++i) {
      auto& c = cluster_of[std::size_t(groups.code[std::size_t(i)])];
      if (c < 0) c = cl.code[std::size_t(i)];
      if (c != cl.code[std::size_t(i)])
        throw std::invalid_argument(
            "groups are not nested within clusters: a group has rows in two clusters (as in "
            "Stata's xtreg, fe and re need each group inside one cluster)");
    }
  }

  const Panel p = describe(y, X, groups);
  const Index G = p.groups;
  PanelResult res;
  res.model = model;
  res.n_obs = n;
  res.n_groups = G;
  res.n_clusters = cl.count;
  res.t_min = std::int64_t(p.count.minCoeff());
  res.t_max = std::int64_t(p.count.maxCoeff());
  res.t_mean = double(n) / double(G);

  // Sums of squares around the grand mean (within + between) and raw, for the collinearity test.
  const MatrixXd between_cross = p.dev * p.count.asDiagonal() * p.dev.transpose();
  const VectorXd ones = VectorXd::Ones(G), zeros = VectorXd::Zero(G);
  MatrixXd s;  // cross products of the estimating regression
  MatrixXd within;
  if (model != PanelModel::pooled) within = cross_products(p, ones, ones);
  const MatrixXd total = model == PanelModel::pooled
                             ? cross_products(p, zeros, ones)
                             : MatrixXd(within.topLeftCorner(k, k) + between_cross.topLeftCorner(k, k));
  VectorXd total_ss = total.diagonal().head(k);
  VectorXd magnitude = total_ss + double(n) * p.grand.head(k).cwiseAbs2();

  std::vector<Dropped> why;
  const Indices kept =
      model == PanelModel::fe
          ? independent_columns(within.topLeftCorner(k, k), total_ss, magnitude, tol, &why)
          : independent_columns(total.topLeftCorner(k, k), total_ss, magnitude, tol, &why);
  for (Index j = 0; j < k; ++j) {
    const auto& name = names[std::size_t(j)];
    switch (why[std::size_t(j)]) {
      case Dropped::none:
        continue;
      case Dropped::constant:
        res.warnings.push_back(name + " omitted: it is constant");
        break;
      case Dropped::no_within:
        res.warnings.push_back(name +
                               " omitted: no variation within groups (collinear with the fixed "
                               "effects)");
        break;
      case Dropped::collinear:
        res.warnings.push_back(name + " omitted because of collinearity with earlier regressors");
        break;
    }
    res.omitted.push_back(name);
  }
  const Index kk = Index(kept.size());

  VectorXd lambda = ones, w = ones;  // fe
  if (model == PanelModel::pooled) lambda = zeros;
  if (model == PanelModel::re) {
    // sigma_e^2 from the within regression, over the regressors that vary within groups.
    std::vector<Dropped> unused;
    const Indices kw =
        independent_columns(within.topLeftCorner(k, k), total_ss, magnitude, tol, &unused);
    double rss_within = within(k + 1, k + 1);
    if (!kw.empty()) {
      const VectorXd r = within(kw, Eigen::seqN(k + 1, 1));
      rss_within -= r.dot(spd_inverse(within(kw, kw)) * r);
    }
    const double df_within = double(n - G - Index(kw.size()));
    if (df_within <= 0)
      throw std::invalid_argument("too few observations for random effects: N - groups - "
                                  "regressors = " +
                                  std::to_string(n - G - Index(kw.size())));
    const double sigma_e2 = std::max(0.0, rss_within) / df_within;
    double sigma_u2 = 0;
    if (options.components == VarianceComponents::stata) {
      const Between b = between_regression(p, kept, ones, tol);
      const double df_between = double(G - 1 - b.slopes);
      if (df_between <= 0)
        throw std::invalid_argument("too few groups for random effects: groups - regressors - 1 = " +
                                    std::to_string(G - 1 - b.slopes));
      const double t_bar = double(G) / p.count.cwiseInverse().sum();  // harmonic mean of T_g
      sigma_u2 = b.residual.squaredNorm() / df_between - sigma_e2 / t_bar;
    } else {
      const Between b = between_regression(p, kept, p.count, tol);
      const double df_between = double(G - 1 - b.slopes);
      if (df_between <= 0)
        throw std::invalid_argument("too few groups for random effects: groups - regressors - 1 = " +
                                    std::to_string(G - 1 - b.slopes));
      // plm's unbiased form (Baltagi and Chang 1994): E[q] = (G - K - 1) sigma_e^2 +
      // (N - trace((sum T_g z z')^-1 sum T_g^2 z z')) sigma_u^2, z = [1, xbar_g].
      const double q = b.residual.dot(p.count.asDiagonal() * b.residual);
      const MatrixXd tz = p.count.asDiagonal() * b.design;
      const double trace = (spd_inverse(b.design.transpose() * tz) * (tz.transpose() * tz)).trace();
      sigma_u2 = (q - df_between * sigma_e2) / (double(n) - trace);
    }
    sigma_u2 = std::max(0.0, sigma_u2);
    res.sigma_e = std::sqrt(sigma_e2);
    res.sigma_u = std::sqrt(sigma_u2);
    for (Index g = 0; g < G; ++g) {
      const double denom = p.count[g] * sigma_u2 + sigma_e2;
      lambda[g] = denom > 0 ? 1 - std::sqrt(sigma_e2 / denom) : 0;
      w[g] = 1 - lambda[g];
    }
    s = cross_products(p, lambda, w);
  } else {
    s = model == PanelModel::fe ? std::move(within) : total;
  }

  // Solve on [z(kept), w]; then b and c = ybar - xbar'b + gamma.
  Indices kwc = kept;
  kwc.push_back(k);
  const MatrixXd skk = s(kwc, kwc);
  const MatrixXd sinv = spd_inverse(skk);
  const VectorXd solution = sinv * s(kwc, Eigen::seqN(k + 1, 1));
  VectorXd b = VectorXd::Zero(k);
  b(kept) = solution.head(kk);
  const double gamma = solution[kk];
  const double constant = p.grand[k] - p.grand.head(k).dot(b) + gamma;

  // Residual pass: residual sum of squares, cluster scores, R-squared.
  const VectorXd db = p.dev.topRows(k).transpose() * b;  // (xbar_g - xbar)'b
  const double* dy = p.dev.data() + k;
  MatrixXd scores = MatrixXd::Zero(k + 1, cl.count);
  double rss = 0, o_xy = 0, o_xx = 0, o_yy = 0, w_xy = 0, w_xx = 0, w_yy = 0;
  VectorXd zb;
  for_each_block(p, lambda, w, [&](const auto& block, Index first) {
    const Index m = block.rows();
    zb.noalias() = block.leftCols(k) * b;
    const std::int32_t* g = p.group + first;
    const std::int32_t* c = cl.code.data() + first;
    VectorXd e = block.col(k + 1) - zb - gamma * block.col(k);
    rss += e.squaredNorm();
    for (Index j = 0; j <= k; ++j) {
      const double* z = block.col(j).data();
      double* sc = scores.data() + j;
      for (Index r = 0; r < m; ++r) sc[(k + 1) * c[r]] += z[r] * e[r];
    }
    const double* zy = block.col(k + 1).data();
    for (Index r = 0; r < m; ++r) {
      const double lam = lambda[g[r]], dbg = db[g[r]], dyg = dy[(k + 1) * g[r]];
      const double xo = zb[r] + lam * dbg, yo = zy[r] + lam * dyg;
      const double xw = zb[r] - (1 - lam) * dbg, yw = zy[r] - (1 - lam) * dyg;
      o_xy += xo * yo;
      o_xx += xo * xo;
      o_yy += yo * yo;
      w_xy += xw * yw;
      w_xx += xw * xw;
      w_yy += yw * yw;
    }
  });
  res.rss = rss;
  res.r2_overall = squared_correlation(o_xy, o_xx, o_yy);
  res.r2_within = squared_correlation(w_xy, w_xx, w_yy);
  {
    const VectorXd xbg = db, ybg = p.dev.row(k).transpose();  // grand means cancel in corr
    const VectorXd xc = xbg.array() - xbg.mean(), yc = ybg.array() - ybg.mean();
    res.r2_between = squared_correlation(xc.dot(yc), xc.squaredNorm(), yc.squaredNorm());
  }

  // Conventional and cluster-robust variances, mapped from [z, w] to [b, c] by A^-1.
  const Index df = model == PanelModel::fe ? n - G - kk : n - kk - 1;
  if (df <= 0)
    throw std::invalid_argument("too few observations: " + std::to_string(n) +
                                " observations leave " + std::to_string(df) +
                                " residual degrees of freedom");
  res.df_resid = df;
  const double s2 = rss / double(df);
  MatrixXd a_inv = MatrixXd::Identity(kk + 1, kk + 1);
  a_inv.row(kk).head(kk) = -p.grand(kept).transpose();
  res.vcov = s2 * a_inv * sinv * a_inv.transpose();
  const MatrixXd u = scores(kwc, Eigen::all);
  const double gc = double(cl.count);
  const double q = gc / (gc - 1) * (double(n) - 1) / double(n - kk - 1);
  const MatrixXd bread = a_inv * sinv;
  res.vcov_cluster = cl.count > 1 ? MatrixXd(q * bread * (u * u.transpose()) * bread.transpose())
                                  : MatrixXd::Constant(kk + 1, kk + 1, kNaN);

  for (Index c = 0; c <= kk; ++c) {
    Coefficient coef;
    coef.term = c < kk ? names[std::size_t(kept[std::size_t(c)])] : "const";
    coef.coef = c < kk ? b[kept[std::size_t(c)]] : constant;
    coef.se = std::sqrt(res.vcov(c, c));
    coef.se_cluster = std::sqrt(res.vcov_cluster(c, c));
    res.coefficients.push_back(coef);
  }

  if (model != PanelModel::re) {
    res.sigma_e = std::sqrt(s2);
    if (model == PanelModel::fe) {
      // Estimated effects u_g = ybar_g - xbar_g'b - c, their standard deviation over groups.
      const VectorXd effect = (p.dev.row(k).transpose() - db).array() + (p.grand[k] - p.grand.head(k).dot(b) - constant);
      const double mean = effect.mean();
      res.sigma_u = G > 1 ? std::sqrt((effect.array() - mean).square().sum() / double(G - 1)) : kNaN;
    }
  }
  const double su2 = res.sigma_u * res.sigma_u, se2 = res.sigma_e * res.sigma_e;
  res.rho = su2 + se2 > 0 ? su2 / (su2 + se2) : kNaN;
  res.theta_min = lambda.minCoeff();
  res.theta_max = lambda.maxCoeff();
  res.theta_mean = lambda.dot(p.count) / double(n);
  return res;
}

}  // namespace smesim::analysis
