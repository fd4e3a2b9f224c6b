// Firm and manager state as a structure of arrays (spec 2.3, 2.4). Exits clear `alive`, entries
// append, and from time to time the world drops the slots of firms that exited in earlier years
// (compact()), so index i is a firm's position, and `id[i]` its number for the whole run (the
// panel's firm id, and the key of its random streams). Per-region values are stored firm-major
// (index i * kRegions + r) so that one firm's regions share a cache line.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "smesim/model/params.hpp"

namespace smesim::model {

enum class Mode : std::uint8_t { none = 0, exporting = 1, fdi = 2 };
enum class ExitCause : std::uint8_t { none = 0, insolvency = 1, succession = 2, decline = 3 };
inline constexpr std::uint8_t kTierHead = 0, kTier1 = 1, kTier2 = 2, kTierIndependent = 3;
inline constexpr int kNoFirm = -1;

struct Firms {
  // Identity and structure.
  std::vector<std::uint32_t> id;  // the firm's number for the whole run (new firms: next_id)
  std::vector<std::uint8_t> industry, alive, tier, D_parent, exit_cause;
  std::vector<std::int16_t> entry_year, exit_year;  // calendar years (exit: -1 while in business)
  std::vector<std::int32_t> customer0, customer1;   // keiretsu customers (main, second) or kNoFirm
  std::vector<double> B0, B1;                       // orders from customer0/1 this year (B[c])
  std::vector<double> purchases;          // P_c: purchases from keiretsu suppliers, last year
  std::vector<std::int32_t> n_suppliers;  // alive keiretsu suppliers (psi = 0 when none)

  // Production and accounts.
  std::vector<double> L, a, a_start, da, Y, Y1, Y2, Y3, Y_entry, Ymkt, RD, W, K_dom;
  std::vector<double> Y_keiretsu, Y_parts, Y_back, Y_exports;  // components of this year's Y
  std::vector<double> relocation_cut;  // product of (1 - moved share) over this year's relocations
  std::vector<double> overseas_size;   // 1 + sum So + sum X after last year's overseas step
  // v2: the brand (log weight in the industry's market, 5.4), employment at entry (5.10), and
  // years below the decline threshold (0, 1, 2).
  std::vector<double> z, L_entry;
  std::vector<std::uint8_t> years_small;

  // Per region (i * kRegions + r).
  // Shares in [0, 1] (import-back and Japanese-input shares, information) and the manager traits
  // below are stored in single precision: 7 significant digits are far finer than anything the
  // model resolves, and the state then fits in 512 bytes per firm (docs/performance.md).
  std::vector<double> X, So, K_abroad;
  // v2 5.3-5.7: offshored share of the firm's brand by region (So = SoJ + SoH, SoJ = o s D_k),
  // affiliate sales to the host and third markets, the share of last year's Y that an LE moved
  // abroad this year (its suppliers' dB = B * moved), and a supplier's moved orders this year.
  std::vector<double> o, SoH, moved, follow;
  std::vector<float> saj, suj, info;
  std::vector<std::uint16_t> ties;
  std::vector<std::uint8_t> years_in, mode;

  // Manager (spec 2.4).
  // Experience (years abroad, halved for a family successor) and age (whole years) are exact in
  // single precision.
  std::vector<float> rho, ell, proactivity, experience, age;
  std::vector<std::int8_t> experience_region;  // -1 when none

  // Flags.
  std::vector<std::uint8_t> relocated_mask;  // bit r: relocated to r this year (LEs)
  std::vector<std::uint8_t> first_active;    // became active abroad last year (dI of spec 5.4)
  std::vector<std::uint8_t> ever_international, trained;

  std::uint32_t next_id = 0;  // the id the next new firm gets (ids are never reused)

