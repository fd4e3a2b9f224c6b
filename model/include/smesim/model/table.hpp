// A columnar table (one vector per column), the shape of the panel and the decision log.
// Plain data: the model fills it, sim/ writes it to HDF5 as one 1-D dataset per column.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace smesim::model {

struct Table {
  std::vector<std::pair<std::string, std::vector<std::int32_t>>> ints;
  std::vector<std::pair<std::string, std::vector<double>>> reals;

  std::vector<std::int32_t>& int_column(const std::string& name) {
    for (auto& [n, c] : ints)
      if (n == name) return c;
    return ints.emplace_back(name, std::vector<std::int32_t>{}).second;
  }
  std::vector<double>& real_column(const std::string& name) {
    for (auto& [n, c] : reals)
      if (n == name) return c;
    return reals.emplace_back(name, std::vector<double>{}).second;
  }
  std::size_t rows() const {
    if (!ints.empty()) return ints.front().second.size();
    if (!reals.empty()) return reals.front().second.size();
    return 0;
  }
  // Appends all rows of `other` (same columns in the same order).
  void append(const Table& other);
};

}  // namespace smesim::model
