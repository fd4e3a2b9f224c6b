// Opportunities (spec 5.5), the JETRO and language-training levers (5.11), and the manager's
// decision with its finance and staff constraints (5.6).
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "smesim/model/draws.hpp"
#include "smesim/model/world.hpp"

namespace smesim::model {

double World::fixed_cost_of(std::size_t i, Mode m, int r) const {
  const auto& D = params_.decisions;
  const double F_m = m == Mode::fdi ? D.F_fdi : D.F_export;
  return F_m * (1.0 + 2.0 * params_.regions[r].sigma) * std::sqrt(std::max(f_.Y[i], 0.0) / 1000.0);
}

double World::decision_value(std::size_t i, Mode m, int r, double pull_orders,
                             double cost_factor) const {
  const auto& D = params_.decisions;
  const double Y = f_.Y[i];
  const double profit = D.margin * Y;
  if (!(profit > 0.0)) return -std::numeric_limits<double>::infinity();
  const bool fdi = m == Mode::fdi;
  const double S_hat = (fdi ? D.share_fdi : D.share_export) * Y * (1.0 - env_.tau[r]);
  const double F = cost_factor * fixed_cost_of(i, m, r);
  const double npv = D.H * (fdi ? D.margin_fdi : D.margin_export) * S_hat - F;
  const std::size_t ir = i * kRegions + r;
  const double U = params_.regions[r].sigma * (1.0 - f_.info[ir]) *
                   std::exp(-0.3 * f_.experience[i]) * (1.0 + D.kappa_ell * (1.0 - f_.ell[i]));
  const double risk = D.kappa_r * f_.rho[i] * U * F;
  const double decline = f_.Y3[i] > 0.0 ? std::max(0.0, -(Y - f_.Y3[i]) / f_.Y3[i]) : 0.0;
  const double push = D.kappa_p * decline * D.H * profit;
  const double pull = D.kappa_pull * D.H * D.margin * pull_orders;
  return (npv - risk + push + pull) / profit;
}

bool World::eligible_for_loan(std::size_t i) const {
  const auto& loans = params_.levers.loans;
  return loans.active() && (!loans.sme_only || !f_.is_le(i, params_));
}

bool World::finance_ok(std::size_t i, double F, bool with_loan) const {
  const auto& D = params_.decisions;
  const auto& loans = params_.levers.loans;
  double K = f_.K_dom[i];
  if (f_.abroad(i))
    for (int r = 0; r < kRegions; ++r) K += f_.K_abroad[i * kRegions + r];
  // Banks lend against fixed assets and see SMEs as risky (CE16 4.1.2.3).
  const double credit =
      (f_.is_le(i, params_) ? D.m_bank_le : D.m_bank_sme) * K + (with_loan ? loans.cap * F : 0.0);
  const double cost = F * (1.0 - (with_loan ? loans.rate_subsidy : 0.0));
  return cost <= std::max(f_.W[i], 0.0) * D.own_funds_share + credit;
}

double World::staff_probability(std::size_t i) const {
  if (f_.is_le(i, params_)) return 1.0;
  const auto& D = params_.decisions;
  const double training = f_.trained[i] ? params_.levers.language_training.staff_bonus : 0.0;
  return sigmoid(D.staff_const + D.staff_ell * f_.ell[i] + D.staff_size * std::log(f_.L[i] / 50.0) +
                 training);
}

void World::collect_opportunities() {
  const auto& P = params_;
  const auto& jetro = P.levers.jetro;
  const auto& training = P.levers.language_training;
  const std::size_t blocks = (n() + kGrain - 1) / kGrain;
  block_candidates_.assign(blocks, {});
  // Markets each firm is active in (bit r), read by its peers' and suppliers' referrals.
  active_mask_.resize(n());
  exec_.for_blocks(n(), kGrain, [&](std::size_t, std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) {
      std::uint8_t m = 0;
      for (int r = 0; r < kRegions; ++r) m |= std::uint8_t((f_.mode[i * kRegions + r] != 0) << r);
      active_mask_[i] = f_.alive[i] ? m : 0;
    }
  });
  std::vector<YearCounters> counts(blocks);
  exec_.for_blocks(n(), kGrain, [&](std::size_t b, std::size_t lo, std::size_t hi) {
    auto& out = block_candidates_[b];
    auto& c = counts[b];
    auto push = [&](std::size_t i, Source src, Mode m, int r, std::int32_t customer) {
      out.push_back({std::int32_t(i), customer, src, m, std::int8_t(r)});
      c.opportunities[std::size_t(src)] += 1;
    };
    streams_for(
        lo, hi, std::array{Purpose::search}, [&](std::size_t i, std::array<Stream, 1>& search) {
          if (!(f_.Y[i] > 0.0)) return;
          const bool sme = !f_.is_le(i, P);
          auto mode_of = [&](int r) { return Mode(f_.mode[i * kRegions + r]); };
          // 1. Invitations to follow a relocating customer (pulled).
          Stream si = stream(i, Purpose::invitation);
          for (int slot = 0; slot < 2; ++slot) {
            const std::int32_t cust = slot ? f_.customer1[i] : f_.customer0[i];
            if (cust == kNoFirm || !f_.alive[cust] || !f_.relocated_mask[cust]) continue;
            for (int r = 0; r < kRegions; ++r) {
              if (!(f_.relocated_mask[cust] >> r & 1u)) continue;
              si.seek(std::uint32_t(slot * kRegions + r));  // one fixed draw per (customer, region)
              if (si.uniform() < P.relocation.p_invite && mode_of(r) != Mode::fdi)
                push(i, Source::invitation, Mode::fdi, r, cust);
            }
          }
          // 2. Referrals: each peer or customer active in r and each tie in r refers with p_ref;
          // several referrals to the same market are one opportunity.
          std::array<int, kRegions> sources{};
          for (int r = 0; r < kRegions; ++r) sources[r] = f_.ties[i * kRegions + r];
          auto count = [&](std::size_t p) {
            if (const std::uint8_t m = active_mask_[p])
              for (int r = 0; r < kRegions; ++r) sources[r] += m >> r & 1u;
          };
          net_.for_each_peer(i, count);
          for (std::int32_t cust : {f_.customer0[i], f_.customer1[i]})
            if (cust != kNoFirm) count(std::size_t(cust));
          Stream sr = stream(i, Purpose::referral);
          for (int r = 0; r < kRegions; ++r) {
            if (mode_of(r) != Mode::none || sources[r] == 0) continue;
            sr.seek(std::uint32_t(r));  // one fixed draw per region
            const double none = std::size_t(sources[r]) < no_referral_.size()
                                    ? no_referral_[std::size_t(sources[r])]
                                    : std::pow(1.0 - P.opportunities.p_ref, sources[r]);
            if (sr.uniform() < 1.0 - none) push(i, Source::referral, Mode::exporting, r, kNoFirm);
          }
          // 3. Proactive search, towards known and large markets; FDI after years of exporting.
          Stream& ss = search[0];
          double I_max = 0.0;
          for (int r = 0; r < kRegions; ++r)
            I_max = std::max(I_max, double(f_.info[i * kRegions + r]));
          const double u_search = ss.uniform();
          if (u_search < P.opportunities.lambda_s * f_.proactivity[i] * (1.0 + I_max)) {
            std::array<double, kRegions> w{};
            for (int r = 0; r < kRegions; ++r)
              if (mode_of(r) != Mode::fdi)
                w[r] = env_.M[r] *
                       (1.0 + P.opportunities.search_info_weight * f_.info[i * kRegions + r] +
                        (f_.experience[i] > 0 && f_.experience_region[i] == r ? 1.0 : 0.0));
            if (std::accumulate(w.begin(), w.end(), 0.0) > 0.0) {
              const int r = ss.categorical(w, kRegions);
              if (mode_of(r) == Mode::none)
                push(i, Source::search, Mode::exporting, r, kNoFirm);
              else if (f_.years_in[i * kRegions + r] >= P.opportunities.fdi_after_export_years)
                push(i, Source::search, Mode::fdi, r, kNoFirm);
            }
          }
          // 4. JETRO: information, matchmaking and ties for enrolled SMEs.
          if (jetro.active() && sme) {
            Stream sj = stream(i, Purpose::jetro);
            if (sj.uniform() < jetro.outreach * (0.5 + f_.proactivity[i])) {
              c.jetro_enrolled += 1;
              c.spend_jetro += jetro.cost_per_firm;
              std::array<double, kRegions> w{};
              for (int r = 0; r < kRegions; ++r) w[r] = mode_of(r) == Mode::none ? env_.M[r] : 0.0;
              if (std::accumulate(w.begin(), w.end(), 0.0) > 0.0) {
                const int r = sj.categorical(w, kRegions);
                float& I = f_.info[i * kRegions + r];
                I += jetro.info_gain * (1.0 - I);
                if (sj.uniform() < jetro.matchmaking_rate) {
                  f_.ties[i * kRegions + r] += 1;
                  push(i, Source::jetro, Mode::exporting, r, kNoFirm);
                }
              }
            }
          }
          // Language training: once per firm, raises ell and the staff check.
          if (training.active() && sme && !f_.trained[i]) {
            Stream st = stream(i, Purpose::training);
            if (st.uniform() < training.uptake) {
              f_.trained[i] = 1;
              f_.ell[i] += training.gain * (1.0 - f_.ell[i]);
              c.trained += 1;
              c.spend_training += training.cost_per_firm;
            }
          }
        });
  });
  for (const auto& c : counts) counters_.add(c);
}

