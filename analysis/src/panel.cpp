// Pooled OLS, fixed effects and random effects on unbalanced panels (docs/econometrics.md).
//
// All three models are one OLS regression on transformed rows
//   z_i = (v_i - vbar) - lambda_g (vbar_g - vbar)   for v = x and y,   plus a column w_g,
// with lambda_g = 0, w_g = 1 (pooled), lambda_g = 1, w_g = 1 (fe: Stata's within regression with
// the grand mean added back) and lambda_g = theta_g, w_g = 1 - theta_g (re: quasi-demeaning). The
// estimating regression is y* = x* b + c w + e with x* = z + w xbar: its coefficients and their
// variances follow from those on [z, w] by one fixed linear map (A below).
//
// Writing z_i = (v_i - vbar_g) + (1 - lambda_g) d_g with d_g = vbar_g - vbar, and since the
// within deviations sum to zero in each group, every model's cross products are the within cross
// products plus sum_g T_g (1 - lambda_g)^2 d_g d_g' (and similar terms for w): two sums of
// positive semi-definite terms, so nothing cancels.
//
// Speed: the rows are first put in group order (in place when each group's rows are already
// together, otherwise by one stable counting sort into a copy), so that every pass reads
// contiguous slices: group sums, within cross products, residuals and scores. Passes over
// groups run in parallel on fixed chunks of groups whose results are combined in chunk order, so
// the results do not depend on the number of threads.
#include "smesim/analysis/panel.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <unordered_map>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "smesim/sim/parallel.hpp"

namespace smesim::analysis {

namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;
using Indices = std::vector<Index>;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// A column whose variation around its mean is below this share of its raw sum of squares is
// constant up to rounding.
constexpr double kConstantTolerance = 1e-12;
constexpr Index kBlock = 1024;       // rows per block of deviations (stays in cache)
constexpr Index kChunk = 32 * 1024;  // rows per parallel task (at least)

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

// A scratch array. A large one is 2 MiB-aligned and (Linux) backed by transparent huge pages,
// and when it is released it is kept for the next estimate on the same thread (at most two
// blocks per thread): the kernel zeroes every fresh page, which cost a fifth of a 1M-row fixed
// effects estimate, and calibration and `regress` call the estimator many times on same-size data.
constexpr std::size_t kHuge = std::size_t(1) << 21;

struct ScratchCache {
  struct Block {
    void* p;
    std::size_t bytes;
  };
  std::vector<Block> kept;
  ~ScratchCache() {
    for (const auto& b : kept) std::free(b.p);
  }
  // The smallest kept block of at least `bytes`: {pointer, its size}, or {nullptr, 0}.
  Block take(std::size_t bytes) {
    auto best = kept.end();
    for (auto it = kept.begin(); it != kept.end(); ++it)
      if (it->bytes >= bytes && (best == kept.end() || it->bytes < best->bytes)) best = it;
    if (best == kept.end()) return {nullptr, 0};
    const Block b = *best;
    kept.erase(best);
    return b;
  }
  void give(void* p, std::size_t bytes) noexcept {
    try {
      kept.push_back({p, bytes});
    } catch (...) {  // no room to keep it: free it
      std::free(p);
      return;
    }
    if (kept.size() > 2) {  // drop the smallest
      auto smallest =
          std::min_element(kept.begin(), kept.end(),
                           [](const Block& a, const Block& b) { return a.bytes < b.bytes; });
      std::free(smallest->p);
      kept.erase(smallest);
    }
  }
};
thread_local ScratchCache scratch_cache;

struct ScratchDeleter {
  std::size_t bytes = 0;  // 0: an ordinary allocation, freed at once
  void operator()(void* p) const {
    if (bytes == 0)
      std::free(p);
    else
      scratch_cache.give(p, bytes);
  }
};
template <class T>
using Scratch = std::unique_ptr<T[], ScratchDeleter>;

template <class T>
Scratch<T> scratch(std::size_t count) {
  const std::size_t bytes = std::max<std::size_t>(count, 1) * sizeof(T);
  if (bytes < 4 * kHuge) {  // small: an ordinary allocation
    auto* p = static_cast<T*>(std::malloc(bytes));
    if (!p) throw std::bad_alloc();
    return Scratch<T>(p, ScratchDeleter{});
  }
  const std::size_t rounded = (bytes + kHuge - 1) / kHuge * kHuge;
  if (const auto kept = scratch_cache.take(rounded); kept.p)
    return Scratch<T>(static_cast<T*>(kept.p), ScratchDeleter{kept.bytes});
  auto* p = static_cast<T*>(std::aligned_alloc(kHuge, rounded));
  if (!p) throw std::bad_alloc();
#if defined(MADV_HUGEPAGE)
  ::madvise(p, rounded, MADV_HUGEPAGE);
#endif
  return Scratch<T>(p, ScratchDeleter{rounded});
}

// The data in group order: group g's rows are start[g] .. start[g+1]-1. The (k+1)-vectors are
// ordered x_1..x_k, y.
struct Panel {
  Index n = 0, k = 0, groups = 0;
  std::vector<const double*> column;      // x_1..x_k, y, in group order
  Index x_stride = 0;                     // distance between the columns of x
  Scratch<double> copy;                   // the data in group order, when the input is not
  std::vector<Index> start;               // groups + 1 row offsets
  std::vector<Index> chunk;               // first group of each parallel chunk, then `groups`
  std::vector<std::int32_t> row_cluster;  // cluster of each row in group order (pooled only)
  VectorXd count;                         // T_g
  VectorXd grand;                         // grand means
  MatrixXd mean;                          // (k+1) x groups: group means
  MatrixXd dev;                           // (k+1) x groups: group mean minus grand mean

