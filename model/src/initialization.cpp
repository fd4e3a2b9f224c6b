// Initialization (spec 5.2 and 2.3-2.5): firms, managers, initial international activity, the
// keiretsu DAG and the peer network.
#include "smesim/model/initialization.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "smesim/model/data.hpp"
#include "smesim/model/decisions.hpp"
#include "smesim/model/draws.hpp"
#include "smesim/model/environment.hpp"
#include "smesim/model/managers.hpp"
#include "smesim/model/production.hpp"

namespace smesim::model {

const AgentClasses& agent_classes(const Params& P) {
  // Cached per thread for the parameters last asked for (a pure function of four numbers).
  thread_local AgentClasses cache;
  thread_local std::array<double, 3> key{-1, -1, -1};
  const std::array<double, 3> k{P.establishments.q_small, P.establishments.l_est_small,
                                P.firms.L_max};
  if (k == key) return cache;
  key = k;
  AgentClasses a;
  const auto classes = data::size_classes_1985();
  const double q = P.establishments.q_small;
  double E_large = 0.0, n_medium = 0.0;
  for (std::size_t c = data::kFirstLargeClass; c < classes.size(); ++c)
    E_large += classes[c].employees;
  for (std::size_t c = data::kFirstMediumClass; c < data::kFirstLargeClass; ++c)
    n_medium += classes[c].establishments;
  // The LEs' small plants, taken out of the 50-299 classes in proportion to their counts.
  const double small_plants = q / (1.0 - q) * E_large / P.establishments.l_est_small;
  for (std::size_t c = 0; c < classes.size(); ++c) {
    const auto& C = classes[c];
    AgentClass k;
    k.lo = C.lo;
    k.hi = c + 1 == classes.size() ? P.firms.L_max : C.hi + 1.0;  // integers lo..hi
    k.le = c >= data::kFirstLargeClass;
    k.count = C.establishments;
    if (c >= data::kFirstMediumClass && !k.le)
      k.count -= small_plants * C.establishments / n_medium;
    k.alpha = truncated_pareto_index(k.lo, k.hi, C.employees / C.establishments);
    a.classes.push_back(k);
    a.total += k.count;
  }
  cache = a;
  return cache;
}

double national_scale(const Params& P) {
  const double national =
      P.scale.national_population > 0 ? P.scale.national_population : agent_classes(P).total;
  return P.population > 0 ? national / double(P.population) : 1.0;
}

double draw_enterprise_size(const Params& P, const AgentClass& c, Stream& s) {
  const double L_est = truncated_pareto_any(s, c.lo, c.hi, c.alpha);
  return c.le ? L_est / (1.0 - P.establishments.q_small) : L_est;
}

void draw_manager_and_accounts(const Params& P, const YearContext& y, const Environment& env,
                               Firms& f, std::size_t i, Stream& s, Stream& m) {
  const bool le = f.is_le(i, P);
  const double Y = f.Y[i];
  const double rd_mean = le ? P.firms.rd_rate_le : P.firms.rd_rate_sme;
  const double sd = P.firms.rd_rate_sd;
  const bool no_rd = !le && s.bernoulli(P.firms.rd_zero_share_sme);
  const double rd_rate =
      rd_mean > 0 ? std::exp(std::log(rd_mean) - 0.5 * sd * sd + sd * s.normal()) : 0.0;
  f.RD[i] = no_rd ? 0.0 : rd_rate * Y;
  for (double* v : {&f.Y1[i], &f.Y2[i], &f.Y3[i], &f.Y_entry[i], &f.Ymkt[i]}) *v = Y;
  f.L_entry[i] = f.L[i];
  f.a_start[i] = f.a[i];
  f.alive[i] = 1;
  f.tier[i] = kTierIndependent;
  f.entry_year[i] = std::int16_t(y.year);
  f.W[i] = P.firms.W_share * Y;
  f.K_dom[i] = P.firms.K_share * Y;
  f.overseas_size[i] = 1.0;
  draw_manager(P.managers, env, f, i, m, P.managers.age_min, P.managers.age_max);
}

namespace {

// Calls body(i) for every firm slot, in parallel blocks: for steps that write only the firm's own
// state (each firm has its own streams, so the result does not depend on the order).
template <class Body>
void each_firm(const Executor& exec, std::size_t n, Body&& body) {
  detail::for_ranges(exec, n, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) body(i);
  });
}