void World::start_move(std::size_t i, const Candidate& c, double F_effective) {
  const auto& P = params_;
  const int r = c.region;
  const std::size_t ir = i * kRegions + r;
  f_.years_in[ir] = 0;
  if (c.mode == Mode::exporting) {
    f_.mode[ir] = std::uint8_t(Mode::exporting);
    f_.X[ir] = P.decisions.share_export * f_.Y[i] * (1.0 - env_.tau[r]);
    f_.W[i] -= F_effective;  // market entry costs are expensed
  } else {
    Stream s = stream(i, Purpose::affiliate);
    f_.mode[ir] = std::uint8_t(Mode::fdi);
    f_.X[ir] = 0.0;  // the affiliate replaces exports to r
    f_.So[ir] = P.decisions.share_fdi * f_.Y[i];
    f_.saj[ir] = beta_mean(s, P.regions[r].s_aj, P.firms.share_concentration);
    f_.suj[ir] = beta_mean(s, P.regions[r].s_uj, P.firms.share_concentration);
    f_.K_abroad[ir] += F_effective;  // the affiliate's capital is an asset (and collateral)
  }
  if (!f_.ever_international[i]) {
    f_.ever_international[i] = 1;
    f_.first_active[i] = 1;
    counters_.first_moves += 1;
    if (c.source == Source::invitation) counters_.first_moves_pulled += 1;
  }
}

