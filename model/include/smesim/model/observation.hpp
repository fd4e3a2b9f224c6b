// Observation (spec 8): the yearly aggregates, the firm-year panel and the decision log. Each
// output is declared once, as {name, unit, meaning, accessor}: the names, the values written and
// docs/file-format.md's tables (test GeneratedDocs.*) all come from these declarations, in the
// order of the results file. Adding an aggregate is one line in aggregates() (observation.cpp).
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "smesim/model/state.hpp"
#include "smesim/model/table.hpp"

namespace smesim::model {

// Sums over the firms alive at the end of the year, that the aggregates read.
struct Population {
  double smes = 0, les = 0, sme_exporters = 0, sme_fdi = 0, le_fdi = 0, le_exporters = 0;
  double sme_international = 0;  // SMEs exporting or with an affiliate
  double Y = 0, Y_sme = 0, L = 0, L_sme = 0, affiliates = 0, affiliates_sme = 0;
  std::array<double, kRegions> sme_fdi_in{}, sme_exporting_to{};  // SMEs, by region
};
Population count_population(const Params& p, const Firms& f);

// The economy as the published statistics see it (v2 2.3, 5.7, 8): the derived establishments
// of every alive enterprise in the Census size classes, the enterprise-basis SME shares, affiliate
// sales and import-back by region, and the international activity of SMEs and of the firms the
// survey covers (L >= 50).
inline constexpr std::size_t kCensusClasses = 8;  // 4-9, ..., 200-299, 300+
inline constexpr std::array<std::string_view, kCensusClasses> kCensusClassNames = {
    "4_9", "10_19", "20_29", "30_49", "50_99", "100_199", "200_299", "300plus"};
int census_class(double employees);  // index in kCensusClassNames, -1 below 4
struct Census {
  std::array<double, kCensusClasses> establishments{}, employees{}, shipments{};
  double est_ge10 = 0, emp_ge10 = 0, ship_ge10 = 0;
  double enterprises = 0, sme_enterprises = 0, L_ent = 0, L_sme_ent = 0, Y_ent = 0, Y_sme_ent = 0;
  double Y = 0, So = 0, linked_exports = 0, subcontracting_smes = 0;
  std::array<double, kRegions> SoJ{}, SoH{}, sme_exporting{}, ge50_affiliate{}, ge50_exporting{};
  double sme_exporting_asia = 0;  // SMEs exporting to any of NIEs, ASEAN, China
  double total(const std::array<double, kCensusClasses>& a) const {
    double t = 0;
    for (double x : a) t += x;
    return t;
  }
};
Census count_census(const Params& p, const Firms& f);
// The simulated survey of the year (spec v2 8; survey.hpp): frame firms (alive, L >= 50), those
// that respond, and respondents whose affiliates are linked, by region of an affiliate with sales.
struct SurveyCounts {
  double frame = 0, respondents = 0;
  std::array<double, kRegions> linked_parents{};  // respondents, linked, So[r] > 0
};
SurveyCounts count_survey(const Params& p, StreamKey key, const Firms& f, int year);

// What an aggregate's value reads.
struct ObservedYear {
  const Population& population;
  const Census& census;
  const Params& params;
  const YearCounters& counters;
  const Environment& env;
  const SurveyCounts& survey;
};

struct Aggregate {
  std::string_view name, unit, meaning;
  // The value; `region` for a per-region aggregate (named <name>_<region>), else 0.
  double (*value)(const ObservedYear& o, int region);
  bool per_region = false;
};
// The declarations, in the order of the results file.
std::span<const Aggregate> aggregates();
std::vector<std::string> aggregate_names();
std::vector<double> aggregate_values(const Params& p, StreamKey key, const State& s);

// One row of the panel: firm slot i of the state, in the year just stepped.
struct PanelRow {
  const Params& p;
  StreamKey key;
  const Environment& env;
  const Firms& f;
  std::size_t i;
};
// One row of the decision log.
struct DecisionRow {
  StreamKey key;
  const Environment& env;
  const Firms& f;
  const Candidate& c;
};

// A column of a table; integer columns are stored as int32 (their values are integers), real
// ones as float64. A per-region column is one column per region, <name>_<region>.
template <class Row>
struct Column {
  std::string_view name, unit, meaning;
  bool integer;
  double (*value)(const Row& row, int region);
  bool per_region = false;
};
using PanelColumn = Column<PanelRow>;
using DecisionColumn = Column<DecisionRow>;
// The declarations, integer columns first, in the order of the results file.
std::span<const PanelColumn> panel_columns();
std::span<const DecisionColumn> decision_columns();

// Appends the rows of the year just stepped: the panel's, one per firm alive at the end of the
// year or exited during it (with at least output.panel_min_employees employees), in firm-id
// order; the decision log's, one per candidate, in firm-id order and, for a firm, in the order
// they were found.
void append_panel(const Params& p, StreamKey key, const State& s, Table& panel);
void append_decisions(StreamKey key, const State& s, Table& log);

// docs/file-format.md's tables of the declarations (Markdown).
std::string aggregates_table();
std::string panel_table();
std::string decisions_table();

// append_panel and append_decisions in batches, for writers that stream the rows (sim/output):
// the same rows in the same order, `flush(t)` called whenever `t` holds `batch` rows and once
// with the rest (t's columns are cleared after each call; `flush` must not add or remove any).
void append_panel_batched(const Params& p, StreamKey key, const State& s, Table& t,
                          std::size_t batch, const std::function<void(const Table&)>& flush);
void append_decisions_batched(StreamKey key, const State& s, Table& t, std::size_t batch,
                              const std::function<void(const Table&)>& flush);

}  // namespace smesim::model
