// The model's parameter set (docs/model.md; spec sections 2-5). Every number the model uses is a
// named field here with the spec's default; names match the scenario YAML keys (dotted paths are
// listed by param_registry()). A run receives a validated Params and never mutates it.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace smesim::model {

inline constexpr int kRegions = 6;
inline constexpr int kIndustries = 10;

enum class Region : std::uint8_t { north_america, europe, nies, asean, china, others };
inline constexpr std::array<std::string_view, kRegions> kRegionNames = {
    "north_america", "europe", "nies", "asean", "china", "others"};

inline constexpr std::array<std::string_view, kIndustries> kIndustryNames = {"food",
                                                                             "textiles_apparel",
                                                                             "chemicals",
                                                                             "ceramics",
                                                                             "metals",
                                                                             "metal_products",
                                                                             "general_machinery",
                                                                             "electrical_machinery",
                                                                             "transport_machinery",
                                                                             "precision"};

// How the report and the docs print the regions, in the order of kRegionNames.
inline constexpr std::array<std::string_view, kRegions> kRegionLabels = {
    "North America", "Europe", "NIEs", "ASEAN", "China", "others"};

// The survey that Motohashi (2005) estimates on (BSBSA, spec sections 8-9): firm-years of
// firms with at least `min_employees` employees in first_year..last_year. Declared once: the
// panel's default window, the paper regressions, the calibration and (through the results
// file's /meta attributes) the Python report use it.
struct SurveyWindow {
  int first_year, last_year;
  double min_employees;
};
inline constexpr SurveyWindow kSurvey{1994, 2002, 50.0};

// Per-region scenario data (spec 2.1).
struct RegionParams {
  double g = 0.0;         // foreign demand growth g_r
  double c = 1.0;         // relative unit production cost c_r (Japan = 1)
  double tau = 0.1;       // trade cost tau_r before FTA coverage
  double sigma = 0.5;     // uncertainty sigma_r
  double s_aj = 0.1;      // mean import-back share of an affiliate
  double s_uj = 0.25;     // mean supply-from-Japan share of an affiliate
  double M0 = 1.0;        // foreign demand index M_r in the start year (model choice)
  double c_growth = 0.0;  // log growth of c_r per year after 2005 (v2 5.1; rising wages abroad)
};

// Per-industry data (spec 2.2).
struct IndustryParams {
  double weight = 0.1;     // share of firms at initialization
  double g_k = 0.0;        // domestic demand trend
  double theta0_k = 0.0;   // relocation propensity of its large firms
  bool assembler = false;  // large firms may head keiretsu
  bool supplier = false;   // its SMEs may be keiretsu suppliers (spec 5.2)
  double y_k = 1.0;        // relative output per employee at a = 0 (v2: the level is solved)
};

// A piecewise path over years: linear interpolation, or a step function (value holds until the
// next point). Outside the points the nearest end value holds.
struct Path {
  enum class Interpolation : std::uint8_t { linear, step };
  Interpolation interpolation = Interpolation::linear;
  std::vector<std::pair<int, double>> points;  // sorted by year, at least one
  double at(int year) const;
};

// A one-off relocation wave (spec 5.3): in `year`, each LE independently with probability
// `share_of_le` moves `fraction` of its domestic production to `region`.
struct Shock {
  int year = 2001;
  int region = 4;
  double share_of_le = 0.3;
  double fraction = 0.2;
};

struct FirmInitParams {
  double L_min = 4.0, L_max = 50000.0;     // truncated Pareto support
  double le_threshold = 300.0;             // LE iff L > le_threshold (CE16 Table 2)
  double a_size_slope = 0.28, a_sd = 0.3;  // v2 2.3: employment-weighted Census slope
  double rd_rate_le = 0.03, rd_rate_sme = 0.01, rd_rate_sd = 0.5;  // lognormal mean, log-sd
  double rd_zero_share_sme = 0.4;
  double W_share = 0.3, K_share = 0.4;
  double init_export_share_sme = 0.01;  // SMEs exporting in the start year
  double x_le = 0.24;  // LEs' exports / Y in the start year (1985 exports over LE shipments)
  double init_fdi_share_le = 0.533;   // v2: calibration/table3_v2.yaml (affiliates' sales)
  double init_fdi_share_sme = 0.002;  // model choice: a few SMEs own affiliates in 1985
  double share_concentration = 8.0;   // Beta concentration for saj, suj
};

