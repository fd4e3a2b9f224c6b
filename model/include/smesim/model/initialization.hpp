// Initialization (spec 5.2 and 2.3-2.5): firms, managers, initial international activity, the
// keiretsu DAG and the peer network: the state as of the end of year start_year - 1.
#pragma once

#include <vector>

#include "smesim/model/state.hpp"

namespace smesim::model {

// The initial state, in these steps: environment, population (drawn, then numbered by industry
// and size), initial international activity, keiretsu, order shares, peers, production
// components, import shares and the mean log R&D.
State initialize(const Params& p, const Executor& exec, StreamKey key);

// The 1985 Census size classes as classes of enterprises (v2 2.6): every 300+ establishment is
// one LE (L = L_est / (1 - q_small)); the LEs' small plants are taken out of the 50-299 classes in
// proportion to their counts; every other establishment is one SME. Within a class, sizes follow
// the truncated Pareto whose mean is the class mean.
struct AgentClass {
  double lo = 0, hi = 0, alpha = 0;  // establishment size on [lo, hi], tail index
  double count = 0;                  // national enterprises of the class
  bool le = false;
};
struct AgentClasses {
  std::vector<AgentClass> classes;
  double total = 0;  // national enterprises with 4+ employees (about 422 000)
};
const AgentClasses& agent_classes(const Params& p);
// National enterprises per simulated firm: scale.national_population (or the Census's) over the
// population. Model counts times this compare with national counts (v2 2.6).
double national_scale(const Params& p);
// An enterprise's employment drawn from class c.
double draw_enterprise_size(const Params& p, const AgentClass& c, Stream& s);

// The rest of a new firm whose industry, L, a and Y are set: R&D (s), accounts, sales history,
// entry values, and its manager (m). Used at initialization and entry.
void draw_manager_and_accounts(const Params& p, const YearContext& y, const Environment& env,
                               Firms& f, std::size_t i, Stream& s, Stream& m);

}  // namespace smesim::model
