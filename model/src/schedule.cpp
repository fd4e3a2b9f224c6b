// The yearly schedule (spec section 3): each line calls one submodel with the state it reads and
// writes, named in its arguments.
#include "smesim/model/schedule.hpp"

#include <array>
#include <stdexcept>

#include "smesim/model/accounting.hpp"
#include "smesim/model/decisions.hpp"
#include "smesim/model/entry.hpp"
#include "smesim/model/environment.hpp"
#include "smesim/model/learning.hpp"
#include "smesim/model/managers.hpp"
#include "smesim/model/opportunities.hpp"
#include "smesim/model/overseas.hpp"
#include "smesim/model/production.hpp"
#include "smesim/model/relocation.hpp"

namespace smesim::model {

namespace {

using P = const Params&;
using Y = const YearContext&;

constexpr std::array kSchedule = {
    Step{"begin_year", "begin_year", "environment", "3", "firms (alive, tier, sales, productivity)",
         "counters, candidates and decision log (cleared), firms (sales history, relocation "
         "flags; slots compacted), networks (renumbered), tiers",
         [](P, Y y, State& s) {
           begin_year(y, s.firms, s.networks, s.counters, s.opportunities, s.decisions, s.tiers);
         }},
    Step{"environment", "update_environment", "environment", "6.1 (5.1)", "environment",
         "environment (demand, foreign markets, fx, FTA, tariffs)",
         [](P p, Y y, State& s) { update_environment(p, y, s.env); }},
    Step{"managers", "update_managers", "managers", "6.2 (5.9)",
         "firms (managers, size), environment (M)",
         "firms (manager traits and age; exits by succession), counters",
         [](P p, Y y, State& s) {
           update_managers(p, s.closed_forms, y, s.env, s.firms, s.counters);
         }},
    Step{"relocation", "relocate_large_firms", "relocation", "6.3 (5.3)",
         "firms (LEs' size, industry, sales), environment (adv)",
         "firms (affiliates, capital, relocation flags and cut), counters",
         [](P p, Y y, State& s) { relocate_large_firms(p, y, s.env, s.firms, s.counters); }},
    Step{"production", "produce", "production", "6.4 (5.4)",
         "tiers, firms (orders, customers, affiliates), environment (D, D_eff_prev)",
         "environment (import shares, D_eff), firms (Y and its components, orders, purchases)",
         [](P p, Y y, State& s) { produce(p, y, s.tiers, s.env, s.firms); }},
    Step{"opportunities", "collect_opportunities", "opportunities", "6.5 (5.5, 5.11)",
         "firms (markets, customers, ties, information, manager), networks, environment (M)",
         "candidates, firms (JETRO information and ties, language training), counters",
         [](P p, Y y, State& s) {
           collect_opportunities(p, s.closed_forms, y, s.env, s.networks, s.firms, s.opportunities,
                                 s.counters);
         }},
    Step{"decisions", "decide", "decisions", "6.6 (5.6)",
         "candidates, firms (sales, assets, net worth, manager), environment (tau)",
         "candidates (values, outcomes), firms (new markets and affiliates, net worth), decision "
         "log, counters",
         [](P p, Y y, State& s) {
           decide(p, y, s.env, s.opportunities, s.firms, s.decisions, s.counters);
         }},
    Step{"overseas", "operate_overseas", "overseas", "6.7 (5.7)",
         "firms (exports, affiliates, information, sales)",
         "firms (exports, affiliates, failures, productivity, overseas size)",
         [](P p, Y y, State& s) { operate_overseas(p, y, s.env, s.firms); }},
    Step{"learning", "learn", "learning", "6.8 (5.8)",
         "firms (information, markets), networks (peers, customers)",
         "neighbour records, firms (information, ties, experience, language)",
         [](P p, Y y, State& s) { learn(p.learning, y, s.networks, s.neighbours, s.firms); }},
    Step{"accounting", "close_the_year", "accounting", "6.9, 6.10 (5.10, 5.10b)",
         "firms (sales, assets, R&D), mean log R&D",
         "firms (net worth, employment, R&D, productivity, exits, group ties, orders), mean log "
         "R&D, counters",
         [](P p, Y y, State& s) { close_the_year(p, y, s.firms, s.mean_log_rd, s.counters); }},
    Step{"entry", "enter_firms", "entry", "6.11 (5.10)",
         "firms (alive, industry), networks (tier-1 suppliers), environment (M)",
         "firms (entrants; customers' purchases), networks (entrants' peers), counters",
         [](P p, Y y, State& s) { enter_firms(p, y, s.env, s.networks, s.firms, s.counters); }},
};

}  // namespace

std::span<const Step> schedule() { return kSchedule; }

const Step& schedule_step(std::string_view name) {
  for (const Step& s : kSchedule)
    if (s.name == name) return s;
  throw std::out_of_range("no schedule step named " + std::string(name));
}

std::string schedule_table() {
  std::string t =
      "| # | step | function (`<file>.hpp`) | section here (spec) | reads | writes |\n"
      "|---|---|---|---|---|---|\n";
  int line = 0;
  for (const Step& s : kSchedule) {
    t += "| " + std::to_string(line++) + " | `" + std::string(s.name) + "` | `" +
         std::string(s.function) + "` (" + std::string(s.file) + ") | " + std::string(s.section) +
         " | " + std::string(s.reads) + " | " + std::string(s.writes) + " |\n";
  }
  t += "| " + std::to_string(line) +
       " | (caller: `sim/src/run.cpp`) | `World::aggregates`, `append_panel`, `append_decisions` "
       "(observation) | 9 (8) | the state after the year | the results |\n";
  return t;
}

}  // namespace smesim::model
