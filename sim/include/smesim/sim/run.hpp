// The run engine: replications of one scenario, in parallel, into a Results object.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "smesim/model/world.hpp"
#include "smesim/sim/output.hpp"
#include "smesim/sim/scenario.hpp"

namespace smesim::sim {

struct RunOptions {
  int threads = 0;                    // 0: all hardware threads
  std::optional<std::uint64_t> seed;  // overrides the scenario's seed
  std::optional<int> replications;    // overrides the scenario's replications
  // Called after each finished replication (from any thread, serialized): done, total.
  std::function<void(int, int)> progress;
};

// An Executor that runs blocks on oneTBB's pool; deterministic because blocks are fixed.
model::Executor tbb_executor();

struct ReplicationOutput {
  std::vector<std::vector<double>> aggregates;  // [year][aggregate], World::aggregate_names()
  model::Table panel, decisions;                // when kept
};
// One model run from initialization to end_year; keeps the panel (within the scenario's panel
// years) and the decision log when `keep`.
ReplicationOutput run_replication(const model::Params& p, model::StreamKey key, bool keep);

// Runs every replication of the scenario (point 0) and collects aggregates, the panel and the
// decision log of the kept replications. Identical output for any number of threads.
Results run_scenario(const Scenario& scenario, const RunOptions& options);

// Provenance: version, commit, creation time, the scenario as given and resolved.
ResultsMeta make_meta(const Scenario& scenario, std::uint64_t seed);

// The /meta attribute `ci95_t_quantile`: the Student-t factor of the 95% intervals of a mean over
// `reps` replications (%.17g; nan for one), written so that readers never recompute it.
std::pair<std::string, std::string> t_quantile_attribute(int reps);

}  // namespace smesim::sim
