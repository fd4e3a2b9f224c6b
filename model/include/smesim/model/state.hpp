// The state a world keeps between steps, as named structs that the submodels take explicitly
// (their signatures say what they read and write), and the year a step runs in.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <vector>

#include "smesim/model/detail/huge_page_array.hpp"
#include "smesim/model/detail/parallel.hpp"
#include "smesim/model/firms.hpp"
#include "smesim/model/keiretsu.hpp"
#include "smesim/model/params.hpp"
#include "smesim/model/random.hpp"

namespace smesim::model {

inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

enum class Source : std::uint8_t { invitation = 0, referral = 1, search = 2, jetro = 3 };
inline constexpr std::size_t kSources = 4;
enum class Outcome : std::uint8_t {
  taken = 0,
  declined = 1,
  finance = 2,
  staff = 3,
  superseded = 4
};
inline constexpr std::size_t kOutcomes = 5;
inline constexpr std::size_t kExitCauses = 4;  // ExitCause, `none` included
static_assert(kSources == std::size_t(Source::jetro) + 1 &&
              kOutcomes == std::size_t(Outcome::superseded) + 1 &&
              kExitCauses == std::size_t(ExitCause::decline) + 1);

// A candidate move (spec 5.5) and, after the decisions, its outcome (spec 5.6).
struct Candidate {
  std::int32_t firm;
  std::int32_t customer;  // inviting customer, or kNoFirm
  Source source;
  Mode mode;
  std::int8_t region;
  Outcome outcome = Outcome::declined;
  bool would_take = false;
  bool pushed = false;  // taken only because of the push term (v2 5.6)
  double V = 0.0;
  double F = 0.0;  // F_mr
};

// Counts and spending of one year, summed over blocks of firms. Every field is declared once in
// fields(), which add() and the checked build use (a static_assert in state.cpp makes sure no
// field is missing from it); the aggregates that report them are declared in observation.cpp,
// or, for the counters of reported(), by that declaration alone.
struct YearCounters {
  std::array<double, kSources> opportunities{};  // candidates by Source
  std::array<double, kOutcomes> decisions{};     // candidates by Outcome
  double entries = 0, first_moves = 0, first_moves_pulled = 0, relocations = 0;
  std::array<double, kExitCauses> exits{};  // by ExitCause
  double group_joins = 0, group_leaves = 0;
  std::array<double, kSources> first_moves_by_source{};  // v2 8
  double first_moves_pushed = 0, ties_ended = 0, rationalised = 0;
  double loans_granted = 0, jetro_enrolled = 0, trained = 0, successions_supported = 0;
  double spend_loans = 0, spend_jetro = 0, spend_training = 0, spend_succession = 0;
#ifdef SMESIM_EXAMPLE_LEVER
  double vouchers_granted = 0, spend_vouchers = 0;  // test-only example (docs/extending.md)
#endif

