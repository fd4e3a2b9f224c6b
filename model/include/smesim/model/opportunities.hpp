// Opportunities (spec 5.5) and the JETRO and language-training levers (5.11): each alive firm
// with sales finds its candidate moves of the year, in this order: invitations from relocating
// customers, referrals from peers, customers and ties, proactive search, JETRO matchmaking.
#pragma once

#include "smesim/model/state.hpp"

namespace smesim::model {

// Where a firm's candidates go: the list of its block, and the block's counters.
struct CandidateSink {
  std::vector<Candidate>& out;
  YearCounters& counters;
  void push(std::size_t i, Source src, Mode m, int r, std::int32_t customer) {
    out.push_back({std::int32_t(i), customer, src, m, std::int8_t(r)});
    counters.opportunities[std::size_t(src)] += 1;
  }
};

// Marks the markets each alive firm is active in (bit r of active_mask), read by referrals.
void mark_active_markets(const Executor& exec, const Firms& f, std::vector<std::uint8_t>& mask);

// Firm i's opportunities of the year, in the order above, then language training
// (search: its Purpose::search stream).
void find_opportunities(const Params& p, const ClosedForms& forms, const YearContext& y,
                        const Environment& env, const Networks& net,
                        const std::vector<std::uint8_t>& active_mask, Firms& f, std::size_t i,
                        Stream& search, CandidateSink& sink);

// Every firm's find_opportunities(), into opportunities.by_block (one list per block of slots).
void collect_opportunities(const Params& p, const ClosedForms& forms, const YearContext& y,
                           const Environment& env, const Networks& net, Firms& f,
                           Opportunities& opportunities, YearCounters& counters);

}  // namespace smesim::model
