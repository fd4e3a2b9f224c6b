#include "smesim/model/params.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <span>
#include <type_traits>
#include <utility>

namespace smesim::model {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}

double Path::at(int year) const {
  if (points.empty()) return 0.0;
  if (year <= points.front().first) return points.front().second;
  if (year >= points.back().first) return points.back().second;
  auto hi = std::upper_bound(points.begin(), points.end(), year,
                             [](int y, const auto& p) { return y < p.first; });
  auto lo = std::prev(hi);
  if (interpolation == Interpolation::step) return lo->second;
  const double w = double(year - lo->first) / double(hi->first - lo->first);
  return lo->second + w * (hi->second - lo->second);
}

std::array<RegionParams, kRegions> Params::default_regions() {
  // Spec 2.1 table; M0 (1985 foreign demand index, North America = 1) is a model choice from
  // rough 1985 GDP proportions.
  return {{{0.025, 1.05, 0.10, 0.40, 0.03, 0.23, 1.00},
           {0.020, 1.10, 0.12, 0.45, 0.03, 0.28, 0.90},
           {0.050, 0.70, 0.10, 0.35, 0.25, 0.30, 0.25},
           {0.060, 0.45, 0.12, 0.45, 0.25, 0.26, 0.15},
           {0.090, 0.35, 0.15, 0.55, 0.25, 0.26, 0.10},
           {0.030, 0.80, 0.18, 0.60, 0.05, 0.25, 0.50}}};
}

std::array<IndustryParams, kIndustries> Params::default_industries() {
  // weight, g_k, theta0_k, assembler, supplier, y_k. Weights follow the 1985 census mix of
  // manufacturing firms; y_k is relative (v2 2.6 solves the level of output per worker).
  // v2: apparel and transport machinery SMEs subcontract too (the 1987 subcontracting ratio of
  // 0.559 cannot be reached with a fifth of SMEs outside the supplier industries).
  return {{{0.14, 0.00, 0.0, false, false, 1.0},
           {0.10, -0.03, 0.0, false, true, 1.0},
           {0.05, 0.00, 0.0, false, true, 1.0},
           {0.06, -0.01, 0.0, false, false, 1.0},
           {0.04, 0.00, 0.0, false, true, 1.0},
           {0.16, 0.00, 0.0, false, true, 1.0},
           {0.17, 0.00, 0.0, true, true, 1.0},
           {0.13, 0.00, 0.5, true, true, 1.0},
           {0.10, 0.00, 0.3, true, true, 1.0},
           {0.05, 0.00, 0.0, true, true, 1.0}}};
}

int region_index(std::string_view name) {
  for (int r = 0; r < kRegions; ++r)
    if (kRegionNames[r] == name) return r;
  return -1;
}

int industry_index(std::string_view name) {
  for (int k = 0; k < kIndustries; ++k)
    if (kIndustryNames[k] == name) return k;
  return -1;
}

bool Bounds::contains(double x) const {
  return (lo_open ? x > lo : x >= lo) && (hi_open ? x < hi : x <= hi);
}

std::string Bounds::describe(bool integral) const {
  auto end = [&](double b) {
    return integral ? std::to_string(static_cast<long long>(b)) : format_real(b);
  };
  const bool no_lo = std::isinf(lo), no_hi = std::isinf(hi);
  if (no_lo && no_hi) return lo_open && hi_open ? "finite" : "any";
  if (no_hi) return (lo_open ? "> " : ">= ") + end(lo) + (hi_open ? "" : " or .inf");
  if (no_lo) return (hi_open ? "< " : "<= ") + end(hi) + (lo_open ? "" : " or -.inf");
  return std::string("in ") + (lo_open ? "(" : "[") + end(lo) + ", " + end(hi) +
         (hi_open ? ")" : "]");
}

std::string Bounds::expected(bool integral) const {
  const std::string range = describe(integral);
  return range == "finite" ? "a finite value" : range == "any" ? "any value" : "a value " + range;
}

std::string format_real(double x) {
  if (std::isnan(x)) return ".nan";
  if (std::isinf(x)) return x > 0 ? ".inf" : "-.inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, res.ptr);
}

namespace {

// Optimal string alignment (restricted Damerau-Levenshtein) distance.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

// Ranges used by many parameters.
constexpr Bounds kAny = bounds::any;
constexpr Bounds kShare = bounds::share;
constexpr Bounds kNonNegative = bounds::non_negative;
constexpr Bounds kPositive = bounds::positive;
constexpr Bounds kOpenShare{0, 1, true, true};
constexpr Bounds kYear{1900, 2200};
constexpr Bounds closed(double lo, double hi) { return {lo, hi}; }
constexpr Bounds at_least(double lo) { return {lo, kInf, false, true}; }

// Accessors built from member pointers: each returns a generic lambda `(auto& p) -> auto&` that
// yields the field of p (const or not), so one location serves get() and set().
template <class T>
auto field(T Params::*m) {
  return [m](auto& p) -> auto& { return p.*m; };
}
template <class G, class T>
auto field(G Params::*group, T G::*m) {
  return [ group, m ](auto& p) -> auto& { return p.*group.*m; };
}
template <class L, class T>
auto lever(L Levers::*l, T L::*m) {
  return [ l, m ](auto& p) -> auto& { return p.levers.*l.*m; };
}
template <class T>
auto region(int r, T RegionParams::*m) {
  return [ r, m ](auto& p) -> auto& { return p.regions[std::size_t(r)].*m; };
}
template <class T>
auto industry(int k, T IndustryParams::*m) {
  return [ k, m ](auto& p) -> auto& { return p.industries[std::size_t(k)].*m; };
}

// What a row of the registry says besides its location and range.
using Doc = ParamDoc;
constexpr bool kCal = true;

class RegistryBuilder {
 public:
  explicit RegistryBuilder(std::vector<ParamInfo>& out) : out_(out) {}
  void table(std::string_view name) { table_ = name; }