// Derived establishments of an enterprise (v2 2.3), from two published bases (block 1, no
// simulation).
struct EstablishmentParams {
  double q_small = 0.35;       // share of an LE's employees in its small plants
  double y_rel = 0.69;         // output per worker of small plants relative to large ones
  double l_est_small = 103.0;  // employees of an LE's small plant (1985 mean of 50-299)
  double l_est_le = 817.0;     // employees of an LE's large plant (1985 mean of 300+)
};

// The simulated survey's frame and the national scale (v2 2.6, 8).
struct ScaleParams {
  double national_population = 0;  // enterprises with 4+ employees in 1985 (0: from the Census)
};

struct ManagerParams {
  double rho_a = 6.5, rho_b = 3.5;
  double experience_prob = 0.08, experience_poisson = 3.0;
  double ell_a = 1.6, ell_b = 3.2;
  double pi_a = 2.0, pi_b = 5.0;
  double age_min = 40.0, age_max = 70.0;
  double experience_info = 0.3, experience_ell_min = 0.5;
  double retirement_age = 72.0, retirement_scale = 3.0;
  double successor_prob_sme = 0.7, successor_prob_le = 1.0;
  double family_prob = 0.5;
  double successor_age_min = 35.0, successor_age_max = 50.0;
};

struct NetworkParams {
  double head_prob = 0.6;
  double tier1_rate = 40.0, tier1_min_L = 20.0;  // v2: block 1, subcontracting ratio 1987
  double tier2_rate = 5.5, tier2_max_L = 100.0;  // n2_mean of v2 5.10b
  double share_mean = 0.5, share_concentration = 4.0;
  double second_customer_prob = 0.3, second_share = 0.15, share_cap = 0.9;
  double parent_prob_tier1 = 0.25, parent_prob_le = 0.2;
  int peer_degree = 4;
  double peer_rewire = 0.1;
  double entrant_tier2_prob = 0.8;  // model choice (v2: block 2, the 1998 subcontracting ratio)
};

struct EnvironmentParams {
  double domestic_noise = 0.0, foreign_noise = 0.03;  // domestic: after the data only
  int data_until = 2004;  // last year of data any exogenous path uses (a hindcast's cut-off)
  double eta_fx = 0.5;    // dlog X_r += eta_fx * dlog fx (v2 5.1)
  double k_dom = 1.392;   // domestic corporations' sales / Census shipments, FY2004 (opr_meti)
  double fx_ref = 110.0;
  double fta_tau_cut = 0.5;
  // true: adv_r = 1 - c_r * fx / fx_ref (a strong yen, small fx, favours production abroad, as
  // spec 5.1 explains); false: the spec's printed 1 - c_r * fx_ref / fx (docs/model.md).
  bool strong_yen_favours_abroad = true;
};

struct RelocationParams {
  double theta0_r = -4.5;  // (cal)
  double theta_c = 3.0, theta_m = 10.0, size_elasticity = 0.5;
  double phi = 0.15;      // (cal)
  double p_invite = 0.3;  // (cal)
  // Host-market sales of a new relocation-made Asian affiliate, share of the parent's Y(t-1).
  double host_start = 0.166;  // (cal) calibration/table3_v2.yaml
};

struct ProductionParams {
  double psi = 0.5;
  double kappa_rep = 0.03;  // (cal)
  double sigma_t = 0.119;   // transitory sales shock (cal) table3_v2.yaml, stage a
  double sigma_p = 0.151;   // persistent brand shock (cal)
  double productivity_pass = 0.5;
};

