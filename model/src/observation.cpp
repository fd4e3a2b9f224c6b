// Observation (spec 8): the declarations of the yearly aggregates, the firm-year panel's columns
// and the decision log's columns, and the tables built from them.
#include "smesim/model/observation.hpp"

#include <algorithm>
#include <numeric>

#include "smesim/model/survey.hpp"

namespace smesim::model {

namespace {

double share(double num, double den) { return den > 0 ? num / den : 0.0; }

using O = const ObservedYear&;
double exits(O o, ExitCause c) { return o.counters.exits[std::size_t(c)]; }
double opportunities(O o, Source s) { return o.counters.opportunities[std::size_t(s)]; }
double decisions(O o, Outcome x) { return o.counters.decisions[std::size_t(x)]; }

// The aggregates, in the order of the results file (the reference results check it).
const Aggregate kAggregates[] = {
    {"firms", "firms", "alive firms",
     [](O o, int) { return o.population.smes + o.population.les; }},
    {"smes", "firms", "alive SMEs", [](O o, int) { return o.population.smes; }},
    {"les", "firms", "alive LEs", [](O o, int) { return o.population.les; }},
    {"sme_export_share", "share", "SMEs exporting to some region",
     [](O o, int) { return share(o.population.sme_exporters, o.population.smes); }},
    {"sme_fdi_share", "share", "SMEs owning an affiliate in some region",
     [](O o, int) { return share(o.population.sme_fdi, o.population.smes); }},
    {"le_fdi_share", "share", "LEs owning an affiliate in some region",
     [](O o, int) { return share(o.population.le_fdi, o.population.les); }},
    {"le_export_share", "share", "LEs exporting to some region",
     [](O o, int) { return share(o.population.le_exporters, o.population.les); }},
    {"sme_output_share", "share", "SMEs' share of domestic production",
     [](O o, int) { return share(o.population.Y_sme, o.population.Y); }},
    {"sme_employment_share", "share", "SMEs' share of employment",
     [](O o, int) { return share(o.population.L_sme, o.population.L); }},
    {"domestic_production", "million yen", "sum of Y", [](O o, int) { return o.population.Y; }},
    {"employment", "employees", "sum of L", [](O o, int) { return o.population.L; }},
    {"affiliates", "affiliates", "(firm, region) pairs with an affiliate",
     [](O o, int) { return o.population.affiliates; }},
    {"affiliates_sme_share", "share", "share of the affiliates owned by SMEs",
     [](O o, int) { return share(o.population.affiliates_sme, o.population.affiliates); }},
    {"entries", "firms", "entrants", [](O o, int) { return o.counters.entries; }},
    {"exits_insolvency", "firms", "exits by insolvency",
     [](O o, int) { return exits(o, ExitCause::insolvency); }},
    {"exits_succession", "firms", "closures for want of a successor",
     [](O o, int) { return exits(o, ExitCause::succession); }},
    {"exits_decline", "firms", "exits by decline of sales",
     [](O o, int) { return exits(o, ExitCause::decline); }},
    {"opportunities_invitation", "candidates", "invitations to follow a relocating customer",
     [](O o, int) { return opportunities(o, Source::invitation); }},
    {"opportunities_referral", "candidates", "referrals from peers, customers and ties",
     [](O o, int) { return opportunities(o, Source::referral); }},
    {"opportunities_search", "candidates", "proactive search",
     [](O o, int) { return opportunities(o, Source::search); }},
    {"opportunities_jetro", "candidates", "JETRO matchmaking",
     [](O o, int) { return opportunities(o, Source::jetro); }},
    {"decisions_taken", "candidates", "moves made",
     [](O o, int) { return decisions(o, Outcome::taken); }},
    {"decisions_declined", "candidates", "declined by the manager",
     [](O o, int) { return decisions(o, Outcome::declined); }},
    {"decisions_finance", "candidates", "blocked by finance",
     [](O o, int) { return decisions(o, Outcome::finance); }},
    {"decisions_staff", "candidates", "blocked by staff",
     [](O o, int) { return decisions(o, Outcome::staff); }},
    {"decisions_superseded", "candidates", "would have been taken, but a better one was",
     [](O o, int) { return decisions(o, Outcome::superseded); }},
    {"first_moves", "firms",
     "first internationalizations by decision (SMEs and LEs; LE relocations not included)",
     [](O o, int) { return o.counters.first_moves; }},
    {"first_moves_pulled_share", "share", "share of the first moves that followed an invitation",
     [](O o, int) { return share(o.counters.first_moves_pulled, o.counters.first_moves); }},
    {"le_relocations", "events", "relocation events (hazard and shocks)",
     [](O o, int) { return o.counters.relocations; }},
    {"group_joins", "firms", "firms that gained an equity tie (D_parent)",
     [](O o, int) { return o.counters.group_joins; }},
    {"group_leaves", "firms", "firms that lost their equity tie",
     [](O o, int) { return o.counters.group_leaves; }},
    {"loans_granted", "firms", "policy loans granted",
     [](O o, int) { return o.counters.loans_granted; }},
    {"jetro_enrolled", "firms", "SMEs enrolled by JETRO",
     [](O o, int) { return o.counters.jetro_enrolled; }},
    {"firms_trained", "firms", "SMEs given language training",
     [](O o, int) { return o.counters.trained; }},
    {"policy_spend", "million yen", "spending of all levers",
     [](O o, int) {
       // Every counter declared in million yen is a lever's spending: a new lever's spend
       // counter enters the total without a change here (in declaration order).
       double total = 0.0;
       YearCounters::fields(o.counters, [&](const char*, const char* unit, const char*,
                                            const double* v, std::size_t k) {
         if (std::string_view(unit) == "million yen")
           for (std::size_t j = 0; j < k; ++j) total += v[j];
       });
       return total;
     }},
    {"policy_spend_loans", "million yen", "interest subsidies of the policy loans",
     [](O o, int) { return o.counters.spend_loans; }},
    {"policy_spend_jetro", "million yen", "JETRO programme",
     [](O o, int) { return o.counters.spend_jetro; }},
    {"policy_spend_training", "million yen", "language training",
     [](O o, int) { return o.counters.spend_training; }},
    {"policy_spend_succession", "million yen", "succession support",
     [](O o, int) { return o.counters.spend_succession; }},
    {"fx", "yen per dollar", "exchange rate (path value)", [](O o, int) { return o.env.fx; }},
    {"fta_coverage", "share", "FTA coverage (path value)", [](O o, int) { return o.env.fta; }},
    {"sme_international_share", "share", "SMEs exporting or owning an affiliate",
     [](O o, int) { return share(o.population.sme_international, o.population.smes); }},
    {"sme_fdi_share", "share", "SMEs owning an affiliate in the region (share of all SMEs)",
     [](O o, int r) { return share(o.population.sme_fdi_in[r], o.population.smes); }, true},
    {"sme_export_share", "share", "SMEs exporting to the region (share of all SMEs)",
     [](O o, int r) { return share(o.population.sme_exporting_to[r], o.population.smes); }, true},
    {"survey_frame", "firms", "the survey's frame: alive firms with L >= 50 (the BSBSA universe)",
     [](O o, int) { return o.survey.frame; }},
    {"survey_respondents", "firms", "frame firms that respond this year (panel `respondent`)",
     [](O o, int) { return o.survey.respondents; }},
    {"survey_linked_parents", "firms",
     "respondents whose affiliates are linked (panel `linked`) with affiliate sales in the region "
     "(So > 0): Table 3's firms of the year",
     [](O o, int r) { return o.survey.linked_parents[std::size_t(r)]; }, true},
};

// The id of customer c while it is in business (alive, or exiting this year), else -1: the same
// whether or not compact() has dropped an exited customer's slot.
double customer_id(const Firms& f, const Environment& env, std::int32_t c) {
  if (c == kNoFirm) return kNoFirm;
  const auto k = std::size_t(c);
  return f.alive[k] || f.exit_year[k] == env.year ? double(f.id[k]) : kNoFirm;
}

using R = const PanelRow&;
std::size_t at(R row, int r) { return row.i * kRegions + std::size_t(r); }

// The panel's columns: integer columns first, in the order of the results file.
const PanelColumn kPanel[] = {
    {"point", "index", "parameter point of the sweep", true,
     [](R row, int) { return double(row.key.point); }},
    {"rep", "index", "replication", true, [](R row, int) { return double(row.key.replication); }},
    {"year", "year", "calendar year", true, [](R row, int) { return double(row.env.year); }},
    {"firm", "id", "firm id (fixed for the run)", true,
     [](R row, int) { return double(row.f.id[row.i]); }},
    {"industry", "code", "industry", true,
     [](R row, int) { return double(row.f.industry[row.i]); }},
    {"tier", "code", "keiretsu tier", true, [](R row, int) { return double(row.f.tier[row.i]); }},
    {"D_lf", "0/1", "large firm (L > firms.le_threshold)", true,
     [](R row, int) { return double(row.f.is_le(row.i, row.p)); }},
    {"D_parent", "0/1", "equity tie to a group", true,
     [](R row, int) { return double(row.f.D_parent[row.i]); }},
    {"alive", "0/1", "in business at the end of the year", true,
     [](R row, int) { return double(row.f.alive[row.i]); }},
    {"exit_cause", "code", "exit cause", true,
     [](R row, int) { return double(row.f.exit_cause[row.i]); }},
    {"entry_year", "year", "year of entry (start year for the initial firms)", true,
     [](R row, int) { return double(row.f.entry_year[row.i]); }},
    {"customer", "id", "main keiretsu customer's id, or -1", true,
     [](R row, int) { return customer_id(row.f, row.env, row.f.customer0[row.i]); }},
    {"experience_region", "code", "region of the manager's experience, or -1", true,
     [](R row, int) { return double(row.f.experience_region[row.i]); }},
    {"trained", "0/1", "has had language training", true,
     [](R row, int) { return double(row.f.trained[row.i]); }},
    {"mode", "code", "mode in the region", true,
     [](R row, int r) { return double(row.f.mode[at(row, r)]); }, true},
    {"respondent", "0/1", "answers the survey this year: in business, L >= 50, and drew a response",
     true,
     [](R row, int) {
       return double(survey_respondent(row.p, row.key, row.f, row.i, row.env.year));
     }},
    {"linked", "0/1", "its affiliates enter the linked panel (drawn once per firm)", true,
     [](R row, int) { return double(survey_linked(row.p.survey, row.key, row.f.id[row.i])); }},
    {"L", "employees", "employment", false, [](R row, int) { return row.f.L[row.i]; }},
    {"Y", "million yen", "domestic production", false, [](R row, int) { return row.f.Y[row.i]; }},
    {"Ymkt", "million yen", "sales to the open domestic market", false,
     [](R row, int) { return row.f.Ymkt[row.i]; }},
    {"Y_keiretsu", "million yen",
     "orders from keiretsu customers (with parts for their "
     "affiliates)",
     false, [](R row, int) { return row.f.Y_keiretsu[row.i]; }},
    {"Y_parts", "million yen", "parts to own affiliates", false,
     [](R row, int) { return row.f.Y_parts[row.i]; }},
    {"Y_back", "million yen", "own import-back", false,
     [](R row, int) { return row.f.Y_back[row.i]; }},
    {"Y_exports", "million yen", "exports", false,
     [](R row, int) { return row.f.Y_exports[row.i]; }},
    {"RD", "million yen", "R&D spending", false, [](R row, int) { return row.f.RD[row.i]; }},
    {"W", "million yen", "net worth", false, [](R row, int) { return row.f.W[row.i]; }},
    {"K_dom", "million yen", "domestic fixed assets", false,
     [](R row, int) { return row.f.K_dom[row.i]; }},
    {"a", "log", "productivity", false, [](R row, int) { return row.f.a[row.i]; }},
    {"rho", "[0, 1]", "manager's risk aversion", false,
     [](R row, int) { return double(row.f.rho[row.i]); }},
    {"experience", "years", "manager's international experience", false,
     [](R row, int) { return double(row.f.experience[row.i]); }},
    {"ell", "[0, 1]", "manager's language skill", false,
     [](R row, int) { return double(row.f.ell[row.i]); }},
    {"proactivity", "[0, 1]", "manager's proactivity", false,
     [](R row, int) { return double(row.f.proactivity[row.i]); }},
    {"age", "years", "manager's age", false, [](R row, int) { return double(row.f.age[row.i]); }},
    {"X", "million yen", "exports to the region", false,
     [](R row, int r) { return row.f.X[at(row, r)]; }, true},
    {"So", "million yen", "sales of the affiliate in the region", false,
     [](R row, int r) { return row.f.So[at(row, r)]; }, true},
    {"saj", "share", "import-back share of the affiliate in the region", false,
     [](R row, int r) { return double(row.f.saj[at(row, r)]); }, true},
    {"suj", "share", "supply-from-Japan share of the affiliate in the region", false,
     [](R row, int r) { return double(row.f.suj[at(row, r)]); }, true},
    {"I", "[0, 1]", "information about the region", false,
     [](R row, int r) { return double(row.f.info[at(row, r)]); }, true},
};

using D = const DecisionRow&;
// The decision log's columns: integer columns first, in the order of the results file.
const DecisionColumn kDecisions[] = {
    {"point", "index", "parameter point of the sweep", true,
     [](D row, int) { return double(row.key.point); }},
    {"rep", "index", "replication", true, [](D row, int) { return double(row.key.replication); }},
    {"year", "year", "calendar year", true, [](D row, int) { return double(row.env.year); }},
    {"firm", "id", "firm id (fixed for the run)", true,
     [](D row, int) { return double(row.f.id[std::size_t(row.c.firm)]); }},
    {"source", "code", "where the candidate came from", true,
     [](D row, int) { return double(row.c.source); }},
    {"mode", "code", "export or FDI", true, [](D row, int) { return double(row.c.mode); }},
    {"region", "code", "the market", true, [](D row, int) { return double(row.c.region); }},
    {"outcome", "code", "what became of it", true,
     [](D row, int) { return double(row.c.outcome); }},
    {"customer", "id", "inviting customer's id, or -1", true,
     [](D row, int) { return customer_id(row.f, row.env, row.c.customer); }},
    {"V", "ratio to profit", "value as weighed (with the subsidy factor)", false,
     [](D row, int) { return row.c.V; }},
    {"F", "million yen", "F_mr before subsidy", false, [](D row, int) { return row.c.F; }},
};

// The names a declaration gives (one per region for a per-region one).
template <class Decl>
void names_of(const Decl& d, std::vector<std::string>& out) {
  if (!d.per_region) {
    out.emplace_back(d.name);
    return;
  }
  for (auto r : kRegionNames) out.push_back(std::string(d.name) + "_" + std::string(r));
}

// Creates the declared columns in `t` (integer ones, then real ones) and returns pointers to them
// in declaration order (a per-region column: its regions in order). Creates all first, then
// takes pointers: creating a column may move the others.
template <class Row>
std::pair<std::vector<std::vector<std::int32_t>*>, std::vector<std::vector<double>*>> columns_in(
    Table& t, std::span<const Column<Row>> decls) {
  std::vector<std::string> ints, reals;
  for (const auto& d : decls) names_of(d, d.integer ? ints : reals);
  for (const auto& n : ints) t.int_column(n);
  for (const auto& n : reals) t.real_column(n);
  std::pair<std::vector<std::vector<std::int32_t>*>, std::vector<std::vector<double>*>> out;
  for (const auto& n : ints) out.first.push_back(&t.int_column(n));
  for (const auto& n : reals) out.second.push_back(&t.real_column(n));
  return out;
}

// Appends one row: every declared column's value(s).
template <class Row>
void append_row(std::span<const Column<Row>> decls,
                const std::pair<std::vector<std::vector<std::int32_t>*>,
                                std::vector<std::vector<double>*>>& cols,
                const Row& row) {
  std::size_t ki = 0, kr = 0;
  for (const auto& d : decls)
    for (int r = 0; r < (d.per_region ? kRegions : 1); ++r) {
      const double v = d.value(row, r);
      if (d.integer)
        cols.first[ki++]->push_back(std::int32_t(v));
      else
        cols.second[kr++]->push_back(v);
    }
}

// Sorts rows (stably) by the id of the firm slot(row) when slots are not in id order already.
template <class Slot>
void by_id(const Firms& f, std::vector<std::uint32_t>& rows, Slot slot) {
  auto before = [&](std::uint32_t x, std::uint32_t y) { return f.id[slot(x)] < f.id[slot(y)]; };
  if (!std::is_sorted(rows.begin(), rows.end(), before))
    std::stable_sort(rows.begin(), rows.end(), before);
}

template <class Decl>
std::string table_of(std::span<const Decl> decls, bool with_type) {
  std::string t = with_type ? "| column | type | unit | meaning |\n|---|---|---|---|\n"
                            : "| name | unit | meaning |\n|---|---|---|\n";
  for (const auto& d : decls) {
    t += "| `" + std::string(d.name) + (d.per_region ? "_<region>" : "") + "` | ";
    if constexpr (requires { d.integer; })
      if (with_type) t += std::string(d.integer ? "int32" : "float64") + " | ";
    t += std::string(d.unit) + " | " + std::string(d.meaning) + " |\n";
  }
  return t;
}

}  // namespace

Population count_population(const Params& p, const Firms& f) {
  Population o;
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (!f.alive[i]) continue;
    const bool le = f.is_le(i, p);
    const bool x = f.any_mode(i, Mode::exporting), d = f.any_mode(i, Mode::fdi);
    o.Y += f.Y[i];
    o.L += f.L[i];
    double aff = 0;
    for (int r = 0; r < kRegions; ++r) aff += f.mode[i * kRegions + r] == std::uint8_t(Mode::fdi);
    o.affiliates += aff;
    if (le) {
      o.les += 1;
      o.le_fdi += d;
      o.le_exporters += x;
    } else {
      o.smes += 1;
      o.sme_exporters += x;
      o.sme_fdi += d;
      o.sme_international += x || d;
      o.Y_sme += f.Y[i];
      o.L_sme += f.L[i];
      o.affiliates_sme += aff;
      for (int r = 0; r < kRegions; ++r) {
        o.sme_fdi_in[r] += f.mode[i * kRegions + r] == std::uint8_t(Mode::fdi);
        o.sme_exporting_to[r] += f.mode[i * kRegions + r] == std::uint8_t(Mode::exporting);
      }
    }
  }
  return o;
}

