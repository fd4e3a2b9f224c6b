// Observation (spec 8): yearly aggregates, the firm-year panel and the decision log.
#include <algorithm>
#include <numeric>
#include <string>
#include <variant>

#include "smesim/model/world.hpp"

namespace smesim::model {

namespace {
const char* const kScalarAggregates[] = {"firms",
                                         "smes",
                                         "les",
                                         "sme_export_share",
                                         "sme_fdi_share",
                                         "le_fdi_share",
                                         "le_export_share",
                                         "sme_output_share",
                                         "sme_employment_share",
                                         "domestic_production",
                                         "employment",
                                         "affiliates",
                                         "affiliates_sme_share",
                                         "entries",
                                         "exits_insolvency",
                                         "exits_succession",
                                         "exits_decline",
                                         "opportunities_invitation",
                                         "opportunities_referral",
                                         "opportunities_search",
                                         "opportunities_jetro",
                                         "decisions_taken",
                                         "decisions_declined",
                                         "decisions_finance",
                                         "decisions_staff",
                                         "decisions_superseded",
                                         "first_moves",
                                         "first_moves_pulled_share",
                                         "le_relocations",
                                         "group_joins",
                                         "group_leaves",
                                         "loans_granted",
                                         "jetro_enrolled",
                                         "firms_trained",
                                         "policy_spend",
                                         "policy_spend_loans",
                                         "policy_spend_jetro",
                                         "policy_spend_training",
                                         "policy_spend_succession",
                                         "fx",
                                         "fta_coverage",
                                         "sme_international_share"};
double share(double num, double den) { return den > 0 ? num / den : 0.0; }
}  // namespace

std::vector<std::string> World::aggregate_names() {
  std::vector<std::string> names(std::begin(kScalarAggregates), std::end(kScalarAggregates));
  for (auto r : kRegionNames) names.push_back("sme_fdi_share_" + std::string(r));
  for (auto r : kRegionNames) names.push_back("sme_export_share_" + std::string(r));
  return names;
}

std::vector<double> World::aggregates() const {
  double smes = 0, les = 0, sme_exp = 0, sme_fdi = 0, le_fdi = 0, le_exp = 0, Y = 0, Y_sme = 0;
  double L = 0, L_sme = 0, affiliates = 0, affiliates_sme = 0, sme_intl = 0;
  std::array<double, kRegions> fdi_r{}, exp_r{};
  for (std::size_t i = 0; i < s_.firms.size(); ++i) {
    if (!s_.firms.alive[i]) continue;
    const bool le = s_.firms.is_le(i, params_);
    const bool x = s_.firms.any_mode(i, Mode::exporting), d = s_.firms.any_mode(i, Mode::fdi);
    Y += s_.firms.Y[i];
    L += s_.firms.L[i];
    double aff = 0;
    for (int r = 0; r < kRegions; ++r)
      aff += s_.firms.mode[i * kRegions + r] == std::uint8_t(Mode::fdi);
    affiliates += aff;
    if (le) {
      les += 1;
      le_fdi += d;
      le_exp += x;
    } else {
      smes += 1;
      sme_exp += x;
      sme_fdi += d;
      sme_intl += x || d;
      Y_sme += s_.firms.Y[i];
      L_sme += s_.firms.L[i];
      affiliates_sme += aff;
      for (int r = 0; r < kRegions; ++r) {
        fdi_r[r] += s_.firms.mode[i * kRegions + r] == std::uint8_t(Mode::fdi);
        exp_r[r] += s_.firms.mode[i * kRegions + r] == std::uint8_t(Mode::exporting);
      }
    }
  }
  const auto& c = s_.counters;
  const double spend = c.spend_loans + c.spend_jetro + c.spend_training + c.spend_succession;
  std::vector<double> v = {smes + les,
                           smes,
                           les,
                           share(sme_exp, smes),
                           share(sme_fdi, smes),
                           share(le_fdi, les),
                           share(le_exp, les),
                           share(Y_sme, Y),
                           share(L_sme, L),
                           Y,
                           L,
                           affiliates,
                           share(affiliates_sme, affiliates),
                           c.entries,
                           c.exits[std::size_t(ExitCause::insolvency)],
                           c.exits[std::size_t(ExitCause::succession)],
                           c.exits[std::size_t(ExitCause::decline)],
                           c.opportunities[0],
                           c.opportunities[1],
                           c.opportunities[2],
                           c.opportunities[3],
                           c.decisions[std::size_t(Outcome::taken)],
                           c.decisions[std::size_t(Outcome::declined)],
                           c.decisions[std::size_t(Outcome::finance)],
                           c.decisions[std::size_t(Outcome::staff)],
                           c.decisions[std::size_t(Outcome::superseded)],
                           c.first_moves,
                           share(c.first_moves_pulled, c.first_moves),
                           c.relocations,
                           c.group_joins,
                           c.group_leaves,
                           c.loans_granted,
                           c.jetro_enrolled,
                           c.trained,
                           spend,
                           c.spend_loans,
                           c.spend_jetro,
                           c.spend_training,
                           c.spend_succession,
                           s_.env.fx,
                           s_.env.fta,
                           share(sme_intl, smes)};
  for (int r = 0; r < kRegions; ++r) v.push_back(share(fdi_r[r], smes));
  for (int r = 0; r < kRegions; ++r) v.push_back(share(exp_r[r], smes));
  return v;
}

namespace {
// Creates the named columns first, then takes pointers: creating a column may move the others.
std::vector<std::vector<std::int32_t>*> int_columns(Table& t,
                                                    const std::vector<std::string>& names) {
  for (const auto& n : names) t.int_column(n);
  std::vector<std::vector<std::int32_t>*> cols;
  for (const auto& n : names) cols.push_back(&t.int_column(n));
  return cols;
}
std::vector<std::vector<double>*> real_columns(Table& t, const std::vector<std::string>& names) {
  for (const auto& n : names) t.real_column(n);
  std::vector<std::vector<double>*> cols;
  for (const auto& n : names) cols.push_back(&t.real_column(n));
  return cols;
}
}  // namespace

namespace {
// A state array written to the panel (stored in double or single precision).
struct Column {
  const char* first;
  std::variant<const std::vector<double>*, const std::vector<float>*> v;
  double at(std::size_t k) const {
    return std::visit([k](const auto* p) { return double((*p)[k]); }, v);
  }
};
}  // namespace

// Sorts rows (stably) by the id of the firm slot(row) when slots are not in id order already.
template <class Slot>
void World::by_id(std::vector<std::uint32_t>& rows, Slot slot) const {
  auto before = [&](std::uint32_t x, std::uint32_t y) {
    return s_.firms.id[slot(x)] < s_.firms.id[slot(y)];
  };
  if (!std::is_sorted(rows.begin(), rows.end(), before))
    std::stable_sort(rows.begin(), rows.end(), before);
}

void World::append_panel(Table& t) const {
  std::vector<std::string> int_names = {"point",
                                        "rep",
                                        "year",
                                        "firm",
                                        "industry",
                                        "tier",
                                        "D_lf",
                                        "D_parent",
                                        "alive",
                                        "exit_cause",
                                        "entry_year",
                                        "customer",
                                        "experience_region",
                                        "trained"};
  for (auto r : kRegionNames) int_names.push_back("mode_" + std::string(r));
  const Column scalars[] = {{"L", &s_.firms.L},
                            {"Y", &s_.firms.Y},
                            {"Ymkt", &s_.firms.Ymkt},
                            {"Y_keiretsu", &s_.firms.Y_keiretsu},
                            {"Y_parts", &s_.firms.Y_parts},
                            {"Y_back", &s_.firms.Y_back},
                            {"Y_exports", &s_.firms.Y_exports},
                            {"RD", &s_.firms.RD},
                            {"W", &s_.firms.W},
                            {"K_dom", &s_.firms.K_dom},
                            {"a", &s_.firms.a},
                            {"rho", &s_.firms.rho},
                            {"experience", &s_.firms.experience},
                            {"ell", &s_.firms.ell},
                            {"proactivity", &s_.firms.proactivity},
                            {"age", &s_.firms.age}};
  const Column regional[] = {{"X", &s_.firms.X},
                             {"So", &s_.firms.So},
                             {"saj", &s_.firms.saj},
                             {"suj", &s_.firms.suj},
                             {"I", &s_.firms.info}};
  std::vector<std::string> real_names;
  for (const auto& s : scalars) real_names.push_back(s.first);
  for (const auto& s : regional)
    for (auto r : kRegionNames) real_names.push_back(std::string(s.first) + "_" + std::string(r));
  const auto ic = int_columns(t, int_names);
  const auto rc = real_columns(t, real_names);

  // Rows in firm-id order (compact() groups the slots by industry).
  std::vector<std::uint32_t> rows;
  for (std::size_t i = 0; i < s_.firms.size(); ++i)
    if ((s_.firms.alive[i] || s_.firms.exit_year[i] == s_.env.year) &&
        s_.firms.L[i] >= params_.output.panel_min_employees)
      rows.push_back(std::uint32_t(i));
  by_id(rows, [](std::uint32_t i) { return std::size_t(i); });
  for (const std::size_t i : rows) {
    const std::int32_t ints[] = {std::int32_t(key_.point),
                                 std::int32_t(key_.replication),
                                 s_.env.year,
                                 std::int32_t(s_.firms.id[i]),
                                 s_.firms.industry[i],
                                 s_.firms.tier[i],
                                 s_.firms.is_le(i, params_),
                                 s_.firms.D_parent[i],
                                 s_.firms.alive[i],
                                 s_.firms.exit_cause[i],
                                 s_.firms.entry_year[i],
                                 customer_id(s_.firms.customer0[i]),
                                 s_.firms.experience_region[i],
                                 s_.firms.trained[i]};
    std::size_t k = 0;
    for (auto v : ints) ic[k++]->push_back(v);
    for (int r = 0; r < kRegions; ++r) ic[k++]->push_back(s_.firms.mode[i * kRegions + r]);
    k = 0;
    for (const auto& s : scalars) rc[k++]->push_back(s.at(i));
    for (const auto& s : regional)
      for (int r = 0; r < kRegions; ++r) rc[k++]->push_back(s.at(i * kRegions + r));
  }
}

// The id of customer c while it is in business (alive, or exiting this year), else -1: the same
// whether or not compact() has dropped an exited customer's slot.
std::int32_t World::customer_id(std::int32_t c) const {
  if (c == kNoFirm) return kNoFirm;
  const auto k = std::size_t(c);
  return s_.firms.alive[k] || s_.firms.exit_year[k] == s_.env.year ? std::int32_t(s_.firms.id[k])
                                                                   : kNoFirm;
}

void World::append_decisions(Table& t) const {
  const auto ic = int_columns(
      t, {"point", "rep", "year", "firm", "source", "mode", "region", "outcome", "customer"});
  const auto rc = real_columns(t, {"V", "F"});
  // Rows in firm-id order, each firm's candidates in the order they were found.
  std::vector<std::uint32_t> rows(s_.decisions.size());
  std::iota(rows.begin(), rows.end(), 0u);
  by_id(rows, [&](std::uint32_t k) { return std::size_t(s_.decisions[k].firm); });
  for (const std::uint32_t row : rows) {
    const Candidate& c = s_.decisions[row];
    const std::int32_t ints[] = {std::int32_t(key_.point),
                                 std::int32_t(key_.replication),
                                 s_.env.year,
                                 std::int32_t(s_.firms.id[std::size_t(c.firm)]),
                                 std::int32_t(c.source),
                                 std::int32_t(c.mode),
                                 c.region,
                                 std::int32_t(c.outcome),
                                 customer_id(c.customer)};
    for (std::size_t k = 0; k < std::size(ints); ++k) ic[k]->push_back(ints[k]);
    rc[0]->push_back(c.V);
    rc[1]->push_back(c.F);
  }
}

}  // namespace smesim::model