  Eigen::Map<const MatrixXd, 0, Eigen::OuterStride<>> x_rows(Index first, Index rows) const {
    return {column[0] + first, rows, k, Eigen::OuterStride<>(x_stride)};
  }
  Eigen::Map<const VectorXd> y_rows(Index first, Index rows) const {
    return {column[std::size_t(k)] + first, rows};
  }
};

// Runs f(first_group, end_group, chunk) over the fixed chunks of groups, in parallel.
template <class F>
void parallel_groups(const Panel& p, F&& f) {
  const Index chunks = Index(p.chunk.size()) - 1;
  sim::parallel_for(Index(0), chunks,
                    [&](Index c) { f(p.chunk[std::size_t(c)], p.chunk[std::size_t(c) + 1], c); });
}

// out(row0 + c, g) = sum over group g's rows r of column[c][r] (times weight[r - weight_base]
// if given), for the groups g0..g1-1, W columns at a time: W independent sums hide the latency
// of floating-point addition, which dominates for small groups.
template <int W>
void group_sums_of(const Panel& p, const double* const* column, const double* weight,
                   Index weight_base, Index g0, Index g1, MatrixXd& out, Index row0) {
  for (Index g = g0; g < g1; ++g) {
    double acc[W] = {};
    const Index end = p.start[std::size_t(g) + 1];
    if (weight) {
      for (Index r = p.start[std::size_t(g)]; r < end; ++r)
        for (int c = 0; c < W; ++c) acc[c] += column[c][r] * weight[r - weight_base];
    } else {
      for (Index r = p.start[std::size_t(g)]; r < end; ++r)
        for (int c = 0; c < W; ++c) acc[c] += column[c][r];
    }
    for (int c = 0; c < W; ++c) out(row0 + c, g) = acc[c];
  }
}

void group_sums(const Panel& p, const std::vector<const double*>& columns, const double* weight,
                Index weight_base, Index g0, Index g1, MatrixXd& out) {
  const Index m = Index(columns.size());
  for (Index j = 0; j < m;) {
    const double* const* c = columns.data() + j;
    if (m - j >= 8) {
      group_sums_of<8>(p, c, weight, weight_base, g0, g1, out, j);
      j += 8;
    } else if (m - j >= 4) {
      group_sums_of<4>(p, c, weight, weight_base, g0, g1, out, j);
      j += 4;
    } else if (m - j >= 2) {
      group_sums_of<2>(p, c, weight, weight_base, g0, g1, out, j);
      j += 2;
    } else {
      group_sums_of<1>(p, c, weight, weight_base, g0, g1, out, j);
      j += 1;
    }
  }
}

// Puts the rows in group order, then computes group counts and means. `row_cluster`: the
// cluster code of each input row, kept (in group order) only when clusters cut across groups.
Panel describe(const Eigen::Ref<const VectorXd>& y, const Eigen::Ref<const MatrixXd>& X,
               const Codes& groups, const std::int32_t* row_cluster) {
  Panel p;
  p.n = y.size();
  p.k = X.cols();
  p.groups = groups.count;
  const Index k1 = p.k + 1, n = p.n, G = p.groups;
  const std::int32_t* code = groups.code.data();
  p.count = VectorXd::Zero(G);
  Index runs = 0;
  for (Index i = 0; i < n;) {  // runs of rows of one group
    Index end = i + 1;
    while (end < n && code[end] == code[i]) ++end;
    p.count[code[i]] += double(end - i);
    ++runs;
    i = end;
  }
  p.start.resize(std::size_t(G) + 1, 0);
  for (Index g = 0; g < G; ++g)
    p.start[std::size_t(g) + 1] = p.start[std::size_t(g)] + Index(p.count[g]);
  if (runs == G) {  // each group's rows together, groups in order of first appearance
    for (Index j = 0; j < p.k; ++j) p.column.push_back(X.col(j).data());
    p.column.push_back(y.data());
    p.x_stride = X.outerStride();
    if (row_cluster) p.row_cluster.assign(row_cluster, row_cluster + n);
  } else {  // a stable counting sort into a copy
    std::vector<Index> next(p.start.begin(), p.start.end() - 1);
    // order[j]: the input row that goes to position j. Gathering through it (sequential writes,
    // random reads) is faster than scattering each column.
    const auto order = scratch<Index>(std::size_t(n));
    for (Index i = 0; i < n; ++i) order[next[std::size_t(code[i])]++] = i;
    p.copy = scratch<double>(std::size_t(n * k1));
    for (Index j = 0; j < k1; ++j) p.column.push_back(p.copy.get() + n * j);
    sim::parallel_for(Index(0), k1, [&](Index j) {
      const double* src = j < p.k ? X.col(j).data() : y.data();
      double* dst = p.copy.get() + n * j;
      for (Index i = 0; i < n; ++i) dst[i] = src[order[i]];
    });
    p.x_stride = n;
    if (row_cluster) {
      p.row_cluster.resize(std::size_t(n));
      for (Index i = 0; i < n; ++i) p.row_cluster[std::size_t(i)] = row_cluster[order[i]];
    }
  }
  // Chunks of whole groups of at least kChunk rows.
  for (Index g = 0; g < G; ++g)
    if (p.chunk.empty() || p.start[std::size_t(g)] - p.start[std::size_t(p.chunk.back())] >= kChunk)
      p.chunk.push_back(g);
  p.chunk.push_back(G);

  p.mean.resize(k1, G);  // sums, then means
  parallel_groups(
      p, [&](Index g0, Index g1, Index) { group_sums(p, p.column, nullptr, 0, g0, g1, p.mean); });
  if (!p.mean.allFinite())
    throw std::invalid_argument("y or a regressor has a missing (NaN) or infinite value");
  p.grand = p.mean.rowwise().sum() / double(n);
  for (Index g = 0; g < G; ++g) p.mean.col(g) /= p.count[g];
  p.dev = p.mean.colwise() - p.grand;
  return p;
}

// Cross products of [x, y] around the group means.
MatrixXd within_cross_products(const Panel& p) {
  const Index k1 = p.k + 1;
  std::vector<MatrixXd> part(p.chunk.size() - 1);
  parallel_groups(p, [&](Index g0, Index g1, Index c) {
    MatrixXd s = MatrixXd::Zero(k1, k1);
    MatrixXd block(kBlock, k1);
    Index rows = 0;
    const auto flush = [&] {
      const auto b = block.topRows(rows);
      for (Index a = 0; a < k1; ++a)
        for (Index d = 0; d <= a; ++d) s(a, d) += b.col(a).dot(b.col(d));
      rows = 0;
    };
    for (Index g = g0; g < g1; ++g) {
      Index first = p.start[std::size_t(g)];
      const Index end = p.start[std::size_t(g) + 1];
      while (first < end) {  // deviations of the group's rows, a block at a time
        const Index take = std::min(end - first, kBlock - rows);
        for (Index j = 0; j < k1; ++j) {
          const double* v = p.column[std::size_t(j)] + first;
          const double m = p.mean(j, g);
          double* out = block.col(j).data() + rows;
          for (Index r = 0; r < take; ++r) out[r] = v[r] - m;
        }
        rows += take;
        first += take;
        if (rows == kBlock) flush();
      }
    }
    if (rows > 0) flush();
    part[std::size_t(c)] = std::move(s);
  });
  MatrixXd s = MatrixXd::Zero(k1, k1);
  for (const auto& ps : part) s += ps;
  s.triangularView<Eigen::StrictlyUpper>() = s.transpose();
  return s;
}

// sum_g weight_g d_g d_g' over the columns of d.
MatrixXd weighted_cross_products(const MatrixXd& d, const VectorXd& weight) {
  const Index m = d.rows();
  MatrixXd s = MatrixXd::Zero(m, m);
  for (Index g = 0; g < d.cols(); ++g) {
    const double* c = d.col(g).data();
    for (Index a = 0; a < m; ++a) {
      const double wa = weight[g] * c[a];
      for (Index b = 0; b <= a; ++b) s(a, b) += wa * c[b];
    }
  }
  s.triangularView<Eigen::StrictlyUpper>() = s.transpose();
  return s;
}

// Cross products of the estimating regression's columns [z_x, w, z_y] (see the file comment):
// within + sum_g T_g v_g v_g' with v_g = [(1 - lambda_g) d_g, w_g, (1 - lambda_g) dy_g].
MatrixXd estimating_cross_products(const Panel& p, const MatrixXd& within, const MatrixXd& total,
                                   const VectorXd& lambda, const VectorXd& w) {
  const Index k = p.k;
  Indices xy(static_cast<std::size_t>(k));
  std::iota(xy.begin(), xy.end(), Index(0));
  xy.push_back(k + 1);
  MatrixXd s = MatrixXd::Zero(k + 2, k + 2);
  if ((w.array() == 1.0).all() &&
      ((lambda.array() == 1.0).all() || (lambda.array() == 0.0).all())) {
    // fe, pooled: sum_g T_g d_g = 0, so w is orthogonal to z.
    s(xy, xy) = lambda[0] == 1.0 ? within : total;
    s(k, k) = double(p.n);
    return s;
  }
  s(xy, xy) = within;
  MatrixXd v(k + 2, p.groups);
  v.topRows(k) = p.dev.topRows(k) * (1 - lambda.array()).matrix().asDiagonal();
  v.row(k) = w.transpose();
  v.row(k + 1) = p.dev.row(k).cwiseProduct((1 - lambda.array()).matrix().transpose());
  s += weighted_cross_products(v, p.count);
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
// of a collinear set. `total` is each column's sum of squares around its grand mean, `magnitude`
// its raw sum of squares.
Indices independent_columns(const MatrixXd& w, const VectorXd& total, const VectorXd& magnitude,
                            double tolerance, std::vector<Dropped>* why = nullptr) {
  Indices kept;
  for (Index j = 0; j < w.rows(); ++j) {
    Dropped reason = Dropped::none;
    if (!(total[j] > kConstantTolerance * magnitude[j])) {
      reason = Dropped::constant;
    } else if (!(w(j, j) > tolerance * total[j])) {
      reason = Dropped::no_within;
    } else if (!kept.empty()) {
      const VectorXd wkj = w(kept, Eigen::seqN(j, 1));
      const double residual = w(j, j) - wkj.dot(spd_inverse(w(kept, kept)) * wkj);
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

// The between regression of ybar_g on [1, xbar_g] over the columns `cols`, each group weighted
// by `weight` (1: Stata's between regression; T_g: plm's "Between" model).
struct Between {
  VectorXd residual;  // one per group
  Index slopes = 0;   // regressors kept
  // With `trace_wanted`: trace((sum_g weight_g z z')^-1 sum_g weight_g T_g z z'), z = [1, xbar_g]
  // over the kept regressors (centring z does not change it).
  double trace = 0;
};

Between between_regression(const Panel& p, const Indices& cols, const VectorXd& weight,
                           double tolerance, bool trace_wanted) {
  const Index kc = Index(cols.size());
  const double total_weight = weight.sum();
  MatrixXd d(kc + 1, p.groups);  // the columns, then y, around their weighted means
  for (Index c = 0; c <= kc; ++c) {
    const auto v = p.dev.row(c < kc ? cols[std::size_t(c)] : p.k);
    d.row(c) = v.array() - v.dot(weight) / total_weight;
  }
  const MatrixXd s = weighted_cross_products(d, weight);
  VectorXd magnitude(kc);
  for (Index c = 0; c < kc; ++c) {
    const double mean = p.grand[cols[std::size_t(c)]];
    magnitude[c] = s(c, c) + total_weight * mean * mean;
  }
  const Indices kept =
      independent_columns(s.topLeftCorner(kc, kc), s.diagonal().head(kc), magnitude, tolerance);
  Between b;
  b.slopes = Index(kept.size());
  VectorXd beta = VectorXd::Zero(kc);
  if (!kept.empty()) beta(kept) = spd_inverse(s(kept, kept)) * s(kept, Eigen::seqN(kc, 1));
  b.residual = (d.row(kc) - beta.transpose() * d.topRows(kc)).transpose();
  if (trace_wanted) {
    MatrixXd z(b.slopes + 1, p.groups);
    z.row(0).setOnes();
    z.bottomRows(b.slopes) = d(kept, Eigen::all);
    b.trace = (spd_inverse(weighted_cross_products(z, weight)) *
               weighted_cross_products(z, weight.cwiseProduct(p.count)))
                  .trace();
  }
  return b;
}

// Swamy-Arora variance components of the random-effects model: sigma_e^2 from the within
// regression, sigma_u^2 from the between regression, the latter as Stata or plm computes it.
struct Components {
  double sigma_e2 = 0, sigma_u2 = 0;
};

Components variance_components(const Panel& p, const MatrixXd& within, const VectorXd& total_ss,
                               const VectorXd& magnitude, const Indices& kept,
                               VarianceComponents method, double tolerance) {
  const Index n = p.n, k = p.k, G = p.groups;
  const Indices kw =
      independent_columns(within.topLeftCorner(k, k), total_ss, magnitude, tolerance);
  double rss_within = within(k, k);
  if (!kw.empty()) {
    const VectorXd r = within(kw, Eigen::seqN(k, 1));
    rss_within -= r.dot(spd_inverse(within(kw, kw)) * r);
  }
  const Index df_within = n - G - Index(kw.size());
  if (df_within <= 0)
    throw std::invalid_argument(
        "too few observations for random effects: observations - groups - regressors = " +
        std::to_string(df_within));
  Components c;
  c.sigma_e2 = std::max(0.0, rss_within) / double(df_within);
  const bool stata = method == VarianceComponents::stata;
  const Between b =
      between_regression(p, kept, stata ? VectorXd::Ones(G) : p.count, tolerance, !stata);
  const Index df_between = G - 1 - b.slopes;
  if (df_between <= 0)
    throw std::invalid_argument("too few groups for random effects: groups - regressors - 1 = " +
                                std::to_string(df_between));
  if (stata) {
    // sigma_u^2 = SSR_b / (G - K) - sigma_e^2 / T-bar, T-bar the harmonic mean of T_g.
    const double t_bar = double(G) / p.count.cwiseInverse().sum();
    c.sigma_u2 = b.residual.squaredNorm() / double(df_between) - c.sigma_e2 / t_bar;
  } else {
    // Baltagi and Chang (1994), plm's "swar": E[q] = (G - K) sigma_e^2 +
    // (N - trace((sum T_g z z')^-1 sum T_g^2 z z')) sigma_u^2 with q = sum_g T_g ebar_g^2.
    const double q = b.residual.dot(p.count.asDiagonal() * b.residual);
    c.sigma_u2 = (q - double(df_between) * c.sigma_e2) / (double(n) - b.trace);
  }
  c.sigma_u2 = std::max(0.0, c.sigma_u2);
  return c;
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

namespace {

// Checks the sizes and names of estimate()'s inputs; names the regressors x1, x2, ... when no
// names are given.
void check_inputs(Index n, Index k, std::size_t groups, std::size_t clusters,
                  std::vector<std::string>& names) {
  if (Index(groups) != n || (clusters != 0 && Index(clusters) != n))
    throw std::invalid_argument("y, the regressors, the groups and the clusters differ in length");
  if (names.empty())
    for (Index j = 0; j < k; ++j) names.push_back(std::string("x").append(std::to_string(j + 1)));
  if (Index(names.size()) != k)
    throw std::invalid_argument("the number of names differs from the number of regressors");
  for (const auto& name : names)
    if (name == "const")
      throw std::invalid_argument("'const' is reserved for the constant; rename that regressor");
  if (n < 2) throw std::invalid_argument("too few observations (" + std::to_string(n) + ")");
}

// The cluster of each group, and whether every group lies within one cluster.
struct Nesting {
  std::vector<std::int32_t> cluster_of;  // per group (fe, re)
  bool nested = true;
};

Nesting nest_groups(const Codes& groups, const Codes& clusters) {
  Nesting out;
  out.cluster_of.assign(std::size_t(groups.count), -1);
  for (std::size_t i = 0; i < groups.code.size(); ++i) {
    auto& c = out.cluster_of[std::size_t(groups.code[i])];
    if (c >= 0 && c != clusters.code[i]) out.nested = false;
    c = clusters.code[i];
  }
  return out;
}

// One omitted regressor and one warning per regressor that independent_columns dropped.
void report_dropped(const std::vector<std::string>& names, const std::vector<Dropped>& why,
                    PanelResult& res) {
  for (std::size_t j = 0; j < names.size(); ++j) {
    if (why[j] == Dropped::none) continue;
    const std::string& name = names[j];
    res.omitted.push_back(name);
    res.warnings.push_back(why[j] == Dropped::constant ? name + " omitted: it is constant"
                           : why[j] == Dropped::no_within
                               ? name +
                                     " omitted: it does not vary within groups "
                                     "(collinear with the fixed effects)"
                               : name +
                                     " omitted because of collinearity with earlier "
                                     "regressors");
  }
}

// Per group: lambda_g (the share of the group mean removed) and w_g (the constant's column).
struct Transform {
  VectorXd lambda, w;
};

// pooled: lambda = 0, w = 1; fe: lambda = 1, w = 1; re: lambda = theta_g, w = 1 - theta_g from
// the variance components (also stored in res.sigma_e, res.sigma_u).
Transform transform_of(const Panel& p, const MatrixXd& within, const VectorXd& total_ss,
                       const VectorXd& magnitude, const Indices& kept, const PanelOptions& options,
                       PanelResult& res) {
  const Index G = p.groups;
  Transform t;
  t.lambda = VectorXd::Constant(G, options.model == PanelModel::pooled ? 0.0 : 1.0);
  t.w = VectorXd::Ones(G);
  if (options.model != PanelModel::re) return t;
  const Components vc = variance_components(p, within, total_ss, magnitude, kept,
                                            options.components, options.collinearity_tolerance);
  res.sigma_e = std::sqrt(vc.sigma_e2);
  res.sigma_u = std::sqrt(vc.sigma_u2);
  for (Index g = 0; g < G; ++g) {
    const double denom = p.count[g] * vc.sigma_u2 + vc.sigma_e2;
    t.lambda[g] = denom > 0 ? 1 - std::sqrt(vc.sigma_e2 / denom) : 0;
    t.w[g] = 1 - t.lambda[g];
  }
  return t;
}

// The estimating regression on [z(kept), w]: c = ybar - xbar'b + gamma, gamma the coefficient
// on w.
struct Solution {
  Indices kwc;    // the kept regressors, then k for w
  MatrixXd sinv;  // inverse of the cross products of [z(kept), w]
  VectorXd b;     // k slopes, 0 for dropped regressors
  double gamma = 0;
  double constant = 0;
};

Solution solve(const Panel& p, const MatrixXd& within, const MatrixXd& total, const Indices& kept,
               const Transform& t) {
  const Index k = p.k, kk = Index(kept.size());
  const MatrixXd s = estimating_cross_products(p, within, total, t.lambda, t.w);
  Solution sol;
  sol.kwc = kept;
  sol.kwc.push_back(k);
  sol.sinv = spd_inverse(s(sol.kwc, sol.kwc));
  const VectorXd solution = sol.sinv * s(sol.kwc, Eigen::seqN(k + 1, 1));
  sol.b = VectorXd::Zero(k);
  sol.b(kept) = solution.head(kk);
  sol.gamma = solution[kk];
  sol.constant = p.grand[k] - p.grand.head(k).dot(sol.b) + sol.gamma;
  return sol;
}

// Stata's R-squared: squared correlations of (y, x b) around the grand mean, around group
// means, and of the group means over groups (unweighted).
void r_squared(const Panel& p, const MatrixXd& within, const MatrixXd& total, const VectorXd& b,
               PanelResult& res) {
  const Index k = p.k;
  const auto r2 = [&](const MatrixXd& c) {
    return squared_correlation(b.dot(c.col(k).head(k)), b.dot(c.topLeftCorner(k, k) * b), c(k, k));
  };
  res.r2_overall = r2(total);
  res.r2_within = r2(within);
  const VectorXd xb = p.dev.topRows(k).transpose() * b;
  const VectorXd xc = xb.array() - xb.mean();
  const VectorXd yc = p.dev.row(k).transpose().array() - p.dev.row(k).mean();
  res.r2_between = squared_correlation(xc.dot(yc), xc.squaredNorm(), yc.squaredNorm());
}

// Residuals e_i = y_i - x_i'b - a_g and the scores, the cluster sums of [z, w] e. With
// z_i = (x_i - xbar_g) + (1 - lambda_g) d_g: e_i = (yw_i - xw_i'b) + h_g where, per group,
// h_g = (1 - lambda_g) ubar_g - gamma w_g, so a_g = ybar_g - xbar_g'b - h_g. A group adds
// sum (x - xbar_g) e + (1 - lambda_g) d_g E_g to its cluster's x scores and w_g E_g to the
// constant's, E_g = sum e = T_g h_g (the within residuals sum to zero in each group).
struct Scores {
  MatrixXd by_cluster;  // (k + 1) x clusters
  double rss = 0;       // residual sum of squares
};

Scores scores_of(const Panel& p, const Solution& sol, const Transform& t, const VectorXd& ubar,
                 const Codes& cl, const Nesting& nesting, bool clusters_given) {
  const Index n = p.n, k = p.k, G = p.groups;
  const VectorXd& b = sol.b;
  const VectorXd h = (1 - t.lambda.array()) * ubar.array() - sol.gamma * t.w.array();
  const VectorXd a = p.mean.row(k).transpose() - p.mean.topRows(k).transpose() * b - h;
  MatrixXd scores(k + 1, G);  // per group: sum (x - xbar_g) e, then E_g = T_g h_g
  std::vector<double> rss_part(p.chunk.size() - 1);
  const std::vector<const double*> x(p.column.begin(), p.column.end() - 1);
  parallel_groups(p, [&](Index g0, Index g1, Index c) {
    const Index first = p.start[std::size_t(g0)], rows = p.start[std::size_t(g1)] - first;
    VectorXd e = p.y_rows(first, rows) - p.x_rows(first, rows) * b;
    for (Index g = g0; g < g1; ++g)
      for (Index r = p.start[std::size_t(g)]; r < p.start[std::size_t(g) + 1]; ++r)
        e[r - first] -= a[g];
    rss_part[std::size_t(c)] = e.squaredNorm();
    group_sums(p, x, e.data(), first, g0, g1, scores);
    for (Index g = g0; g < g1; ++g) {
      scores(k, g) = p.count[g] * h[g];
      for (Index j = 0; j < k; ++j) scores(j, g) -= p.mean(j, g) * scores(k, g);
    }
  });
  Scores out;
  out.rss = std::accumulate(rss_part.begin(), rss_part.end(), 0.0);
  // Add the group parts and sum the groups of each cluster.
  for (Index g = 0; g < G; ++g) {
    const double eg = scores(k, g), spread = (1 - t.lambda[g]) * eg;
    for (Index j = 0; j < k; ++j) scores(j, g) += spread * p.dev(j, g);
    scores(k, g) = t.w[g] * eg;
  }
  if (clusters_given && nesting.nested) {
    MatrixXd by_cluster = MatrixXd::Zero(k + 1, cl.count);
    for (Index g = 0; g < G; ++g)
      by_cluster.col(nesting.cluster_of[std::size_t(g)]) += scores.col(g);
    scores = std::move(by_cluster);
  } else if (!nesting.nested) {  // pooled, clusters across groups: z = x - xbar, w = 1, row by row
    scores.setZero(k + 1, cl.count);
    for (Index i = 0; i < n; ++i) {
      double e = p.column[std::size_t(k)][i] - a[0];
      for (Index j = 0; j < k; ++j) e -= p.column[std::size_t(j)][i] * b[j];
      auto sc = scores.col(p.row_cluster[std::size_t(i)]);
      for (Index j = 0; j < k; ++j) sc[j] += (p.column[std::size_t(j)][i] - p.grand[j]) * e;
      sc[k] += e;
    }
  }
  out.by_cluster = std::move(scores);
  return out;
}

// Conventional and cluster-robust variances, mapped from [z, w] to [b, c] by A^-1, and the
// coefficients with their standard errors. Returns s^2 = rss / df.
double variances(const Panel& p, const Indices& kept, const Solution& sol, const Scores& sc,
                 std::int64_t clusters, const std::vector<std::string>& names, PanelModel model,
                 PanelResult& res) {
  const Index n = p.n, G = p.groups, kk = Index(kept.size());
  const Index df = model == PanelModel::fe ? n - G - kk : n - kk - 1;
  if (df <= 0)
    throw std::invalid_argument("too few observations: " + std::to_string(n) +
                                " observations leave " + std::to_string(df) +
                                " residual degrees of freedom");
  res.df_resid = df;
  const double s2 = res.rss / double(df);
  MatrixXd a_inv = MatrixXd::Identity(kk + 1, kk + 1);
  a_inv.row(kk).head(kk) = -p.grand(kept).transpose();
  const MatrixXd bread = a_inv * sol.sinv;
  res.vcov = s2 * bread * a_inv.transpose();
  if (clusters > 1) {
    const MatrixXd meat = sc.by_cluster * sc.by_cluster.transpose();
    const double gc = double(clusters);
    const double q = gc / (gc - 1) * (double(n) - 1) / double(n - kk - 1);
    res.vcov_cluster = q * bread * meat(sol.kwc, sol.kwc) * bread.transpose();
  } else {
    res.vcov_cluster = MatrixXd::Constant(kk + 1, kk + 1, kNaN);
  }
  for (Index c = 0; c <= kk; ++c) {
    Coefficient coef;
    coef.term = c < kk ? names[std::size_t(kept[std::size_t(c)])] : "const";
    coef.coef = c < kk ? sol.b[kept[std::size_t(c)]] : sol.constant;
    coef.se = std::sqrt(res.vcov(c, c));
    coef.se_cluster = std::sqrt(res.vcov_cluster(c, c));
    res.coefficients.push_back(coef);
  }
  return s2;
}

// sigma_e, sigma_u (fe: the standard deviation over groups of the estimated effects ubar_g -
// (c - ybar + xbar'b), as Stata reports it; re: set by transform_of), rho and theta.
void error_components(const Panel& p, const VectorXd& ubar, const Transform& t, double s2,
                      PanelModel model, PanelResult& res) {
  const Index G = p.groups;
  if (model == PanelModel::fe) {
    res.sigma_e = std::sqrt(s2);
    const VectorXd effect = ubar.array() - ubar.mean();
    res.sigma_u = G > 1 ? std::sqrt(effect.squaredNorm() / double(G - 1)) : kNaN;
  } else if (model == PanelModel::pooled) {
    res.sigma_e = std::sqrt(s2);  // Stata's root MSE
    res.sigma_u = kNaN;
  }
  const double su2 = res.sigma_u * res.sigma_u, se2 = res.sigma_e * res.sigma_e;
  res.rho = su2 + se2 > 0 ? su2 / (su2 + se2) : kNaN;
  res.theta_min = t.lambda.minCoeff();
  res.theta_max = t.lambda.maxCoeff();
  res.theta_mean = t.lambda.dot(p.count) / double(p.n);
}

}  // namespace

PanelResult estimate(const Eigen::Ref<const VectorXd>& y, const Eigen::Ref<const MatrixXd>& X,
                     std::span<const std::int64_t> group, const PanelOptions& options,
                     std::vector<std::string> names, std::span<const std::int64_t> cluster) {
  const Index n = y.size(), k = X.cols();
  if (X.rows() != n)
    throw std::invalid_argument("y, the regressors, the groups and the clusters differ in length");
  check_inputs(n, k, group.size(), cluster.size(), names);
  const PanelModel model = options.model;
  const Codes groups = encode(group);
  const Codes clusters = cluster.empty() ? Codes{} : encode(cluster);
  const Codes& cl = cluster.empty() ? groups : clusters;
  const Nesting nesting = nest_groups(groups, cl);
  if (!nesting.nested && model != PanelModel::pooled)
    throw std::invalid_argument(
        "groups are not nested within clusters (a group has rows in two clusters); fe and re "
        "need each group inside one cluster, as Stata's xtreg does");

  const Panel p = describe(y, X, groups, nesting.nested ? nullptr : cl.code.data());
  PanelResult res;
  res.model = model;
  res.n_obs = n;
  res.n_groups = p.groups;
  res.n_clusters = cl.count;
  res.t_min = std::int64_t(p.count.minCoeff());
  res.t_max = std::int64_t(p.count.maxCoeff());
  res.t_mean = double(n) / double(p.groups);

  // Cross products of [x, y] around group means and around the grand mean.
  const MatrixXd within = within_cross_products(p);
  const MatrixXd total = within + weighted_cross_products(p.dev, p.count);
  const VectorXd total_ss = total.diagonal().head(k);
  const VectorXd magnitude = total_ss + double(n) * p.grand.head(k).cwiseAbs2();
  std::vector<Dropped> why;
  const Indices kept =
      independent_columns((model == PanelModel::fe ? within : total).topLeftCorner(k, k), total_ss,
                          magnitude, options.collinearity_tolerance, &why);
  report_dropped(names, why, res);

  const Transform t = transform_of(p, within, total_ss, magnitude, kept, options, res);
  const Solution sol = solve(p, within, total, kept, t);
  r_squared(p, within, total, sol.b, res);
  const VectorXd ubar = p.dev.row(k).transpose() - p.dev.topRows(k).transpose() * sol.b;
  const Scores sc = scores_of(p, sol, t, ubar, cl, nesting, !cluster.empty());
  res.rss = sc.rss;
  const double s2 = variances(p, kept, sol, sc, cl.count, names, model, res);
  error_components(p, ubar, t, s2, model, res);
  return res;
}

}  // namespace smesim::analysis