SurveyCounts count_survey(const Params& p, StreamKey key, const Firms& f, int year) {
  SurveyCounts o;
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (!in_survey_frame(f, i)) continue;
    o.frame += 1;
    const SurveyFirm d = survey_firm(p.survey, key, f.id[i]);
    if (!survey_responds(d, key, f.id[i], std::uint32_t(year - p.start_year))) continue;
    o.respondents += 1;
    if (!f.abroad(i) || !d.linked) continue;
    for (int r = 0; r < kRegions; ++r)
      o.linked_parents[std::size_t(r)] += f.So[i * kRegions + r] > 0;
  }
  return o;
}

std::span<const Aggregate> aggregates() { return kAggregates; }
std::span<const PanelColumn> panel_columns() { return kPanel; }
std::span<const DecisionColumn> decision_columns() { return kDecisions; }

std::vector<std::string> aggregate_names() {
  std::vector<std::string> names;
  for (const auto& a : kAggregates) names_of(a, names);
  return names;
}

std::vector<double> aggregate_values(const Params& p, StreamKey key, const State& s) {
  const Population population = count_population(p, s.firms);
  const SurveyCounts survey = count_survey(p, key, s.firms, s.env.year);
  const ObservedYear o{population, s.counters, s.env, survey};
  std::vector<double> v;
  for (const auto& a : kAggregates)
    for (int r = 0; r < (a.per_region ? kRegions : 1); ++r) v.push_back(a.value(o, r));
  return v;
}