struct OpportunityParams {
  double p_ref = 0.04;  // (cal)
  double lambda_s = 0.15;
  double search_info_weight = 3.0;
  int fdi_after_export_years = 3;
};

struct DecisionParams {
  double margin = 0.05;
  double share_export = 0.10;
  double share_fdi = 0.130;  // (cal) a first affiliate's sales / Y: calibration/table3_v2.yaml
  double H = 5.0;
  double margin_export = 0.05, margin_fdi = 0.07;
  double F_export = 20.0, F_fdi = 300.0;
  double kappa_ell = 1.0;
  double kappa_r = 2.0;  // (cal)
  double kappa_p = 3.0;  // (cal)
  double kappa_p2 = 1.0;
  double theta_c_sme = 0.055;  // (cal) SME FDI sees the cost advantage (v2 5.6)
  double kappa_pull = 1.0;
  double beta_v = 1.0;
  double beta_0 = -3.0;  // (cal)
  double m_bank_sme = 0.5, m_bank_le = 1.5;
  double own_funds_share = 0.5;
  double staff_const = -1.1, staff_ell = 2.0, staff_size = 0.3;
};

struct OverseasParams {
  double export_info = 0.2, export_drift = -0.1, export_noise = 0.1, export_fail = 0.15;
  double fdi_info = 0.3, fdi_drift = -0.05, fdi_noise = 0.1, fdi_fail = 0.08;
  int fail_years = 3;
  double suj_decay = 0.05;
  double kappa_spill = 0.08;  // (cal)
  double affiliate_return = 0.07;
  // Model choice (docs/model.md): the learning premium of 5.7 fades as the channel matures, so
  // overseas sales grow like their market once they reach this multiple of domestic production.
  // v2: LEs' 1985 export ratio (firms.x_le), so that exports follow foreign demand and the yen as
  // Japan's did (x1.3 in yen, 1985-2003) instead of tripling (docs/model.md).
  double mature_ratio_export = 0.24;
  // The intensive margin (v2 5.7): dlog SoH = g_r + k_I I (1 - So / (mu_r Y)) - delta_So + noise.
  double k_I = 0.3, delta_So = 0.05;
  double sigma_So = 0.348;                  // (cal) calibration/table3_v2.yaml (spec: 0.10)
  double mu_asia = 0.391, mu_west = 0.479;  // (cal) calibration/table3_v2.yaml
};

struct LearningParams {
  double info_gain = 0.15, info_decay = 0.97, peer_spill = 0.02;
  double ell_gain = 0.03, tie_rate = 0.5;
};

struct AccountingParams {
  double f_fix = 0.0676;  // (cal) overhead in workers at the industry's output per worker
  double tax = 0.3, interest_rate = 0.02;
  double emp_elasticity = 0.7;
  double g_lp = 0.0176, lambda_L = 0.355;  // (cal) labour productivity trend, adjustment speed
  double xi_rd = 0.3, sigma_rd = 0.3;      // sigma_rd (cal)
  double innovation = 0.01;
  double drift = 0.01, drift_sd = 0.03;
  double insolvency = -0.2;
  double c_exit = 0.025;  // (cal) decline exit below c_exit * mean_Y_k two years running
  double entry_rate = 0.0473, entry_elasticity = 0.146;  // (cal)
  double entry_gap = 0.2, entry_sd = 0.3;
};

struct GroupParams {
  double p_leave_group = 0.02, leave_order_cut = 0.3;  // leave_order_cut (cal)
  double p_join_group = 0.01, join_min_L = 50.0;
  double rationalise = 0.2;  // (cal) brand share a joiner hands to its acquirer (v2 5.10b)
  double tie_decay = 0.0;    // (cal) yearly end of a keiretsu tie
};

