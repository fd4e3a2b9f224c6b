// How the model loops over firms: fixed blocks of firm slots, run by an Executor that sim/ makes
// parallel. The model has no threads of its own. Blocks are fixed (kGrain firms), and every
// per-block result (counters, lists, sums) is merged in block order, so a result does not depend
// on the number of threads (docs/model.md section 8.2).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <vector>

#include "smesim/model/random.hpp"

namespace smesim::model {

// How the model runs a loop over firms. The model has no threads: sim/ passes a parallel
// implementation. Blocks are fixed (grain-sized), so per-block buffers merged in block order give
// the same result for any number of threads.
struct Executor {
  using Body = std::function<void(std::size_t block, std::size_t begin, std::size_t end)>;
  std::function<void(std::size_t n, std::size_t grain, const Body&)> for_blocks;
  static Executor serial() {
    return {[](std::size_t n, std::size_t grain, const Body& body) {
      for (std::size_t b = 0, begin = 0; begin < n; ++b, begin += grain)
        body(b, begin, std::min(n, begin + grain));
    }};
  }
};

inline constexpr std::size_t kGrain = 2048;  // firms per block of parallel work

namespace detail {

inline std::size_t blocks_of(std::size_t n) { return (n + kGrain - 1) / kGrain; }

// Runs body(lo, hi) over the blocks of [0, n), possibly in parallel.
template <class Body>
void for_ranges(const Executor& exec, std::size_t n, Body&& body) {
  exec.for_blocks(n, kGrain, [&](std::size_t, std::size_t lo, std::size_t hi) { body(lo, hi); });
}

// Runs body(lo, hi, counters) over the blocks of [0, n), possibly in parallel, each block with its
// own Counters; adds them to `total` (Counters::add) in block order.
template <class Counters, class Body>
void for_blocks_counted(const Executor& exec, std::size_t n, Counters& total, Body&& body) {
  std::vector<Counters> counts(blocks_of(n));
  exec.for_blocks(n, kGrain,
                  [&](std::size_t b, std::size_t lo, std::size_t hi) { body(lo, hi, counts[b]); });
  for (const auto& c : counts) total.add(c);
}

// Runs body(i, counters) for every slot i with alive[i], blocks possibly in parallel; adds the
// counts to `total`.
template <class Counters, class Body>
void for_alive_firms(const Executor& exec, const std::vector<std::uint8_t>& alive, Counters& total,
                     Body&& body) {
  for_blocks_counted(exec, alive.size(), total, [&](std::size_t lo, std::size_t hi, Counters& c) {
    for (std::size_t i = lo; i < hi; ++i)
      if (alive[i]) body(i, c);
  });
}

// The random streams of a year: key and year offset (calendar year - start year).
struct StreamYear {
  StreamKey key;
  std::uint32_t offset = 0;
};

// Runs body(slot, streams) for the firm slots[0..m), with their streams of `purposes` for the
// year (streams[p] for purposes[p]; subject: the firm's id). The streams' first blocks are
// computed a chunk of firms at a time (Stream::first_blocks): the same numbers as constructing
// each stream, without waiting on each firm's Philox block in turn.
template <std::size_t P, class Body>
void streams_for(const StreamYear& y, const std::vector<std::uint32_t>& ids,
                 const std::uint32_t* slots, std::size_t m, const std::array<Purpose, P>& purposes,
                 Body&& body) {
  constexpr std::size_t kChunk = 64;
  std::array<std::uint32_t, kChunk> id;
  std::array<std::array<Stream::Block, kChunk>, P> first;
  for (std::size_t k0 = 0; k0 < m; k0 += kChunk) {
    const std::size_t c = std::min(kChunk, m - k0);
    for (std::size_t k = 0; k < c; ++k) id[k] = ids[slots[k0 + k]];
    for (std::size_t p = 0; p < P; ++p)
      Stream::first_blocks(y.key, id.data(), c, y.offset, purposes[p], first[p].data());
    for (std::size_t k = 0; k < c; ++k) {
      std::array<Stream, P> s;
      for (std::size_t p = 0; p < P; ++p)
        s[p] = Stream(y.key, id[k], y.offset, purposes[p], first[p][k]);
      body(std::size_t(slots[k0 + k]), s);
    }
  }
}

// The same for the slots i in [lo, hi) with alive[i].
template <std::size_t P, class Body>
void streams_for(const StreamYear& y, const std::vector<std::uint32_t>& ids,
                 const std::vector<std::uint8_t>& alive, std::size_t lo, std::size_t hi,
                 const std::array<Purpose, P>& purposes, Body&& body) {
  std::array<std::uint32_t, 256> slots;
  for (std::size_t i = lo; i < hi;) {
    std::size_t m = 0;
    for (; i < hi && m < slots.size(); ++i)
      if (alive[i]) slots[m++] = std::uint32_t(i);
    streams_for(y, ids, slots.data(), m, purposes, body);
  }
}

// for_alive_firms() with each firm's stream of `purpose`: body(i, stream, counters).
template <class Counters, class Body>
void for_alive_firms(const Executor& exec, const StreamYear& y,
                     const std::vector<std::uint32_t>& ids, const std::vector<std::uint8_t>& alive,
                     Purpose purpose, Counters& total, Body&& body) {
  for_blocks_counted(exec, alive.size(), total, [&](std::size_t lo, std::size_t hi, Counters& c) {
    streams_for(y, ids, alive, lo, hi, std::array{purpose},
                [&](std::size_t i, std::array<Stream, 1>& s) { body(i, s[0], c); });
  });
}

// The slots with alive[i] grouped by key(i) in [0, groups), each group in slot order: per-block
// lists joined in block order (the same for any number of threads).
template <class Key>
std::vector<std::vector<std::uint32_t>> alive_by(const Executor& exec,
                                                 const std::vector<std::uint8_t>& alive,
                                                 std::size_t groups, Key key) {
  const std::size_t n = alive.size();
  std::vector<std::vector<std::vector<std::uint32_t>>> parts(
      blocks_of(n), std::vector<std::vector<std::uint32_t>>(groups));
  exec.for_blocks(n, kGrain, [&](std::size_t b, std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i)
      if (alive[i]) parts[b][std::size_t(key(i))].push_back(std::uint32_t(i));
  });
  std::vector<std::vector<std::uint32_t>> out(groups);
  for (std::size_t g = 0; g < groups; ++g) {
    std::size_t m = 0;
    for (const auto& part : parts) m += part[g].size();
    out[g].reserve(m);
    for (const auto& part : parts) out[g].insert(out[g].end(), part[g].begin(), part[g].end());
  }
  return out;
}

// The same groups joined into one list, group by group.
template <class Key>
std::vector<std::uint32_t> alive_in_groups(const Executor& exec,
                                           const std::vector<std::uint8_t>& alive,
                                           std::size_t groups, Key key) {
  std::vector<std::uint32_t> order;
  order.reserve(alive.size());
  for (const auto& g : alive_by(exec, alive, groups, key))
    order.insert(order.end(), g.begin(), g.end());
  return order;
}

}  // namespace detail
}  // namespace smesim::model
