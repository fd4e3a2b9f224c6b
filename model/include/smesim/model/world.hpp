// One simulated economy and its yearly schedule (spec section 3). World::step() reads like the
// schedule: one function per line, each defined in the source file named after its submodel.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "smesim/model/firms.hpp"
#include "smesim/model/keiretsu.hpp"
#include "smesim/model/params.hpp"
#include "smesim/model/random.hpp"
#include "smesim/model/table.hpp"

namespace smesim::model {

// How the model runs a loop over firms. The model has no threads: sim/ passes a parallel
// implementation. Blocks are fixed (grain-sized), so per-block buffers merged in block order give
// the same result for any number of threads.
struct Executor {
  using Body = std::function<void(std::size_t block, std::size_t begin, std::size_t end)>;
  std::function<void(std::size_t n, std::size_t grain, const Body&)> for_blocks;
  static Executor serial();
};

inline constexpr std::size_t kGrain = 2048;  // firms per block of parallel work

inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// An array for random access across the whole population: 2 MiB-aligned and, on Linux, backed by
// transparent huge pages, so that reads at random firms do not also miss the TLB (with 4 KiB
// pages, 20 MB of records need 5 000 TLB entries; hardware prefetches that miss it are dropped).
template <class T>
class HugePageArray {
 public:
  void resize(std::size_t n);  // contents are not kept
  T* data() { return p_.get(); }
  std::size_t size() const { return n_; }
  std::size_t capacity() const { return capacity_; }

 private:
  struct Free {
    void operator()(T* p) const;
  };
  std::unique_ptr<T[], Free> p_;
  std::size_t n_ = 0, capacity_ = 0;
};

enum class Source : std::uint8_t { invitation = 0, referral = 1, search = 2, jetro = 3 };
enum class Outcome : std::uint8_t {
  taken = 0,
  declined = 1,
  finance = 2,
  staff = 3,
  superseded = 4
};

// A candidate move (spec 5.5) and, after step 6, its outcome (spec 5.6).
struct Candidate {
  std::int32_t firm;
  std::int32_t customer;  // inviting customer, or kNoFirm
  Source source;
  Mode mode;
  std::int8_t region;
  Outcome outcome = Outcome::declined;
  bool would_take = false;
  double V = 0.0;
  double F = 0.0;  // F_mr
};

// Counts of one year, summed over blocks.
struct YearCounters {
  std::array<double, 4> opportunities{};  // by Source
  std::array<double, 5> decisions{};      // by Outcome
  double entries = 0, first_moves = 0, first_moves_pulled = 0, relocations = 0;
  std::array<double, 4> exits{};  // by ExitCause
  double group_joins = 0, group_leaves = 0;
  double loans_granted = 0, jetro_enrolled = 0, trained = 0, successions_supported = 0;
  double spend_loans = 0, spend_jetro = 0, spend_training = 0, spend_succession = 0;
  void add(const YearCounters& o);
};

// The economy-wide state of one year (spec 5.1).
struct Environment {
  int year = 0;
  double g_dom = 0, fx = 0, fta = 0;
  std::array<double, kIndustries> D{}, D_eff{}, D_eff_prev{}, import_share{};
  std::array<double, kRegions> M{}, adv{}, tau{};
};

class World {
 public:
  World(const Params& params, StreamKey key, Executor exec = Executor::serial());

  // Runs one year (the next after the last stepped one, starting with params.start_year).
  void step();
  int year() const { return env_.year; }
  bool finished() const { return next_year_ > params_.end_year; }

  const Params& params() const { return params_; }
  const Firms& firms() const { return f_; }
  const Networks& networks() const { return net_; }
  const Environment& environment() const { return env_; }
  const YearCounters& counters() const { return counters_; }
  const std::vector<Candidate>& decisions() const { return decision_log_; }
  // Heap bytes held by everything the world keeps between steps: the firms' state, the networks
  // and the per-step buffers (firms().memory_bytes() is the firms' state alone).
  std::size_t memory_bytes() const;

  // Observation (spec 8): aggregate values of the year just stepped, in aggregate_names() order.
  std::vector<double> aggregates() const;
  static std::vector<std::string> aggregate_names();
  // Appends one row per firm observed this year (alive, or exited this year).
  void append_panel(Table& panel) const;
  void append_decisions(Table& log) const;

  // Wall time spent in each line of step() so far, in step_names() order (seconds, summed over
  // the years stepped): where a run's time goes (the benchmarks report it).
  const std::vector<double>& step_seconds() const { return step_seconds_; }
  static std::vector<std::string> step_names();

