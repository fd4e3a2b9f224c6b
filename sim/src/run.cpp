#include "smesim/sim/run.hpp"

#include <oneapi/tbb/global_control.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <mutex>

#include "smesim/analysis/statistics.hpp"
#include "smesim/model/initialization.hpp"
#include "smesim/model/observation.hpp"
#include "smesim/sim/parallel.hpp"
#include "smesim/version.hpp"

namespace smesim::sim {

model::Executor tbb_executor() {
  return {[](std::size_t n, std::size_t grain, const model::Executor::Body& body) {
    const std::size_t blocks = (n + grain - 1) / grain;
    parallel_for(std::size_t(0), blocks,
                 [&](std::size_t b) { body(b, b * grain, std::min(n, (b + 1) * grain)); });
  }};
}

ResultsMeta make_meta(const Scenario& scenario, std::uint64_t seed) {
  ResultsMeta m;
  m.smesim_version = kVersion;
  m.git_commit = kGitCommit;
  m.seed = seed;
  m.scenario_file = scenario.file;
  m.scenario_yaml = scenario.yaml;
  m.resolved_parameters = resolved_yaml(scenario.params);
  m.national_scale = model::national_scale(scenario.params);
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  m.created_utc = buf;
  return m;
}

std::pair<std::string, std::string> t_quantile_attribute(int reps) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", analysis::t_quantile(reps));
  return {"ci95_t_quantile", buf};
}

