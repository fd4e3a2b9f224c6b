// Speed of the model (Google Benchmark). Run all: build/smesim_bench --benchmark_out=bench.json
#include <benchmark/benchmark.h>
#include <oneapi/tbb/global_control.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "smesim/model/world.hpp"
#include "smesim/sim/run.hpp"
#include "smesim/sim/sweep.hpp"

namespace {

using smesim::model::Params;
using smesim::model::World;

// One simulated year at range(0) firms with range(1) threads.
void model_year(benchmark::State& state) {
  Params p;
  p.population = int(state.range(0));
  oneapi::tbb::global_control limit(oneapi::tbb::global_control::max_allowed_parallelism,
                                    std::size_t(state.range(1)));
  World world(p, {p.seed, 0, 0}, smesim::sim::tbb_executor());
  double firm_years = 0;
  for (auto _ : state) {
    if (world.finished()) {
      state.PauseTiming();
      world = World(p, {p.seed, 0, 0}, smesim::sim::tbb_executor());
      state.ResumeTiming();
    }
    world.step();
    firm_years += double(world.firms().size());
  }
  state.counters["firm_years_per_second"] =
      benchmark::Counter(firm_years, benchmark::Counter::kIsRate);
}
BENCHMARK(model_year)
    ->Args({30000, 1})
    ->Args({30000, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// A whole national run (300 000 firms, 1985-2030) with range(0) threads.
void national_run(benchmark::State& state) {
  Params p;
  p.population = 300000;
  oneapi::tbb::global_control limit(oneapi::tbb::global_control::max_allowed_parallelism,
                                    std::size_t(state.range(0)));
  double firm_years = 0;
  for (auto _ : state) {
    World world(p, {p.seed, 0, 0}, smesim::sim::tbb_executor());
    std::size_t alive_slots = 0;
    while (!world.finished()) {
      world.step();
      const auto& alive = world.firms().alive;
      firm_years += double(std::count(alive.begin(), alive.end(), 1));  // (< 1% of the step)
      alive_slots = std::max(alive_slots, world.firms().size());
    }
    // Model state per firm slot (dead firms keep their slot), panel output excluded.
    state.counters["bytes_per_firm"] = double(world.firms().memory_bytes()) / double(alive_slots);
  }
  state.counters["firm_years_per_second"] =
      benchmark::Counter(firm_years, benchmark::Counter::kIsRate);
}
BENCHMARK(national_run)->Arg(1)->Arg(2)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

// A sweep through the real engine (units, checkpoints, assembly): one point x 16 replications at
// 30 000 firms, 1985-2030, aggregates only, with range(0) threads.
void sweep_30k(benchmark::State& state) {
  namespace fs = std::filesystem;
  const auto dir = fs::temp_directory_path() / "smesim_bench_sweep";
  fs::create_directories(dir);
  std::ofstream(dir / "s.yaml")
      << "base: " << SMESIM_SOURCE_DIR << "/scenarios/baseline.yaml\n"
      << "replications: 16\ndesign: {type: list}\n"
      << "points: [{relocation.phi: 0.15}]\npanel: {points: [], reps: []}\n";
  const auto spec = smesim::sim::load_sweep((dir / "s.yaml").string());
  smesim::sim::SweepOptions opt;
  opt.threads = int(state.range(0));
  opt.quiet = true;
  double reps = 0, firm_years = 0;
  for (auto _ : state) {
    smesim::sim::run_sweep(spec, (dir / "out.h5").string(), opt);
    state.PauseTiming();
    const auto r = smesim::sim::read_results((dir / "out.h5").string());
    for (const auto& [name, v] : r.aggregates)
      if (name == "firms")
        for (double x : v) firm_years += x;
    reps += spec.replications;
    state.ResumeTiming();
  }
  state.counters["replications_per_second"] = benchmark::Counter(reps, benchmark::Counter::kIsRate);
  state.counters["firm_years_per_second"] =
      benchmark::Counter(firm_years, benchmark::Counter::kIsRate);
  fs::remove_all(dir);
}
BENCHMARK(sweep_30k)->Arg(1)->Arg(2)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

}  // namespace