// The environment of the start year (the initial state is the 1985 observation, v2 2.6): M0,
// the start year's fx, FTA coverage, costs and export shares; D is set from the firms.
Environment initial_environment(const Params& P) {
  Environment env;
  env.year = P.start_year;
  for (int r = 0; r < kRegions; ++r) env.M[r] = P.regions[r].M0;
  env.fx = env.fx_prev = P.paths.fx.at(P.start_year);
  env.fta = P.paths.fta_coverage.at(P.start_year);
  set_costs(P, P.start_year, env);
  return env;
}

// Draws the population from the Census size classes of 1985 (v2 2.6): each firm by its draw
// index (its id), so its numbers do not depend on where it is stored. Output per worker at
// a = 0 is then solved so that the population ships the Census total at its scale. Firms are
// stored by industry, then size: peers are same-industry firms of similar size (below), so a
// firm's peers are stored near it (storage order changes no draw).
void draw_population(const Params& P, const YearContext& y, Environment& env, Firms& f) {
  const std::size_t N = std::size_t(P.population);
  const AgentClasses& classes = agent_classes(P);
  std::vector<double> weights;
  for (const auto& c : classes.classes) weights.push_back(c.count);
  std::array<double, kIndustries> w{};
  for (int k = 0; k < kIndustries; ++k) w[k] = P.industries[k].weight;
  f = Firms{};
  f.resize(N);
  each_firm(y.exec, N, [&](std::size_t i) {
    f.id[i] = std::uint32_t(i);
    Stream s(y.key, f.id[i], 0, Purpose::init_size);
    // Stratified: firm i's class is where (i + u) / N falls in the classes' cumulative shares, so
    // every class holds its share of the population to within one firm (the 1 000+ class has
    // about 70 firms at a tenth of national scale: drawn freely, its employment would vary by
    // about 10 % between seeds).
    const double u = (double(i) + s.uniform()) / double(N) * classes.total;
    std::size_t ci = 0;
    for (double cum = weights[0]; ci + 1 < weights.size() && u >= cum; cum += weights[++ci]) {
    }
    const auto& c = classes.classes[ci];
    f.L[i] = draw_enterprise_size(P, c, s);
    const int k = s.categorical(w, kIndustries);
    f.industry[i] = std::uint8_t(k);
    f.a[i] = P.firms.a_size_slope * std::log(f.L[i] / P.firms.L_min) + P.firms.a_sd * s.normal();
    f.Y[i] = P.industries[k].y_k * f.L[i] * std::exp(f.a[i]);
  });
  const double national =
      P.scale.national_population > 0 ? P.scale.national_population : classes.total;
  env.national_scale = national / double(N);
  double raw = 0.0;
  for (std::size_t i = 0; i < N; ++i) raw += f.Y[i];  // in id order
  // Million yen: Census billions * 1000, at the population's scale.
  const double target = data::census_shipments_ge4(P.start_year) * 1000.0 / env.national_scale;
  env.y = raw > 0 ? target / raw : 0.0;
  each_firm(y.exec, N, [&](std::size_t i) {
    f.Y[i] *= env.y;
    Stream s(y.key, f.id[i], 0, Purpose::init_rd);
    Stream m(y.key, f.id[i], 0, Purpose::init_manager);
    draw_manager_and_accounts(P, y, env, f, i, s, m);
  });
  std::vector<std::uint32_t> order(N);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    if (f.industry[a] != f.industry[b]) return f.industry[a] < f.industry[b];
    return f.L[a] != f.L[b] ? f.L[a] < f.L[b] : a < b;
  });
  select_firms(y.exec, f, order);
  f.next_id = std::uint32_t(N);
}