  // Submodels, public so tests can drive them one at a time (in schedule order).
  void initialize();             // 5.2 (called by the constructor)
  void begin_year();             // shifts sales histories, clears the year's flags and counts
  void update_environment();     // 5.1
  void update_managers();        // 5.9
  void relocate_large_firms();   // 5.3
  void produce();                // 5.4
  void collect_opportunities();  // 5.5 (and the JETRO and training levers, 5.11)
  void decide();                 // 5.6
  void operate_overseas();       // 5.7
  void learn();                  // 5.8
  void account_and_exit();       // 5.10: accounts, employment, R&D, productivity, exit
  void change_groups();          // 5.10b
  void enter_firms();            // 5.10: entry
  // Drops the slots of exited firms and groups the rest by industry (begin_year() does when the
  // exited are an eighth of the slots). Call it between years. Firms keep their ids and random
  // numbers; positions held anywhere are remapped.
  void compact();

  // Hand-set state for unit tests (kept small on purpose).
  Firms& mutable_firms() { return f_; }
  Environment& mutable_environment() { return env_; }
  Networks& mutable_networks() { return net_; }

  // Pieces of the submodels with closed forms, exposed for unit tests.
  double fixed_cost_of(std::size_t i, Mode m, int r) const;  // F_mr
  // V; `cost_factor` scales F_mr (1 - rate_subsidy for a firm eligible for the policy loan).
  double decision_value(std::size_t i, Mode m, int r, double pull_orders,
                        double cost_factor = 1.0) const;
  bool finance_ok(std::size_t i, double F, bool loan_eligible) const;
  double staff_probability(std::size_t i) const;
  double relocation_hazard(std::size_t i, int r) const;

