// Initialization (spec 5.2 and 2.3-2.5): firms, managers, initial international activity, the
// keiretsu DAG and the peer network.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "smesim/model/draws.hpp"
#include "smesim/model/world.hpp"

namespace smesim::model {

Executor Executor::serial() {
  return {[](std::size_t n, std::size_t grain, const Body& body) {
    for (std::size_t b = 0, begin = 0; begin < n; ++b, begin += grain)
      body(b, begin, std::min(n, begin + grain));
  }};
}

void YearCounters::add(const YearCounters& o) {
  for (int k = 0; k < 4; ++k) opportunities[k] += o.opportunities[k];
  for (int k = 0; k < 5; ++k) decisions[k] += o.decisions[k];
  for (int k = 0; k < 4; ++k) exits[k] += o.exits[k];
  entries += o.entries;
  first_moves += o.first_moves;
  first_moves_pulled += o.first_moves_pulled;
  relocations += o.relocations;
  group_joins += o.group_joins;
  group_leaves += o.group_leaves;
  loans_granted += o.loans_granted;
  jetro_enrolled += o.jetro_enrolled;
  trained += o.trained;
  successions_supported += o.successions_supported;
  spend_loans += o.spend_loans;
  spend_jetro += o.spend_jetro;
  spend_training += o.spend_training;
  spend_succession += o.spend_succession;
}

World::World(const Params& params, StreamKey key, Executor exec)
    : params_(params), key_(key), exec_(std::move(exec)) {
  const auto& M = params_.managers;
  for (std::size_t age = 0; age < retirement_by_age_.size(); ++age)
    retirement_by_age_[age] = sigmoid((double(age) - M.retirement_age) / M.retirement_scale);
  for (std::size_t k = 0; k < no_referral_.size(); ++k)
    no_referral_[k] = std::pow(1.0 - params_.opportunities.p_ref, int(k));
  initialize();
}

void World::draw_manager(std::size_t i, Stream& s, double age_min, double age_max) {
  const auto& M = params_.managers;
  f_.rho[i] = beta(s, M.rho_a, M.rho_b);
  f_.experience[i] =
      s.bernoulli(M.experience_prob) ? float(1 + poisson(s, M.experience_poisson)) : 0.0f;
  f_.ell[i] = beta(s, M.ell_a, M.ell_b);
  f_.proactivity[i] = beta(s, M.pi_a, M.pi_b);
  f_.age[i] = float(std::floor(uniform_between(s, age_min, age_max + 1.0)));
  f_.experience_region[i] = -1;
  if (f_.experience[i] > 0) {
    // Experience was gained where foreign demand is, and dictates where the firm looks
    // (CE16 6.1.2).
    const int r = s.categorical(env_.M, kRegions);
    f_.experience_region[i] = std::int8_t(r);
    float& I = f_.info[i * kRegions + r];
    I = float(std::max(double(I), M.experience_info));
    f_.ell[i] = float(std::max(double(f_.ell[i]), M.experience_ell_min));
  }
}

// Draws a firm like the initial population (entrants: smaller than entry_max_L, spec 5.10).
void World::add_firm(std::size_t i, bool entrant) {
  const auto& P = params_;
  Stream s(key_, f_.id[i], entrant ? std::uint32_t(env_.year - P.start_year) : 0,
           entrant ? Purpose::entry : Purpose::init_size);
  std::array<double, kIndustries> w{};
  for (int k = 0; k < kIndustries; ++k) w[k] = P.industries[k].weight;
  const int k = s.categorical(w, kIndustries);
  const auto& ind = P.industries[k];
  const double L_hi = entrant ? std::min(P.accounting.entry_max_L, P.firms.L_max) : P.firms.L_max;
  f_.industry[i] = std::uint8_t(k);
  f_.alive[i] = 1;
  f_.tier[i] = kTierIndependent;
  f_.entry_year[i] = std::int16_t(entrant ? env_.year : P.start_year);
  f_.L[i] = truncated_pareto(s, P.firms.L_min, L_hi, ind.alpha_size);
  // Entrants start from today's technology: the productivity drift incumbents have had since the
  // start year (docs/model.md).
  const double vintage = entrant ? P.accounting.drift * double(env_.year - P.start_year) : 0.0;
  f_.a[i] = vintage + P.firms.a_size_slope * std::log(f_.L[i] / P.firms.L_min) +
            P.firms.a_sd * s.normal();
  f_.a_start[i] = f_.a[i];
  const double Y = f_.L[i] * ind.y_k * std::exp(f_.a[i]);
  const bool le = f_.L[i] > P.firms.le_threshold;
  const double rd_mean = le ? P.firms.rd_rate_le : P.firms.rd_rate_sme;
  const double sd = P.firms.rd_rate_sd;
  const bool no_rd = !le && s.bernoulli(P.firms.rd_zero_share_sme);
  const double rd_rate =
      rd_mean > 0 ? std::exp(std::log(rd_mean) - 0.5 * sd * sd + sd * s.normal()) : 0.0;
  f_.RD[i] = no_rd ? 0.0 : rd_rate * Y;
  for (double* v : {&f_.Y[i], &f_.Y1[i], &f_.Y2[i], &f_.Y3[i], &f_.Y_entry[i], &f_.Ymkt[i]}) *v = Y;
  f_.W[i] = P.firms.W_share * Y;
  f_.K_dom[i] = P.firms.K_share * Y;
  f_.overseas_size[i] = 1.0;
  Stream m(key_, f_.id[i], entrant ? std::uint32_t(env_.year - P.start_year) : 0,
           Purpose::init_manager);
  draw_manager(i, m, P.managers.age_min, P.managers.age_max);
}

void World::initialize() {
  const auto& P = params_;
  env_ = Environment{};
  env_.year = P.start_year;
  next_year_ = P.start_year;
  for (int r = 0; r < kRegions; ++r) {
    env_.M[r] = P.regions[r].M0;
    env_.tau[r] = P.regions[r].tau *
                  (1.0 - P.environment.fta_tau_cut * P.paths.fta_coverage.at(P.start_year));
  }
  env_.D.fill(1.0);

  const std::size_t N = std::size_t(P.population);
  f_ = Firms{};
  f_.resize(N);
  // Per-firm steps that write only the firm's own state run in parallel blocks (each firm has
  // its own streams, so the result does not depend on the order).
  auto each_firm = [&](auto&& body) {
    exec_.for_blocks(N, kGrain, [&](std::size_t, std::size_t lo, std::size_t hi) {
      for (std::size_t i = lo; i < hi; ++i) body(i);
    });
  };
  each_firm([&](std::size_t i) { add_firm(i, false); });
  // Firms are numbered by industry, then size: peers are same-industry firms of similar size
  // (below), so a firm's peers are stored near it and the yearly learning step, which reads
  // every peer's information, finds them in cache. Numbering does not change the economy: firms
  // are drawn independently, and each keeps the draws it was made with.
  std::vector<std::uint32_t> order(N);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](std::uint32_t x, std::uint32_t y) {
    if (f_.industry[x] != f_.industry[y]) return f_.industry[x] < f_.industry[y];
    return f_.L[x] != f_.L[y] ? f_.L[x] < f_.L[y] : x < y;
  });
  select_firms(order);
  for (std::size_t k = 0; k < N; ++k) f_.id[k] = std::uint32_t(k);  // a firm's number is its place

  // Initial international activity: about 1% of SMEs export and 20% of LEs own affiliates in the
  // start year (spec 5.2); established activity has passed its failure window.
  each_firm([&](std::size_t i) {
    Stream s(key_, f_.id[i], 0, Purpose::init_international);
    const bool le = f_.is_le(i, P);
    auto region = [&] {
      return f_.experience_region[i] >= 0 ? int(f_.experience_region[i])
                                          : s.categorical(env_.M, kRegions);
    };
    const bool exp = s.bernoulli(le ? P.firms.init_export_share_le : P.firms.init_export_share_sme);
    const int rx = region();
    const bool fdi = s.bernoulli(le ? P.firms.init_fdi_share_le : P.firms.init_fdi_share_sme);
    const int rf = region();
    const double saj = beta_mean(s, P.regions[rf].s_aj, P.firms.share_concentration);
    const double suj = beta_mean(s, P.regions[rf].s_uj, P.firms.share_concentration);
    if (exp) {
      const std::size_t ir = i * kRegions + rx;
      f_.mode[ir] = std::uint8_t(Mode::exporting);
      f_.X[ir] = P.decisions.share_export * f_.Y[i] * (1.0 - env_.tau[rx]);
      f_.years_in[ir] = 5;
      f_.info[ir] = std::max(f_.info[ir], 0.5f);
    }
    if (fdi) {
      const std::size_t ir = i * kRegions + rf;
      f_.mode[ir] = std::uint8_t(Mode::fdi);
      f_.X[ir] = 0.0;
      f_.So[ir] = P.decisions.share_fdi * f_.Y[i];
      f_.saj[ir] = saj;
      f_.suj[ir] = suj;
      f_.years_in[ir] = 5;
      f_.info[ir] = std::max(f_.info[ir], 0.5f);
      f_.K_abroad[ir] = fixed_cost_of(i, Mode::fdi, rf);
    }
    f_.ever_international[i] = exp || fdi;
  });

  // Keiretsu (spec 5.2): heads, tier-1 suppliers weighted by size, tier-2 suppliers.
  std::vector<std::int32_t> pool;
  std::vector<double> cum;
  for (std::size_t i = 0; i < N; ++i) {
    if (f_.is_le(i, P) && P.industries[f_.industry[i]].assembler) {
      Stream s(key_, f_.id[i], 0, Purpose::init_keiretsu);
      if (s.bernoulli(P.network.head_prob)) {
        net_.heads.push_back(std::int32_t(i));
        f_.tier[i] = kTierHead;
      }
    } else if (!f_.is_le(i, P) && f_.L[i] >= P.network.tier1_min_L &&
               P.industries[f_.industry[i]].supplier) {
      pool.push_back(std::int32_t(i));
      cum.push_back((cum.empty() ? 0.0 : cum.back()) + f_.L[i]);
    }
  }
  auto attach = [&](std::int32_t s, std::int32_t c, std::uint8_t tier) {
    f_.customer0[s] = c;
    f_.tier[s] = tier;
  };
  for (std::int32_t h : net_.heads) {
    if (pool.empty()) break;
    Stream s(key_, f_.id[std::size_t(h)], 0, Purpose::init_keiretsu);
    s.uniform();  // the head draw above
    const int n1 = poisson(s, P.network.tier1_rate * std::sqrt(f_.L[h] / 1000.0));
    for (int k = 0; k < n1; ++k) {
      for (int attempt = 0; attempt < 10; ++attempt) {
        const double u = s.uniform() * cum.back();
        const auto j = pool[std::size_t(std::lower_bound(cum.begin(), cum.end(), u) - cum.begin())];
        if (f_.customer0[j] != kNoFirm) continue;
        attach(j, h, kTier1);
        net_.tier1.push_back(j);
        break;
      }
    }
  }
  std::vector<std::int32_t> pool2;
  for (std::size_t i = 0; i < N; ++i)
    if (!f_.is_le(i, P) && f_.L[i] < P.network.tier2_max_L && f_.tier[i] == kTierIndependent &&
        P.industries[f_.industry[i]].supplier)
      pool2.push_back(std::int32_t(i));
  for (std::int32_t t1 : net_.tier1) {
    if (pool2.empty()) break;
    Stream s(key_, f_.id[std::size_t(t1)], 0, Purpose::init_tier2);
    const int n2 = poisson(s, P.network.tier2_rate);
    for (int k = 0; k < n2; ++k) {
      for (int attempt = 0; attempt < 10; ++attempt) {
        const auto j = pool2[s.below(std::uint32_t(pool2.size()))];
        if (f_.customer0[j] != kNoFirm) continue;
        attach(j, t1, kTier2);
        break;
      }
    }
  }
  // Shares of sales to customers, second customers and equity ties.
  each_firm([&](std::size_t i) {
    Stream s(key_, f_.id[i], 0, Purpose::init_shares);
    if (f_.customer0[i] != kNoFirm) {
      const double share = beta_mean(s, P.network.share_mean, P.network.share_concentration);
      f_.B0[i] = share * f_.Y[i];
      const auto& candidates = f_.tier[i] == kTier1 ? net_.heads : net_.tier1;
      if (s.bernoulli(P.network.second_customer_prob) && candidates.size() > 1) {
        const auto c = candidates[s.below(std::uint32_t(candidates.size()))];
        const double share2 = std::min(P.network.second_share, P.network.share_cap - share);
        if (c != f_.customer0[i] && share2 > 0) {
          f_.customer1[i] = c;
          f_.B1[i] = share2 * f_.Y[i];
        }
      }
      if (f_.tier[i] == kTier1) f_.D_parent[i] = s.bernoulli(P.network.parent_prob_tier1);
    } else if (f_.is_le(i, P)) {
      f_.D_parent[i] = s.bernoulli(P.network.parent_prob_le);
    }
  });
  for (std::size_t i = 0; i < N; ++i)  // a tier-1 supplier is a customer only of its suppliers
    for (std::int32_t c : {f_.customer0[i], f_.customer1[i]})
      if (c != kNoFirm && f_.tier[c] >= f_.tier[i])
        throw std::logic_error("keiretsu tiers are not a topological layering");
  keiretsu_levels(f_);  // throws on a cycle

  // Peers: same-industry ring lattice by log size with rewiring (Watts-Strogatz, spec 5.2).
  std::array<std::vector<std::int32_t>, kIndustries> by_industry;
  for (std::size_t i = 0; i < N; ++i) by_industry[f_.industry[i]].push_back(std::int32_t(i));
  const int half = P.network.peer_degree / 2;
  for (auto& list : by_industry) {
    std::sort(list.begin(), list.end(),
              [&](auto x, auto y) { return f_.L[x] != f_.L[y] ? f_.L[x] < f_.L[y] : x < y; });
    const std::size_t m = list.size();
    if (m < 2) continue;
    for (std::size_t p = 0; p < m; ++p) {
      Stream s(key_, f_.id[std::size_t(list[p])], 0, Purpose::init_peers);
      for (int d = 1; d <= half && std::size_t(d) < m; ++d) {
        std::int32_t v = list[(p + std::size_t(d)) % m];
        if (s.bernoulli(P.network.peer_rewire)) {
          const auto w = list[s.below(std::uint32_t(m))];
          if (w != list[p]) v = w;
        }
        net_.peer_edges.emplace_back(list[p], v);
      }
    }
  }
  net_.rebuild_peers(N);

  // Production components consistent with spec 5.4 in the start year: the open-market residual
  // absorbs the difference, so the production identity holds from the first observation.
  count_purchases();
  const auto& Pr = P.production;
  each_firm([&](std::size_t i) {  // reads customers' purchases and affiliates, set above
    double bx = 0.0;
    for (auto [c, B] : {std::pair{f_.customer0[i], f_.B0[i]}, {f_.customer1[i], f_.B1[i]}})
      if (c != kNoFirm && f_.purchases[c] > 0)
        bx += Pr.psi * (B / f_.purchases[c]) * inputs_abroad(std::size_t(c));
    set_overseas_flows(i);
    const double keiretsu = f_.B0[i] + f_.B1[i] + bx;
    const double flows = f_.Y_exports[i] + f_.Y_parts[i] - f_.Y_back[i];
    f_.Ymkt[i] = std::max(0.0, f_.Y[i] - keiretsu - flows);
    const double Y = std::max(0.0, keiretsu + f_.Ymkt[i] + flows);
    f_.Y_keiretsu[i] = keiretsu;
    for (double* v : {&f_.Y[i], &f_.Y1[i], &f_.Y2[i], &f_.Y3[i], &f_.Y_entry[i]}) *v = Y;
    double size = 1.0;
    for (int r = 0; r < kRegions; ++r) size += f_.So[i * kRegions + r] + f_.X[i * kRegions + r];
    f_.overseas_size[i] = size;
  });
  update_import_shares();  // m_k in the initial state (Y1 = Y here)
  double log_rd = 0.0;
  for (std::size_t i = 0; i < N; ++i) log_rd += std::log1p(f_.RD[i]);
  mean_log_rd_ = N ? log_rd / double(N) : 0.0;
}

}  // namespace smesim::model
