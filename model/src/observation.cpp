// Observation (spec 8): the declarations of the yearly aggregates, the firm-year panel's columns
// and the decision log's columns, and the tables built from them.
#include "smesim/model/observation.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <iterator>
#include <numeric>
#include <utility>

#include "smesim/model/data.hpp"
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
    {"firms", "firms", "alive firms (with those below 4 employees, outside the Census counts)",
     [](O o, int) { return o.population.smes + o.population.les; }},
    {"smes", "firms", "alive SMEs (with those below 4 employees; the Census-basis count is enterprises)", [](O o, int) { return o.population.smes; }},
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
    // ---- v2: the economy as the published statistics see it (spec v2 2.3, 5.7, 8) ----
    {"establishments_ge4", "establishments", "derived establishments with 4+ employees",
     [](O o, int) { return o.census.total(o.census.establishments); }},
    {"employees_ge4", "persons", "their employees",
     [](O o, int) { return o.census.total(o.census.employees); }},
    {"shipments_ge4", "million yen", "their shipments",
     [](O o, int) { return o.census.total(o.census.shipments); }},
    {"establishments_ge10", "establishments", "derived establishments with 10+ employees",
     [](O o, int) { return o.census.est_ge10; }},
    {"employees_ge10", "persons", "their employees", [](O o, int) { return o.census.emp_ge10; }},
    {"shipments_ge10", "million yen", "their shipments",
     [](O o, int) { return o.census.ship_ge10; }},
    {"establishments_sizeclass_4_9", "establishments", "derived establishments, 4-9 employees",
     [](O o, int) { return o.census.establishments[0]; }},
    {"employees_sizeclass_4_9", "persons", "their employees",
     [](O o, int) { return o.census.employees[0]; }},
    {"shipments_sizeclass_4_9", "million yen", "their shipments",
     [](O o, int) { return o.census.shipments[0]; }},
    {"establishments_sizeclass_10_19", "establishments", "derived establishments, 10-19 employees",
     [](O o, int) { return o.census.establishments[1]; }},
    {"employees_sizeclass_10_19", "persons", "their employees",
     [](O o, int) { return o.census.employees[1]; }},
    {"shipments_sizeclass_10_19", "million yen", "their shipments",
     [](O o, int) { return o.census.shipments[1]; }},
    {"establishments_sizeclass_20_29", "establishments", "derived establishments, 20-29 employees",
     [](O o, int) { return o.census.establishments[2]; }},
    {"employees_sizeclass_20_29", "persons", "their employees",
     [](O o, int) { return o.census.employees[2]; }},
    {"shipments_sizeclass_20_29", "million yen", "their shipments",
     [](O o, int) { return o.census.shipments[2]; }},
    {"establishments_sizeclass_30_49", "establishments", "derived establishments, 30-49 employees",
     [](O o, int) { return o.census.establishments[3]; }},
    {"employees_sizeclass_30_49", "persons", "their employees",
     [](O o, int) { return o.census.employees[3]; }},
    {"shipments_sizeclass_30_49", "million yen", "their shipments",
     [](O o, int) { return o.census.shipments[3]; }},
    {"establishments_sizeclass_50_99", "establishments", "derived establishments, 50-99 employees",
     [](O o, int) { return o.census.establishments[4]; }},
    {"employees_sizeclass_50_99", "persons", "their employees",
     [](O o, int) { return o.census.employees[4]; }},
    {"shipments_sizeclass_50_99", "million yen", "their shipments",
     [](O o, int) { return o.census.shipments[4]; }},
    {"establishments_sizeclass_100_199", "establishments", "derived establishments, 100-199 employees",
     [](O o, int) { return o.census.establishments[5]; }},
    {"employees_sizeclass_100_199", "persons", "their employees",
     [](O o, int) { return o.census.employees[5]; }},
    {"shipments_sizeclass_100_199", "million yen", "their shipments",
     [](O o, int) { return o.census.shipments[5]; }},
    {"establishments_sizeclass_200_299", "establishments", "derived establishments, 200-299 employees",
     [](O o, int) { return o.census.establishments[6]; }},
    {"employees_sizeclass_200_299", "persons", "their employees",
     [](O o, int) { return o.census.employees[6]; }},
    {"shipments_sizeclass_200_299", "million yen", "their shipments",
     [](O o, int) { return o.census.shipments[6]; }},
    {"establishments_sizeclass_300plus", "establishments", "derived establishments, 300+ employees",
     [](O o, int) { return o.census.establishments[7]; }},
    {"employees_sizeclass_300plus", "persons", "their employees",
     [](O o, int) { return o.census.employees[7]; }},
    {"shipments_sizeclass_300plus", "million yen", "their shipments",
     [](O o, int) { return o.census.shipments[7]; }},
    {"establishments_share_lt300_ge4", "share", "below-300 establishments' share (4+)",
     [](O o, int) {
       return share(o.census.total(o.census.establishments) - o.census.establishments[7],
                    o.census.total(o.census.establishments));
     }},
    {"employees_share_lt300_ge4", "share", "their share of employees (4+)",
     [](O o, int) {
       return share(o.census.total(o.census.employees) - o.census.employees[7],
                    o.census.total(o.census.employees));
     }},
    {"shipments_share_lt300_ge4", "share", "their share of shipments (4+)",
     [](O o, int) {
       return share(o.census.total(o.census.shipments) - o.census.shipments[7],
                    o.census.total(o.census.shipments));
     }},
    {"enterprises", "firms", "enterprises with 4+ employees",
     [](O o, int) { return o.census.enterprises; }},
    {"sme_share_firms_mfg_enterprise", "share", "SMEs (4-299) among enterprises with 4+",
     [](O o, int) { return share(o.census.sme_enterprises, o.census.enterprises); }},
    {"sme_share_employees_mfg_enterprise", "share", "SMEs' share of their employment",
     [](O o, int) { return share(o.census.L_sme_ent, o.census.L_ent); }},
    {"sme_share_sales_mfg_enterprise", "share", "SMEs' share of their sales (domestic production)",
     [](O o, int) { return share(o.census.Y_sme_ent, o.census.Y_ent); }},
    {"overseas_production_ratio", "share",
     "METI's basis: affiliates' sales / (affiliates' sales + k_dom * domestic production)",
     [](O o, int) {
       return share(o.census.So, o.census.So + o.params.environment.k_dom * o.census.Y);
     }},
    {"overseas_production_ratio_plain", "share", "sum So / (sum So + sum Y)",
     [](O o, int) { return share(o.census.So, o.census.So + o.census.Y); }},
    {"overseas_affiliate_sales_mfg", "million yen", "affiliates' sales",
     [](O o, int) { return o.census.So; }},
    {"overseas_affiliate_sales_north_america", "million yen", "affiliates' sales, North America",
     [](O o, int) { return o.census.SoJ[0] + o.census.SoH[0]; }},
    {"overseas_affiliate_sales_europe", "million yen", "affiliates' sales, Europe",
     [](O o, int) { return o.census.SoJ[1] + o.census.SoH[1]; }},
    {"overseas_affiliate_sales_asia", "million yen", "affiliates' sales, NIEs + ASEAN + China",
     [](O o, int) {
       double t = 0;
       for (int r : {2, 3, 4}) t += o.census.SoJ[r] + o.census.SoH[r];
       return t;
     }},
    {"affiliate_sales_mfg_nies3", "million yen", "affiliates' sales, NIEs",
     [](O o, int) { return o.census.SoJ[2] + o.census.SoH[2]; }},
    {"affiliate_sales_mfg_asean4", "million yen", "affiliates' sales, ASEAN",
     [](O o, int) { return o.census.SoJ[3] + o.census.SoH[3]; }},
    {"affiliate_sales_mfg_china", "million yen", "affiliates' sales, China",
     [](O o, int) { return o.census.SoJ[4] + o.census.SoH[4]; }},
    {"import_back_total", "million yen", "affiliates' sales to Japan (sum SoJ)",
     [](O o, int) {
       double t = 0;
       for (double x : o.census.SoJ) t += x;
       return t;
     }},
    {"linked_exports", "million yen", "supplies from Japan to affiliates (sum suj So)",
     [](O o, int) { return o.census.linked_exports; }},
    {"bankruptcies_mfg_tdb", "firms", "insolvency exits (Teikoku Databank's count)",
     [](O o, int) { return exits(o, ExitCause::insolvency); }},
    {"subcontracting_ratio_sme_mfg", "share", "SMEs (4-299) with keiretsu orders",
     [](O o, int) { return share(o.census.subcontracting_smes, o.census.sme_enterprises); }},
    {"sme_exporters_asia", "firms", "SMEs exporting to any of NIEs, ASEAN, China",
     [](O o, int) { return o.census.sme_exporting_asia; }},
    {"first_moves_invitation", "firms", "first moves after a customer's invitation",
     [](O o, int) { return o.counters.first_moves_by_source[0]; }},
    {"first_moves_referral", "firms", "first moves after a referral",
     [](O o, int) { return o.counters.first_moves_by_source[1]; }},
    {"first_moves_search", "firms", "first moves after own search",
     [](O o, int) { return o.counters.first_moves_by_source[2]; }},
    {"first_moves_jetro", "firms", "first moves after JETRO matchmaking",
     [](O o, int) { return o.counters.first_moves_by_source[3]; }},
    {"first_moves_pushed_share", "share", "share of first moves taken only because of the push",
     [](O o, int) { return share(o.counters.first_moves_pushed, o.counters.first_moves); }},
    {"first_moves_network_share", "share", "(invitation + referral + JETRO) / all first moves",
     [](O o, int) {
       const auto& m = o.counters.first_moves_by_source;
       return share(m[0] + m[1] + m[3], o.counters.first_moves);
     }},
    {"successions_supported", "firms", "retiring SME managers under succession support",
     [](O o, int) { return o.counters.successions_supported; }},
    {"keiretsu_ties_ended", "ties", "keiretsu ties that ended", [](O o, int) { return o.counters.ties_ended; }},
    {"rationalisations", "firms", "joiners that handed brand share to an acquirer",
     [](O o, int) { return o.counters.rationalised; }},
    {"demand", "million yen", "open domestic market for Japanese brands (sum of D_k)",
     [](O o, int) {
       double t = 0;
       for (double d : o.env.D) t += d;
       return t;
     }},
    {"import_back", "million yen", "affiliates' sales to Japan, by region (SoJ)",
     [](O o, int r) { return o.census.SoJ[r]; }, true},
    {"affiliate_sales_host", "million yen", "affiliates' sales to the host and third markets (SoH)",
     [](O o, int r) { return o.census.SoH[r]; }, true},
    {"sme_exporters", "firms", "SMEs (4-299) exporting to the region",
     [](O o, int r) { return o.census.sme_exporting[r]; }, true},
    {"ge50_with_affiliate", "firms", "firms with 50+ employees with an affiliate in the region",
     [](O o, int r) { return o.census.ge50_affiliate[r]; }, true},
    {"ge50_exporting", "firms", "firms with 50+ employees exporting to the region",
     [](O o, int r) { return o.census.ge50_exporting[r]; }, true},
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

