// The manager's decision on the year's candidates, with its finance and staff constraints and the
// policy loan (spec 5.6).
#pragma once

#include "smesim/model/state.hpp"

namespace smesim::model {

// F_mr: the fixed cost of entering region r in mode m, for firm i's size.
double fixed_cost(const Params& p, const Firms& f, std::size_t i, Mode m, int r);

// V, the value of a move relative to the firm's profit; `cost_factor` scales F_mr
// (1 - rate_subsidy for a firm eligible for the policy loan).
double decision_value(const Params& p, const Environment& env, const Firms& f, std::size_t i,
                      Mode m, int r, double pull_orders, double cost_factor = 1.0,
                      double* push = nullptr);  // push: the push term over profit

// Whether firm i may use the policy loan (the lever is active, and the firm an SME if sme_only).
bool eligible_for_loan(const Params& p, const Firms& f, std::size_t i);

// Whether firm i can finance cost F from own funds and bank credit (with the policy loan).
bool finance_ok(const Params& p, const Firms& f, std::size_t i, double F, bool with_loan);

// The probability that firm i finds the staff for a move (1 for an LE).
double staff_probability(const Params& p, const Firms& f, std::size_t i);

// Phase 1 (parallel): every firm values its candidates, draws take/decline and keeps the best.
// Phase 2 (serial, in a random priority order): finance with the policy loan while its budget
// lasts, then staff; the taken moves start. Every candidate goes to the decision log with its
// outcome.
void decide(const Params& p, const YearContext& y, const Environment& env,
            Opportunities& opportunities, Firms& f, DecisionLog& log, YearCounters& counters);

// Firm i starts exporting to, or producing in, the candidate's region (F_effective: its cost
// after any subsidy).
void start_move(const Params& p, const YearContext& y, const Environment& env, Firms& f,
                std::size_t i, const Candidate& c, double F_effective, YearCounters& counters);

}  // namespace smesim::model