 private:
  // Firm i's stream for this year: keyed by its id, so compaction does not change its numbers.
  Stream stream(std::size_t i, Purpose p) const {
    return Stream(key_, f_.id[i], static_cast<std::uint32_t>(env_.year - params_.start_year), p);
  }
  bool eligible_for_loan(std::size_t i) const;
  std::int32_t customer_id(std::int32_t c) const;  // for output (observation.cpp)
  template <class Slot>
  void by_id(std::vector<std::uint32_t>& rows, Slot slot) const;  // (observation.cpp)
  void update_import_shares();
  void count_purchases();
  double inputs_abroad(std::size_t c) const;
  void set_overseas_flows(std::size_t i);
  void relocate(std::size_t i, int r, double share, Stream& s, YearCounters& c);
  void exit_firm(std::size_t i, ExitCause cause, YearCounters& c);
  void learn_firm(std::size_t i, const std::uint16_t* neighbour_view);
  double account_firm(std::size_t i, Stream& s, YearCounters& c);
  void change_group(std::size_t i, Stream& s, YearCounters& c);
  void account(bool groups);  // account_and_exit(), and change_groups() in the same pass
  void account_and_change_groups() { account(true); }
  // Runs body(lo, hi, counters) over the blocks of firm slots, possibly in parallel, each block
  // with its own counters; adds them to the year's in block order.
  template <class Body>
  void for_blocks_counted(Body&& body) {
    const std::size_t blocks = (n() + kGrain - 1) / kGrain;
    std::vector<YearCounters> counts(blocks);
    exec_.for_blocks(n(), kGrain, [&](std::size_t b, std::size_t lo, std::size_t hi) {
      body(lo, hi, counts[b]);
    });
    for (const auto& c : counts) counters_.add(c);
  }
  // Runs body(i, counters) for every alive firm, blocks possibly in parallel; adds the counts.
  template <class Body>
  void for_alive_firms(Body&& body) {
    for_blocks_counted([&](std::size_t lo, std::size_t hi, YearCounters& c) {
      for (std::size_t i = lo; i < hi; ++i)
        if (f_.alive[i]) body(i, c);
    });
  }
  // Runs body(i, streams) for the firms slots[0..m), with their streams of `purposes` for this
  // year (streams[p] for purposes[p]). The streams' first blocks are computed a chunk of firms
  // at a time (Stream::first_blocks): the same numbers as stream(i, purpose), without waiting on
  // each firm's Philox block in turn.
  template <std::size_t P, class Body>
  void streams_for(const std::uint32_t* slots, std::size_t m,
                   const std::array<Purpose, P>& purposes, Body&& body) {
    constexpr std::size_t kChunk = 64;
    std::array<std::uint32_t, kChunk> id;
    std::array<std::array<Stream::Block, kChunk>, P> first;
    const auto year = static_cast<std::uint32_t>(env_.year - params_.start_year);
    for (std::size_t k0 = 0; k0 < m; k0 += kChunk) {
      const std::size_t c = std::min(kChunk, m - k0);
      for (std::size_t k = 0; k < c; ++k) id[k] = f_.id[slots[k0 + k]];
      for (std::size_t p = 0; p < P; ++p)
        Stream::first_blocks(key_, id.data(), c, year, purposes[p], first[p].data());
      for (std::size_t k = 0; k < c; ++k) {
        std::array<Stream, P> s;
        for (std::size_t p = 0; p < P; ++p)
          s[p] = Stream(key_, id[k], year, purposes[p], first[p][k]);
        body(std::size_t(slots[k0 + k]), s);
      }
    }
  }
  // The same for the alive firms in [lo, hi).
  template <std::size_t P, class Body>
  void streams_for(std::size_t lo, std::size_t hi, const std::array<Purpose, P>& purposes,
                   Body&& body) {
    std::array<std::uint32_t, 256> slots;
    for (std::size_t i = lo; i < hi;) {
      std::size_t m = 0;
      for (; i < hi && m < slots.size(); ++i)
        if (f_.alive[i]) slots[m++] = std::uint32_t(i);
      streams_for(slots.data(), m, purposes, body);
    }
  }
  // The alive firms grouped by key(i) in [0, groups), each group in slot order: per-block lists
  // joined in block order (the same for any number of threads).
  template <class Key>
  std::vector<std::vector<std::uint32_t>> alive_by(std::size_t groups, Key key) {
    const std::size_t blocks = (n() + kGrain - 1) / kGrain;
    std::vector<std::vector<std::vector<std::uint32_t>>> parts(
        blocks, std::vector<std::vector<std::uint32_t>>(groups));
    exec_.for_blocks(n(), kGrain, [&](std::size_t b, std::size_t lo, std::size_t hi) {
      for (std::size_t i = lo; i < hi; ++i)
        if (f_.alive[i]) parts[b][std::size_t(key(i))].push_back(std::uint32_t(i));
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
  // The alive firms, industry by industry, each industry in slot order.
  std::vector<std::uint32_t> alive_by_industry();
  // for_alive_firms() with each firm's stream of `purpose`: body(i, stream, counters).
  template <class Body>
  void for_alive_firms(Purpose purpose, Body&& body) {
    for_blocks_counted([&](std::size_t lo, std::size_t hi, YearCounters& c) {
      streams_for(lo, hi, std::array{purpose},
                  [&](std::size_t i, std::array<Stream, 1>& s) { body(i, s[0], c); });
    });
  }
  // Firm order[k] moves to slot k (Firms::select, in parallel); positions held elsewhere are the
  // caller's to remap.
  void select_firms(const std::vector<std::uint32_t>& order);
  void start_move(std::size_t i, const Candidate& c, double F_effective);
  void add_firm(std::size_t i, bool entrant);
  void draw_manager(std::size_t i, Stream& s, double age_min, double age_max);
  std::size_t n() const { return f_.size(); }

  Params params_;
  StreamKey key_;
  Executor exec_;
  Firms f_;
  Networks net_;
  Environment env_;
  YearCounters counters_;
  std::vector<std::vector<std::uint32_t>> tiers_;  // alive firms by tier, production order
  std::vector<std::vector<Candidate>> block_candidates_;
  std::vector<Candidate> decision_log_;
  HugePageArray<std::uint16_t> neighbour_view_;  // learn(): what neighbours see (learning.cpp)
  std::vector<std::uint8_t> active_mask_;        // markets each firm is active in, for referrals
  // Closed forms the yearly step evaluates for every firm, tabulated once (the same values as
  // computing them each time): retirement probability by (integer) manager age, and the
  // probability of no referral from k sources.
  std::array<double, 128> retirement_by_age_{};
  std::array<double, 64> no_referral_{};
  double retirement_probability(double age) const {
    const auto& M = params_.managers;
    if (age >= 0.0 && age < double(retirement_by_age_.size()) && age == std::floor(age))
      return retirement_by_age_[std::size_t(age)];
    return sigmoid((age - M.retirement_age) / M.retirement_scale);
  }
  double mean_log_rd_ = 0.0;
  int next_year_ = 0;
  std::vector<double> step_seconds_ = std::vector<double>(step_names().size());
};

}  // namespace smesim::model