  template <class Locate>
  void add(std::string key, Locate locate, Bounds bounds, Doc doc) {
    using T = std::remove_cvref_t<decltype(locate(std::declval<Params&>()))>;
    ParamInfo info;
    info.key = std::move(key);
    info.kind = std::is_same_v<T, bool>  ? ParamKind::boolean
                : std::is_same_v<T, int> ? ParamKind::integer
                                         : ParamKind::real;
    info.bounds = std::is_same_v<T, bool> ? Bounds{0, 1} : bounds;
    info.unit = doc.unit;
    info.meaning = doc.meaning;
    info.source = doc.source;
    info.calibrated = doc.calibrated;
    info.table = table_;
    info.get = [locate](const Params& p) -> double {
      if constexpr (std::is_same_v<T, bool>)
        return locate(p) ? 1.0 : 0.0;
      else
        return static_cast<double>(locate(p));
    };
    info.set = [locate](Params& p, double x) {
      if constexpr (std::is_same_v<T, bool>)
        locate(p) = x != 0.0;
      else if constexpr (std::is_same_v<T, int>)
        locate(p) = static_cast<int>(std::lround(x));
      else
        locate(p) = x;
    };
    info.default_value = info.get(Params{});
    out_.push_back(std::move(info));
  }

 private:
  std::vector<ParamInfo>& out_;
  std::string_view table_;
};

void add_run_settings(RegistryBuilder& b) {
  b.table("initialization");
  b.add("population", field(&Params::population), closed(1, 5e7),
        {"firms", "number of firms at the start"});
  b.table("run");
  b.add("start_year", field(&Params::start_year), kYear, {"year", "first simulated year"});
  b.add("end_year", field(&Params::end_year), kYear, {"year", "last simulated year"});
  b.add("burn_in_end", field(&Params::burn_in_end), kYear,
        {"year", "last burn-in year (metadata only)"});
  b.add("replications", field(&Params::replications), closed(1, 1e6),
        {"runs", "Monte Carlo replications, each with its own random streams"});
}

void add_regions(RegistryBuilder& b) {
  b.table("regions");
  for (int r = 0; r < kRegions; ++r) {
    const std::string k = "regions." + std::string(kRegionNames[std::size_t(r)]) + ".";
    using R = RegionParams;
    b.add(k + "g", region(r, &R::g), kAny, {"1/year", "foreign demand growth per year"});
    b.add(k + "c", region(r, &R::c), kNonNegative, {"", "unit production cost, Japan = 1"});
    b.add(k + "tau", region(r, &R::tau), kShare, {"share", "trade cost before FTA coverage"});
    b.add(k + "sigma", region(r, &R::sigma), kNonNegative, {"", "market uncertainty"});
    b.add(k + "s_aj", region(r, &R::s_aj), kShare,
          {"share", "mean import-back share of an affiliate", "spec/M05 Table 1"});
    b.add(k + "s_uj", region(r, &R::s_uj), kShare,
          {"share", "mean supply-from-Japan share of an affiliate", "spec/M05 Table 1"});
    b.add(k + "M0", region(r, &R::M0), kPositive,
          {"index", "foreign demand index at initialization (NA = 1)", "choice"});
    b.add(k + "c_growth", region(r, &R::c_growth), kAny,
          {"1/year", "log growth of c_r after 2005 (rising wages abroad)", "v2 5.1, choice"});
  }
}

void add_industries(RegistryBuilder& b) {
  b.table("industries");
  for (int i = 0; i < kIndustries; ++i) {
    const std::string k = "industries." + std::string(kIndustryNames[std::size_t(i)]) + ".";
    using I = IndustryParams;
    b.add(k + "weight", industry(i, &I::weight), kNonNegative,
          {"", "share of firms at initialization (weights are normalized)", "choice"});
    b.add(k + "g_k", industry(i, &I::g_k), kAny, {"1/year", "domestic demand trend"});
    b.add(k + "theta0_k", industry(i, &I::theta0_k), kAny,
          {"log-odds", "relocation propensity of the industry's large firms"});
    b.add(k + "assembler", industry(i, &I::assembler), kShare,
          {"", "its large firms may head keiretsu"});
    b.add(k + "supplier", industry(i, &I::supplier), kShare,
          {"", "its SMEs may be keiretsu suppliers (spec 5.2)"});
    b.add(k + "y_k", industry(i, &I::y_k), kPositive,
          {"", "relative output per employee at a = 0 (the level y is solved, v2 2.6)"});
  }
}

void add_firms(RegistryBuilder& b) {
  b.table("initialization");
  using F = FirmInitParams;
  const auto firms = &Params::firms;
  b.add("firms.L_min", field(firms, &F::L_min), at_least(1),
        {"employees", "smallest initial firm (truncated Pareto support)"});
  b.add("firms.L_max", field(firms, &F::L_max), at_least(1),
        {"employees", "largest initial firm (truncated Pareto support)"});
  b.add("firms.le_threshold", field(firms, &F::le_threshold), kNonNegative,
        {"employees", "a firm is an LE iff L > le_threshold", "CE16 Table 2"});
  b.add("firms.a_size_slope", field(firms, &F::a_size_slope), kAny,
        {"", "slope of initial log productivity on log size"});
  b.add("firms.a_sd", field(firms, &F::a_sd), kNonNegative, {"", "sd of initial log productivity"});
  b.add("firms.rd_rate_le", field(firms, &F::rd_rate_le), kShare,
        {"share of Y", "mean R&D intensity of LEs"});
  b.add("firms.rd_rate_sme", field(firms, &F::rd_rate_sme), kShare,
        {"share of Y", "mean R&D intensity of SMEs"});
  b.add("firms.rd_rate_sd", field(firms, &F::rd_rate_sd), kNonNegative,
        {"", "log-sd of R&D intensity", "choice"});
  b.add("firms.rd_zero_share_sme", field(firms, &F::rd_zero_share_sme), kShare,
        {"share", "SMEs without R&D"});
  b.add("firms.W_share", field(firms, &F::W_share), kNonNegative,
        {"share of Y", "initial net worth"});
  b.add("firms.K_share", field(firms, &F::K_share), kNonNegative,
        {"share of Y", "initial domestic fixed assets"});
  b.add("firms.init_export_share_sme", field(firms, &F::init_export_share_sme), kShare,
        {"share", "SMEs exporting at the start"});
  b.add("firms.x_le", field(firms, &F::x_le), kShare,
        {"share of Y", "LEs' exports in the start year (1985 exports / LE shipments)",
         "v2 2.6, block 1"});
  b.add("firms.init_fdi_share_le", field(firms, &F::init_fdi_share_le), kShare,
        {"share", "LEs with affiliates at the start"});
  b.add("firms.init_fdi_share_sme", field(firms, &F::init_fdi_share_sme), kShare,
        {"share", "SMEs with affiliates at the start", "choice"});
  b.add("firms.share_concentration", field(firms, &F::share_concentration), kPositive,
        {"", "Beta concentration of saj, suj around the region's s_aj, s_uj"});
}

void add_establishments(RegistryBuilder& b) {
  b.table("initialization");
  using E = EstablishmentParams;
  const auto e = &Params::establishments;
  b.add("establishments.q_small", field(e, &E::q_small), kOpenShare,
        {"share", "share of an LE's employees in its small plants", "v2 2.3, block 1"});
  b.add("establishments.y_rel", field(e, &E::y_rel), kPositive,
        {"", "output per worker of an LE's small plants relative to its large ones",
         "v2 2.3, block 1"});
  b.add("establishments.l_est_small", field(e, &E::l_est_small), at_least(1),
        {"employees", "size of an LE's small plant (1985 mean of 50-299)", "v2 2.3, block 1"});
  b.add("establishments.l_est_le", field(e, &E::l_est_le), at_least(1),
        {"employees", "size of an LE's large plant (1985 mean of 300+)", "v2 2.3, block 1"});
  b.add("scale.national_population", field(&Params::scale, &ScaleParams::national_population),
        kNonNegative,
        {"enterprises", "national enterprises with 4+ employees (0: from the 1985 Census)",
         "v2 2.6"});
}

void add_managers(RegistryBuilder& b) {
  b.table("managers");
  using M = ManagerParams;
  const auto m = &Params::managers;
  b.add("managers.rho_a", field(m, &M::rho_a), kPositive,
        {"", "risk aversion Beta, first shape", "spec/CE16 4.1.2.4, 5.4.2"});
  b.add("managers.rho_b", field(m, &M::rho_b), kPositive,
        {"", "risk aversion Beta, second shape", "spec/CE16 4.1.2.4, 5.4.2"});
  b.add("managers.experience_prob", field(m, &M::experience_prob), kShare,
        {"probability", "manager has international experience", "spec/CE16 4.1.2.4"});
  b.add("managers.experience_poisson", field(m, &M::experience_poisson), kNonNegative,
        {"years", "mean years of international experience (Poisson)", "spec/CE16 4.1.2.4"});
  b.add("managers.ell_a", field(m, &M::ell_a), kPositive,
        {"", "language skill Beta, first shape (P(ell > 0.5) = 0.21)", "spec/CE16 4.1.2.1"});
  b.add("managers.ell_b", field(m, &M::ell_b), kPositive,
        {"", "language skill Beta, second shape", "spec/CE16 4.1.2.1"});
  b.add("managers.pi_a", field(m, &M::pi_a), kPositive,
        {"", "proactivity Beta, first shape", "spec/CE16 6.1.2"});
  b.add("managers.pi_b", field(m, &M::pi_b), kPositive,
        {"", "proactivity Beta, second shape", "spec/CE16 6.1.2"});
  b.add("managers.age_min", field(m, &M::age_min), closed(15, 100),
        {"years", "youngest initial (and entrant) manager"});
  b.add("managers.age_max", field(m, &M::age_max), closed(15, 100),
        {"years", "oldest initial (and entrant) manager"});
  b.add("managers.experience_info", field(m, &M::experience_info), kShare,
        {"", "information I of an experienced manager", "spec/CE16 6.1.2"});
  b.add("managers.experience_ell_min", field(m, &M::experience_ell_min), kShare,
        {"", "minimum language skill of an experienced manager", "spec/CE16 6.1.2"});
  b.add("managers.retirement_age", field(m, &M::retirement_age), closed(15, 120),
        {"years", "age at which the retirement hazard is one half"});
  b.add("managers.retirement_scale", field(m, &M::retirement_scale), kPositive,
        {"years", "spread of the logistic retirement hazard"});
  b.add("managers.successor_prob_sme", field(m, &M::successor_prob_sme), kShare,
        {"probability", "a retiring SME manager finds a successor", "spec/CE16"});
  b.add("managers.successor_prob_le", field(m, &M::successor_prob_le), kShare,
        {"probability", "a retiring LE manager finds a successor", "spec/CE16"});
  b.add("managers.family_prob", field(m, &M::family_prob), kShare,
        {"probability", "the successor is family"});
  b.add("managers.successor_age_min", field(m, &M::successor_age_min), closed(15, 100),
        {"years", "youngest successor"});
  b.add("managers.successor_age_max", field(m, &M::successor_age_max), closed(15, 100),
        {"years", "oldest successor"});
}

void add_network(RegistryBuilder& b) {
  b.table("initialization");
  using N = NetworkParams;
  const auto n = &Params::network;
  b.add("network.head_prob", field(n, &N::head_prob), kShare,
        {"probability", "an assembler LE heads a keiretsu"});
  b.add("network.tier1_rate", field(n, &N::tier1_rate), kNonNegative,
        {"suppliers", "scale of a head's tier-1 supplier count"});
  b.add("network.tier1_min_L", field(n, &N::tier1_min_L), kNonNegative,
        {"employees", "smallest tier-1 supplier"});
  b.add("network.tier2_rate", field(n, &N::tier2_rate), kNonNegative,
        {"suppliers", "mean tier-2 suppliers per tier-1 supplier"});
  b.add("network.tier2_max_L", field(n, &N::tier2_max_L), kNonNegative,
        {"employees", "largest tier-2 supplier"});
  b.add("network.share_mean", field(n, &N::share_mean), kOpenShare,
        {"share", "mean share of a supplier's sales to its main customer"});
  b.add("network.share_concentration", field(n, &N::share_concentration), kPositive,
        {"", "Beta concentration of the main customer's share"});
  b.add("network.second_customer_prob", field(n, &N::second_customer_prob), kShare,
        {"probability", "a supplier has a second keiretsu customer"});
  b.add("network.second_share", field(n, &N::second_share), kShare,
        {"share", "sales share of the second customer"});
  b.add("network.share_cap", field(n, &N::share_cap), kShare,
        {"share", "cap on the two customers' combined share"});
  b.add("network.parent_prob_tier1", field(n, &N::parent_prob_tier1), kShare,
        {"probability", "a tier-1 supplier has an equity tie (D_parent)"});
  b.add("network.parent_prob_le", field(n, &N::parent_prob_le), kShare,
        {"probability", "an LE outside keiretsu has an equity tie (D_parent)"});
  b.add("network.peer_degree", field(n, &N::peer_degree), closed(0, 64),
        {"links", "peer links per firm (Watts-Strogatz ring)", "spec/CE16 6.1.1"});
  b.add("network.peer_rewire", field(n, &N::peer_rewire), kShare,
        {"probability", "a peer link is rewired", "spec/CE16 6.1.1"});
  b.table("accounting");
  b.add("network.entrant_tier2_prob", field(n, &N::entrant_tier2_prob), kShare,
        {"probability", "an entrant of a supplier industry attaches as tier 2", "choice"});
}

void add_environment(RegistryBuilder& b) {
  b.table("environment");
  using E = EnvironmentParams;
  const auto e = &Params::environment;
  b.add("environment.domestic_noise", field(e, &E::domestic_noise), kNonNegative,
        {"", "sd of domestic demand shocks after the data (none while demand is data)"});
  b.add("environment.data_until", field(e, &E::data_until), kYear,
        {"year", "last year of data in any exogenous path (a hindcast's cut-off)", "v2 5.1"});
  b.add("environment.eta_fx", field(e, &E::eta_fx), kAny,
        {"", "elasticity of exports to the exchange rate", "v2 5.1"});
  b.add("environment.k_dom", field(e, &E::k_dom), kPositive,
        {"", "domestic corporations' sales / Census shipments (opr_meti)", "v2 5.7, MOF"});
  b.add("environment.foreign_noise", field(e, &E::foreign_noise), kNonNegative,
        {"", "sd of foreign demand shocks"});
  b.add("environment.fx_ref", field(e, &E::fx_ref), kPositive,
        {"yen/$", "reference exchange rate"});
  b.add("environment.fta_tau_cut", field(e, &E::fta_tau_cut), kShare,
        {"share", "share of trade cost removed at full FTA coverage", "spec/CE16 1.1"});
  b.add("environment.strong_yen_favours_abroad", field(e, &E::strong_yen_favours_abroad), kShare,
        {"", "convention for the yen-cost advantage adv_r (see above)", "choice (correction)"});
}

void add_relocation(RegistryBuilder& b) {
  b.table("relocation");
  using R = RelocationParams;
  const auto r = &Params::relocation;
  b.add("relocation.theta0_r", field(r, &R::theta0_r), kAny,
        {"log-odds", "base log-odds of a relocation", "spec", kCal});
  b.add("relocation.theta_c", field(r, &R::theta_c), kAny,
        {"", "weight of the yen-cost advantage", "spec/M05 §2"});
  b.add("relocation.theta_m", field(r, &R::theta_m), kAny, {"", "weight of foreign demand growth"});
  b.add("relocation.size_elasticity", field(r, &R::size_elasticity), kAny,
        {"", "weight of log(L/1000)"});
  b.add("relocation.phi", field(r, &R::phi), kShare,
        {"share", "share of domestic production moved per relocation", "spec/M05 §4", kCal});
  b.add("relocation.p_invite", field(r, &R::p_invite), kShare,
        {"probability", "invitation per tier-1 supplier and relocation", "spec/CE16 4.1.1", kCal});
  b.add("relocation.host_start", field(r, &R::host_start), kNonNegative,
        {"share of Y", "host-market sales of a new relocation-made Asian affiliate",
         "choice (M05 Table 1)", kCal});
}

void add_production(RegistryBuilder& b) {
  b.table("production");
  using P = ProductionParams;
  const auto p = &Params::production;
  b.add("production.psi", field(p, &P::psi), kShare,
        {"share", "share of Japan-sourced parts made by keiretsu suppliers"});
  b.add("production.kappa_rep", field(p, &P::kappa_rep), kAny,
        {"", "reputation gain from going abroad", "spec/CE16 Table 3", kCal});
  b.add("production.sigma_t", field(p, &P::sigma_t), kNonNegative,
        {"", "sd of the transitory sales shock (within R², M05 Table 3)", "v2 5.4", kCal});
  b.add("production.sigma_p", field(p, &P::sigma_p), kNonNegative,
        {"", "sd of the persistent brand shock (size dispersion, exit)", "v2 5.4", kCal});
  b.add("production.productivity_pass", field(p, &P::productivity_pass), kAny,
        {"", "pass-through of da to open-market sales"});
}

void add_opportunities(RegistryBuilder& b) {
  b.table("opportunities");
  using O = OpportunityParams;
  const auto o = &Params::opportunities;
  b.add("opportunities.p_ref", field(o, &O::p_ref), kShare,
        {"probability", "referral per source", "spec/CE16 6.1.1", kCal});
  b.add("opportunities.lambda_s", field(o, &O::lambda_s), kNonNegative, {"1/year", "search rate"});
  b.add("opportunities.search_info_weight", field(o, &O::search_info_weight), kNonNegative,
        {"", "weight of I[r] in the choice of the search region"});
  b.add("opportunities.fdi_after_export_years", field(o, &O::fdi_after_export_years),
        closed(0, 100), {"years", "exporting years before search yields FDI", "spec (Uppsala)"});
}

void add_decisions(RegistryBuilder& b) {
  b.table("decisions");
  using D = DecisionParams;
  const auto d = &Params::decisions;
  b.add("decisions.margin", field(d, &D::margin), kShare,
        {"share of Y", "domestic profit margin (also used in 6.9)", "spec/CE16 4.1.2.4"});
  b.add("decisions.share_export", field(d, &D::share_export), kShare,
        {"share of Y", "expected export sales"});
  b.add("decisions.share_fdi", field(d, &D::share_fdi), kShare,
        {"share of Y", "sales of a first affiliate (and the expected size in the FDI decision)",
         "spec; calibration/table3_v2.yaml", kCal});
  b.add("decisions.H", field(d, &D::H), kNonNegative, {"years", "decision horizon"});
  b.add("decisions.margin_export", field(d, &D::margin_export), kShare,
        {"share", "margin on exports"});
  b.add("decisions.margin_fdi", field(d, &D::margin_fdi), kShare,
        {"share", "margin on affiliate sales"});
  b.add("decisions.F_export", field(d, &D::F_export), kNonNegative,
        {"million yen", "entry cost of exporting at Y = 1000"});
  b.add("decisions.F_fdi", field(d, &D::F_fdi), kNonNegative,
        {"million yen", "entry cost of an affiliate at Y = 1000"});
  b.add("decisions.kappa_ell", field(d, &D::kappa_ell), kNonNegative,
        {"", "weight of language in perceived uncertainty", "spec/CE16 4.1.2.1"});
  b.add("decisions.kappa_r", field(d, &D::kappa_r), kNonNegative,
        {"", "weight of risk", "spec", kCal});
  b.add("decisions.kappa_p", field(d, &D::kappa_p), kNonNegative,
        {"", "weight of the push of falling sales", "spec/CE16 Table 3", kCal});
  b.add("decisions.kappa_p2", field(d, &D::kappa_p2), kNonNegative,
        {"", "push from the firm's own three-year decline", "v2 5.6"});
  b.add("decisions.theta_c_sme", field(d, &D::theta_c_sme), kAny,
        {"", "SME affiliates' margin per unit of cost advantage adv_r", "v2 5.6", kCal});
  b.add("decisions.kappa_pull", field(d, &D::kappa_pull), kNonNegative,
        {"", "weight of the pull of an invitation", "spec/CE16 4.1.1"});
  b.add("decisions.beta_v", field(d, &D::beta_v), kNonNegative, {"", "logit slope"});
  b.add("decisions.beta_0", field(d, &D::beta_0), kAny,
        {"", "logit intercept, domestic focus", "spec/CE16 2.7.2", kCal});
  b.add("decisions.m_bank_sme", field(d, &D::m_bank_sme), kNonNegative,
        {"", "bank credit per unit of fixed assets, SMEs", "spec/CE16 4.1.2.3"});
  b.add("decisions.m_bank_le", field(d, &D::m_bank_le), kNonNegative,
        {"", "bank credit per unit of fixed assets, LEs", "spec/CE16 4.1.2.3"});
  b.add("decisions.own_funds_share", field(d, &D::own_funds_share), kShare,
        {"share", "share of net worth usable for entry costs"});
  b.add("decisions.staff_const", field(d, &D::staff_const), kAny,
        {"log-odds", "staff check: intercept", "spec/CE16 4.1.2.4"});
  b.add("decisions.staff_ell", field(d, &D::staff_ell), kAny,
        {"", "staff check: weight of language skill", "spec/CE16 4.1.2.4"});
  b.add("decisions.staff_size", field(d, &D::staff_size), kAny,
        {"", "staff check: weight of log size", "spec/CE16 4.1.2.4"});
}

void add_overseas(RegistryBuilder& b) {
  b.table("overseas");
  using O = OverseasParams;
  const auto o = &Params::overseas;
  b.add("overseas.export_info", field(o, &O::export_info), kAny,
        {"", "export growth: weight of information"});
  b.add("overseas.export_drift", field(o, &O::export_drift), kAny,
        {"1/year", "export growth: drift"});
  b.add("overseas.export_noise", field(o, &O::export_noise), kNonNegative,
        {"", "export growth: sd"});
  b.add("overseas.export_fail", field(o, &O::export_fail), closed(0, 1.0 / 1.5),
        {"probability", "export failure scale (times at most 1.5)", "spec/CE16 4.2.1"});
  b.add("overseas.fdi_info", field(o, &O::fdi_info), kAny,
        {"", "affiliate growth: weight of information"});
  b.add("overseas.fdi_drift", field(o, &O::fdi_drift), kAny, {"1/year", "affiliate growth: drift"});
  b.add("overseas.fdi_noise", field(o, &O::fdi_noise), kNonNegative, {"", "affiliate growth: sd"});
  b.add("overseas.fdi_fail", field(o, &O::fdi_fail), kShare,
        {"probability", "affiliate failure scale"});
  b.add("overseas.fail_years", field(o, &O::fail_years), closed(0, 100),
        {"years", "years after entry with a failure draw"});
  b.add("overseas.suj_decay", field(o, &O::suj_decay), kShare,
        {"1/year", "yearly fall of suj (local procurement)", "spec/M05 §4"});
  b.add("overseas.kappa_spill", field(o, &O::kappa_spill), kNonNegative,
        {"", "productivity spill-over from overseas activity", "spec/M05 §4", kCal});
  b.add("overseas.affiliate_return", field(o, &O::affiliate_return), kAny,
        {"share of So", "affiliate profit per unit of affiliate sales (6.9)"});
  b.add("overseas.mature_ratio_export", field(o, &O::mature_ratio_export), kPositive,
        {"share of Y", "mature export size", "choice (correction)"});
  b.add("overseas.k_I", field(o, &O::k_I), kNonNegative,
        {"", "affiliate growth with information (intensive margin)", "v2 5.7"});
  b.add("overseas.delta_So", field(o, &O::delta_So), kAny, {"1/year", "affiliate decay", "v2 5.7"});
  b.add("overseas.sigma_So", field(o, &O::sigma_So), kNonNegative,
        {"", "sd of affiliate growth", "v2 5.7 (0.10); calibration/table3_v2.yaml", kCal});
  b.add("overseas.mu_asia", field(o, &O::mu_asia), kPositive,
        {"share of Y", "mature affiliate size in Asia", "v2 5.7", kCal});
  b.add("overseas.mu_west", field(o, &O::mu_west), kPositive,
        {"share of Y", "mature affiliate size in North America, Europe, others", "v2 5.7", kCal});
}

void add_learning(RegistryBuilder& b) {
  b.table("learning");
  using L = LearningParams;
  const auto l = &Params::learning;
  b.add("learning.info_gain", field(l, &L::info_gain), kShare,
        {"", "information gain per active year", "spec (Uppsala)"});
  b.add("learning.info_decay", field(l, &L::info_decay), kShare,
        {"", "information retained per inactive year"});
  b.add("learning.peer_spill", field(l, &L::peer_spill), kShare,
        {"", "information spill-over from peers and customers", "spec/CE16 6.1.1"});
  b.add("learning.ell_gain", field(l, &L::ell_gain), kShare, {"", "language gain per active year"});
  b.add("learning.tie_rate", field(l, &L::tie_rate), kNonNegative,
        {"ties/year", "mean new international ties per active year"});
}

void add_accounting(RegistryBuilder& b) {
  b.table("accounting");
  using A = AccountingParams;
  const auto a = &Params::accounting;
  b.add(
      "accounting.f_fix", field(a, &A::f_fix), kNonNegative,
      {"workers", "fixed cost: an overhead at the industry's output per worker", "v2 5.10", kCal});
  b.add("accounting.tax", field(a, &A::tax), kShare, {"share", "tax on positive profit"});
  b.add("accounting.interest_rate", field(a, &A::interest_rate), kNonNegative,
        {"1/year", "interest on max(0, K - W)", "choice"});
  b.add("accounting.emp_elasticity", field(a, &A::emp_elasticity), kNonNegative,
        {"", "elasticity of L and K_dom to Y"});
  b.add("accounting.xi_rd", field(a, &A::xi_rd), kAny, {"", "R&D elasticity to Y growth"});
  b.add("accounting.sigma_rd", field(a, &A::sigma_rd), kNonNegative,
        {"", "sd of the R&D noise", "spec", kCal});
  b.add("accounting.innovation", field(a, &A::innovation), kAny,
        {"", "productivity effect of R&D"});
  b.add("accounting.drift", field(a, &A::drift), kAny, {"1/year", "productivity drift"});
  b.add("accounting.drift_sd", field(a, &A::drift_sd), kNonNegative,
        {"", "sd of the productivity drift"});
  b.add("accounting.insolvency", field(a, &A::insolvency), Bounds{-kInf, 0, true, false},
        {"share of Y", "exit if W < insolvency * Y"});
  b.add("accounting.c_exit", field(a, &A::c_exit), kShare,
        {"share of mean Y", "decline exit below c_exit * mean_Y_k two years running", "v2 5.10",
         kCal});
  b.add("accounting.g_lp", field(a, &A::g_lp), kAny,
        {"1/year", "labour-productivity trend of the employment target", "v2 5.10", kCal});
  b.add("accounting.lambda_L", field(a, &A::lambda_L), closed(0, 1),
        {"", "yearly adjustment of employment to its target", "v2 5.10", kCal});
  b.add("accounting.entry_rate", field(a, &A::entry_rate), kShare,
        {"1/year", "entrants per alive firm under flat demand", "v2 5.10", kCal});
  b.add("accounting.entry_elasticity", field(a, &A::entry_elasticity), kAny,
        {"", "entry response to dlog D_k", "v2 5.10", kCal});
  b.add("accounting.entry_gap", field(a, &A::entry_gap), kAny,
        {"log", "entrants' productivity below an incumbent's", "v2 5.10"});
  b.add("accounting.entry_sd", field(a, &A::entry_sd), kNonNegative,
        {"log", "sd of entrants' productivity around it", "v2 5.10"});
}

void add_groups(RegistryBuilder& b) {
  using G = GroupParams;
  const auto g = &Params::groups;
  b.add("groups.p_leave_group", field(g, &G::p_leave_group), kShare,
        {"1/year", "probability of leaving the group", "spec/CE16 4.1.1"});
  b.add("groups.leave_order_cut", field(g, &G::leave_order_cut), kShare,
        {"share", "cut of the former customer's orders on leaving", "spec", kCal});
  b.add("groups.p_join_group", field(g, &G::p_join_group), kShare,
        {"1/year", "probability of joining a group"});
  b.add("groups.join_min_L", field(g, &G::join_min_L), kNonNegative,
        {"employees", "smallest firm that joins a group"});
  b.add("groups.rationalise", field(g, &G::rationalise), closed(0, 0.99),
        {"share", "brand share a joiner hands to its acquirer", "v2 5.10b", kCal});
  b.add("groups.tie_decay", field(g, &G::tie_decay), kShare,
        {"1/year", "probability that a keiretsu tie ends", "v2 5.10b", kCal});
}

// A lever's parameters, as its struct declares them (params.hpp).
template <class L>
void add_lever(RegistryBuilder& b, std::string_view name, L Levers::*l) {
  b.table(L::docs_table);
  L::declare([&](std::string_view field, auto member, Bounds bounds, Doc doc) {
    std::string key = "levers.";
    key.append(name).append(".").append(field);
    b.add(std::move(key), lever(l, member), bounds, doc);
  });
}

void add_levers(RegistryBuilder& b) {
  Levers::each([&](std::string_view name, auto l) { add_lever(b, name, l); });
}

void add_output(RegistryBuilder& b) {
  b.table("run");
  using O = OutputParams;
  const auto o = &Params::output;
  b.add("output.panel_from", field(o, &O::panel_from), kYear,
        {"year", "first panel year kept (default: the survey window)", "choice"});
  b.add("output.panel_to", field(o, &O::panel_to), kYear,
        {"year", "last panel year kept (default: the survey window)", "choice"});
  b.add("output.decisions", field(o, &O::decisions), kShare,
        {"", "keep the decision log (same replications as the panel)", "choice"});
  b.add("output.panel_min_employees", field(o, &O::panel_min_employees), kNonNegative,
        {"employees", "panel rows only for firms with at least this many (survey: 50)", "choice"});
}

void add_survey(RegistryBuilder& b) {
  b.table("survey");
  using S = SurveyParams;
  const auto s = &Params::survey;
  b.add("survey.response_mean", field(s, &S::response_mean), kShare,
        {"share", "mean response propensity of a frame firm (L >= 50)",
         "spec v2 8/M05 §4 (SOBA FY2003: 2 411 of ~4 000)"});
  b.add("survey.kappa_resp", field(s, &S::kappa_resp), Bounds{0.1, kInf, false, false},
        {"", "Beta concentration of the response propensity (.inf: every firm the mean)",
         "spec v2 8", kCal});
  b.add("survey.rho_link", field(s, &S::rho_link), kShare,
        {"probability", "a firm's affiliates enter the linked BSBSA-SOBA panel (once per firm)",
         "spec v2 8", kCal});
}

std::vector<ParamInfo> build_registry() {
  std::vector<ParamInfo> v;
  RegistryBuilder b(v);
  // The order is the schema order of the resolved YAML; keep it.
  add_run_settings(b);
  add_regions(b);
  add_industries(b);
  add_firms(b);
  add_establishments(b);
  add_managers(b);
  add_network(b);
  add_environment(b);
  add_relocation(b);
  add_production(b);
  add_opportunities(b);
  add_decisions(b);
  add_overseas(b);
  add_learning(b);
  add_accounting(b);
  add_groups(b);
  add_levers(b);
  add_output(b);
  add_survey(b);
  return v;
}

}  // namespace