ReplicationOutput run_replication(const model::Params& p, model::StreamKey key, bool keep,
                                  const RowSink* sink) {
  model::World world(p, key, tbb_executor());
  ReplicationOutput out;
  model::Table panel_rows, decision_rows;  // streaming: rows in hand (<= kRowBatch), reused
  // The initial state is the start year's observation (v2 2.6); the first step is the next year.
  for (bool first = true; first || !world.finished(); first = false) {
    if (!first) world.step();
    out.aggregates.push_back(world.aggregates());
    const int y = world.year();
    const bool panel = keep && y >= p.output.panel_from && y <= p.output.panel_to;
    const bool decisions = keep && p.output.decisions;
    if (!panel && !decisions) continue;
    const auto t0 = std::chrono::steady_clock::now();
    if (sink == nullptr) {
      if (panel) world.append_panel(out.panel);
      if (decisions) world.append_decisions(out.decisions);
    } else {
      if (panel) {
        model::append_panel_batched(world.params(), key, world.state(), panel_rows, kRowBatch,
                                    sink->panel);
      }
      if (decisions) {
        model::append_decisions_batched(key, world.state(), decision_rows, kRowBatch,
                                        sink->decisions);
      }
    }
    out.output_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  return out;
}

namespace {

// The kept replications' rows in replication order whatever the order they run in: the first
// unfinished kept replication writes straight to the writer, later ones hold their rows until
// it is their turn.
class OrderedRows {
 public:
  OrderedRows(ResultsWriter& writer, std::vector<int> kept)
      : writer_(writer), kept_(std::move(kept)) {}

  void panel(int rep, const model::Table& t) { add(rep, 0, t); }
  void decisions(int rep, const model::Table& t) { add(rep, 1, t); }
  void finished(int rep) {
    std::lock_guard lock(mutex_);
    finished_.push_back(rep);
    while (next_ < kept_.size() &&
           std::find(finished_.begin(), finished_.end(), kept_[next_]) != finished_.end()) {
      ++next_;
      if (next_ == kept_.size()) break;
      auto held = held_.find(kept_[next_]);
      if (held == held_.end()) continue;
      writer_.append_panel(held->second[0]);
      writer_.append_decisions(held->second[1]);
      held_.erase(held);
    }
  }

 private:
  void add(int rep, int which, const model::Table& t) {
    std::lock_guard lock(mutex_);
    if (next_ < kept_.size() && kept_[next_] == rep) {
      which == 0 ? writer_.append_panel(t) : writer_.append_decisions(t);
    } else {
      held_[rep][which].append(t);
    }
  }

  std::mutex mutex_;
  ResultsWriter& writer_;
  std::vector<int> kept_;  // ascending
  std::size_t next_ = 0;   // kept_[next_] writes directly
  std::vector<int> finished_;
  std::map<int, std::array<model::Table, 2>> held_;
};

// The run engine behind both run_scenario()s: `sink_of(rep)` (when set) gives a kept
// replication's RowSink, `finished(rep)` (when set) is called when a replication is done.
Results run_engine(const Scenario& scenario, const RunOptions& options,
                   const std::function<const RowSink*(int)>& sink_of,
                   const std::function<void(int)>& finished, double* output_seconds) {
  model::Params p = scenario.params;
  if (options.seed) p.seed = *options.seed;
  if (options.replications) p.replications = *options.replications;
  const int reps = p.replications;
  const int threads =
      options.threads > 0 ? options.threads : int(oneapi::tbb::info::default_concurrency());
  oneapi::tbb::global_control limit(oneapi::tbb::global_control::max_allowed_parallelism,
                                    std::size_t(threads));
  std::vector<ReplicationOutput> outputs(static_cast<std::size_t>(reps));
  std::mutex progress_mutex;
  int done = 0;
  parallel_for(0, reps, [&](int rep) {
    const bool keep = std::find(p.output.panel_reps.begin(), p.output.panel_reps.end(), rep) !=
                      p.output.panel_reps.end();
    const RowSink* sink = sink_of && keep ? sink_of(rep) : nullptr;
    outputs[std::size_t(rep)] = run_replication(p, {p.seed, 0, std::uint32_t(rep)}, keep, sink);
    if (finished) finished(rep);
    if (options.progress) {
      std::lock_guard lock(progress_mutex);
      options.progress(++done, reps);
    }
  });

  Results res;
  Scenario resolved = scenario;
  resolved.params = p;
  res.meta = make_meta(resolved, p.seed);
  res.points = 1;
  res.reps = reps;
  for (int y = p.start_year; y <= p.end_year; ++y) res.years.push_back(y);
  const auto names = model::World::aggregate_names();
  const std::size_t Y = res.years.size();
  for (std::size_t k = 0; k < names.size(); ++k) {
    std::vector<double> v(std::size_t(reps) * Y);
    for (int r = 0; r < reps; ++r)
      for (std::size_t t = 0; t < Y; ++t)
        v[std::size_t(r) * Y + t] = outputs[std::size_t(r)].aggregates[t][k];
    res.aggregates.emplace_back(names[k], std::move(v));
  }
  double seconds = 0;
  for (auto& o : outputs) {  // replication order: independent of scheduling
    res.panel.append(o.panel);
    res.decisions.append(o.decisions);
    seconds += o.output_seconds;
  }
  if (output_seconds != nullptr) *output_seconds = seconds;
  res.attributes.push_back(t_quantile_attribute(reps));
  return res;
}

}  // namespace

Results run_scenario(const Scenario& scenario, const RunOptions& options, ResultsWriter& writer,
                     double* output_seconds) {
  const int reps = options.replications ? *options.replications : scenario.params.replications;
  std::vector<int> kept;
  for (int rep = 0; rep < reps; ++rep)
    if (std::find(scenario.params.output.panel_reps.begin(),
                  scenario.params.output.panel_reps.end(),
                  rep) != scenario.params.output.panel_reps.end())
      kept.push_back(rep);
  OrderedRows ordered(writer, kept);
  std::vector<RowSink> sinks(std::size_t(std::max(reps, 0)));
  for (int rep : kept) {
    sinks[std::size_t(rep)].panel = [&ordered, rep](const model::Table& t) {
      ordered.panel(rep, t);
    };
    sinks[std::size_t(rep)].decisions = [&ordered, rep](const model::Table& t) {
      ordered.decisions(rep, t);
    };
  }
  return run_engine(
      scenario, options, [&](int rep) { return &sinks[std::size_t(rep)]; },
      [&](int rep) { ordered.finished(rep); }, output_seconds);
}

Results run_scenario(const Scenario& scenario, const RunOptions& options) {
  return run_engine(scenario, options, nullptr, nullptr, nullptr);
}

}  // namespace smesim::sim
