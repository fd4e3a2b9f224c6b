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
  model::Table panel, decisions;                // when kept (and not streamed)
  double output_seconds = 0;  // wall time spent producing (and streaming) panel and log rows
};
// Where a replication's panel and decision-log rows go instead of ReplicationOutput, in pieces
// of at most kRowBatch rows, in order (the writer streams them into the results file).
struct RowSink {
  std::function<void(const model::Table&)> panel, decisions;
};
inline constexpr std::size_t kRowBatch = 4096;

// One model run from initialization to end_year; keeps the panel (within the scenario's panel
// years) and the decision log when `keep`: in the output, or handed to `sink` when given.
ReplicationOutput run_replication(const model::Params& p, model::StreamKey key, bool keep,
                                  const RowSink* sink = nullptr);

// Runs every replication of the scenario (point 0) and collects aggregates, the panel and the
// decision log of the kept replications. Identical output for any number of threads.
Results run_scenario(const Scenario& scenario, const RunOptions& options);

// The same run, with the kept replications' panel and decision log streamed into `writer`, in
// replication order, while the run goes on (the returned Results hold neither; pass them to
// writer.finish()). A replication whose turn has not come yet (an earlier kept one is still
// running) holds its rows in memory until then. `output_seconds`, when given, receives the wall
// time spent producing and writing those rows (summed over replications).
Results run_scenario(const Scenario& scenario, const RunOptions& options, ResultsWriter& writer,
                     double* output_seconds = nullptr);

// Provenance: version, commit, creation time, the scenario as given and resolved.
ResultsMeta make_meta(const Scenario& scenario, std::uint64_t seed);

// The /meta attribute `ci95_t_quantile`: the Student-t factor of the 95% intervals of a mean over
// `reps` replications (%.17g; nan for one), written so that readers never recompute it.
std::pair<std::string, std::string> t_quantile_attribute(int reps);

}  // namespace smesim::sim
