// `smesim sweep` and `smesim merge`.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <memory>

#include "commands.hpp"
#include "smesim/sim/errors.hpp"
#include "smesim/sim/sweep.hpp"

#ifdef SMESIM_WITH_MPI
#include <mpi.h>
#endif

namespace smesim::app {

using sim::InputError;
using sim::load_sweep;
using sim::merge_shards;
using sim::parse_shard;
using sim::parts_dir_of;
using sim::run_sweep;
using sim::run_unit;
using sim::Shard;
using sim::SweepOptions;
using sim::SweepSpec;

namespace {

// --shard I/N, else Slurm's array variables when set (SLURM_ARRAY_TASK_ID counts from
// SLURM_ARRAY_TASK_MIN, which defaults to 0 when unset), else the whole sweep.
Shard shard_from(const std::string& flag) {
  if (!flag.empty()) {
    const auto s = parse_shard(flag);
    if (!s) throw InputError("--shard '" + flag + "': expected I/N with 1 <= I <= N, e.g. 2/8");
    return *s;
  }
  const char* id = std::getenv("SLURM_ARRAY_TASK_ID");
  const char* count = std::getenv("SLURM_ARRAY_TASK_COUNT");
  if (!id || !count) return {};
  const char* min = std::getenv("SLURM_ARRAY_TASK_MIN");
  // Each strictly a whole number (atoi would read "abc" as 0 and "3x" as 3).
  auto number = [](const char* name, const char* value) {
    const auto x = sim::parse_count(value, 0, std::numeric_limits<int>::max());
    if (!x)
      throw InputError(std::string(name) + "='" + value +
                       "': expected a non-negative whole number (decimal digits only)");
    return *x;
  };
  const std::int64_t index = number("SLURM_ARRAY_TASK_ID", id) -
                             (min ? number("SLURM_ARRAY_TASK_MIN", min) : 0),
                     n = number("SLURM_ARRAY_TASK_COUNT", count);
  if (n < 1 || n > sim::kMaxSweepUnits || index < 0 || index >= n)
    throw InputError("SLURM_ARRAY_TASK_ID=" + std::string(id) +
                     (min ? " with SLURM_ARRAY_TASK_MIN=" + std::string(min) : std::string()) +
                     " and SLURM_ARRAY_TASK_COUNT=" + count + " do not name a shard");
  return {int(index), int(n)};
}

#ifdef SMESIM_WITH_MPI
// Under mpirun (detected from the launcher's environment, so that a plain run never initializes
// MPI): rank 0 prepares the checkpoint and assembles the file; every rank runs a round-robin share
// of the pending units, each made durable as a unit file. The file equals the single-process one.
bool launched_by_mpirun() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") || std::getenv("PMIX_RANK");
}

void run_units_on_ranks(const SweepSpec& spec, const std::string& out, std::vector<int> pending,
                        int rank, int size) {
  int n = int(pending.size());
  MPI_Bcast(&n, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (n < 0) return;  // rank 0 failed before any work
  pending.resize(std::size_t(n));
  if (n > 0) MPI_Bcast(pending.data(), n, MPI_INT, 0, MPI_COMM_WORLD);
  for (int k = rank; k < n; k += size) run_unit(spec, pending[std::size_t(k)], parts_dir_of(out));
  MPI_Barrier(MPI_COMM_WORLD);
}

int mpi_sweep(const SweepSpec& spec, const std::string& out, SweepOptions opt) {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  opt.quiet = opt.quiet || rank != 0;
  if (rank != 0) {
    run_units_on_ranks(spec, out, {}, rank, size);
    return 0;
  }
  bool started = false;
  opt.run_units = [&](const std::vector<int>& pending) {
    started = true;
    run_units_on_ranks(spec, out, pending, 0, size);
  };
  try {
    run_sweep(spec, out, opt);
  } catch (...) {
    if (!started) {
      int failed = -1;
      MPI_Bcast(&failed, 1, MPI_INT, 0, MPI_COMM_WORLD);
    }
    throw;
  }
  return 0;
}
#endif

}  // namespace

void add_sweep_commands(CLI::App& app, Action& action) {
  struct Args {
    std::string file, out, shard;
    int threads = 0;
    bool resume = false, quiet = false;
    std::vector<std::string> inputs;
  };
  auto a = std::make_shared<Args>();
  auto* sweep =
      app.add_subcommand("sweep", "Run a Monte Carlo sweep over levers and uncertainties");
  sweep->add_option("sweep", a->file, "Sweep YAML file")->required();
  sweep->add_option("-o,--output", a->out, "Results file (.h5)")->required();
  sweep->add_option("--threads", a->threads, "Worker threads (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  sweep->add_option("--shard", a->shard,
                    "Run only shard I of N (I/N, 1-based); default: SLURM_ARRAY_TASK_ID/COUNT");
  sweep->add_flag("--resume", a->resume, "Continue an interrupted sweep, keeping finished units");
  sweep->add_flag("-q,--quiet", a->quiet, "No progress output");
  sweep->callback([&action, a] {
    action = [a] {
      const auto spec = load_sweep(a->file);
      SweepOptions opt;
      opt.threads = a->threads;
      opt.shard = shard_from(a->shard);
      opt.resume = a->resume;
      opt.quiet = a->quiet;
      const auto t0 = std::chrono::steady_clock::now();
#ifdef SMESIM_WITH_MPI
      if (launched_by_mpirun()) {
        struct Mpi {
          Mpi() { MPI_Init(nullptr, nullptr); }
          ~Mpi() { MPI_Finalize(); }
        } mpi;
        int rank = 0;
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        mpi_sweep(spec, a->out, opt);
        if (rank != 0) return 0;
      } else {
        run_sweep(spec, a->out, opt);
      }
#else
      if (const char* n = std::getenv("OMPI_COMM_WORLD_SIZE"); n && std::atoi(n) > 1)
        throw InputError(
            "this smesim was built without MPI: rebuild with MPI installed "
            "(libopenmpi-dev) to run sweeps under mpirun");
      run_sweep(spec, a->out, opt);
#endif
      const double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (!a->quiet)
        std::cout << "sweep '" << a->file << "': " << spec.points() << " points x "
                  << spec.replications << " replications"
                  << (opt.shard.count > 1 ? ", shard " + std::to_string(opt.shard.index + 1) + "/" +
                                                std::to_string(opt.shard.count)
                                          : std::string())
                  << " in " << secs << " s\nResults: " << a->out << "\n";
      return 0;
    };
  });

  auto* merge = app.add_subcommand("merge", "Merge the shard files of one sweep into one file");
  merge->add_option("shards", a->inputs, "Shard result files")->required();
  merge->add_option("-o,--output", a->out, "Merged results file (.h5)")->required();
  merge->callback([&action, a] {
    action = [a] {
      merge_shards(a->inputs, a->out);
      std::cout << "merged " << a->inputs.size() << " shard(s) into " << a->out << "\n";
      return 0;
    };
  });
}

}  // namespace smesim::app
