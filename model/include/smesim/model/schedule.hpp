// The yearly schedule (spec section 3): one table of named steps, in order. World::step() walks
// it, the per-step timers and World::step_names() use it, the tests run its steps, and
// docs/model.md section 3 is generated from it (schedule_table(); test GeneratedDocs.Schedule).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "smesim/model/state.hpp"

namespace smesim::model {

struct Step {
  std::string_view name;      // the step's name (timers, benchmarks, checked-build messages)
  std::string_view function;  // the submodel function the step calls
  std::string_view file;      // where it is (model/include/smesim/model/<file>.hpp)
  std::string_view section;   // docs/model.md section (spec section)
  std::string_view reads;     // the state it reads (besides the parameters)
  std::string_view writes;    // the state it writes
  void (*run)(const Params& p, const YearContext& y, State& s);
};

// The steps of one year, in order. The caller observes the year after the last step.
std::span<const Step> schedule();

// The step named `name` (std::out_of_range when there is none).
const Step& schedule_step(std::string_view name);

// docs/model.md section 3's table of the schedule (Markdown).
std::string schedule_table();

}  // namespace smesim::model
