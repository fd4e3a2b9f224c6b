// Opportunities (spec 5.5), the JETRO and language-training levers (5.11).
#include "smesim/model/opportunities.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace smesim::model {

namespace {

Mode mode_of(const Firms& f, std::size_t i, int r) { return Mode(f.mode[i * kRegions + r]); }

// 1. Invitations to follow a relocating customer (pulled): one fixed draw per (customer, region).
void invitations(const Params& P, const YearContext& y, const Firms& f, std::size_t i,
                 CandidateSink& sink) {
  Stream si = y.stream(f, i, Purpose::invitation);
  for (int slot = 0; slot < 2; ++slot) {
    const std::int32_t cust = slot ? f.customer1[i] : f.customer0[i];
    if (cust == kNoFirm || !f.alive[cust] || !f.relocated_mask[cust]) continue;
    for (int r = 0; r < kRegions; ++r) {
      if (!(f.relocated_mask[cust] >> r & 1u)) continue;
      si.seek(std::uint32_t(slot * kRegions + r));
      if (si.uniform() < P.relocation.p_invite && mode_of(f, i, r) != Mode::fdi)
        sink.push(i, Source::invitation, Mode::fdi, r, cust);
    }
  }
}

// 2. Referrals: each peer or customer active in r and each tie in r refers with p_ref; several
// referrals to the same market are one opportunity.
void referrals(const Params& P, const ClosedForms& forms, const YearContext& y, const Networks& net,
               const std::vector<std::uint8_t>& active_mask, const Firms& f, std::size_t i,
               CandidateSink& sink) {
  std::array<int, kRegions> sources{};
  for (int r = 0; r < kRegions; ++r) sources[r] = f.ties[i * kRegions + r];
  auto count = [&](std::size_t p) {
    if (const std::uint8_t m = active_mask[p])
      for (int r = 0; r < kRegions; ++r) sources[r] += m >> r & 1u;
  };
  net.for_each_peer(i, count);
  for (std::int32_t cust : {f.customer0[i], f.customer1[i]})
    if (cust != kNoFirm) count(std::size_t(cust));
  Stream sr = y.stream(f, i, Purpose::referral);
  for (int r = 0; r < kRegions; ++r) {
    if (mode_of(f, i, r) != Mode::none || sources[r] == 0) continue;
    sr.seek(std::uint32_t(r));  // one fixed draw per region
    const double none = forms.no_referral_probability(P.opportunities.p_ref, sources[r]);
    if (sr.uniform() < 1.0 - none) sink.push(i, Source::referral, Mode::exporting, r, kNoFirm);
  }
}

// 3. Proactive search, towards known and large markets; FDI after years of exporting.
void search(const Params& P, const Environment& env, const Firms& f, std::size_t i, Stream& ss,
            CandidateSink& sink) {
  const auto& O = P.opportunities;
  double I_max = 0.0;
  for (int r = 0; r < kRegions; ++r) I_max = std::max(I_max, double(f.info[i * kRegions + r]));
  const double u_search = ss.uniform();
  if (!(u_search < O.lambda_s * f.proactivity[i] * (1.0 + I_max))) return;
  std::array<double, kRegions> w{};
  for (int r = 0; r < kRegions; ++r)
    if (mode_of(f, i, r) != Mode::fdi)
      w[r] =
          env.export_share[r] * (1.0 + O.search_info_weight * f.info[i * kRegions + r] +
                                 (f.experience[i] > 0 && f.experience_region[i] == r ? 1.0 : 0.0));
  if (!(std::accumulate(w.begin(), w.end(), 0.0) > 0.0)) return;
  const int r = ss.categorical(w, kRegions);
  if (mode_of(f, i, r) == Mode::none)
    sink.push(i, Source::search, Mode::exporting, r, kNoFirm);
  else if (f.years_in[i * kRegions + r] >= O.fdi_after_export_years)
    sink.push(i, Source::search, Mode::fdi, r, kNoFirm);
}

// 4. JETRO (lever): information, matchmaking and ties for enrolled SMEs.
void jetro(const Params& P, const YearContext& y, const Environment& env, Firms& f, std::size_t i,
           CandidateSink& sink) {
  const auto& jetro = P.levers.jetro;
  Stream sj = y.stream(f, i, Purpose::jetro);
  if (!(sj.uniform() < jetro.outreach * (0.5 + f.proactivity[i]))) return;
  sink.counters.jetro_enrolled += 1;
  sink.counters.spend_jetro += jetro.cost_per_firm;
  std::array<double, kRegions> w{};
  for (int r = 0; r < kRegions; ++r)
    w[r] = mode_of(f, i, r) == Mode::none ? env.export_share[r] : 0.0;
  if (!(std::accumulate(w.begin(), w.end(), 0.0) > 0.0)) return;
  const int r = sj.categorical(w, kRegions);
  float& I = f.info[i * kRegions + r];
  I += jetro.info_gain * (1.0 - I);
  if (sj.uniform() < jetro.matchmaking_rate) {
    f.ties[i * kRegions + r] += 1;
    sink.push(i, Source::jetro, Mode::exporting, r, kNoFirm);
  }
}

// Language training (lever): once per SME, raises ell and the staff check.
void language_training(const Params& P, const YearContext& y, Firms& f, std::size_t i,
                       YearCounters& c) {
  const auto& training = P.levers.language_training;
  Stream st = y.stream(f, i, Purpose::training);
  if (st.uniform() < training.uptake) {
    f.trained[i] = 1;
    f.ell[i] += training.gain * (1.0 - f.ell[i]);
    c.trained += 1;
    c.spend_training += training.cost_per_firm;
  }
}

#ifdef SMESIM_EXAMPLE_LEVER
// Export vouchers (the test-only example of docs/extending.md): an SME that takes one up learns
// about a market it does not serve yet, drawn in proportion to its export share.
void export_vouchers(const Params& P, const YearContext& y, const Environment& env, Firms& f,
                     std::size_t i, YearCounters& c) {
  const auto& vouchers = P.levers.export_vouchers;
  Stream sv = y.stream(f, i, purpose("export_vouchers"));
  if (!(sv.uniform() < vouchers.uptake)) return;
  c.vouchers_granted += 1;
  c.spend_vouchers += vouchers.cost_per_firm;
  std::array<double, kRegions> w{};
  for (int r = 0; r < kRegions; ++r)
    w[r] = mode_of(f, i, r) == Mode::none ? env.export_share[r] : 0.0;
  if (!(std::accumulate(w.begin(), w.end(), 0.0) > 0.0)) return;
  float& I = f.info[i * kRegions + sv.categorical(w, kRegions)];
  I += vouchers.info_gain * (1.0 - I);
}
#endif

}  // namespace