void append_panel(const Params& p, StreamKey key, const State& s, Table& t) {
  const std::span<const PanelColumn> decls = kPanel;
  const auto cols = columns_in(t, decls);
  const Firms& f = s.firms;
  // Rows in firm-id order (compact() groups the slots by industry).
  std::vector<std::uint32_t> rows;
  for (std::size_t i = 0; i < f.size(); ++i)
    if ((f.alive[i] || f.exit_year[i] == s.env.year) && f.L[i] >= p.output.panel_min_employees)
      rows.push_back(std::uint32_t(i));
  by_id(f, rows, [](std::uint32_t i) { return std::size_t(i); });
  for (const std::size_t i : rows) append_row(decls, cols, PanelRow{p, key, s.env, f, i});
}

void append_decisions(StreamKey key, const State& s, Table& t) {
  const std::span<const DecisionColumn> decls = kDecisions;
  const auto cols = columns_in(t, decls);
  // Rows in firm-id order, each firm's candidates in the order they were found.
  std::vector<std::uint32_t> rows(s.decisions.size());
  std::iota(rows.begin(), rows.end(), 0u);
  by_id(s.firms, rows, [&](std::uint32_t k) { return std::size_t(s.decisions[k].firm); });
  for (const std::uint32_t row : rows)
    append_row(decls, cols, DecisionRow{key, s.env, s.firms, s.decisions[row]});
}

std::string aggregates_table() { return table_of(aggregates(), false); }
std::string panel_table() { return table_of(panel_columns(), true); }
std::string decisions_table() { return table_of(decision_columns(), true); }

}  // namespace smesim::model