  std::size_t size() const { return alive.size(); }
  void resize(std::size_t n);   // new firms get default values and the next ids
  void reserve(std::size_t n);  // room for n firms, so that growing to n does not reallocate
  // Keeps the firms order[0], order[1], ... in that order (firm order[k] moves to position k;
  // the others are dropped). Ids and capacity are kept; indices held elsewhere (customers,
  // networks) are the caller's to remap. `scratch` holds a copy of one array at a time;
  // `blocks(m, body)` calls body(lo, hi) over [0, m), possibly in parallel.
  using Blocks =
      std::function<void(std::size_t m, const std::function<void(std::size_t, std::size_t)>& body)>;
  void select(const std::vector<std::uint32_t>& order, std::vector<unsigned char>& scratch,
              const Blocks& blocks);
  std::size_t capacity() const { return alive.capacity(); }
  std::size_t memory_bytes() const;  // heap bytes held by the state arrays
  // Calls f(name, array, value of a new firm, per_region) for every state array (arrays()).
  template <class F>
  void for_each_array(F&& f) {
    arrays(*this, f);
  }
  template <class F>
  void for_each_array(F&& f) const {
    arrays(*this, f);
  }
  bool is_le(std::size_t i, const Params& p) const { return L[i] > p.firms.le_threshold; }
  bool active_in(std::size_t i, int r) const { return mode[i * kRegions + r] != 0; }
  // True when firm i exports to or produces in some region. A firm that is in no market has
  // zero exports, affiliate sales and foreign capital (every exit from a market zeroes them), so
  // per-region loops over such a firm can be skipped: it costs 6 bytes instead of ~240.
  bool abroad(std::size_t i) const {
    std::uint64_t m = 0;
    for (int r = 0; r < kRegions; ++r) m |= mode[i * kRegions + r];
    return m != 0;
  }
  bool any_mode(std::size_t i, Mode m) const {
    for (int r = 0; r < kRegions; ++r)
      if (mode[i * kRegions + r] == std::uint8_t(m)) return true;
    return false;
  }

  // The one list of the state arrays: f(name, array, value of a new firm, per_region). resize,
  // reserve, select, memory_bytes and the checked build use it; a static_assert in firms.cpp
  // makes sure no array of the struct is missing from it.
  template <class Self, class F>
  static constexpr void arrays(Self& s, F& f) {
    f("id", s.id, 0u, false);
    f("industry", s.industry, 0, false);
    f("alive", s.alive, 0, false);
    f("tier", s.tier, 0, false);
    f("D_parent", s.D_parent, 0, false);
    f("exit_cause", s.exit_cause, 0, false);
    f("relocated_mask", s.relocated_mask, 0, false);
    f("first_active", s.first_active, 0, false);
    f("ever_international", s.ever_international, 0, false);
    f("trained", s.trained, 0, false);
    f("entry_year", s.entry_year, std::int16_t(0), false);
    f("n_suppliers", s.n_suppliers, 0, false);
    f("exit_year", s.exit_year, std::int16_t(-1), false);
    f("customer0", s.customer0, kNoFirm, false);
    f("customer1", s.customer1, kNoFirm, false);
    f("B0", s.B0, 0.0, false);
    f("B1", s.B1, 0.0, false);
    f("purchases", s.purchases, 0.0, false);
    f("L", s.L, 0.0, false);
    f("a", s.a, 0.0, false);
    f("a_start", s.a_start, 0.0, false);
    f("da", s.da, 0.0, false);
    f("Y", s.Y, 0.0, false);
    f("Y1", s.Y1, 0.0, false);
    f("Y2", s.Y2, 0.0, false);
    f("Y3", s.Y3, 0.0, false);
    f("Y_entry", s.Y_entry, 0.0, false);
    f("Ymkt", s.Ymkt, 0.0, false);
    f("RD", s.RD, 0.0, false);
    f("W", s.W, 0.0, false);
    f("K_dom", s.K_dom, 0.0, false);
    f("Y_keiretsu", s.Y_keiretsu, 0.0, false);
    f("Y_parts", s.Y_parts, 0.0, false);
    f("Y_back", s.Y_back, 0.0, false);
    f("Y_exports", s.Y_exports, 0.0, false);
    f("overseas_size", s.overseas_size, 0.0, false);
    f("rho", s.rho, 0.0f, false);
    f("ell", s.ell, 0.0f, false);
    f("proactivity", s.proactivity, 0.0f, false);
    f("experience", s.experience, 0.0f, false);
    f("age", s.age, 0.0f, false);
    f("relocation_cut", s.relocation_cut, 1.0, false);
    f("z", s.z, 0.0, false);
    f("L_entry", s.L_entry, 0.0, false);
    f("years_small", s.years_small, 0, false);
    f("experience_region", s.experience_region, -1, false);
    f("X", s.X, 0.0, true);
    f("So", s.So, 0.0, true);
    f("K_abroad", s.K_abroad, 0.0, true);
    f("o", s.o, 0.0, true);
    f("SoH", s.SoH, 0.0, true);
    f("moved", s.moved, 0.0, true);
    f("follow", s.follow, 0.0, true);
    f("saj", s.saj, 0.0f, true);
    f("suj", s.suj, 0.0f, true);
    f("info", s.info, 0.0f, true);
    f("ties", s.ties, 0, true);
    f("years_in", s.years_in, 0, true);
    f("mode", s.mode, 0, true);
  }
  static constexpr std::size_t array_count() {
    Firms s;
    std::size_t n = 0;
    auto count = [&](const char*, auto&, auto, bool) { ++n; };
    arrays(s, count);
    return n;
  }
};

}  // namespace smesim::model
