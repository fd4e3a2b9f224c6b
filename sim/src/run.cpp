#include "smesim/sim/run.hpp"

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "smesim/analysis/statistics.hpp"
#include "smesim/model/initialization.hpp"
#include "smesim/version.hpp"

namespace smesim::sim {

model::Executor tbb_executor() {
  return {[](std::size_t n, std::size_t grain, const model::Executor::Body& body) {
    const std::size_t blocks = (n + grain - 1) / grain;
    oneapi::tbb::parallel_for(std::size_t(0), blocks, [&](std::size_t b) {
      body(b, b * grain, std::min(n, (b + 1) * grain));
    });
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

ReplicationOutput run_replication(const model::Params& p, model::StreamKey key, bool keep) {
  model::World world(p, key, tbb_executor());
  ReplicationOutput out;
  // The initial state is the start year's observation (v2 2.6); the first step is the next year.
  for (bool first = true; first || !world.finished(); first = false) {
    if (!first) world.step();
    out.aggregates.push_back(world.aggregates());
    const int y = world.year();
    if (keep && y >= p.output.panel_from && y <= p.output.panel_to) world.append_panel(out.panel);
    if (keep && p.output.decisions) world.append_decisions(out.decisions);
  }
  return out;
}

Results run_scenario(const Scenario& scenario, const RunOptions& options) {
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
  oneapi::tbb::parallel_for(0, reps, [&](int rep) {
    const bool keep = std::find(p.output.panel_reps.begin(), p.output.panel_reps.end(), rep) !=
                      p.output.panel_reps.end();
    outputs[std::size_t(rep)] = run_replication(p, {p.seed, 0, std::uint32_t(rep)}, keep);
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
  for (auto& o : outputs) {  // replication order: independent of scheduling
    res.panel.append(o.panel);
    res.decisions.append(o.decisions);
  }
  res.attributes.push_back(t_quantile_attribute(reps));
  return res;
}

}  // namespace smesim::sim
