#include "smesim/model/firms.hpp"

#include <algorithm>
#include <type_traits>

namespace smesim::model {

// Every array of the struct is in arrays() (all are std::vectors, of the same size whatever their
// element type; next_id, padded to 8 bytes, is the one other member).
static_assert(sizeof(Firms) ==
                  Firms::array_count() * sizeof(std::vector<double>) + sizeof(std::uint64_t),
              "a Firms array is missing from Firms::arrays()");

void Firms::resize(std::size_t n) {
  const std::size_t old = size();
  for_each_array([n](const char*, auto& v, auto value, bool regional) {
    using T = typename std::remove_reference_t<decltype(v)>::value_type;
    const std::size_t count = regional ? n * kRegions : n;
    // Entry appends a few percent a year: enter_firms() reserves room for years of entry at once,
    // and beyond that the capacity grows by 1/16 rather than doubling.
    if (count > v.capacity()) v.reserve(v.empty() ? count : count + count / 16);
    v.resize(count, T(value));
  });
  for (std::size_t i = old; i < n; ++i) id[i] = next_id++;
}

void Firms::reserve(std::size_t n) {
  for_each_array(
      [n](const char*, auto& v, auto, bool regional) { v.reserve(regional ? n * kRegions : n); });
}

void Firms::select(const std::vector<std::uint32_t>& order, std::vector<unsigned char>& scratch,
                   const Blocks& blocks) {
  for_each_array([&](const char*, auto& v, auto, bool regional) {
    using T = typename std::remove_reference_t<decltype(v)>::value_type;
    // Gathered from a copy into the array's own memory: no fresh pages, and the capacity
    // reserved for entry stays.
    const std::size_t width = regional ? kRegions : 1;
    scratch.resize(std::max(scratch.size(), v.size() * sizeof(T)));
    T* copy = reinterpret_cast<T*>(scratch.data());
    std::copy(v.begin(), v.end(), copy);
    blocks(order.size(), [&](std::size_t lo, std::size_t hi) {
      for (std::size_t k = lo; k < hi; ++k)
        for (std::size_t r = 0; r < width; ++r) v[k * width + r] = copy[order[k] * width + r];
    });
    v.resize(order.size() * width);
  });
}

std::size_t Firms::memory_bytes() const {
  std::size_t b = 0;
  for_each_array(
      [&b](const char*, const auto& v, auto, bool) { b += v.capacity() * sizeof(v[0]); });
  return b;
}

}  // namespace smesim::model