// An admissible range; each end inclusive unless marked open. An infinite end is open (an
// infinite value is rejected) unless the parameter means something by it (a budget of .inf).
struct Bounds {
  double lo, hi;
  bool lo_open = false, hi_open = false;
  bool contains(double x) const;
  // "in [0, 1]", ">= 0", "> 0", "in (0, 1)", "finite" (integral: ends printed as integers).
  std::string describe(bool integral = false) const;
  // For messages: "a value in [0, 1]", "a finite value".
  std::string expected(bool integral = false) const;
};
// Ranges used by many parameters.
namespace bounds {
inline constexpr double kInf = std::numeric_limits<double>::infinity();
inline constexpr Bounds any{-kInf, kInf, true, true};
inline constexpr Bounds share{0, 1};
inline constexpr Bounds non_negative{0, kInf, false, true};
inline constexpr Bounds positive{0, kInf, true, true};
}  // namespace bounds

// What the registry says of a parameter besides its location and range (ParamInfo below).
struct ParamDoc {
  std::string_view unit, meaning, source = "spec";
  bool calibrated = false;
};

// A lever declares its own parameters beside its fields: declare(add) calls add(field, member
// pointer, bounds, doc) once per parameter, which param_registry() files under the key
// levers.<name>.<field> (<name> from Levers::each) in the docs/model.md table `docs_table`.
struct LoansLever {
  double cap = 0.0;           // policy loan ceiling, multiple of F
  double rate_subsidy = 0.0;  // share of F covered by the interest subsidy
  bool sme_only = true;
  double budget_per_year = 1e300;  // subsidy budget (million yen); default unlimited
  bool active() const { return cap > 0.0 || rate_subsidy > 0.0; }
  static constexpr std::string_view docs_table = "decisions";
  template <class Add>
  static void declare(Add&& add) {
    using L = LoansLever;
    add("cap", &L::cap, bounds::non_negative,
        {"multiple of F", "policy loan ceiling; lever off when cap and rate_subsidy are 0",
         "spec lever"});
    add("rate_subsidy", &L::rate_subsidy, bounds::share,
        {"share of F", "entry cost paid by the interest subsidy", "spec lever"});
    add("sme_only", &L::sme_only, bounds::share, {"", "only SMEs are eligible", "spec lever"});
    add("budget_per_year", &L::budget_per_year, Bounds{0, bounds::kInf},
        {"million yen", "subsidy budget per year; .inf: no limit", "spec lever"});
  }
};
struct JetroLever {
  double outreach = 0.0, matchmaking_rate = 0.0, info_gain = 0.0, cost_per_firm = 0.0;
  bool active() const { return outreach > 0.0; }
  static constexpr std::string_view docs_table = "opportunities";
  template <class Add>
  static void declare(Add&& add) {
    using J = JetroLever;
    add("outreach", &J::outreach, bounds::share,
        {"", "enrolment scale; lever off when 0", "spec lever"});
    add("matchmaking_rate", &J::matchmaking_rate, bounds::share,
        {"probability", "match per enrolment", "spec lever"});
    add("info_gain", &J::info_gain, bounds::share,
        {"", "information gain per enrolment", "spec lever"});
    add("cost_per_firm", &J::cost_per_firm, bounds::non_negative,
        {"million yen", "cost per enrolment-year", "spec lever"});
  }
};
struct TrainingLever {
  double uptake = 0.0, gain = 0.0, cost_per_firm = 0.0;
  double staff_bonus = 0.5;  // the `training` term of the staff check (model choice)
  bool active() const { return uptake > 0.0; }
  static constexpr std::string_view docs_table = "opportunities";
  template <class Add>
  static void declare(Add&& add) {
    using T = TrainingLever;
    add("uptake", &T::uptake, bounds::share,
        {"1/year", "training probability of an untrained SME; lever off when 0", "spec lever"});
    add("gain", &T::gain, bounds::share, {"", "language gain of training", "spec lever"});
    add("cost_per_firm", &T::cost_per_firm, bounds::non_negative,
        {"million yen", "cost per trained firm", "spec lever"});
    add("staff_bonus", &T::staff_bonus, bounds::any,
        {"", "the training term of the staff check", "choice"});
  }
};
struct SuccessionLever {
  double extra_success = 0.0, cost_per_firm = 0.0;
  bool active() const { return extra_success > 0.0; }
  static constexpr std::string_view docs_table = "managers";
  template <class Add>
  static void declare(Add&& add) {
    using S = SuccessionLever;
    add("extra_success", &S::extra_success, bounds::share,
        {"probability", "added successor probability of SMEs; lever off when 0", "spec lever"});
    add("cost_per_firm", &S::cost_per_firm, bounds::non_negative,
        {"million yen", "cost per supported SME retirement", "choice"});
  }
};
#ifdef SMESIM_EXAMPLE_LEVER
// The example of docs/extending.md, built only into the test smesim_example_lever_tests (never
// into smesim): export vouchers that a share of SMEs take up each year, each raising the firm's
// information about one foreign market.
struct ExportVoucherLever {
  double uptake = 0.0, cost_per_firm = 1.0, info_gain = 0.2;
  bool active() const { return uptake > 0.0; }
  static constexpr std::string_view docs_table = "opportunities";
  template <class Add>
  static void declare(Add&& add) {
    using V = ExportVoucherLever;
    add("uptake", &V::uptake, bounds::share,
        {"1/year", "voucher probability of an SME; lever off when 0", "example"});
    add("cost_per_firm", &V::cost_per_firm, bounds::non_negative,
        {"million yen", "cost per voucher", "example"});
    add("info_gain", &V::info_gain, bounds::share,
        {"", "information gain in the voucher's market", "example"});
  }
};
#endif
struct Levers {
  LoansLever loans;
  JetroLever jetro;
  TrainingLever language_training;
  SuccessionLever succession_support;
#ifdef SMESIM_EXAMPLE_LEVER
  ExportVoucherLever export_vouchers;
#endif
  // Every lever: f(name, member pointer), in the order of the resolved YAML.
  template <class F>
  static void each(F&& f) {
    f("loans", &Levers::loans);
    f("jetro", &Levers::jetro);
    f("language_training", &Levers::language_training);
    f("succession_support", &Levers::succession_support);
#ifdef SMESIM_EXAMPLE_LEVER
    f("export_vouchers", &Levers::export_vouchers);
#endif
  }
};

