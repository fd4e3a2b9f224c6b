#include "smesim/model/params.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

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
  // weight, g_k, theta0_k, assembler, supplier, y_k, alpha_size. Weights follow the 1985 census
  // mix of manufacturing firms; alpha_size per industry so that the SME output share lands near
  // M05 Figure 5 (> 50% textiles, < 10% electrical and transport machinery).
  return {{{0.14, 0.00, 0.0, false, false, 30.0, 1.25},
           {0.10, -0.03, 0.0, false, false, 30.0, 1.35},
           {0.05, 0.00, 0.0, false, true, 30.0, 0.95},
           {0.06, -0.01, 0.0, false, false, 30.0, 1.15},
           {0.04, 0.00, 0.0, false, true, 30.0, 0.90},
           {0.16, 0.00, 0.0, false, true, 30.0, 1.30},
           {0.17, 0.00, 0.0, true, true, 30.0, 1.10},
           {0.13, 0.00, 0.5, true, true, 30.0, 0.70},
           {0.10, 0.00, 0.3, true, false, 30.0, 0.70},
           {0.05, 0.00, 0.0, true, true, 30.0, 1.05}}};
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

double ParamRef::get() const {
  switch (kind) {
    case Kind::real:
      return *static_cast<const double*>(ptr);
    case Kind::integer:
      return *static_cast<const int*>(ptr);
    default:
      return *static_cast<const bool*>(ptr) ? 1.0 : 0.0;
  }
}

void ParamRef::set(double x) const {
  switch (kind) {
    case Kind::real:
      *static_cast<double*>(ptr) = x;
      break;
    case Kind::integer:
      *static_cast<int*>(ptr) = static_cast<int>(std::lround(x));
      break;
    default:
      *static_cast<bool*>(ptr) = x != 0.0;
  }
}

const ParamRef* find_param(const std::vector<ParamRef>& refs, std::string_view path) {
  for (const auto& r : refs)
    if (r.path == path) return &r;
  return nullptr;
}