int census_class(double L) {
  constexpr double kUpper[kCensusClasses - 1] = {10, 20, 30, 50, 100, 200, 300};
  if (L < 4.0) return -1;
  for (std::size_t c = 0; c < kCensusClasses - 1; ++c)
    if (L < kUpper[c]) return int(c);
  return int(kCensusClasses - 1);
}

namespace {

// An LE's small plants by Census class: they were taken out of the 50-299 classes in proportion
// to their 1985 counts (initialization), so they are put back the same way, each class's plants
// at its 1985 mean size scaled so that the mean over the classes is `l_est_small` (v2 2.3 gives
// one size, 103, the 1985 mean of 50-299, which would put every small plant in 100-199 and leave
// 50-99 and 200-299 at half the Census's counts; docs/model.md, "Derived establishments").
struct SmallPlantClass {
  double plants_per_plant;  // share of the LE's small plants in this class
  double size_ratio;        // the class's 1985 mean size over the mean of 50-299
};
std::array<SmallPlantClass, data::kFirstLargeClass - data::kFirstMediumClass>
small_plant_classes() {
  const auto classes = data::size_classes_1985();
  double n = 0.0, e = 0.0;
  for (std::size_t c = data::kFirstMediumClass; c < data::kFirstLargeClass; ++c) {
    n += classes[c].establishments;
    e += classes[c].employees;
  }
  std::array<SmallPlantClass, data::kFirstLargeClass - data::kFirstMediumClass> out{};
  for (std::size_t c = data::kFirstMediumClass; c < data::kFirstLargeClass; ++c)
    out[c - data::kFirstMediumClass] = {
        classes[c].establishments / n,
        (classes[c].employees / classes[c].establishments) / (e / n)};
  return out;
}

}  // namespace