struct Paths {
  // v2 5.1: a shift of the log growth of domestic demand on top of the Census path (and of its
  // trend after the data): 0 reproduces the data.
  Path g_dom{Path::Interpolation::step, {{1985, 0.0}}};
  // Calendar-year averages, yen per dollar (data/targets/exchange_rate.csv); the last value holds.
  Path fx{Path::Interpolation::linear,
          {{1985, 238.54}, {1986, 168.52}, {1987, 144.64}, {1988, 128.15}, {1989, 137.96},
           {1990, 144.79}, {1991, 134.71}, {1992, 126.65}, {1993, 111.20}, {1994, 102.21},
           {1995, 94.06},  {1996, 108.78}, {1997, 120.99}, {1998, 130.91}, {1999, 113.91},
           {2000, 107.77}, {2001, 121.53}, {2002, 125.39}, {2003, 115.93}, {2004, 108.19}}};
  Path fta_coverage{Path::Interpolation::linear, {{2002, 0.0}, {2013, 0.18}}};
};

struct OutputParams {
  std::vector<int> panel_reps = {0};    // replications whose firm panel is kept
  int panel_from = kSurvey.first_year;  // panel years kept (default: the survey window)
  int panel_to = kSurvey.last_year;
  bool decisions = true;           // keep the decision log (same reps as the panel)
  double panel_min_employees = 0;  // panel rows only for firms with L >= this (survey: 50)
};

// The simulated survey's response (spec v2 8; observation only, it never feeds back): a firm of
// the frame (L >= kSurvey.min_employees) draws a response propensity p_i ~ Beta with mean
// `response_mean` and concentration `kappa_resp` once, responds in a year with probability p_i,
// and its affiliates enter the linked panel with probability `rho_link` (drawn once per firm).
struct SurveyParams {
  double response_mean = 0.649;  // SOBA FY2003 response rate (M05 section 4)
  double kappa_resp = 2.0;       // (cal)
  double rho_link = 0.360;       // (cal) calibration/table3_v2.yaml
};

