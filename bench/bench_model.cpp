// Speed of the model (Google Benchmark). Run all: scripts/bench.sh (writes bench.json), or
// build/smesim_bench --benchmark_out=bench.json
#include <benchmark/benchmark.h>
#include <oneapi/tbb/global_control.h>

#include <algorithm>
#include <chrono>
#include <fstream>

#include "bench_common.hpp"
#include "smesim/model/world.hpp"
#include "smesim/sim/run.hpp"
#include "smesim/sim/sweep.hpp"

namespace {

using smesim::model::Params;
using smesim::model::World;

using Clock = std::chrono::steady_clock;
double ns_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
}

// firm_years_per_second (over the benchmark's timed wall time) and ns_per_firm_year (`ns`: the
// wall time of the same timed regions, measured alongside).
void firm_year_counters(benchmark::State& state, double firm_years, double ns) {
  state.counters["firm_years_per_second"] =
      benchmark::Counter(firm_years, benchmark::Counter::kIsRate);
  state.counters["ns_per_firm_year"] = ns / firm_years;
}

// The cost of one counter-based draw as the model makes them: a fresh stream per (firm, purpose)
// and its first uniform (one Philox4x32-10 block), or a standard normal. Explains the floor of the
// per-firm-year cost (docs/performance.md).
template <class Draw>
void stream_draws(benchmark::State& state, Draw draw) {
  const smesim::model::StreamKey key{42, 0, 0};
  std::uint32_t i = 0;
  double sum = 0;
  for (auto _ : state) {
    smesim::model::Stream s(key, i++, 3, smesim::model::Purpose::production);
    sum += draw(s);
  }
  benchmark::DoNotOptimize(sum);
}
void stream_uniform(benchmark::State& state) {
  stream_draws(state, [](smesim::model::Stream& s) { return s.uniform(); });
}
void stream_normal(benchmark::State& state) {
  stream_draws(state, [](smesim::model::Stream& s) { return s.normal(); });
}
BENCHMARK(stream_uniform);
BENCHMARK(stream_normal);

// One simulated year at range(0) firms with range(1) threads (building the world is not timed).
void model_year(benchmark::State& state) {
  Params p;
  p.population = int(state.range(0));
  oneapi::tbb::global_control limit(oneapi::tbb::global_control::max_allowed_parallelism,
                                    std::size_t(state.range(1)));
  World world(p, {p.seed, 0, 0}, smesim::sim::tbb_executor());
  double firm_years = 0, ns = 0;
  for (auto _ : state) {
    if (world.finished()) {
      state.PauseTiming();
      world = World(p, {p.seed, 0, 0}, smesim::sim::tbb_executor());
      state.ResumeTiming();
    }
    const auto t0 = Clock::now();
    world.step();
    ns += ns_since(t0);
    state.PauseTiming();
    const auto& alive = world.firms().alive;  // alive firms, as in the whole runs
    firm_years += double(std::count(alive.begin(), alive.end(), 1));
    state.ResumeTiming();
  }
  firm_year_counters(state, firm_years, ns);
}
BENCHMARK(model_year)
    ->Args({30000, 1})
    ->Args({30000, 2})
    ->Args({300000, 1})
    ->Args({300000, 2})
    ->Args({1000000, 1})
    ->Args({1000000, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// A whole run (1985-2030, building the world included) of `population` firms with `threads`
// threads. firm_years counts alive firms; bytes_per_firm is the model state's peak memory per
// firm in business (at the population's peak), panel output excluded.
void whole_run_of(benchmark::State& state, int population, int threads) {
  Params p;
  p.population = population;
  oneapi::tbb::global_control limit(oneapi::tbb::global_control::max_allowed_parallelism,
                                    std::size_t(threads));
  double firm_years = 0, ns = 0;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    World world(p, {p.seed, 0, 0}, smesim::sim::tbb_executor());
    double most_alive = 0;
    std::size_t peak_state = 0, peak_world = 0;
    while (!world.finished()) {
      world.step();
      const auto& alive = world.firms().alive;
      const double now_alive = double(std::count(alive.begin(), alive.end(), 1));  // (< 1%)
      firm_years += now_alive;
      most_alive = std::max(most_alive, now_alive);
      peak_state = std::max(peak_state, world.firms().memory_bytes());
      peak_world = std::max(peak_world, world.memory_bytes());
    }
    ns += ns_since(t0);
    // Peak memory over the run per firm in business at the population's peak: the firms' state
    // (capacity held, including the slots of exited firms not yet dropped), and everything the
    // world holds (plus the networks and per-step buffers).
    state.counters["bytes_per_firm"] = double(peak_state) / most_alive;
    state.counters["world_bytes_per_firm"] = double(peak_world) / most_alive;
    state.counters["firms_peak"] = most_alive;  // firms in business at the population's peak
    // Seconds in each line of the yearly step (World::step_seconds), e.g. s_learning.
    const auto names = World::step_names();
    for (std::size_t k = 0; k < names.size(); ++k)
      state.counters["s_" + names[k]] = world.step_seconds()[k];
  }
  firm_year_counters(state, firm_years, ns);
}

// The national run (300 000 firms) with range(0) threads: national_run/1, national_run/2.
void national_run(benchmark::State& state) { whole_run_of(state, 300000, int(state.range(0))); }
BENCHMARK(national_run)->Arg(1)->Arg(2)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

// Whole runs at the other scales: range(0) firms, range(1) threads.
void whole_run(benchmark::State& state) {
  whole_run_of(state, int(state.range(0)), int(state.range(1)));
}
BENCHMARK(whole_run)
    ->Args({30000, 1})
    ->Args({30000, 2})
    ->Args({1000000, 1})
    ->Args({1000000, 2})
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

// A sweep through the real engine (units, checkpoints, assembly): one point x 64 replications at
// 30 000 firms (scenarios/baseline.yaml), 1985-2030, aggregates only, with range(0) threads.
void sweep_64(benchmark::State& state) {
  const smesim::bench::ScratchDir dir("smesim_bench_sweep");
  std::ofstream(dir.path() / "s.yaml")
      << "base: " << SMESIM_SOURCE_DIR << "/scenarios/baseline.yaml\n"
      << "replications: 64\ndesign: {type: list}\n"
      << "points: [{relocation.phi: 0.15}]\npanel: {points: [], reps: []}\n";
  const auto spec = smesim::sim::load_sweep(dir.file("s.yaml"));
  smesim::sim::SweepOptions opt;
  opt.threads = int(state.range(0));
  opt.quiet = true;
  const std::string out = dir.file("out.h5");
  double reps = 0, firm_years = 0;
  for (auto _ : state) {
    smesim::sim::run_sweep(spec, out, opt);
    state.PauseTiming();
    const auto r = smesim::sim::read_results(out);
    for (const auto& [name, v] : r.aggregates)
      if (name == "firms")
        for (double x : v) firm_years += x;
    reps += spec.replications;
    std::filesystem::remove(out);
    state.ResumeTiming();
  }
  state.counters["replications_per_second"] = benchmark::Counter(reps, benchmark::Counter::kIsRate);
  state.counters["firm_years_per_second"] =
      benchmark::Counter(firm_years, benchmark::Counter::kIsRate);
}
BENCHMARK(sweep_64)->Arg(1)->Arg(2)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

}  // namespace