const std::vector<ParamInfo>& param_registry() {
  static const std::vector<ParamInfo> registry = build_registry();
  return registry;
}

std::string nearest_name(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates)
    if (const auto d = edit_distance(word, c); d < best_d) best = c, best_d = d;
  return best;
}

const ParamInfo* find_param(std::string_view key, std::string* did_you_mean) {
  const auto& registry = param_registry();
  for (const auto& p : registry)
    if (p.key == key) return &p;
  if (did_you_mean) {
    std::vector<std::string> keys;
    for (const auto& p : registry) keys.push_back(p.key);
    *did_you_mean = nearest_name(key, keys);
  }
  return nullptr;
}

namespace {

std::string value_text(const ParamInfo& p, double x) {
  switch (p.kind) {
    case ParamKind::boolean:
      return x != 0 ? "true" : "false";
    case ParamKind::integer:
      return std::to_string(static_cast<long long>(x));
    default:
      return format_real(x);
  }
}

std::string range_text(const ParamInfo& p) {
  return p.kind == ParamKind::boolean ? "true, false" : p.bounds.describe(p.integral());
}

std::string meaning_text(const ParamInfo& p) {
  return std::string(p.meaning) + (p.calibrated ? " **(cal)**" : "");
}

// Regions and industries: one row per field, one column per region or industry. Built by
// appending (GCC 12 warns falsely on `"literal" + std::string` here).
std::string per_entity_table(std::string_view table, std::string_view prefix,
                             std::span<const std::string_view> names) {
  std::string out = "| key `", rule = "|---|---|---|---|";
  out.append(prefix).append(".<name>.` | meaning | unit | range |");
  for (auto n : names) {
    out.append(" ").append(n).append(" |");
    rule += "---|";
  }
  out.append(" source |\n").append(rule).append("---|\n");
  auto key_of = [&](std::string_view name, std::string_view field) {
    std::string key(prefix);
    key.append(".").append(name).append(".").append(field);
    return key;
  };
  const std::string first = key_of(names[0], "");
  const Params defaults;
  for (const auto& p : param_registry()) {
    if (p.table != table || p.key.rfind(first, 0) != 0) continue;
    const std::string field = p.key.substr(first.size());
    out.append("| `").append(field).append("` | ").append(meaning_text(p)).append(" | ");
    out.append(p.unit).append(" | ").append(range_text(p)).append(" |");
    for (auto n : names) {
      const auto* q = find_param(key_of(n, field));
      out.append(" ").append(value_text(*q, q->get(defaults))).append(" |");
    }
    out.append(" ").append(p.source).append(" |\n");
  }
  return out;
}

}  // namespace

