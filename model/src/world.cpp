// One simulated economy and its yearly schedule (spec section 3).
#include "smesim/model/world.hpp"

#include <chrono>

#include "smesim/model/checks.hpp"
#include "smesim/model/environment.hpp"
#include "smesim/model/initialization.hpp"
#include "smesim/model/observation.hpp"
#include "smesim/model/schedule.hpp"

namespace smesim::model {

World::World(const Params& params, StreamKey key, Executor exec)
    : params_(params),
      key_(key),
      exec_(std::move(exec)),
      s_(initialize(params_, exec_, key_)),
      next_year_(params_.start_year + 1),  // the initial state is the start year (v2 2.6)
      step_seconds_(schedule().size()) {}

void World::step() {
  s_.env.year = next_year_;
  const auto y = YearContext::of(exec_, key_, params_, next_year_);
  // Wall time of each step, summed over the run (docs/performance.md): a clock read per step.
  std::size_t line = 0;
  for (const Step& step : schedule()) {
    const auto t0 = std::chrono::steady_clock::now();
    step.run(params_, y, s_);
    step_seconds_[line++] +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
#if SMESIM_CHECKED
    check_invariants(params_, s_, step.name);
#endif
  }
  ++next_year_;  // the caller observes (aggregates(), append_panel())
}

std::vector<std::string> World::step_names() {
  std::vector<std::string> names;
  for (const Step& s : schedule()) names.emplace_back(s.name);
  return names;
}

std::vector<double> World::aggregates() const { return aggregate_values(params_, key_, s_); }
std::vector<std::string> World::aggregate_names() { return model::aggregate_names(); }
void World::append_panel(Table& panel) const { model::append_panel(params_, key_, s_, panel); }
void World::append_decisions(Table& log) const { model::append_decisions(key_, s_, log); }

void World::compact() { model::compact(exec_, s_.firms, s_.networks); }

}  // namespace smesim::model