void mark_active_markets(const Executor& exec, const Firms& f, std::vector<std::uint8_t>& mask) {
  mask.resize(f.size());
  detail::for_ranges(exec, f.size(), [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) {
      std::uint8_t m = 0;
      for (int r = 0; r < kRegions; ++r) m |= std::uint8_t((f.mode[i * kRegions + r] != 0) << r);
      mask[i] = f.alive[i] ? m : 0;
    }
  });
}

void find_opportunities(const Params& P, const ClosedForms& forms, const YearContext& y,
                        const Environment& env, const Networks& net,
                        const std::vector<std::uint8_t>& active_mask, Firms& f, std::size_t i,
                        Stream& search_stream, CandidateSink& sink) {
  if (!(f.Y[i] > 0.0)) return;
  const bool sme = !f.is_le(i, P);
  invitations(P, y, f, i, sink);
  referrals(P, forms, y, net, active_mask, f, i, sink);
  search(P, env, f, i, search_stream, sink);
  if (P.levers.jetro.active() && sme) jetro(P, y, env, f, i, sink);
  if (P.levers.language_training.active() && sme && !f.trained[i])
    language_training(P, y, f, i, sink.counters);
#ifdef SMESIM_EXAMPLE_LEVER
  if (P.levers.export_vouchers.active() && sme) export_vouchers(P, y, env, f, i, sink.counters);
#endif
}

void collect_opportunities(const Params& P, const ClosedForms& forms, const YearContext& y,
                           const Environment& env, const Networks& net, Firms& f,
                           Opportunities& opportunities, YearCounters& counters) {
  opportunities.by_block.assign(detail::blocks_of(f.size()), {});
  mark_active_markets(y.exec, f, opportunities.active_mask);
  std::vector<YearCounters> counts(opportunities.by_block.size());
  y.exec.for_blocks(f.size(), kGrain, [&](std::size_t b, std::size_t lo, std::size_t hi) {
    CandidateSink sink{opportunities.by_block[b], counts[b]};
    detail::streams_for(y.streams(), f.id, f.alive, lo, hi, std::array{Purpose::search},
                        [&](std::size_t i, std::array<Stream, 1>& s) {
                          find_opportunities(P, forms, y, env, net, opportunities.active_mask, f, i,
                                             s[0], sink);
                        });
  });
  for (const auto& c : counts) counters.add(c);
}

}  // namespace smesim::model
