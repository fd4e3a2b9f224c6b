// Invariant checks of the checked build (checks.hpp).
#include "smesim/model/checks.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace smesim::model {

namespace {

// Checks of one state after one step; `region` >= 0 names the region of a per-region field.
struct Checker {
  const State& s;
  std::string_view step;

  [[noreturn]] void fail(std::size_t i, std::string_view field, double value,
                         std::string_view problem, int region = -1) const {
    std::ostringstream m;
    m << "checked build: after step '" << step << "': ";
    if (i < s.firms.size()) m << "firm " << s.firms.id[i] << " (slot " << i << "): ";
    m << field;
    if (region >= 0) m << "[" << kRegionNames[std::size_t(region)] << "]";
    m << " = " << value << " " << problem;
    throw std::logic_error(m.str());
  }
  void in_range(std::size_t i, std::string_view field, double v, double lo, double hi,
                int region = -1) const {
    if (v >= lo && v <= hi) return;
    std::ostringstream range;
    range << "is outside [" << lo << ", " << hi << "]";
    fail(i, field, v, range.str(), region);
  }
  void finite(std::size_t i, std::string_view field, double v, int region = -1) const {
    if (!std::isfinite(v)) fail(i, field, v, "is not finite", region);
  }
};

constexpr std::size_t kNoSlot = std::size_t(-1);

void check_firm(const Checker& c, const Params& p, const Firms& f, std::size_t i) {
  const double n = double(f.size());
  c.in_range(i, "industry", f.industry[i], 0, kIndustries - 1);
  c.in_range(i, "tier", f.tier[i], kTierHead, kTierIndependent);
  // Suppliers (tiers 1 and 2) come from the supplier industries (initialization, entry).
  if ((f.tier[i] == kTier1 || f.tier[i] == kTier2) && !p.industries[f.industry[i]].supplier)
    c.fail(i, "tier", f.tier[i], "is a supplier tier in an industry that does not supply");
  c.in_range(i, "customer0", f.customer0[i], kNoFirm, n - 1);
  c.in_range(i, "customer1", f.customer1[i], kNoFirm, n - 1);
  c.in_range(i, "experience_region", f.experience_region[i], -1, kRegions - 1);
  for (int r = 0; r < kRegions; ++r) {
    const std::size_t ir = i * kRegions + r;
    c.in_range(i, "mode", f.mode[ir], 0, 2, r);
    c.in_range(i, "saj", f.saj[ir], 0.0, 1.0, r);
    c.in_range(i, "suj", f.suj[ir], 0.0, 1.0, r);
    c.in_range(i, "info", f.info[ir], 0.0, 1.0, r);
  }
  c.in_range(i, "ell", f.ell[i], 0.0, 1.0);
  c.in_range(i, "rho", f.rho[i], 0.0, 1.0);
  c.in_range(i, "proactivity", f.proactivity[i], 0.0, 1.0);
}

// Every floating-point value of an alive firm (or of an exited one that still holds a slot) is
// finite: a NaN or an infinity written by a step shows at that step.
void check_finite(const Checker& c, const Firms& f) {
  f.for_each_array([&](const char* name, const auto& v, auto, bool regional) {
    using T = typename std::remove_reference_t<decltype(v)>::value_type;
    if constexpr (std::is_floating_point_v<T>) {
      const std::size_t width = regional ? kRegions : 1;
      for (std::size_t k = 0; k < v.size(); ++k)
        c.finite(k / width, name, double(v[k]), regional ? int(k % width) : -1);
    }
  });
}

}  // namespace

void check_invariants(const Params& p, const State& s, std::string_view step) {
  const Checker c{s, step};
  const Firms& f = s.firms;
  check_finite(c, f);
  for (std::size_t i = 0; i < f.size(); ++i) {
    c.in_range(i, "alive", f.alive[i], 0, 1);
    if (f.alive[i]) check_firm(c, p, f, i);
  }
  for (const auto& tier : s.tiers)
    for (std::uint32_t i : tier) c.in_range(kNoSlot, "tiers (slot)", i, 0, double(f.size()) - 1);
  for (const auto& block : s.opportunities.by_block)
    for (const Candidate& k : block) {
      c.in_range(kNoSlot, "candidate firm (slot)", k.firm, 0, double(f.size()) - 1);
      c.in_range(std::size_t(k.firm), "candidate region", k.region, 0, kRegions - 1);
    }
  for (double v : s.env.D) c.finite(kNoSlot, "environment D", v);
  for (double v : s.env.D1) c.finite(kNoSlot, "environment D1", v);
  for (double v : s.env.M) c.finite(kNoSlot, "environment M", v);
  for (double v : s.env.import_share) c.in_range(kNoSlot, "environment import_share", v, 0, 1);
  c.finite(kNoSlot, "mean_log_rd", s.mean_log_rd);
  YearCounters::fields(
      s.counters, [&](const char* name, const char*, const char*, const double* v, std::size_t m) {
        for (std::size_t k = 0; k < m; ++k)
          if (!(v[k] >= 0.0)) c.fail(kNoSlot, std::string("counter ") + name, v[k], "is negative");
      });
}

}  // namespace smesim::model
