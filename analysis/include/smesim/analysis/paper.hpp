// The regressions of Motohashi (2005) Tables 3-5 on the simulated survey of spec sections 8-9,
// and their comparison with the paper's estimates (docs/econometrics.md, "Paper tables").
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "smesim/analysis/panel.hpp"
#include "smesim/model/params.hpp"
#include "smesim/model/table.hpp"

namespace smesim::analysis {

enum class PaperTable { table3, table4, table5 };

// Parses "table3", "table4" or "table5"; throws std::invalid_argument otherwise.
PaperTable parse_paper_table(std::string_view name);
std::string_view table_name(PaperTable table);

// A coefficient as M05 prints it: t is the absolute t statistic, so se = |coef| / t.
struct PaperTarget {
  std::string_view region, term;
  double coef = 0, t = 0;
  double se() const;
};
// M05 Table 3 (data/targets/motohashi2005_table3.csv), in the paper's column order.
std::span<const PaperTarget> table3_targets();

struct PaperSample {
  std::string_view region;
  int observations = 0, firms = 0;
  double r_squared = 0;  // within
};
std::span<const PaperSample> table3_samples();

// The simulated survey: respondents (panel column `respondent`: firm-years alive at the end of
// the year, L >= 50, that answered; spec v2 8) with L >= min_employment and Y > 0, in
// first_year..last_year, of one design point. Affiliate-side variables (So, saj, suj) enter only
// for linked firms (panel column `linked`): Tables 3 and 4 use linked respondents with So[r] > 0,
// Table 5 counts an unlinked respondent as without overseas production.
struct SurveyOptions {
  int first_year = model::kSurvey.first_year, last_year = model::kSurvey.last_year;
  double min_employment = model::kSurvey.min_employees;
  int point = -1;  // -1: the panel must hold a single point
  VarianceComponents components = VarianceComponents::stata;  // Table 5 (random effects)
};

// One regression of a table on one replication.
struct PaperRegression {
  std::string region;  // Table 5: the firm group (nonglobal_sme, nonglobal_le, global_sme, ...)
  int spec = 0;        // the column of the paper's table
  int rep = 0;
  PanelResult result;
};

struct PaperRun {
  PaperTable table = PaperTable::table3;
  std::vector<PaperRegression> regressions;  // by column, then replication
  std::vector<std::string> notes;            // how the variables were built; what differs from M05
};

// Runs every regression of `table` on each replication of the panel. Throws sim::InputError when
// the panel lacks a column or the point; a regression that cannot be estimated (too few
// observations) is left out with a note.
PaperRun run_paper_table(const model::Table& panel, PaperTable table,
                         const SurveyOptions& options = {});

// One coefficient over the replications, next to the paper's.
struct PaperRow {
  std::string region;
  int spec = 0;
  std::string term;
  int reps = 0;
  double coef = 0;     // mean over replications
  double se = 0;       // one replication: its conventional se; several: mc_sd
  double t = 0;        // coef / se
  double mean_se = 0;  // mean of the conventional se over replications
  double mc_sd = 0;    // standard deviation of coef over replications (NaN for one)
  double target_coef = 0, target_se = 0;  // NaN where the paper gives no target
  // (coef - target_coef) / sqrt(target_se^2 + v), v the variance of coef: se^2 for one
  // replication, mc_sd^2 / reps for several.
  double z = 0;
};
std::vector<PaperRow> compare_with_paper(const PaperRun& run);

// Sample size and fit of one column over the replications, next to the paper's.
struct PaperFit {
  std::string region;
  int spec = 0;
  int reps = 0;
  double observations = 0, groups = 0, r2_within = 0;                // means over replications
  double target_observations = 0, target_groups = 0, target_r2 = 0;  // NaN without a target
  // Observations per firm (spec v2 9b): observations / groups (of the means; groups are the
  // respondent firms of the column), and M05's (NaN without a target).
  double obs_per_firm = 0, target_obs_per_firm = 0;
  std::vector<std::string> omitted;   // terms dropped in any replication
  std::vector<std::string> warnings;  // why (PanelResult::warnings, each once)
};
std::vector<PaperFit> sample_fit(const PaperRun& run);

}  // namespace smesim::analysis