std::vector<ParamRef> param_refs(Params& p) {
  std::vector<ParamRef> v;
  using K = ParamRef::Kind;
  auto real = [&](std::string path, double& x, double lo, double hi, std::string_view m = {}) {
    v.push_back({std::move(path), K::real, &x, lo, hi, m});
  };
  auto share = [&](std::string path, double& x, std::string_view m = {}) {
    real(std::move(path), x, 0.0, 1.0, m);
  };
  auto pos = [&](std::string path, double& x, std::string_view m = {}) {
    real(std::move(path), x, 0.0, kInf, m);
  };
  auto any = [&](std::string path, double& x, std::string_view m = {}) {
    real(std::move(path), x, -kInf, kInf, m);
  };
  auto integer = [&](std::string path, int& x, double lo, double hi, std::string_view m = {}) {
    v.push_back({std::move(path), K::integer, &x, lo, hi, m});
  };
  auto boolean = [&](std::string path, bool& x, std::string_view m = {}) {
    v.push_back({std::move(path), K::boolean, &x, 0, 1, m});
  };

  integer("population", p.population, 1, 5e7, "number of firms at the start");
  integer("start_year", p.start_year, 1900, 2200, "first simulated year");
  integer("end_year", p.end_year, 1900, 2200, "last simulated year");
  integer("burn_in_end", p.burn_in_end, 1900, 2200, "last burn-in year");
  integer("replications", p.replications, 1, 1e6, "Monte Carlo replications");

  for (int r = 0; r < kRegions; ++r) {
    auto& R = p.regions[r];
    const std::string b = "regions." + std::string(kRegionNames[r]) + ".";
    any(b + "g", R.g, "foreign demand growth per year");
    pos(b + "c", R.c, "relative unit production cost (Japan = 1)");
    share(b + "tau", R.tau, "trade cost before FTA coverage");
    pos(b + "sigma", R.sigma, "market uncertainty");
    share(b + "s_aj", R.s_aj, "mean import-back share of affiliates");
    share(b + "s_uj", R.s_uj, "mean supply-from-Japan share of affiliates");
    real(b + "M0", R.M0, 1e-9, kInf, "foreign demand index in the start year");
  }
  for (int k = 0; k < kIndustries; ++k) {
    auto& I = p.industries[k];
    const std::string b = "industries." + std::string(kIndustryNames[k]) + ".";
    pos(b + "weight", I.weight, "share of firms at initialization (normalized)");
    any(b + "g_k", I.g_k, "domestic demand trend");
    any(b + "theta0_k", I.theta0_k, "relocation propensity of large firms");
    boolean(b + "assembler", I.assembler, "large firms head keiretsu");
    boolean(b + "supplier", I.supplier, "SMEs may be keiretsu suppliers");
    real(b + "y_k", I.y_k, 1e-9, kInf, "output per employee (million yen) at a = 0");
    real(b + "alpha_size", I.alpha_size, 0.05, 10, "Pareto tail of firm size");
  }

  auto& F = p.firms;
  real("firms.L_min", F.L_min, 1, kInf);
  real("firms.L_max", F.L_max, 1, kInf);
  pos("firms.le_threshold", F.le_threshold, "LE iff L > le_threshold");
  any("firms.a_size_slope", F.a_size_slope);
  pos("firms.a_sd", F.a_sd);
  share("firms.rd_rate_le", F.rd_rate_le);
  share("firms.rd_rate_sme", F.rd_rate_sme);
  pos("firms.rd_rate_sd", F.rd_rate_sd);
  share("firms.rd_zero_share_sme", F.rd_zero_share_sme);
  pos("firms.W_share", F.W_share);
  pos("firms.K_share", F.K_share);
  share("firms.init_export_share_sme", F.init_export_share_sme);
  share("firms.init_export_share_le", F.init_export_share_le);
  share("firms.init_fdi_share_le", F.init_fdi_share_le);
  share("firms.init_fdi_share_sme", F.init_fdi_share_sme);
  real("firms.share_concentration", F.share_concentration, 1e-6, kInf);

  auto& M = p.managers;
  real("managers.rho_a", M.rho_a, 1e-6, kInf);
  real("managers.rho_b", M.rho_b, 1e-6, kInf);
  share("managers.experience_prob", M.experience_prob);
  pos("managers.experience_poisson", M.experience_poisson);
  real("managers.ell_a", M.ell_a, 1e-6, kInf);
  real("managers.ell_b", M.ell_b, 1e-6, kInf);
  real("managers.pi_a", M.pi_a, 1e-6, kInf);
  real("managers.pi_b", M.pi_b, 1e-6, kInf);
  real("managers.age_min", M.age_min, 15, 100);
  real("managers.age_max", M.age_max, 15, 100);
  share("managers.experience_info", M.experience_info);
  share("managers.experience_ell_min", M.experience_ell_min);
  real("managers.retirement_age", M.retirement_age, 15, 120);
  real("managers.retirement_scale", M.retirement_scale, 1e-6, kInf);
  share("managers.successor_prob_sme", M.successor_prob_sme);
  share("managers.successor_prob_le", M.successor_prob_le);
  share("managers.family_prob", M.family_prob);
  real("managers.successor_age_min", M.successor_age_min, 15, 100);
  real("managers.successor_age_max", M.successor_age_max, 15, 100);

  auto& N = p.network;
  share("network.head_prob", N.head_prob);
  pos("network.tier1_rate", N.tier1_rate);
  pos("network.tier1_min_L", N.tier1_min_L);
  pos("network.tier2_rate", N.tier2_rate);
  pos("network.tier2_max_L", N.tier2_max_L);
  real("network.share_mean", N.share_mean, 1e-6, 1 - 1e-6);
  real("network.share_concentration", N.share_concentration, 1e-6, kInf);
  share("network.second_customer_prob", N.second_customer_prob);
  share("network.second_share", N.second_share);
  share("network.share_cap", N.share_cap);
  share("network.parent_prob_tier1", N.parent_prob_tier1);
  share("network.parent_prob_le", N.parent_prob_le);
  integer("network.peer_degree", N.peer_degree, 0, 64);
  share("network.peer_rewire", N.peer_rewire);
  share("network.entrant_tier2_prob", N.entrant_tier2_prob);

  auto& E = p.environment;
  pos("environment.domestic_noise", E.domestic_noise);
  pos("environment.foreign_noise", E.foreign_noise);
  real("environment.fx_ref", E.fx_ref, 1e-9, kInf);
  share("environment.fta_tau_cut", E.fta_tau_cut);
  boolean("environment.strong_yen_favours_abroad", E.strong_yen_favours_abroad,
          "yen-cost advantage convention (docs/model.md)");

  auto& Rl = p.relocation;
  any("relocation.theta0_r", Rl.theta0_r, "(cal) base relocation log-odds");
  any("relocation.theta_c", Rl.theta_c);
  any("relocation.theta_m", Rl.theta_m);
  any("relocation.size_elasticity", Rl.size_elasticity);
  share("relocation.phi", Rl.phi, "(cal) share of production moved per relocation");
  share("relocation.p_invite", Rl.p_invite, "(cal) invitation probability per tier-1 supplier");

  auto& Pr = p.production;
  share("production.psi", Pr.psi);
  share("production.gamma_in", Pr.gamma_in);
  any("production.kappa_rep", Pr.kappa_rep, "(cal) reputation gain of going abroad");
  pos("production.sigma_y", Pr.sigma_y, "(cal) idiosyncratic demand shock");
  share("production.chi_sme", Pr.chi_sme, "(cal)");
  share("production.chi_le", Pr.chi_le, "(cal)");
  any("production.productivity_pass", Pr.productivity_pass);

  auto& O = p.opportunities;
  share("opportunities.p_ref", O.p_ref, "(cal) referral probability per source");
  pos("opportunities.lambda_s", O.lambda_s);
  pos("opportunities.search_info_weight", O.search_info_weight);
  integer("opportunities.fdi_after_export_years", O.fdi_after_export_years, 0, 100);

  auto& D = p.decisions;
  share("decisions.margin", D.margin);
  share("decisions.share_export", D.share_export);
  share("decisions.share_fdi", D.share_fdi);
  pos("decisions.H", D.H);
  share("decisions.margin_export", D.margin_export);
  share("decisions.margin_fdi", D.margin_fdi);
  pos("decisions.F_export", D.F_export);
  pos("decisions.F_fdi", D.F_fdi);
  pos("decisions.kappa_ell", D.kappa_ell);
  pos("decisions.kappa_r", D.kappa_r, "(cal) weight of risk");
  pos("decisions.kappa_p", D.kappa_p, "(cal) weight of the push of falling sales");
  pos("decisions.kappa_pull", D.kappa_pull);
  pos("decisions.beta_v", D.beta_v);
  any("decisions.beta_0", D.beta_0, "(cal) domestic focus");
  pos("decisions.m_bank_sme", D.m_bank_sme);
  pos("decisions.m_bank_le", D.m_bank_le);
  share("decisions.own_funds_share", D.own_funds_share);
  any("decisions.staff_const", D.staff_const);
  any("decisions.staff_ell", D.staff_ell);
  any("decisions.staff_size", D.staff_size);

  auto& Ov = p.overseas;
  any("overseas.export_info", Ov.export_info);
  any("overseas.export_drift", Ov.export_drift);
  pos("overseas.export_noise", Ov.export_noise);
  real("overseas.export_fail", Ov.export_fail, 0, 1.0 / 1.5);
  any("overseas.fdi_info", Ov.fdi_info);
  any("overseas.fdi_drift", Ov.fdi_drift);
  pos("overseas.fdi_noise", Ov.fdi_noise);
  share("overseas.fdi_fail", Ov.fdi_fail);
  integer("overseas.fail_years", Ov.fail_years, 0, 100);
  share("overseas.suj_decay", Ov.suj_decay);
  pos("overseas.kappa_spill", Ov.kappa_spill, "(cal) productivity spill-over");
  any("overseas.affiliate_return", Ov.affiliate_return);
  real("overseas.mature_ratio_export", Ov.mature_ratio_export, 1e-9, kInf);
  real("overseas.mature_ratio_fdi", Ov.mature_ratio_fdi, 1e-9, kInf);

  auto& Le = p.learning;
  share("learning.info_gain", Le.info_gain);
  share("learning.info_decay", Le.info_decay);
  share("learning.peer_spill", Le.peer_spill);
  share("learning.ell_gain", Le.ell_gain);
  pos("learning.tie_rate", Le.tie_rate);

  auto& A = p.accounting;
  pos("accounting.fixed_cost", A.fixed_cost);
  share("accounting.tax", A.tax);
  pos("accounting.interest_rate", A.interest_rate);
  pos("accounting.emp_elasticity", A.emp_elasticity);
  any("accounting.xi_rd", A.xi_rd);
  pos("accounting.sigma_rd", A.sigma_rd, "(cal)");
  any("accounting.innovation", A.innovation);
  any("accounting.drift", A.drift);
  pos("accounting.drift_sd", A.drift_sd);
  real("accounting.insolvency", A.insolvency, -kInf, 0);
  share("accounting.min_sales", A.min_sales);
  share("accounting.entry_rate", A.entry_rate);
  real("accounting.entry_max_L", A.entry_max_L, 1, kInf);

  auto& G = p.groups;
  share("groups.p_leave_group", G.p_leave_group);
  share("groups.leave_order_cut", G.leave_order_cut, "(cal)");
  share("groups.p_join_group", G.p_join_group);
  pos("groups.join_min_L", G.join_min_L);

  auto& L = p.levers;
  pos("levers.loans.cap", L.loans.cap, "policy loan ceiling as a multiple of F");
  share("levers.loans.rate_subsidy", L.loans.rate_subsidy, "share of F covered by the subsidy");
  boolean("levers.loans.sme_only", L.loans.sme_only);
  pos("levers.loans.budget_per_year", L.loans.budget_per_year, "subsidy budget, million yen");
  share("levers.jetro.outreach", L.jetro.outreach);
  share("levers.jetro.matchmaking_rate", L.jetro.matchmaking_rate);
  share("levers.jetro.info_gain", L.jetro.info_gain);
  pos("levers.jetro.cost_per_firm", L.jetro.cost_per_firm);
  share("levers.language_training.uptake", L.language_training.uptake);
  share("levers.language_training.gain", L.language_training.gain);
  pos("levers.language_training.cost_per_firm", L.language_training.cost_per_firm);
  any("levers.language_training.staff_bonus", L.language_training.staff_bonus);
  share("levers.succession_support.extra_success", L.succession_support.extra_success);
  pos("levers.succession_support.cost_per_firm", L.succession_support.cost_per_firm);

  integer("output.panel_from", p.output.panel_from, 1900, 2200, "first panel year kept");
  integer("output.panel_to", p.output.panel_to, 1900, 2200, "last panel year kept");
  boolean("output.decisions", p.output.decisions, "keep the decision log");
  pos("output.panel_min_employees", p.output.panel_min_employees,
      "panel rows only for firms with at least this many employees");
  return v;
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