// Initial international activity (v2 2.6): LEs export x_le of Y, split by Japan's export shares
// of the start year; a share of LEs (and a few SMEs) own an affiliate that serves its host market
// (o = 0, SoH = share_fdi * Y, so there is no import-back in the start year); about 1 % of SMEs
// export to one region. Established activity has passed its failure window.
void seed_international_activity(const Params& P, const YearContext& y, const Environment& env,
                                 Firms& f, std::size_t i) {
  Stream s(y.key, f.id[i], 0, Purpose::init_international);
  const bool le = f.is_le(i, P);
  auto region = [&] {
    return f.experience_region[i] >= 0 ? int(f.experience_region[i])
                                       : s.categorical(env.export_share, kRegions);
  };
  const bool exp = le ? P.firms.x_le > 0.0 : s.bernoulli(P.firms.init_export_share_sme);
  const int rx = region();
  const bool fdi = s.bernoulli(le ? P.firms.init_fdi_share_le : P.firms.init_fdi_share_sme);
  const int rf = region();
  const double suj = beta_mean(s, P.regions[rf].s_uj, P.firms.share_concentration);
  if (exp) {
    for (int r = 0; r < kRegions; ++r) {
      if (!le && r != rx) continue;
      const std::size_t ir = i * kRegions + r;
      f.mode[ir] = std::uint8_t(Mode::exporting);
      f.X[ir] = le ? P.firms.x_le * env.export_share[r] * f.Y[i]
                   : P.decisions.share_export * f.Y[i] * (1.0 - env.tau[r]);
      f.years_in[ir] = 5;
      f.info[ir] = std::max(f.info[ir], 0.5f);
    }
  }
  if (fdi) {
    const std::size_t ir = i * kRegions + rf;
    f.mode[ir] = std::uint8_t(Mode::fdi);
    f.SoH[ir] = f.So[ir] = P.decisions.share_fdi * f.Y[i];
    f.saj[ir] = 0.0f;
    f.suj[ir] = float(suj);
    f.years_in[ir] = 5;
    f.info[ir] = std::max(f.info[ir], 0.5f);
    f.K_abroad[ir] = fixed_cost(P, f, i, Mode::fdi, rf);
  }
  f.ever_international[i] = exp || fdi;
}

// Keiretsu (spec 5.2): heads among LE assemblers, tier-1 suppliers drawn weighted by size,
// tier-2 suppliers of the tier-1 ones.
void build_keiretsu(const Params& P, const YearContext& y, Firms& f, Networks& net) {
  const std::size_t N = f.size();
  std::vector<std::int32_t> pool;
  std::vector<double> cum;
  for (std::size_t i = 0; i < N; ++i) {
    if (f.is_le(i, P) && P.industries[f.industry[i]].assembler) {
      Stream s(y.key, f.id[i], 0, Purpose::init_keiretsu);
      if (s.bernoulli(P.network.head_prob)) {
        net.heads.push_back(std::int32_t(i));
        f.tier[i] = kTierHead;
      }
    } else if (!f.is_le(i, P) && f.L[i] >= P.network.tier1_min_L &&
               P.industries[f.industry[i]].supplier) {
      pool.push_back(std::int32_t(i));
      cum.push_back((cum.empty() ? 0.0 : cum.back()) + f.L[i]);
    }
  }
  auto attach = [&](std::int32_t s, std::int32_t c, std::uint8_t tier) {
    f.customer0[s] = c;
    f.tier[s] = tier;
  };
  for (std::int32_t h : net.heads) {
    if (pool.empty()) break;
    Stream s(y.key, f.id[std::size_t(h)], 0, Purpose::init_keiretsu);
    s.uniform();  // the head draw above
    const int n1 = poisson(s, P.network.tier1_rate * std::sqrt(f.L[h] / 1000.0));
    for (int k = 0; k < n1; ++k) {
      for (int attempt = 0; attempt < 10; ++attempt) {
        const double u = s.uniform() * cum.back();
        const auto j = pool[std::size_t(std::lower_bound(cum.begin(), cum.end(), u) - cum.begin())];
        if (f.customer0[j] != kNoFirm) continue;
        attach(j, h, kTier1);
        net.tier1.push_back(j);
        break;
      }
    }
  }
  std::vector<std::int32_t> pool2;
  for (std::size_t i = 0; i < N; ++i)
    if (!f.is_le(i, P) && f.L[i] < P.network.tier2_max_L && f.tier[i] == kTierIndependent &&
        P.industries[f.industry[i]].supplier)
      pool2.push_back(std::int32_t(i));
  for (std::int32_t t1 : net.tier1) {
    if (pool2.empty()) break;
    Stream s(y.key, f.id[std::size_t(t1)], 0, Purpose::init_tier2);
    const int n2 = poisson(s, P.network.tier2_rate);
    for (int k = 0; k < n2; ++k) {
      for (int attempt = 0; attempt < 10; ++attempt) {
        const auto j = pool2[s.below(std::uint32_t(pool2.size()))];
        if (f.customer0[j] != kNoFirm) continue;
        attach(j, t1, kTier2);
        break;
      }
    }
  }
}