struct Params {
  std::string name = "baseline";
  std::uint64_t seed = 20051;
  int population = 42243;  // one tenth of national scale (v2 2.6)
  int start_year = 1985, end_year = 2030, burn_in_end = 1993;
  int replications = 1;

  std::array<RegionParams, kRegions> regions = default_regions();
  std::array<IndustryParams, kIndustries> industries = default_industries();
  FirmInitParams firms;
  EstablishmentParams establishments;
  ScaleParams scale;
  ManagerParams managers;
  NetworkParams network;
  EnvironmentParams environment;
  RelocationParams relocation;
  ProductionParams production;
  OpportunityParams opportunities;
  DecisionParams decisions;
  OverseasParams overseas;
  LearningParams learning;
  AccountingParams accounting;
  GroupParams groups;
  Levers levers;
  Paths paths;
  std::vector<Shock> shocks;
  OutputParams output;
  SurveyParams survey;

  int years() const { return end_year - start_year + 1; }
  static std::array<RegionParams, kRegions> default_regions();
  static std::array<IndustryParams, kIndustries> default_industries();
};

// ---- The parameter registry ----------------------------------------------------------------
// Every scalar parameter of Params, declared once (params.cpp, param_registry()): its dotted key
// (the scenario YAML path, the sweep and calibration files' parameter path, the docs' key), where
// it lives in Params (member pointers, not bound to any instance), its admissible range, unit and
// meaning. The default is read from Params{} (the member initialisers above), never written
// again. The scenario, sweep and calibration readers, the resolved YAML and docs/model.md's
// parameter tables (param_table_markdown) all walk this one table.

enum class ParamKind : std::uint8_t { real, integer, boolean };

struct ParamInfo {
  std::string key;  // dotted, e.g. relocation.phi, regions.china.c, levers.loans.rate_subsidy
  ParamKind kind = ParamKind::real;
  Bounds bounds{0, 0};
  std::string_view unit;     // "" for a pure number
  std::string_view meaning;  // one line
  std::string_view source;   // spec, choice, spec/CE16 4.1.1, ...
  bool calibrated = false;   // (cal): estimated by `smesim calibrate`
  std::string_view table;    // the docs/model.md table that lists it
  double default_value = 0;  // Params{}'s value, as a double (booleans 0 or 1)
  // Reads and writes the value in any Params: lambdas over member pointers, bound to no
  // instance. set() rounds integers to the nearest and takes x != 0 for booleans.
  std::function<double(const Params&)> get;
  std::function<void(Params&, double)> set;

  bool integral() const { return kind != ParamKind::real; }
};

// The registry in schema order (the order of the resolved YAML), built once.
const std::vector<ParamInfo>& param_registry();
// The parameter with the dotted `key`, or nullptr; `did_you_mean` (optional) receives the
// closest key when there is no exact match ("" when none is close).
const ParamInfo* find_param(std::string_view key, std::string* did_you_mean = nullptr);
// The closest of `candidates` within max(2, len/3) edits of `word`, or "" (for "did you mean").
std::string nearest_name(std::string_view word, const std::vector<std::string>& candidates);
// Shortest decimal text that reads back to exactly `x`; YAML spellings for infinities and NaN.
std::string format_real(double x);
// A docs/model.md parameter table (the markdown between its generated markers) for `table`:
// one of param_tables().
std::string param_table_markdown(std::string_view table);
std::vector<std::string_view> param_tables();

// Checks cross-parameter constraints (years, paths, shocks); returns messages, empty when valid.
std::vector<std::string> check_consistency(const Params& p);
int region_index(std::string_view name);    // -1 if unknown
int industry_index(std::string_view name);  // -1 if unknown

}  // namespace smesim::model
