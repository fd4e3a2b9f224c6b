// Speed of the estimators (issue 5): fixed effects on a 1 000 000-row unbalanced panel with 5
// regressors (target: under 50 ms).
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <vector>

#include "smesim/analysis/panel.hpp"
#include "smesim/model/random.hpp"

namespace {

void fe_1m(benchmark::State& state) {
  const Eigen::Index N = 1'000'000, K = 5;
  Eigen::MatrixXd X(N, K);
  Eigen::VectorXd y(N);
  std::vector<std::int64_t> group(static_cast<std::size_t>(N));
  for (Eigen::Index i = 0; i < N; ++i) {
    smesim::model::Stream s({1, 0, 0}, std::uint32_t(i), 0, smesim::model::Purpose::search);
    group[std::size_t(i)] = std::int64_t(s.below(100000));  // ~10 rows per firm, unbalanced
    for (Eigen::Index k = 0; k < K; ++k) X(i, k) = s.normal();
    y[i] = 1.0 + X.row(i).sum() * 0.1 + s.normal();
  }
  smesim::analysis::PanelOptions o;
  o.model = smesim::analysis::PanelModel::fe;
  for (auto _ : state) {
    auto r = smesim::analysis::estimate(y, X, group, o);
    benchmark::DoNotOptimize(r.coefficients.data());
  }
  state.counters["rows_per_second"] =
      benchmark::Counter(double(N) * double(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(fe_1m)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
