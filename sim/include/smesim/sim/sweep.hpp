// Monte Carlo sweeps over levers and uncertainties (issue 3): a sweep file names a base scenario,
// the parameters to vary by dotted path, a design and replications. Each (point, replication)
// unit is one model run; finished units are durable checkpoint files, so an interrupted sweep
// resumes without redoing or losing work. Layout of the results: docs/file-format.md.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "smesim/sim/design.hpp"
#include "smesim/sim/output.hpp"
#include "smesim/sim/scenario.hpp"

namespace smesim::sim {

struct SweepFactor {
  std::string path;            // dotted parameter path, e.g. levers.loans.rate_subsidy
  std::string role;            // "lever" or "uncertainty"
  std::vector<double> values;  // grid: levels; lhs/sobol: {lo, hi}; list: unused
};

struct SweepSpec {
  std::string file, yaml;   // the sweep file as given
  Scenario base;            // base scenario with `overrides` applied
  std::string design_type;  // grid, list, lhs, sobol
  std::vector<SweepFactor> factors;
  Design design;      // points[p][f] in factor order
  int reference = 0;  // point of the paired effects
  int replications = 1;
  bool common_random_numbers = true;
  std::vector<int> panel_points = {0}, panel_reps = {0};
  std::string fingerprint;  // identifies the sweep: same text, same units

  int points() const { return int(design.points.size()); }
  int units() const { return points() * replications; }
};

// Loads and validates a sweep file with the shared input rules (yaml_reader.hpp); errors are
// InputFileErrors naming file, line, column and key.
SweepSpec load_sweep(const std::string& path);
// The parameters of point p: the base with the point's factor values.
model::Params point_params(const SweepSpec& spec, int point);

struct Shard {
  int index = 0, count = 1;  // 0-based index of count shards; unit u belongs to u % count
};
// Parses "I/N" (1-based I), as given to --shard.
std::optional<Shard> parse_shard(const std::string& text);

struct SweepOptions {
  int threads = 0;
  Shard shard;
  bool resume = false;
  bool quiet = false;
  // Runs the given units (indices into 0..units-1) and returns when all are durable. Default:
  // this process, oneTBB. The MPI engine replaces it.
  std::function<void(const std::vector<int>&)> run_units;
};

// Runs the sweep (or one shard of it) and writes `out` atomically.
void run_sweep(const SweepSpec& spec, const std::string& out, const SweepOptions& options);
// Runs one unit and makes it durable in `parts_dir` (unit-<u>.h5, renamed when complete).
void run_unit(const SweepSpec& spec, int unit, const std::string& parts_dir);
// The checkpoint directory of an output file.
std::string parts_dir_of(const std::string& out);
// Merges shard files of one sweep into `out`; throws InputError naming missing or duplicate units.
void merge_shards(const std::vector<std::string>& shards, const std::string& out);

}  // namespace smesim::sim
