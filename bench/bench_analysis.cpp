// Speed of the estimators (issue 5): fixed effects on a 1 000 000-row unbalanced panel with 5
// regressors (target: under 50 ms); one evaluation of the calibration's moments (target: under
// 3 s with two threads); PRIM scenario discovery on 10 000 cases x 8 inputs (issue 15; target:
// under 2 s).
#include <benchmark/benchmark.h>
#include <oneapi/tbb/global_control.h>

#include <Eigen/Core>
#include <cmath>
#include <vector>

#include "smesim/analysis/calibration_file.hpp"
#include "smesim/analysis/panel.hpp"
#include "smesim/analysis/prim.hpp"
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

// One evaluation of the moments as `smesim calibrate calibration/table3.yaml` makes it (national
// scale: 300 000 firms, 1985-2002, the survey firms' panel, the Table 3 regressions), at the
// starting values, with 10 replications and range(0) threads.
void calibration_eval(benchmark::State& state) {
  auto c = smesim::analysis::load_calibration(SMESIM_SOURCE_DIR "/calibration/table3.yaml");
  c.options.replications = 10;
  std::vector<double> theta;
  for (const auto& p : c.params) theta.push_back(p.start);
  oneapi::tbb::global_control limit(oneapi::tbb::global_control::max_allowed_parallelism,
                                    std::size_t(state.range(0)));
  std::vector<double> moments;
  for (auto _ : state) moments = smesim::analysis::table3_moments(c, theta);
  double finite = 0;
  for (double m : moments) finite += std::isfinite(m);
  state.counters["moments"] = finite;  // moments produced (of the targets' count)
  state.counters["replications_per_second"] = benchmark::Counter(
      double(c.options.replications) * double(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(calibration_eval)->Arg(2)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

// `smesim discover`'s PRIM: peeling to a box of 5% of the cases, the choice, pasting and the
// quasi-p-values, on 10 000 cases x 8 uniform inputs whose cases of interest fill a box in three
// of them (with 5% of the labels flipped).
void prim_10k_8(benchmark::State& state) {
  const std::size_t N = 10'000, D = 8;
  std::vector<std::vector<double>> x(D, std::vector<double>(N));
  std::vector<bool> y(N);
  for (std::size_t k = 0; k < N; ++k) {
    smesim::model::Stream s({2, 0, 0}, std::uint32_t(k), 0, smesim::model::Purpose::search);
    for (auto& col : x) col[k] = s.uniform();
    y[k] = (x[0][k] >= 0.2 && x[0][k] <= 0.6 && x[3][k] >= 0.5 && x[6][k] <= 0.7) !=
           (s.uniform() < 0.05);
  }
  for (auto _ : state) {
    auto r = smesim::analysis::prim(x, y);
    benchmark::DoNotOptimize(r.box.density);
  }
  state.counters["cases_per_second"] =
      benchmark::Counter(double(N) * double(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(prim_10k_8)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
