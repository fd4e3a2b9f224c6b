// Firm and manager state as a structure of arrays (spec 2.3, 2.4). Index i is a firm's id for
// the whole run: exits clear `alive`, entries append. Per-region values are stored firm-major
// (index i * kRegions + r) so that one firm's regions share a cache line.
#pragma once

#include <cstdint>
#include <vector>

#include "smesim/model/params.hpp"

namespace smesim::model {

enum class Mode : std::uint8_t { none = 0, exporting = 1, fdi = 2 };
enum class ExitCause : std::uint8_t { none = 0, insolvency = 1, succession = 2, decline = 3 };
inline constexpr std::uint8_t kTierHead = 0, kTier1 = 1, kTier2 = 2, kTierIndependent = 3;
inline constexpr int kNoFirm = -1;

struct Firms {
  // Identity and structure.
  std::vector<std::uint8_t> industry, alive, tier, D_parent, exit_cause;
  std::vector<std::int32_t> entry_year, exit_year;
  std::vector<std::int32_t> customer0, customer1;  // keiretsu customers (main, second) or kNoFirm
  std::vector<double> B0, B1;                      // orders from customer0/1 this year (B[c])
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
  std::vector<float> rho, ell, proactivity;
  std::vector<double> experience, age;
  std::vector<std::int8_t> experience_region;  // -1 when none

  // Flags.
  std::vector<std::uint8_t> relocated_mask;  // bit r: relocated to r this year (LEs)
  std::vector<std::uint8_t> first_active;    // became active abroad last year (dI of spec 5.4)
  std::vector<std::uint8_t> ever_international, trained;

  std::size_t size() const { return alive.size(); }
  void resize(std::size_t n);
  std::size_t memory_bytes() const;  // heap bytes held by the state arrays
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
};

}  // namespace smesim::model
