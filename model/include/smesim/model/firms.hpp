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

  // Per region (i * kRegions + r).
  // Shares in [0, 1] (import-back and Japanese-input shares, information) and the manager traits
  // below are stored in single precision: 7 significant digits are far finer than anything the
  // model resolves, and the state then fits in 512 bytes per firm (docs/performance.md).
  std::vector<double> X, So, K_abroad;
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
  // Calls f(array, value of a new firm, per_region) for every state array.
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

 private:
  template <class Self, class F>
  static void arrays(Self& s, F& f) {
    f(s.id, 0u, false);
    for (auto* v : {&s.industry, &s.alive, &s.tier, &s.D_parent, &s.exit_cause, &s.relocated_mask,
                    &s.first_active, &s.ever_international, &s.trained})
      f(*v, 0, false);
    f(s.entry_year, std::int16_t(0), false);
    f(s.n_suppliers, 0, false);
    f(s.exit_year, std::int16_t(-1), false);
    for (auto* v : {&s.customer0, &s.customer1}) f(*v, kNoFirm, false);
    for (auto* v :
         {&s.B0, &s.B1,    &s.purchases,  &s.L,       &s.a,       &s.a_start,   &s.da,
          &s.Y,  &s.Y1,    &s.Y2,         &s.Y3,      &s.Y_entry, &s.Ymkt,      &s.RD,
          &s.W,  &s.K_dom, &s.Y_keiretsu, &s.Y_parts, &s.Y_back,  &s.Y_exports, &s.overseas_size})
      f(*v, 0.0, false);
    for (auto* v : {&s.rho, &s.ell, &s.proactivity, &s.experience, &s.age}) f(*v, 0.0f, false);
    f(s.relocation_cut, 1.0, false);
    f(s.experience_region, -1, false);
    for (auto* v : {&s.X, &s.So, &s.K_abroad}) f(*v, 0.0, true);
    for (auto* v : {&s.saj, &s.suj, &s.info}) f(*v, 0.0f, true);
    f(s.ties, 0, true);
    f(s.years_in, 0, true);
    f(s.mode, 0, true);
  }
};

}  // namespace smesim::model
