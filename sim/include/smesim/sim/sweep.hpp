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
  std::int64_t units() const { return std::int64_t(points()) * replications; }
};

// The largest design a sweep file may declare: points x replications (docs/sweeps.md). A unit is
// a whole model run, so this is far beyond what any machine finishes; the bound keeps every index
// and size in range and refuses a typo (`replications: 20000` on a 400 x 400 grid) at once.
inline constexpr std::int64_t kMaxSweepUnits = 1'000'000;

// Loads and validates a sweep file with the shared input rules (yaml_reader.hpp); errors are
// InputFileErrors naming file, line, column and key.
SweepSpec load_sweep(const std::string& path);
// Same, from text; `file` names the source in messages and locates `base`.
SweepSpec parse_sweep(const std::string& text, const std::string& file);
// The parameters of point p: the base with the point's factor values.
model::Params point_params(const SweepSpec& spec, int point);

struct Shard {
  int index = 0, count = 1;  // 0-based index of count shards; unit u belongs to u % count
};
// Parses "I/N" (1-based I, plain decimal digits, 1 <= I <= N <= kMaxSweepUnits), as given to
// --shard.
std::optional<Shard> parse_shard(const std::string& text);
// A count from the environment or a file: plain decimal digits (no sign, space or exponent) in
// [lo, hi], else nullopt.
std::optional<std::int64_t> parse_count(const std::string& text, std::int64_t lo, std::int64_t hi);

// Why `r` (read from a unit file) cannot be unit `unit` of `spec`: another sweep's fingerprint,
// another unit index, or shapes (years, aggregates, panel rows) that are not this unit's. Empty
// when it is the unit.
std::string unit_file_problem(const SweepSpec& spec, int unit, const Results& r);

struct SweepOptions {
  int threads = 0;
  Shard shard;
  bool resume = false;
  bool quiet = false;
  // Runs the given units (indices into 0..units-1) and returns when all are durable. Default:
  // this process, oneTBB. The MPI engine replaces it.
  std::function<void(const std::vector<int>&)> run_units;
};

// Runs the sweep (or one shard of it) and writes `out` atomically. With `resume`, every unit file
// already in the checkpoint directory is checked (unit_file_problem); a damaged or foreign one is
// reported on stderr by name and recomputed, so the result equals an uninterrupted run. A shard
// that holds no unit (more shards than units) writes a shard file without units.
void run_sweep(const SweepSpec& spec, const std::string& out, const SweepOptions& options);
// Runs one unit and makes it durable in `parts_dir` (unit-<u>.h5, renamed when complete).
void run_unit(const SweepSpec& spec, int unit, const std::string& parts_dir);
// The checkpoint directory of an output file.
std::string parts_dir_of(const std::string& out);
// Merges shard files of one sweep into `out`; throws InputError when a file is not a shard of
// this sweep (another fingerprint, a unit file, damaged attributes or unit indices) or when the
// shards do not cover every unit exactly once (naming the missing units, or a duplicated unit
// with both files).
void merge_shards(const std::vector<std::string>& shards, const std::string& out);

}  // namespace smesim::sim
