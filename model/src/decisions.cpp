// The manager's decision with its finance and staff constraints (spec 5.6).
#include "smesim/model/decisions.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "smesim/model/draws.hpp"

namespace smesim::model {

double fixed_cost(const Params& p, const Firms& f, std::size_t i, Mode m, int r) {
  const auto& D = p.decisions;
  const double F_m = m == Mode::fdi ? D.F_fdi : D.F_export;
  return F_m * (1.0 + 2.0 * p.regions[r].sigma) * std::sqrt(std::max(f.Y[i], 0.0) / 1000.0);
}

double decision_value(const Params& p, const Environment& env, const Firms& f, std::size_t i,
                      Mode m, int r, double pull_orders, double cost_factor, double* push_out) {
  const auto& D = p.decisions;
  const double Y = f.Y[i];
  const double profit = D.margin * Y;
  if (!(profit > 0.0)) return -std::numeric_limits<double>::infinity();
  const bool fdi = m == Mode::fdi;
  const double S_hat = (fdi ? D.share_fdi : D.share_export) * Y * (1.0 - env.tau[r]);
  const double F = cost_factor * fixed_cost(p, f, i, m, r);
  // SMEs' affiliates see the cost advantage of the region (v2 5.6).
  const double margin_fdi = D.margin_fdi + (f.is_le(i, p) ? 0.0 : D.theta_c_sme * env.adv[r]);
  const double npv = D.H * (fdi ? margin_fdi : D.margin_export) * S_hat - F;
  const std::size_t ir = i * kRegions + r;
  const double U = p.regions[r].sigma * (1.0 - f.info[ir]) * std::exp(-0.3 * f.experience[i]) *
                   (1.0 + D.kappa_ell * (1.0 - f.ell[i]));
  const double risk = D.kappa_r * f.rho[i] * U * F;
  // Push from the market and from the firm's own sales: three-year log changes (v2 5.6).
  const int k = f.industry[i];
  const double market = env.D3[k] > 0.0 && env.D[k] > 0.0 ? std::log(env.D[k] / env.D3[k]) : 0.0;
  const double own = f.Y3[i] > 0.0 && Y > 0.0 ? std::log(Y / f.Y3[i]) : 0.0;
  const double push =
      (D.kappa_p * std::max(0.0, -market) + D.kappa_p2 * std::max(0.0, -own)) * D.H * profit;
  if (push_out) *push_out = push / profit;
  const double pull = D.kappa_pull * D.H * D.margin * pull_orders;
  return (npv - risk + push + pull) / profit;
}

bool eligible_for_loan(const Params& p, const Firms& f, std::size_t i) {
  const auto& loans = p.levers.loans;
  return loans.active() && (!loans.sme_only || !f.is_le(i, p));
}

bool finance_ok(const Params& p, const Firms& f, std::size_t i, double F, bool with_loan) {
  const auto& D = p.decisions;
  const auto& loans = p.levers.loans;
  double K = f.K_dom[i];
  if (f.abroad(i))
    for (int r = 0; r < kRegions; ++r) K += f.K_abroad[i * kRegions + r];
  // Banks lend against fixed assets and see SMEs as risky (CE16 4.1.2.3).
  const double credit =
      (f.is_le(i, p) ? D.m_bank_le : D.m_bank_sme) * K + (with_loan ? loans.cap * F : 0.0);
  const double cost = F * (1.0 - (with_loan ? loans.rate_subsidy : 0.0));
  return cost <= std::max(f.W[i], 0.0) * D.own_funds_share + credit;
}

double staff_probability(const Params& p, const Firms& f, std::size_t i) {
  if (f.is_le(i, p)) return 1.0;
  const auto& D = p.decisions;
  const double training = f.trained[i] ? p.levers.language_training.staff_bonus : 0.0;
  return sigmoid(D.staff_const + D.staff_ell * f.ell[i] + D.staff_size * std::log(f.L[i] / 50.0) +
                 training);
}

void start_move(const Params& P, const YearContext& y, const Environment& env, Firms& f,
                std::size_t i, const Candidate& c, double F_effective, YearCounters& counters) {
  const int r = c.region;
  const std::size_t ir = i * kRegions + r;
  f.years_in[ir] = 0;
  if (c.mode == Mode::exporting) {
    f.mode[ir] = std::uint8_t(Mode::exporting);
    f.X[ir] = P.decisions.share_export * f.Y[i] * (1.0 - env.tau[r]);
    f.W[i] -= F_effective;  // market entry costs are expensed
  } else {
    Stream s = y.stream(f, i, Purpose::affiliate);
    f.mode[ir] = std::uint8_t(Mode::fdi);
    f.X[ir] = 0.0;  // the affiliate replaces exports to r
    // A supplier that follows its customer takes the moved orders abroad (v2 5.3, 5.7).
    const double follow = c.source == Source::invitation ? f.follow[ir] : 0.0;
    f.SoH[ir] = follow > 0.0 ? follow : P.decisions.share_fdi * f.Y[i];
    f.follow[ir] = 0.0;  // taken abroad here (not added again in 5.7)
    f.So[ir] = f.SoH[ir];
    f.o[ir] = 0.0;
    f.saj[ir] = 0.0f;
    f.suj[ir] = beta_mean(s, P.regions[r].s_uj, P.firms.share_concentration);
    f.K_abroad[ir] += F_effective;  // the affiliate's capital is an asset (and collateral)
  }
  if (!f.ever_international[i]) {
    f.ever_international[i] = 1;
    f.first_active[i] = 1;
    counters.first_moves += 1;
    if (c.source == Source::invitation) counters.first_moves_pulled += 1;
    counters.first_moves_by_source[std::size_t(c.source)] += 1;
    if (c.pushed) counters.first_moves_pushed += 1;
  }
}

namespace {

// Phase 1 for the candidates [lo, hi) of firm i: values, take/decline draws, the best kept
// (returns its index, or hi when the manager takes none).
std::size_t value_candidates(const Params& P, const YearContext& y, const Environment& env,
                             const Firms& f, std::vector<Candidate>& cands, std::size_t lo,
                             std::size_t hi) {
  const auto& D = P.decisions;
  const std::size_t i = std::size_t(cands[lo].firm);
  Stream s = y.stream(f, i, Purpose::decision);
  std::size_t best = hi;
  for (std::size_t k = lo; k < hi; ++k) {
    auto& c = cands[k];
    // What is at stake for an invited supplier: the orders its customer moved (v2 5.3).
    const double pull = c.source == Source::invitation ? f.follow[i * kRegions + c.region] : 0.0;
    // The manager knows the subsidy programme: it lowers the cost weighed in V.
    const double cost_factor = eligible_for_loan(P, f, i) ? 1.0 - P.levers.loans.rate_subsidy : 1.0;
    double push = 0.0;
    c.V = decision_value(P, env, f, i, c.mode, c.region, pull, cost_factor, &push);
    c.F = fixed_cost(P, f, i, c.mode, c.region);
    const double u = s.uniform();
    c.would_take = u < sigmoid(D.beta_v * c.V + D.beta_0);
    c.pushed = c.would_take && u >= sigmoid(D.beta_v * (c.V - push) + D.beta_0);
    c.outcome = Outcome::declined;
    if (c.would_take && (best == hi || c.V > cands[best].V)) best = k;
  }
  for (std::size_t k = lo; k < hi; ++k)
    if (cands[k].would_take && k != best) cands[k].outcome = Outcome::superseded;
  return best;
}

}  // namespace

void decide(const Params& P, const YearContext& y, const Environment& env,
            Opportunities& opportunities, Firms& f, DecisionLog& log, YearCounters& counters) {
  auto& blocks = opportunities.by_block;
  // Phase 1 (parallel): each firm values its candidates, draws take/decline, keeps the best.
  std::vector<std::vector<std::size_t>> chosen(blocks.size());
  y.exec.for_blocks(blocks.size(), 1, [&](std::size_t b, std::size_t, std::size_t) {
    auto& cands = blocks[b];
    for (std::size_t lo = 0, hi = 0; lo < cands.size(); lo = hi) {
      const std::size_t i = std::size_t(cands[lo].firm);
      for (hi = lo; hi < cands.size() && std::size_t(cands[hi].firm) == i;) ++hi;
      const std::size_t best = value_candidates(P, y, env, f, cands, lo, hi);
      if (best != hi) chosen[b].push_back(best);
    }
  });
  // Phase 2 (serial, in a random priority order drawn per firm): finance with the policy loan
  // while its budget lasts, then staff. Few firms get here, so this is cheap.
  struct Pending {
    double priority;
    std::size_t block, index;
  };
  std::vector<Pending> pending;
  for (std::size_t b = 0; b < chosen.size(); ++b)
    for (std::size_t k : chosen[b]) {
      Stream s = y.stream(f, std::size_t(blocks[b][k].firm), Purpose::loan_priority);
      pending.push_back({s.uniform(), b, k});
    }
  std::stable_sort(pending.begin(), pending.end(),
                   [](const Pending& a, const Pending& b) { return a.priority < b.priority; });
  const auto& loans = P.levers.loans;
  double budget = loans.budget_per_year;
  for (const auto& p : pending) {
    auto& c = blocks[p.block][p.index];
    const std::size_t i = std::size_t(c.firm);
    const double subsidy = loans.rate_subsidy * c.F;
    const bool loan =
        eligible_for_loan(P, f, i) && subsidy <= budget && finance_ok(P, f, i, c.F, true);
    if (!loan && !finance_ok(P, f, i, c.F, false)) {
      c.outcome = Outcome::finance;
      continue;
    }
    Stream s = y.stream(f, i, Purpose::staff);
    if (s.uniform() > staff_probability(P, f, i)) {
      c.outcome = Outcome::staff;
      continue;
    }
    c.outcome = Outcome::taken;
    if (loan) {  // every eligible investing firm uses the programme, needed or not
      budget -= subsidy;
      counters.spend_loans += subsidy;
      counters.loans_granted += 1;
    }
    start_move(P, y, env, f, i, c, loan ? c.F * (1.0 - loans.rate_subsidy) : c.F, counters);
  }
  for (auto& cands : blocks)
    for (const auto& c : cands) {
      counters.decisions[std::size_t(c.outcome)] += 1;
      log.push_back(c);
    }
}

}  // namespace smesim::model
