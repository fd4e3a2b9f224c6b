// The results file (HDF5). Layout (docs/file-format.md):
//   /meta                    attributes: filetype, format_version, smesim_version, git_commit,
//                            seed, scenario_yaml, resolved_parameters, created_utc, scenario_file
//   /aggregates/years        int32 [years]
//   /aggregates/<name>       float64 [points, reps, years]
//   /panel/<column>          1-D (int32 or float64), chunked and compressed
//   /decisions/<column>      1-D (int32 or float64), chunked and compressed
//   /<array path>            float64 of any shape (sweeps: /points, /summary, /effects)
// Written to "<path>.tmp-<pid>" and renamed to <path> only when complete.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "smesim/model/table.hpp"

namespace smesim::sim {

struct ResultsMeta {
  std::string smesim_version;
  std::string git_commit;
  std::uint64_t seed = 0;
  std::string scenario_file;
  std::string scenario_yaml;
  std::string resolved_parameters;
  std::string created_utc;      // ISO 8601, e.g. 2026-11-25T12:00:00Z
  double national_scale = 1.0;  // national enterprises per simulated firm (v2 2.6)
};

// A further float64 dataset of any shape, at `path` below the root (e.g. "points/relocation.phi",
// "summary/mean/sme_fdi_share"); sweeps use these.
struct Array {
  std::string path;
  std::vector<std::uint64_t> shape;
  std::vector<double> values;  // C order, size = product of shape
};

struct Results {
  ResultsMeta meta;
  int points = 1, reps = 1;
  std::vector<int> years;
  // name -> values in C order [point][rep][year], size points * reps * years.size()
  std::vector<std::pair<std::string, std::vector<double>>> aggregates;
  model::Table panel;
  model::Table decisions;
  std::vector<Array> arrays;  // listed in /meta attribute `arrays`
  std::vector<std::pair<std::string, std::string>> attributes;  // further /meta string attributes

  const Array* array(const std::string& path) const {
    for (const auto& a : arrays)
      if (a.path == path) return &a;
    return nullptr;
  }
  const std::string* attribute(const std::string& name) const {
    for (const auto& [n, v] : attributes)
      if (n == name) return &v;
    return nullptr;
  }
};

// Writes atomically (temporary name, then rename). Throws std::runtime_error naming the path on
// failure and leaves no file behind.
void write_results(const std::string& path, const Results& results);
// Reads a file written by write_results (used by tests and by later tools).
Results read_results(const std::string& path);

}  // namespace smesim::sim