std::vector<std::string_view> param_tables() {
  std::vector<std::string_view> tables;
  for (const auto& p : param_registry())
    if (std::find(tables.begin(), tables.end(), p.table) == tables.end()) tables.push_back(p.table);
  return tables;
}

std::string param_table_markdown(std::string_view table) {
  if (table == "regions") return per_entity_table(table, "regions", kRegionNames);
  if (table == "industries") return per_entity_table(table, "industries", kIndustryNames);
  std::string out =
      "| key | default | range | unit | meaning | source |\n|---|---|---|---|---|---|\n";
  for (const auto& p : param_registry())
    if (p.table == table)
      out += "| `" + p.key + "` | " + value_text(p, p.default_value) + " | " + range_text(p) +
             " | " + std::string(p.unit) + " | " + meaning_text(p) + " | " + std::string(p.source) +
             " |\n";
  return out;
}

std::vector<std::string> check_consistency(const Params& p) {
  std::vector<std::string> err;
  if (p.end_year < p.start_year)
    err.push_back("end_year (" + std::to_string(p.end_year) + ") is before start_year (" +
                  std::to_string(p.start_year) + ")");
  if (p.end_year - p.start_year > 250) err.push_back("horizon longer than 250 years");
  if (p.firms.L_max <= p.firms.L_min) err.push_back("firms.L_max must exceed firms.L_min");
  if (p.managers.age_max < p.managers.age_min)
    err.push_back("managers.age_max must not be below managers.age_min");
  if (p.managers.successor_age_max < p.managers.successor_age_min)
    err.push_back("managers.successor_age_max must not be below managers.successor_age_min");
  double wsum = 0;
  for (const auto& I : p.industries) wsum += I.weight;
  if (!(wsum > 0)) err.push_back("industry weights sum to zero");
  for (const auto& [name, path] : {std::pair{"g_dom", &p.paths.g_dom},
                                   {"fx", &p.paths.fx},
                                   {"fta_coverage", &p.paths.fta_coverage}}) {
    if (path->points.empty()) err.push_back(std::string("paths.") + name + " has no points");
    for (size_t i = 1; i < path->points.size(); ++i)
      if (path->points[i].first <= path->points[i - 1].first)
        err.push_back(std::string("paths.") + name + ": years must increase");
  }
  for (const auto& [y, v] : p.paths.fx.points)
    if (!(v > 0)) err.push_back("paths.fx: value at " + std::to_string(y) + " must be > 0");
  for (const auto& [y, v] : p.paths.fta_coverage.points)
    if (!(v >= 0 && v <= 1))
      err.push_back("paths.fta_coverage: value at " + std::to_string(y) + " must be in [0, 1]");
  for (int r : p.output.panel_reps)
    if (r < 0 || r >= p.replications)
      err.push_back("output.panel_reps: replication " + std::to_string(r) +
                    " is outside [0, replications)");
  return err;
}

}  // namespace smesim::model