// Firm i's shares of sales to its customer and a second customer, and its equity tie.
void draw_order_shares(const Params& P, const YearContext& y, const Networks& net, Firms& f,
                       std::size_t i) {
  Stream s(y.key, f.id[i], 0, Purpose::init_shares);
  if (f.customer0[i] != kNoFirm) {
    const double share = beta_mean(s, P.network.share_mean, P.network.share_concentration);
    f.B0[i] = share * f.Y[i];
    const auto& candidates = f.tier[i] == kTier1 ? net.heads : net.tier1;
    if (s.bernoulli(P.network.second_customer_prob) && candidates.size() > 1) {
      const auto c = candidates[s.below(std::uint32_t(candidates.size()))];
      const double share2 = std::min(P.network.second_share, P.network.share_cap - share);
      if (c != f.customer0[i] && share2 > 0) {
        f.customer1[i] = c;
        f.B1[i] = share2 * f.Y[i];
      }
    }
    if (f.tier[i] == kTier1) f.D_parent[i] = s.bernoulli(P.network.parent_prob_tier1);
  } else if (f.is_le(i, P)) {
    f.D_parent[i] = s.bernoulli(P.network.parent_prob_le);
  }
}

// Throws std::logic_error unless every customer is of a lower tier than its supplier and the
// keiretsu graph is acyclic.
void check_keiretsu(const Firms& f) {
  for (std::size_t i = 0; i < f.size();
       ++i)  // a tier-1 supplier is a customer only of its suppliers
    for (std::int32_t c : {f.customer0[i], f.customer1[i]})
      if (c != kNoFirm && f.tier[c] >= f.tier[i])
        throw std::logic_error("keiretsu tiers are not a topological layering");
  keiretsu_levels(f);  // throws on a cycle
}

// Peers: same-industry ring lattice by log size with rewiring (Watts-Strogatz, spec 5.2).
void build_peers(const Params& P, const YearContext& y, const Firms& f, Networks& net) {
  std::array<std::vector<std::int32_t>, kIndustries> by_industry;
  for (std::size_t i = 0; i < f.size(); ++i) by_industry[f.industry[i]].push_back(std::int32_t(i));
  const int half = P.network.peer_degree / 2;
  for (auto& list : by_industry) {
    std::sort(list.begin(), list.end(),
              [&](auto a, auto b) { return f.L[a] != f.L[b] ? f.L[a] < f.L[b] : a < b; });
    const std::size_t m = list.size();
    if (m < 2) continue;
    for (std::size_t p = 0; p < m; ++p) {
      Stream s(y.key, f.id[std::size_t(list[p])], 0, Purpose::init_peers);
      for (int d = 1; d <= half && std::size_t(d) < m; ++d) {
        std::int32_t v = list[(p + std::size_t(d)) % m];
        if (s.bernoulli(P.network.peer_rewire)) {
          const auto w = list[s.below(std::uint32_t(m))];
          if (w != list[p]) v = w;
        }
        net.peer_edges.emplace_back(list[p], v);
      }
    }
  }
  net.rebuild_peers(f.size());
}

