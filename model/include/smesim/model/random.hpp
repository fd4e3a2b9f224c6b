// Counter-based random streams (spec section 7). Every draw is a pure function of
// (seed, point, replication, year, firm, purpose, draw index): Philox4x32-10 (Random123) keyed by
// the seed, with everything else in the counter. A stream is created where it is needed, costs
// nothing to construct, and no two (firm, year, purpose) triples share numbers, so results cannot
// depend on the order in which firms are visited or on the number of threads.
#pragma once

#include <Random123/philox.h>

#include <Random123/uniform.hpp>
#include <boost/random/normal_distribution.hpp>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <string_view>

namespace smesim::model {

// What a stream is used for. Each event has its own purpose, so a parameter change that adds or
// removes draws in one submodel leaves every other submodel's numbers where they were
// (spec 9: smooth objective, common random numbers). The enumerators below are frozen (their
// numbers are in every result); a new event takes a purpose by name, purpose("vouchers").
enum class Purpose : std::uint32_t {
  init_industry = 1,
  init_size,
  init_productivity,
  init_rd,
  init_manager,
  init_international,
  init_keiretsu,
  init_peers,
  init_parent,
  environment,
  retirement,
  successor,
  relocation,
  shock,
  production,
  invitation,
  referral,
  search,
  jetro,
  training,
  decision,
  staff,
  loan_priority,
  overseas,
  learning,
  accounting,
  groups,
  entry,
  entry_attach,
  entry_peers,
  init_tier2,
  init_shares,
  init_second,
  affiliate,
  brand,            // v2 5.4: persistent brand shock
  sales_shock,      // v2 5.4: transitory sales shock
  entry_count,      // v2 5.10: entrants of (year, industry)
  entrant,          // v2 5.10: the k-th entrant of (year, industry)
  rationalise,      // v2 5.10b: acquirer of a joining firm
  tie_decay,        // v2 5.10b: end of a keiretsu tie
  survey_frame,     // a firm's response propensity and link (year offset 0, by id)
  survey_response,  // a firm's response in a year
};

// The names of the enumerators above, in order (purpose(name) of one is the enumerator).
inline constexpr std::string_view kPurposeNames[] = {
    "init_industry", "init_size",     "init_productivity",
    "init_rd",       "init_manager",  "init_international",
    "init_keiretsu", "init_peers",    "init_parent",
    "environment",   "retirement",    "successor",
    "relocation",    "shock",         "production",
    "invitation",    "referral",      "search",
    "jetro",         "training",      "decision",
    "staff",         "loan_priority", "overseas",
    "learning",      "accounting",    "groups",
    "entry",         "entry_attach",  "entry_peers",
    "init_tier2",    "init_shares",   "init_second",
    "affiliate",     "brand",         "sales_shock",
    "entry_count",   "entrant",       "rationalise",
    "tie_decay",     "survey_frame",  "survey_response"};
static_assert(std::size(kPurposeNames) == std::size_t(Purpose::survey_response));

// The purpose of a stream, keyed by name. An enumerator's name gives the enumerator, so its
// numbers never move; any other name gives a stable 18-bit number from its FNV-1a hash, at 64 or
// above (above every enumerator), which the stream keeps in bits 6-17 beside its 6-bit purpose
// field (Stream below). Two different new names collide with probability about 2^-18.
constexpr Purpose purpose(std::string_view name) {
  for (std::size_t k = 0; k < std::size(kPurposeNames); ++k)
    if (kPurposeNames[k] == name) return Purpose(k + 1);
  std::uint32_t h = 2166136261u;  // FNV-1a, 32 bits
  for (char ch : name) h = (h ^ std::uint8_t(ch)) * 16777619u;
  constexpr std::uint32_t kNamed = (1u << 18) - 64;  // values 64 .. 2^18 - 1
  return Purpose(64 + h % kNamed);
}

// Identifies one run: the seed and the (point, replication) unit of a sweep.
struct StreamKey {
  std::uint64_t seed = 0;
  std::uint32_t point = 0;
  std::uint32_t replication = 0;
};

class Stream {
 public:
  using result_type = std::uint32_t;
  using Block = r123::Philox4x32::ctr_type;  // four numbers
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }

  // `subject` is a firm index (or another entity index); `year_offset` counts from the start year
  // (initialization uses offset 0 with init_* purposes). A purpose's bits 6-17 (zero for every
  // enumerator) go to the top 12 bits of the replication word: replications stay below 2^20.
  Stream(const StreamKey& key, std::uint32_t subject, std::uint32_t year_offset, Purpose purpose)
      : key_{{static_cast<std::uint32_t>(key.seed), static_cast<std::uint32_t>(key.seed >> 32)}},
        ctr_{{subject, key.replication | (std::uint32_t(purpose) >> 6 & 0xFFFu) << 20, key.point,
              (year_offset & 0xFFu) << 24 | (std::uint32_t(purpose) & 0x3Fu) << 18}} {}

  Stream() = default;  // (to be assigned)
  // The same stream with its first block already computed (by first_blocks()).
  Stream(const StreamKey& key, std::uint32_t subject, std::uint32_t year_offset, Purpose purpose,
         const Block& first)
      : Stream(key, subject, year_offset, purpose) {
    block_ = first;
    ++ctr_.v[3];
    used_ = 0;
  }
  // The first blocks of the streams (key, subjects[k], year_offset, purpose) for k < n: the
  // numbers each stream's first draw computes, here for many streams in one loop, which the
  // processor overlaps (and vectorises where it can) instead of waiting on one block at a time.
  static void first_blocks(const StreamKey& key, const std::uint32_t* subjects, std::size_t n,
                           std::uint32_t year_offset, Purpose purpose, Block* out);

  // Uniform integer in [0, 2^32): the URNG interface, so Boost.Random distributions can use it.
  result_type operator()() {
    if (used_ == 4) refill();
    return block_[used_++];
  }
  // Uniform in (0, 1]: never 0, so log(u) is finite.
  double uniform() {
    const std::uint64_t hi = (*this)(), lo = (*this)();
    return r123::u01<double>((hi << 32) | lo);
  }
  bool bernoulli(double p) { return p > 0.0 && uniform() <= p; }
  // Standard normal by Boost.Random's ziggurat (portable: the same numbers everywhere; mostly a
  // table lookup, so far cheaper than Box-Muller's log and sincos).
  double normal() { return boost::random::normal_distribution<double>()(*this); }
  // Index in [0, n) with probability proportional to w[i] (n small; w >= 0, sum > 0).
  template <class W>
  int categorical(const W& w, int n) {
    double total = 0;
    for (int i = 0; i < n; ++i) total += w[i];
    double u = uniform() * total;
    for (int i = 0; i < n; ++i) {
      u -= w[i];
      if (u <= 0) return i;
    }
    return n - 1;
  }
  // Positions the stream at block `block` (4 numbers each): a submodel gives each event its own
  // block, so an event's numbers do not depend on which other events drew (and inactive events
  // cost nothing).
  void seek(std::uint32_t block) {
    ctr_.v[3] = (ctr_.v[3] & ~0x3FFFFu) | (block & 0x3FFFFu);
    used_ = 4;
  }
  // Uniform integer in [0, n), n > 0 (Lemire's multiply-shift; bias below 2^-32 * n).
  std::uint32_t below(std::uint32_t n) {
    return static_cast<std::uint32_t>((std::uint64_t((*this)()) * n) >> 32);
  }

 private:
  // Counter word 3: year offset (8 bits) | purpose (6 bits) | block index (18 bits), so one stream
  // holds 2^20 numbers; no submodel draws more than a few hundred from one stream.
  void refill() {
    block_ = r123::Philox4x32{}(ctr_, key_);
    if ((++ctr_.v[3] & 0x3FFFFu) == 0) std::abort();  // exhausted: a programming error
    used_ = 0;
  }
  r123::Philox4x32::key_type key_;
  r123::Philox4x32::ctr_type ctr_;
  r123::Philox4x32::ctr_type block_{};
  int used_ = 4;
};

}  // namespace smesim::model