  // The declaration of every field: f(name, unit, meaning, values, count) (arrays: count
  // elements, indexed by their enum).
  template <class Self, class F>
  static constexpr void fields(Self& c, F&& f) {
    f("opportunities", "candidates", "candidates found, by Source", c.opportunities.data(),
      c.opportunities.size());
    f("decisions", "candidates", "candidates decided, by Outcome", c.decisions.data(),
      c.decisions.size());
    f("entries", "firms", "entrants", &c.entries, 1);
    f("first_moves", "firms", "first moves abroad by decision", &c.first_moves, 1);
    f("first_moves_pulled", "firms", "first moves that followed an invitation",
      &c.first_moves_pulled, 1);
    f("relocations", "events", "LE relocations (hazard and shocks)", &c.relocations, 1);
    f("exits", "firms", "exits, by ExitCause", c.exits.data(), c.exits.size());
    f("first_moves_by_source", "firms", "first moves by decision, by Source",
      c.first_moves_by_source.data(), c.first_moves_by_source.size());
    f("first_moves_pushed", "firms", "first moves taken only because of the push term",
      &c.first_moves_pushed, 1);
    f("ties_ended", "ties", "keiretsu ties that ended (decay)", &c.ties_ended, 1);
    f("rationalised", "firms", "joiners that handed brand share to an acquirer", &c.rationalised,
      1);
    f("group_joins", "firms", "firms that joined a customer's group", &c.group_joins, 1);
    f("group_leaves", "firms", "firms that left their customer's group", &c.group_leaves, 1);
    f("loans_granted", "firms", "policy loans granted", &c.loans_granted, 1);
    f("jetro_enrolled", "firms", "SMEs enrolled by JETRO", &c.jetro_enrolled, 1);
    f("trained", "firms", "SMEs given language training", &c.trained, 1);
    f("successions_supported", "firms", "retiring SME managers under succession support",
      &c.successions_supported, 1);
    f("spend_loans", "million yen", "interest subsidies of the policy loans", &c.spend_loans, 1);
    f("spend_jetro", "million yen", "JETRO programme cost", &c.spend_jetro, 1);
    f("spend_training", "million yen", "language-training cost", &c.spend_training, 1);
    f("spend_succession", "million yen", "succession-support cost", &c.spend_succession, 1);
    reported(c, f);
  }
  // The counters that are also aggregates of the results file, each declared once here:
  // f(name, unit, meaning, value, 1) is a field of fields() (so add() and the checks know it) and
  // the aggregate of that name, unit and meaning, appended after observation.cpp's declared ones
  // in this order. A new lever's counters go here (docs/extending.md); scalars only.
  template <class Self, class F>
  static constexpr void reported([[maybe_unused]] Self& c, [[maybe_unused]] F&& f) {
#ifdef SMESIM_EXAMPLE_LEVER
    f("vouchers_granted", "firms", "SMEs given an export voucher", &c.vouchers_granted, 1);
    f("policy_spend_vouchers", "million yen", "export vouchers", &c.spend_vouchers, 1);
#endif
  }
  // The number of values fields() declares.
  static constexpr std::size_t field_values() {
    YearCounters c;
    std::size_t n = 0;
    fields(c, [&](const char*, const char*, const char*, double*, std::size_t k) { n += k; });
    return n;
  }
  void add(const YearCounters& o);
};

// The economy-wide state of one year (spec 5.1).
struct Environment {
  int year = 0;
  double g_dom = 0, fx = 0, fx_prev = 0, fta = 0;
  // D: the open market for Japanese brands (v2 5.1); D1..D3 its values 1..3 years ago; D0 and w0
  // its 1985 level and industry weights; trend: log growth after the data.
  std::array<double, kIndustries> D{}, D1{}, D2{}, D3{}, D0{}, w0{}, import_share{};
  double demand_shift = 0;  // sum of the g_dom path (and noise after the data) so far
  // Per industry after production: sum of exp(z) of alive firms, mean Y, output per worker and
  // mean productivity, alive count (v2 5.4, 5.10).
  std::array<double, kIndustries> Z{}, mean_Y{}, ybar{}, abar{}, alive{};
  std::array<double, kRegions> M{}, adv{}, tau{}, export_share{}, c{};
  double y = 0;               // output per worker at a = 0 (solved at initialization, v2 2.6)
  double national_scale = 1;  // national enterprises / population
};

// Alive firms by keiretsu tier (heads first), each in slot order: production's order (5.4).
using Tiers = std::vector<std::vector<std::uint32_t>>;

// The year's candidates (5.5), one list per block of firm slots in firm order; and the markets
// each firm is active in (bit r), which its peers' and suppliers' referrals read.
struct Opportunities {
  std::vector<std::vector<Candidate>> by_block;
  std::vector<std::uint8_t> active_mask;
};

// Every candidate of the year with its outcome, in block order (the decision log).
using DecisionLog = std::vector<Candidate>;

// What neighbours see in the learning step (learning.cpp): one 16-byte record per firm.
struct NeighbourRecords {
  detail::HugePageArray<std::uint16_t> view;
};

// Closed forms the yearly step evaluates for every firm, tabulated once (the same values as
// computing them each time): retirement probability by (integer) manager age, and the
// probability of no referral from k sources.
struct ClosedForms {
  std::array<double, 128> retirement_by_age{};
  std::array<double, 64> no_referral{};
  static ClosedForms tabulate(const Params& p);
  double retirement_probability(const ManagerParams& M, double age) const {
    if (age >= 0.0 && age < double(retirement_by_age.size()) && age == std::floor(age))
      return retirement_by_age[std::size_t(age)];
    return sigmoid((age - M.retirement_age) / M.retirement_scale);
  }
  double no_referral_probability(double p_ref, int sources) const {
    return std::size_t(sources) < no_referral.size() ? no_referral[std::size_t(sources)]
                                                     : std::pow(1.0 - p_ref, sources);
  }
};

// Everything a world keeps between steps.
struct State {
  Firms firms;
  Networks networks;
  Environment env;
  YearCounters counters;
  ClosedForms closed_forms;
  Tiers tiers;
  Opportunities opportunities;
  DecisionLog decisions;
  NeighbourRecords neighbours;
  double mean_log_rd = 0.0;  // of alive firms' log(1 + RD) after accounting (innovation, 5.10)
  std::size_t memory_bytes() const;  // heap bytes held
};

// The run and the year a step runs in: how it loops over firms and where its random numbers come
// from. Firm i's stream is keyed by its id, so compaction does not change its numbers.
struct YearContext {
  const Executor& exec;
  StreamKey key;
  int year = 0;              // calendar year
  std::uint32_t offset = 0;  // year - start_year: the streams' year (0 at initialization)

  static YearContext of(const Executor& exec, StreamKey key, const Params& p, int year) {
    return {exec, key, year, std::uint32_t(year - p.start_year)};
  }
  detail::StreamYear streams() const { return {key, offset}; }
  Stream stream(const Firms& f, std::size_t i, Purpose p) const {
    return Stream(key, f.id[i], offset, p);
  }
};

// Firm i leaves in `year` (exit is final; its slot is dropped at the next compaction).
inline void exit_firm(Firms& f, std::size_t i, ExitCause cause, int year, YearCounters& c) {
  f.alive[i] = 0;
  f.exit_cause[i] = std::uint8_t(cause);
  f.exit_year[i] = std::int16_t(year);
  c.exits[std::size_t(cause)] += 1;
}

}  // namespace smesim::model