// Production components in the start year for firm i (v2 2.6): Y is given; orders, exports and
// parts are shares of it, and the open market takes the rest; the brand is z = log(Ymkt + IB)
// (IB = 0). Reads its customers' purchases and affiliates.
void balance_production(const Params& P, Firms& f, std::size_t i) {
  const auto& Pr = P.production;
  double bx = 0.0;
  for (auto [c, B] : {std::pair{f.customer0[i], f.B0[i]}, {f.customer1[i], f.B1[i]}})
    if (c != kNoFirm && f.purchases[c] > 0)
      bx += Pr.psi * (B / f.purchases[c]) * inputs_abroad(f, std::size_t(c));
  set_overseas_flows(P, f, i);
  const double keiretsu = f.B0[i] + f.B1[i] + bx;
  const double flows = f.Y_exports[i] + f.Y_parts[i];
  // The open market takes at least a hundredth of Y: every firm has a brand.
  f.Ymkt[i] = std::max(0.01 * f.Y[i], f.Y[i] - keiretsu - flows);
  const double Y = keiretsu + f.Ymkt[i] + flows;
  f.Y_keiretsu[i] = keiretsu;
  for (double* v : {&f.Y[i], &f.Y1[i], &f.Y2[i], &f.Y3[i], &f.Y_entry[i]}) *v = Y;
  f.z[i] = std::log(f.Ymkt[i]);
  double size = 1.0;
  for (int r = 0; r < kRegions; ++r) size += f.So[i * kRegions + r] + f.X[i * kRegions + r];
  f.overseas_size[i] = size;
}

// The open market of each industry in the start year: what its firms sell there (v2 5.1).
void set_initial_demand(const Params& P, const Firms& f, Environment& env) {
  std::array<double, kIndustries> D{};
  for (std::size_t i = 0; i < f.size(); ++i) D[f.industry[i]] += f.Ymkt[i];  // storage order
  double total = 0.0;
  for (double d : D) total += d;
  env.D0 = env.D = env.D1 = env.D2 = env.D3 = D;
  for (int k = 0; k < kIndustries; ++k) env.w0[k] = total > 0 ? D[k] / total : 0.0;
  (void)P;
}

double mean_log1p(const std::vector<double>& v) {
  double sum = 0.0;
  for (double x : v) sum += std::log1p(x);
  return v.empty() ? 0.0 : sum / double(v.size());
}

}  // namespace

State initialize(const Params& P, const Executor& exec, StreamKey key) {
  const YearContext y{exec, key, P.start_year, 0};
  State s;
  s.closed_forms = ClosedForms::tabulate(P);
  s.env = initial_environment(P);
  Firms& f = s.firms;
  draw_population(P, y, s.env, f);
  const std::size_t N = f.size();
  each_firm(exec, N, [&](std::size_t i) { seed_international_activity(P, y, s.env, f, i); });
  build_keiretsu(P, y, f, s.networks);
  each_firm(exec, N, [&](std::size_t i) { draw_order_shares(P, y, s.networks, f, i); });
  check_keiretsu(f);
  build_peers(P, y, f, s.networks);
  count_purchases(f);
  each_firm(exec, N, [&](std::size_t i) { balance_production(P, f, i); });
  set_initial_demand(P, f, s.env);
  s.mean_log_rd = mean_log1p(f.RD);
  return s;
}

}  // namespace smesim::model
