// The national-scale results (the simulated panel of scenarios/national.yaml): Table 3 regressions
// on it and writing it to HDF5.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "bench_common.hpp"
#include "smesim/analysis/paper.hpp"
#include "smesim/sim/output.hpp"
#include "smesim/sim/run.hpp"
#include "smesim/sim/scenario.hpp"

namespace {

// What `smesim run scenarios/national.yaml` produces (300 000 firms; the firm-year panel of
// 1994-2002, all firms, and the decision log of replication 0), except that the run stops in 2002:
// the panel ends there, so later years would change only the aggregates and the decision log.
// Built once (about 30 s and 3.5 GB with 2 threads), untimed, shared by the benchmarks below.
const smesim::sim::Results& national_results() {
  static const smesim::sim::Results results = [] {
    auto sc = smesim::sim::load_scenario(SMESIM_SOURCE_DIR "/scenarios/national.yaml");
    sc.params.end_year = std::min(sc.params.end_year, sc.params.output.panel_to);
    return smesim::sim::run_scenario(sc, {});
  }();
  return results;
}

// The Table 3 regression set (six regional fixed-effects regressions on the simulated survey,
// as `smesim regress results.h5 --spec table3`) on the national panel. rows_per_second counts
// panel rows read (the survey is the firm-years with 50 or more employees among them).
void table3_national(benchmark::State& state) {
  const auto& panel = national_results().panel;
  std::size_t regressions = 0;
  for (auto _ : state) {
    const auto run = smesim::analysis::run_paper_table(panel, smesim::analysis::PaperTable::table3);
    regressions = run.regressions.size();
    benchmark::DoNotOptimize(run.regressions.data());
  }
  state.counters["rows_per_second"] = benchmark::Counter(
      double(panel.rows()) * double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["panel_rows"] = double(panel.rows());
  state.counters["regressions"] = double(regressions);
}
BENCHMARK(table3_national)->Unit(benchmark::kMillisecond)->UseRealTime();

// Writing the national results to an HDF5 file (write_results: temporary name, then rename) in a
// scratch directory; MB_per_second from the file's size (1 MB = 10^6 bytes), raw_MB_per_second
// from the data's size before compression, page cache included.
void hdf5_write_national(benchmark::State& state) {
  const auto& results = national_results();
  const smesim::bench::ScratchDir dir("smesim_bench_hdf5");
  const std::string path = dir.file("national.h5");
  double bytes = 0, file_bytes = 0;
  for (auto _ : state) {
    smesim::sim::write_results(path, results);
    state.PauseTiming();
    file_bytes = double(std::filesystem::file_size(path));
    bytes += file_bytes;
    std::filesystem::remove(path);
    state.ResumeTiming();
  }
  // The data written, before compression: every column of the panel and the decision log.
  double raw = 0;
  for (const auto* t : {&results.panel, &results.decisions}) {
    for (const auto& c : t->ints) raw += double(c.second.size() * sizeof(std::int32_t));
    for (const auto& c : t->reals) raw += double(c.second.size() * sizeof(double));
  }
  state.counters["MB_per_second"] = benchmark::Counter(bytes * 1e-6, benchmark::Counter::kIsRate);
  state.counters["raw_MB_per_second"] =
      benchmark::Counter(raw * 1e-6 * double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["file_MB"] = file_bytes * 1e-6;
  state.counters["raw_MB"] = raw * 1e-6;
  state.counters["panel_rows"] = double(results.panel.rows());
}
BENCHMARK(hdf5_write_national)->Unit(benchmark::kSecond)->UseRealTime();

}  // namespace

// `smesim run scenarios/national.yaml --threads 2` as shipped (1985-2030, one replication, the
// panel of 1994-2002 and the decision log streamed to the file while the run goes on), against
// the same run writing aggregates only (panel_reps: [], decisions: false). Timed: the run with
// its output, from start to renamed file. MB_per_second: the file's size over that time;
// ratio_to_aggregates_only: that time over the aggregates-only run's (run back to back in each
// iteration; the bar is 1.3). About a minute per iteration on 2 idle cores.
void output_national(benchmark::State& state) {
  const auto sc = smesim::sim::load_scenario(SMESIM_SOURCE_DIR "/scenarios/national.yaml");
  auto aggregates_only = sc;
  aggregates_only.params.output.panel_reps.clear();
  aggregates_only.params.output.decisions = false;
  smesim::sim::RunOptions options;
  options.threads = 2;
  const smesim::bench::ScratchDir dir("smesim_bench_output");
  const std::string path = dir.file("national.h5");
  double seconds = 0, baseline = 0, bytes = 0, output_seconds = 0;
  for (auto _ : state) {
    using clock = std::chrono::steady_clock;
    auto t0 = clock::now();
    {
      smesim::sim::ResultsWriter writer(path);
      double rows = 0;
      const auto results = smesim::sim::run_scenario(sc, options, writer, &rows);
      const auto t1 = clock::now();
      writer.finish(results);
      bytes = double(writer.bytes_written());
      output_seconds = rows + std::chrono::duration<double>(clock::now() - t1).count();
    }
    const double t = std::chrono::duration<double>(clock::now() - t0).count();
    state.SetIterationTime(t);
    seconds += t;
    std::filesystem::remove(path);
    t0 = clock::now();
    smesim::sim::write_results(path, smesim::sim::run_scenario(aggregates_only, options));
    baseline += std::chrono::duration<double>(clock::now() - t0).count();
    std::filesystem::remove(path);
  }
  state.counters["MB_per_second"] = bytes * 1e-6 * double(state.iterations()) / seconds;
  state.counters["file_MB"] = bytes * 1e-6;
  state.counters["output_share"] = output_seconds * double(state.iterations()) / seconds;
  state.counters["ratio_to_aggregates_only"] = seconds / baseline;
}
BENCHMARK(output_national)->Unit(benchmark::kSecond)->UseManualTime()->Iterations(1);
