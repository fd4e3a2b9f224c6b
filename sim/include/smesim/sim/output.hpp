// The results file (HDF5). Layout (docs/file-format.md):
//   /meta                    attributes: filetype, format_version, smesim_version, git_commit,
//                            seed, scenario_yaml, resolved_parameters, created_utc, scenario_file
//   /aggregates/years        int32 [years]
//   /aggregates/<name>       float64 [points, reps, years]
//   /panel/<column>          1-D, chunked (16 384 rows), shuffle + deflate; integer columns in
//                            the narrowest type of their declared range (int8/int16/int32),
//                            reals in the model's precision (float32 or float64)
//   /decisions/<column>      the same
//   /<array path>            float64 of any shape (sweeps: /points, /summary, /effects)
// Written to "<path>.tmp-<pid>" and renamed to <path> only when complete; the panel and the
// decision log can be streamed into the file while a run goes on (ResultsWriter). Readers get
// int32 and float64 columns whatever the stored type (read_results converts; no value changes).
#pragma once

#include <cstdint>
#include <memory>
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

// Writes a results file while a run goes on: the panel and the decision log are appended in
// pieces (each is compressed on TBB's workers in 16 384-row chunks and written with HDF5's direct
// chunk write, so memory holds a few chunks, never the table), the rest at finish(). The file is
// "<path>.tmp-<pid>" until finish() renames it to <path>; a writer destroyed before that (an
// exception, a failed write) removes it, and so does SIGINT or SIGTERM. Calls must not overlap
// (one thread at a time). Errors (a full disk, a file-size limit) throw std::runtime_error
// naming the path, with HDF5's reason; HDF5 prints nothing.
class ResultsWriter {
 public:
  explicit ResultsWriter(const std::string& path);
  ~ResultsWriter();
  ResultsWriter(const ResultsWriter&) = delete;
  ResultsWriter& operator=(const ResultsWriter&) = delete;

  // Appends rows (every call: the same columns in the same order).
  void append_panel(const model::Table& rows);
  void append_decisions(const model::Table& rows);
  // Appends results.panel and results.decisions (when they have rows) after the rows streamed
  // so far, writes /meta, /aggregates and the arrays, closes and renames.
  void finish(const Results& results);

  std::uint64_t bytes_written() const;  // the file's size after finish()
  double seconds() const;               // time spent in this writer's calls so far

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Writes atomically (temporary name, then rename) through a ResultsWriter. Throws
// std::runtime_error naming the path on failure and leaves no file behind.
void write_results(const std::string& path, const Results& results);
// Reads a file written by write_results (used by tests and by later tools).
Results read_results(const std::string& path);
// What to read: everything, or all but the panel and the decision log (left empty: a national
// panel is gigabytes in memory, and `fit` and `sensitivity` read aggregates only).
enum class ReadTables { all, none };
Results read_results(const std::string& path, ReadTables tables);

}  // namespace smesim::sim