Census count_census(const Params& p, const Firms& f) {
  Census o;
  const auto& E = p.establishments;
  // An LE's small plants' share of its Y (v2 2.3).
  const double q = E.q_small, small_share = q * E.y_rel / (q * E.y_rel + 1.0 - q);
  static const auto small_classes = small_plant_classes();
  auto plants = [&](double n, double size, double Y) {
    const int c = census_class(size);
    if (c < 0) return;
    o.establishments[std::size_t(c)] += n;
    o.employees[std::size_t(c)] += n * size;
    o.shipments[std::size_t(c)] += Y;
    if (size >= 10.0) {
      o.est_ge10 += n;
      o.emp_ge10 += n * size;
      o.ship_ge10 += Y;
    }
  };
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (!f.alive[i]) continue;
    const double L = f.L[i], Y = f.Y[i];
    const bool sme = L < 300.0;
    if (sme) {
      plants(1.0, L, Y);
    } else {
      // Shares of plants w_c at sizes m_c * l_est_small, with sum_c w_c m_c = 1: the class
      // gets w_c m_c of the small plants' employees and output.
      for (const auto& c : small_classes)
        plants(c.plants_per_plant * q * L / E.l_est_small, c.size_ratio * E.l_est_small,
               c.plants_per_plant * c.size_ratio * small_share * Y);
      plants((1.0 - q) * L / E.l_est_le, E.l_est_le, (1.0 - small_share) * Y);
    }
    o.Y += Y;
    if (L >= 4.0) {
      o.enterprises += 1;
      o.L_ent += L;
      o.Y_ent += Y;
      if (sme) {
        o.sme_enterprises += 1;
        o.L_sme_ent += L;
        o.Y_sme_ent += Y;
        o.subcontracting_smes += (f.customer0[i] != kNoFirm && f.B0[i] > 0.0) ||
                                 (f.customer1[i] != kNoFirm && f.B1[i] > 0.0);
      }
    }
    if (!f.abroad(i)) continue;
    bool asia = false;
    for (int r = 0; r < kRegions; ++r) {
      const std::size_t ir = i * kRegions + r;
      const bool x = f.X[ir] > 0.0, d = f.mode[ir] == std::uint8_t(Mode::fdi);
      o.So += f.So[ir];
      o.SoH[r] += f.SoH[ir];
      o.SoJ[r] += f.So[ir] - f.SoH[ir];
      o.linked_exports += double(f.suj[ir]) * f.So[ir];
      if (sme && L >= 4.0 && x) {
        o.sme_exporting[r] += 1;
        asia = asia || r == int(Region::nies) || r == int(Region::asean) || r == int(Region::china);
      }
      if (L >= kSurvey.min_employees) {
        o.ge50_affiliate[r] += d;
        o.ge50_exporting[r] += x;
      }
    }
    o.sme_exporting_asia += asia;
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

namespace {

// The aggregate of the K-th counter of YearCounters::reported().
template <std::size_t K>
double reported_value(O o, int) {
  std::size_t k = 0;
  double value = 0;
  YearCounters::reported(o.counters,
                         [&](const char*, const char*, const char*, const double* v, std::size_t) {
                           if (k++ == K) value = *v;
                         });
  return value;
}

constexpr std::size_t reported_counters() {
  YearCounters c;
  std::size_t n = 0;
  YearCounters::reported(c,
                         [&](const char*, const char*, const char*, double*, std::size_t) { ++n; });
  return n;
}

// kAggregates, then the counters of YearCounters::reported().
template <std::size_t... K>
std::vector<Aggregate> declared_aggregates(std::index_sequence<K...>) {
  std::vector<Aggregate> all(std::begin(kAggregates), std::end(kAggregates));
  const std::array<double (*)(O, int), sizeof...(K)> values{&reported_value<K>...};
  YearCounters c;
  std::size_t k = 0;
  YearCounters::reported(
      c, [&](const char* name, const char* unit, const char* meaning, double*, std::size_t n) {
        if (n != 1) std::abort();  // scalars only (state.hpp)
        all.push_back({name, unit, meaning, values[k++]});
      });
  return all;
}

}  // namespace

std::span<const Aggregate> aggregates() {
  static const std::vector<Aggregate> all =
      declared_aggregates(std::make_index_sequence<reported_counters()>{});
  return all;
}
std::span<const PanelColumn> panel_columns() { return kPanel; }
std::span<const DecisionColumn> decision_columns() { return kDecisions; }

std::vector<std::string> aggregate_names() {
  std::vector<std::string> names;
  for (const auto& a : aggregates()) names_of(a, names);
  return names;
}

std::vector<double> aggregate_values(const Params& p, StreamKey key, const State& s) {
  const Population population = count_population(p, s.firms);
  const Census census = count_census(p, s.firms);
  const SurveyCounts survey = count_survey(p, key, s.firms, s.env.year);
  const ObservedYear o{population, census, p, s.counters, s.env, survey};
  std::vector<double> v;
  for (const auto& a : aggregates())
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

namespace {
// Calls flush(t) and clears t's columns (capacity kept) when `t` holds `batch` rows, and always
// when `last` (then possibly with no rows: the reader still learns the columns).
void flush_batch(Table& t, std::size_t batch, bool last,
                 const std::function<void(const Table&)>& flush) {
  const std::size_t n = t.rows();
  if (!last && n < batch) return;
  flush(t);
  for (auto& [name, c] : t.ints) c.clear();
  for (auto& [name, c] : t.reals) c.clear();
}
}  // namespace

void append_panel_batched(const Params& p, StreamKey key, const State& s, Table& t,
                          std::size_t batch, const std::function<void(const Table&)>& flush) {
  const std::span<const PanelColumn> decls = kPanel;
  const auto cols = columns_in(t, decls);
  const Firms& f = s.firms;
  std::vector<std::uint32_t> rows;  // as append_panel
  for (std::size_t i = 0; i < f.size(); ++i)
    if ((f.alive[i] || f.exit_year[i] == s.env.year) && f.L[i] >= p.output.panel_min_employees)
      rows.push_back(std::uint32_t(i));
  by_id(f, rows, [](std::uint32_t i) { return std::size_t(i); });
  for (const std::size_t i : rows) {
    append_row(decls, cols, PanelRow{p, key, s.env, f, i});
    flush_batch(t, batch, false, flush);
  }
  flush_batch(t, batch, true, flush);
}

void append_decisions_batched(StreamKey key, const State& s, Table& t, std::size_t batch,
                              const std::function<void(const Table&)>& flush) {
  const std::span<const DecisionColumn> decls = kDecisions;
  const auto cols = columns_in(t, decls);
  std::vector<std::uint32_t> rows(s.decisions.size());  // as append_decisions
  std::iota(rows.begin(), rows.end(), 0u);
  by_id(s.firms, rows, [&](std::uint32_t k) { return std::size_t(s.decisions[k].firm); });
  for (const std::uint32_t row : rows) {
    append_row(decls, cols, DecisionRow{key, s.env, s.firms, s.decisions[row]});
    flush_batch(t, batch, false, flush);
  }
  flush_batch(t, batch, true, flush);
}

}  // namespace smesim::model
