// One simulated economy: its parameters, its state (state.hpp) and the yearly schedule
// (schedule.hpp) that World::step() walks, one named step per line, each calling one submodel
// (one header per submodel, named after it) with the state it reads and writes.
#pragma once

#include <string>
#include <vector>

#include "smesim/model/params.hpp"
#include "smesim/model/random.hpp"
#include "smesim/model/state.hpp"
#include "smesim/model/table.hpp"

namespace smesim::model {

class World {
 public:
  // The initial state (initialization.hpp): the observation of params.start_year (v2 2.6).
  World(const Params& params, StreamKey key, Executor exec = Executor::serial());

  // Runs one year (the next after the last one, starting with params.start_year + 1): every
  // step of schedule() in order. In a checked build (SMESIM_CHECKED), the state's invariants are
  // checked after each step (checks.hpp).
  void step();
  int year() const { return s_.env.year; }
  bool finished() const { return next_year_ > params_.end_year; }

  const Params& params() const { return params_; }
  const State& state() const { return s_; }
  const Firms& firms() const { return s_.firms; }
  const Networks& networks() const { return s_.networks; }
  const Environment& environment() const { return s_.env; }
  const YearCounters& counters() const { return s_.counters; }
  const std::vector<Candidate>& decisions() const { return s_.decisions; }
  // Heap bytes held by everything the world keeps between steps: the firms' state, the networks
  // and the per-step buffers (firms().memory_bytes() is the firms' state alone).
  std::size_t memory_bytes() const { return s_.memory_bytes(); }

  // Observation (spec 8; observation.hpp): aggregate values of the year just stepped, in
  // aggregate_names() order.
  std::vector<double> aggregates() const;
  static std::vector<std::string> aggregate_names();
  // Appends one row per firm observed this year (alive, or exited this year).
  void append_panel(Table& panel) const;
  void append_decisions(Table& log) const;

  // Wall time spent in each step of schedule() so far, in step_names() order (seconds, summed
  // over the years stepped): where a run's time goes (the benchmarks report it).
  const std::vector<double>& step_seconds() const { return step_seconds_; }
  static std::vector<std::string> step_names();

  // Drops the slots of exited firms and groups the rest by industry (begin_year() does when the
  // exited are an eighth of the slots). Call it between years. Firms keep their ids and random
  // numbers; positions held anywhere are remapped.
  void compact();

 private:
  Params params_;
  StreamKey key_;
  Executor exec_;
  State s_;
  int next_year_ = 0;
  std::vector<double> step_seconds_;
};

}  // namespace smesim::model