void World::decide() {
  const auto& P = params_;
  const auto& D = P.decisions;
  // Phase 1 (parallel): each firm values its candidates, draws take/decline, keeps the best.
  std::vector<std::vector<std::size_t>> chosen(block_candidates_.size());
  exec_.for_blocks(block_candidates_.size(), 1, [&](std::size_t b, std::size_t, std::size_t) {
    auto& cands = block_candidates_[b];
    for (std::size_t lo = 0, hi = 0; lo < cands.size(); lo = hi) {
      const std::size_t i = std::size_t(cands[lo].firm);
      for (hi = lo; hi < cands.size() && std::size_t(cands[hi].firm) == i;) ++hi;
      Stream s = stream(i, Purpose::decision);
      std::size_t best = hi;
      for (std::size_t k = lo; k < hi; ++k) {
        auto& c = cands[k];
        const double pull = c.source == Source::invitation
                                ? (c.customer == f_.customer0[i] ? f_.B0[i] : f_.B1[i])
                                : 0.0;
        // The manager knows the subsidy programme: it lowers the cost weighed in V.
        const double cost_factor = eligible_for_loan(i) ? 1.0 - P.levers.loans.rate_subsidy : 1.0;
        c.V = decision_value(i, c.mode, c.region, pull, cost_factor);
        c.F = fixed_cost_of(i, c.mode, c.region);
        c.would_take = s.uniform() < sigmoid(D.beta_v * c.V + D.beta_0);
        c.outcome = Outcome::declined;
        if (c.would_take && (best == hi || c.V > cands[best].V)) best = k;
      }
      for (std::size_t k = lo; k < hi; ++k)
        if (cands[k].would_take && k != best) cands[k].outcome = Outcome::superseded;
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
      Stream s = stream(std::size_t(block_candidates_[b][k].firm), Purpose::loan_priority);
      pending.push_back({s.uniform(), b, k});
    }
  std::stable_sort(pending.begin(), pending.end(),
                   [](const Pending& x, const Pending& y) { return x.priority < y.priority; });
  const auto& loans = P.levers.loans;
  double budget = loans.budget_per_year;
  for (const auto& p : pending) {
    auto& c = block_candidates_[p.block][p.index];
    const std::size_t i = std::size_t(c.firm);
    const double subsidy = loans.rate_subsidy * c.F;
    const bool loan = eligible_for_loan(i) && subsidy <= budget && finance_ok(i, c.F, true);
    if (!loan && !finance_ok(i, c.F, false)) {
      c.outcome = Outcome::finance;
      continue;
    }
    Stream s = stream(i, Purpose::staff);
    if (s.uniform() > staff_probability(i)) {
      c.outcome = Outcome::staff;
      continue;
    }
    c.outcome = Outcome::taken;
    if (loan) {  // every eligible investing firm uses the programme, needed or not
      budget -= subsidy;
      counters_.spend_loans += subsidy;
      counters_.loans_granted += 1;
    }
    start_move(i, c, loan ? c.F * (1.0 - loans.rate_subsidy) : c.F);
  }
  for (auto& cands : block_candidates_)
    for (const auto& c : cands) {
      counters_.decisions[std::size_t(c.outcome)] += 1;
      decision_log_.push_back(c);
    }
}

}  // namespace smesim::model
