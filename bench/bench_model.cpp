// Speed of the model (Google Benchmark). Run all: build/smesim_bench --benchmark_out=bench.json
#include <benchmark/benchmark.h>
#include <oneapi/tbb/global_control.h>

#include "smesim/model/world.hpp"
#include "smesim/sim/run.hpp"

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
BENCHMARK(model_year)->Args({30000, 1})->Args({30000, 2})->Unit(benchmark::kMillisecond);

// A whole national run (300 000 firms, 1985-2030) with range(0) threads.
void national_run(benchmark::State& state) {
  Params p;
  p.population = 300000;
  oneapi::tbb::global_control limit(oneapi::tbb::global_control::max_allowed_parallelism,
                                    std::size_t(state.range(0)));
  double firm_years = 0;
  for (auto _ : state) {
    World world(p, {p.seed, 0, 0}, smesim::sim::tbb_executor());
    while (!world.finished()) {
      world.step();
      firm_years += double(world.firms().size());
    }
  }
  state.counters["firm_years_per_second"] =
      benchmark::Counter(firm_years, benchmark::Counter::kIsRate);
}
BENCHMARK(national_run)->Arg(1)->Arg(2)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
