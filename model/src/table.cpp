#include "smesim/model/table.hpp"

#include <stdexcept>

namespace smesim::model {

namespace {

template <class Columns>
bool same_names(const Columns& a, const Columns& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].first != b[i].first) return false;
  return true;
}

template <class Columns>
void append_columns(Columns& to, const Columns& from) {
  for (std::size_t i = 0; i < to.size(); ++i)
    to[i].second.insert(to[i].second.end(), from[i].second.begin(), from[i].second.end());
}

}  // namespace

void Table::append(const Table& other) {
  if (&other == this) {  // appending to itself: copy first (insert from its own range is UB)
    const Table copy = other;
    return append(copy);
  }
  if (other.ints.empty() && other.reals.empty()) return;  // nothing to append
  if (ints.empty() && reals.empty()) {
    *this = other;
    return;
  }
  if (!same_names(ints, other.ints) || !same_names(reals, other.reals))
    throw std::invalid_argument("Table::append: the tables have different columns");
  append_columns(ints, other.ints);
  append_columns(reals, other.reals);
}

}  // namespace smesim::model
