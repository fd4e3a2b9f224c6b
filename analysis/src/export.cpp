// One tidy CSV per table of a results file (export.hpp).
#include "smesim/analysis/export.hpp"

#include <unistd.h>

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "smesim/analysis/csv.hpp"
#include "smesim/sim/errors.hpp"

namespace fs = std::filesystem;

namespace smesim::analysis {

using sim::InputError;

namespace {

// Shortest text that reads back to `x`; empty when not finite.
void put_number(std::string& out, double x) {
  if (!std::isfinite(x)) return;
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, x);
  out.append(buf, res.ptr);
}

std::vector<std::string> split_names(const std::string& list) {
  std::vector<std::string> v;
  if (list.empty()) return v;
  for (std::size_t start = 0;;) {
    const auto comma = list.find(',', start);
    v.push_back(list.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return v;
}

class CsvFile {
 public:
  CsvFile(const fs::path& path) : path_(path), out_(path, std::ios::binary) {
    if (!out_) throw std::runtime_error("cannot write '" + path.string() + "'");
    buf_.reserve(1 << 20);
  }
  std::string& line() { return buf_; }
  void end_line() {
    buf_ += '\n';
    if (buf_.size() > (1 << 20) - 4096) flush();
  }
  void close() {
    flush();
    out_.close();
    if (!out_) throw std::runtime_error("cannot write '" + path_.string() + "' (disk full?)");
  }

 private:
  void flush() {
    out_.write(buf_.data(), std::streamsize(buf_.size()));
    buf_.clear();
    if (!out_) throw std::runtime_error("cannot write '" + path_.string() + "' (disk full?)");
  }
  fs::path path_;
  std::ofstream out_;
  std::string buf_;
};

void write_table(const model::Table& t, const fs::path& path) {
  CsvFile f(path);
  std::string& s = f.line();
  bool first = true;
  for (const auto& [name, c] : t.ints) {
    if (!first) s += ',';
    s.append(csv_text(name));
    first = false;
  }
  for (const auto& [name, c] : t.reals) {
    if (!first) s += ',';
    s.append(csv_text(name));
    first = false;
  }
  f.end_line();
  for (std::size_t i = 0; i < t.rows(); ++i) {
    first = true;
    for (const auto& [name, c] : t.ints) {
      if (!first) s += ',';
      s += std::to_string(c[i]);
      first = false;
    }
    for (const auto& [name, c] : t.reals) {
      if (!first) s += ',';
      put_number(s, c[i]);
      first = false;
    }
    f.end_line();
  }
  f.close();
}

// Only a directory of CSV files (an earlier export) may be replaced.
void check_target(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    const fs::path parent = fs::absolute(dir).parent_path();
    if (!fs::is_directory(parent, ec))
      throw InputError("--csv: cannot create '" + dir.string() + "': '" + parent.string() +
                       "' does not exist");
    return;
  }
  if (!fs::is_directory(dir, ec))
    throw InputError("--csv: '" + dir.string() + "' exists and is not a directory");
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (!e.is_regular_file() || e.path().extension() != ".csv")
      throw InputError("--csv: '" + dir.string() + "' holds '" + e.path().filename().string() +
                       "', which is not an export's CSV file: give a new or empty directory");
}

}  // namespace

SweptInputs swept_inputs(const sim::Results& r) {
  SweptInputs in;
  const auto* factors = r.attribute("sweep_factors");
  if (!factors) return in;
  for (const auto& name : split_names(*factors)) {
    const auto* a = r.array("points/" + name);
    if (!a || a->values.size() != std::size_t(r.points))
      throw InputError("the results file lists the swept parameter '" + name +
                       "' but has no values points/" + name + " for its " +
                       std::to_string(r.points) + " points");
    in.names.push_back(name);
    in.values.push_back(a->values);
  }
  return in;
}

std::vector<std::string> export_csv(const sim::Results& r, const std::string& dir_name) {
  const fs::path dir(dir_name);
  check_target(dir);
  const SweptInputs in = swept_inputs(r);
  fs::path tmp = dir;
  tmp += ".tmp-" + std::to_string(getpid());
  std::error_code ec;
  fs::remove_all(tmp, ec);
  if (!fs::create_directory(tmp, ec))
    throw std::runtime_error("cannot create '" + tmp.string() + "': " + ec.message());
  std::vector<std::string> files;
  try {
    {  // aggregates.csv
      CsvFile f(tmp / "aggregates.csv");
      std::string& s = f.line();
      s = "point,rep,year";
      for (const auto& n : in.names) s += "," + csv_text(n);
      for (const auto& [n, v] : r.aggregates) s += "," + csv_text(n);
      f.end_line();
      const std::size_t Y = r.years.size(), R = std::size_t(r.reps);
      for (std::size_t p = 0; p < std::size_t(r.points); ++p)
        for (std::size_t k = 0; k < R; ++k)
          for (std::size_t y = 0; y < Y; ++y) {
            s += std::to_string(p) + "," + std::to_string(k) + "," + std::to_string(r.years[y]);
            for (const auto& v : in.values) s += ',', put_number(s, v[p]);
            for (const auto& [n, v] : r.aggregates) s += ',', put_number(s, v[(p * R + k) * Y + y]);
            f.end_line();
          }
      f.close();
      files.push_back("aggregates.csv");
    }
    if (!in.names.empty()) {  // points.csv
      CsvFile f(tmp / "points.csv");
      std::string& s = f.line();
      const auto* ref = r.attribute("sweep_reference");
      s = "point,reference";
      for (const auto& n : in.names) s += "," + csv_text(n);
      f.end_line();
      for (std::size_t p = 0; p < std::size_t(r.points); ++p) {
        s += std::to_string(p) + "," + (ref && *ref == std::to_string(p) ? "1" : "0");
        for (const auto& v : in.values) s += ',', put_number(s, v[p]);
        f.end_line();
      }
      f.close();
      files.push_back("points.csv");
    }
    for (const auto& [name, table] :
         {std::pair<const char*, const model::Table*>{"panel", &r.panel},
          {"decisions", &r.decisions}}) {
      if (table->rows() == 0) continue;
      write_table(*table, tmp / (std::string(name) + ".csv"));
      files.push_back(std::string(name) + ".csv");
    }
    // Replace: an earlier export goes aside, the new one takes its name, the old one goes.
    fs::path old = dir;
    old += ".old-" + std::to_string(getpid());
    const bool had = fs::exists(dir);
    if (had) fs::rename(dir, old);
    fs::rename(tmp, dir);
    if (had) fs::remove_all(old, ec);
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
  return files;
}

}  // namespace smesim::analysis
