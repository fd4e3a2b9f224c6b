// Macro targets (data/targets/*.csv) and how each compares with a simulation (spec v2 2.6, 9b,
// 10; docs/calibration.md "Fit table"): the reader of the target files, the rule that maps a
// target series to the model's aggregates, its adjustments and tolerance, and the fit table of
// `smesim fit`, which `smesim calibrate` also uses for its macro moments.
//
// Scales. Results hold model-scale aggregates; /meta's `national_scale` = N_national / N turns
// model counts into national counts. Every count and money value is compared at national scale
// (the simulated value times national_scale; money in million yen, so a target in billion yen is
// multiplied by 1 000); fractions, ratios and changes compare directly.
#pragma once

#include <cstddef>
#include <istream>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "smesim/sim/output.hpp"

namespace smesim::analysis {

// One row of a target file: `series,year,value,unit,source` (further columns, such as the census
// file's `status`, are allowed and ignored).
struct TargetRow {
  std::string series;
  int year = 0;
  double value = 0;
  std::string unit, source;
  std::string file;  // where it was read, for messages
  std::size_t line = 0;
};

// One CSV record split into fields: commas separate fields; a field in double quotes may hold
// commas, and "" inside it is one quote. Throws sim::InputError (naming `where`) on an
// unterminated quote or text after a closing quote.
std::vector<std::string> split_csv_record(std::string_view line, const std::string& where);

// Reads a target file: lines starting with '#' and blank lines are skipped; the first other line
// is the header, which must name the columns series, year, value, unit and source (in any order).
// Every row needs a series, a whole year, a finite value and a non-empty source. Errors are
// sim::InputErrors naming FILE:LINE.
std::vector<TargetRow> read_target_rows(const std::string& path);
std::vector<TargetRow> parse_target_rows(std::istream& in, const std::string& source);

// The target files `smesim fit` reads when none are given: japan_manufacturing_macro.csv and
// census_size_classes.csv in $SMESIM_TARGETS_DIR, or in data/targets (share/smesim/data/targets
// when installed) found upwards from the directory of the executable `exe`. Throws InputError
// when none is found.
std::vector<std::string> default_target_files(const std::string& exe);

// How a series is compared with the model.
enum class Comparison {
  level,           // the aggregate's value (times national_scale for counts and money)
  change,          // the aggregate's change on the previous year, x(t) / x(t-1) - 1
  change_since,    // x(t) / x(t0) - 1, t0 the previous row's year of the series (or, for the
                   // first row, the previous complete-enumeration year, ending in 0, 3, 5 or 8)
  rate,            // (sum of the aggregates)(t) / denominator(t-1): a reference rate
  input,           // exogenous data: shown when the model reports it, never a target
  not_comparable,  // measured on a basis the model does not have
};

// How a tolerance is stated: a fraction of the target's value, or in the target's own unit.
enum class ToleranceKind { relative, absolute };

struct Tolerance {
  ToleranceKind kind = ToleranceKind::relative;
  double value = 0.05;
  std::string why;
};

// The documented default tolerances (targets.cpp), first matching pattern wins; a pattern may
// hold '*' (any text).
struct ToleranceEntry {
  std::string pattern;
  Tolerance tolerance;
};
const std::vector<ToleranceEntry>& default_tolerances();

// Overrides: series pattern -> value, in the kind of the default that the series matches
// (relative for levels, absolute for fractions and changes). Exact names win over patterns.
using ToleranceOverrides = std::map<std::string, double>;
Tolerance tolerance_for(const std::string& series, const ToleranceOverrides& overrides = {});

// True when `name` matches `pattern` ('*' matches any text, including none).
bool glob_match(std::string_view pattern, std::string_view name);

struct SeriesRule {
  Comparison comparison = Comparison::level;
  // Candidate aggregates, the first present in the results is used (for `rate` their sum).
  std::vector<std::string> aggregates;
  std::vector<std::string> denominator;  // `rate`: candidates of the denominator
  bool reference = false;                // shown, never a target (status "reference")
  std::string note;                      // how it compares, or why it does not
};

// The rule of a series (targets.cpp has the table). A series the table does not know compares
// at level with the aggregate of the same name.
SeriesRule rule_for(const std::string& series);

// How a unit scales: the factor from the target's unit to the model's (1 000 for billion yen),
// whether the simulated value is multiplied by national_scale (counts and money), and the
// model's unit.
struct UnitScaling {
  double to_model = 1;
  bool national = false;
  std::string model_unit;
};
UnitScaling unit_scaling(const std::string& unit);

// One line of the fit table.
struct FitRow {
  TargetRow row;
  SeriesRule rule;
  std::string aggregate;  // the aggregate(s) used, '+'-joined; empty when none
  std::string model_unit;
  double target = std::numeric_limits<double>::quiet_NaN();  // on the model basis (national)
  double sim = std::numeric_limits<double>::quiet_NaN();     // mean over replications
  double low = std::numeric_limits<double>::quiet_NaN();     // 95 % interval of that mean
  double high = std::numeric_limits<double>::quiet_NaN();
  double scale = std::numeric_limits<double>::quiet_NaN();
  double z = std::numeric_limits<double>::quiet_NaN();  // (sim - target) / scale
  int reps = 0;                                         // replications with a finite value
  int base_year = 0;       // change_since: the year the change is measured from
  std::string adjustment;  // what was done to the published value, if anything
  std::string status;      // ok, input, reference, not comparable, year outside the run, missing
  bool in_objective = false;
  bool computed() const { return status == "ok" || status == "input" || status == "reference"; }
};

// The statuses, as written in the table.
inline constexpr std::string_view kStatusOk = "ok";
inline constexpr std::string_view kStatusInput = "input";
inline constexpr std::string_view kStatusReference = "reference";
inline constexpr std::string_view kStatusNotComparable = "not comparable";
inline constexpr std::string_view kStatusOutside = "year outside the run";
inline constexpr std::string_view kStatusMissing = "missing";

// The target of each row on the model basis, without a simulation: units, the 1998 coverage gain
// of the 10+ levels (divided by 1.052 establishments, 1.026 employees after 1997, spec 10), the
// enterprise SME shares moved to the 4+ basis (the 1-3 class of the same year's census rows
// removed), an 11-month count scaled to 12. Sets target, scale, rule, adjustment and, for series
// that are not comparable, the status. `rows` is every row read: the adjustments and the base
// year of a change look up other rows.
std::vector<FitRow> prepare_targets(const std::vector<TargetRow>& rows,
                                    const ToleranceOverrides& overrides = {});

// The fit table of design point `point` of `results`: prepare_targets, then every computable row
// evaluated on the results' aggregates (mean over replications and the 95 % interval of the mean
// with Student t quantiles). A missing aggregate or a year outside the run is a status, never an
// error. With `values`, (*values)[i] receives row i's finite value in each replication (empty
// when the row has none), for statistics beyond the mean (the hindcast's quantiles).
std::vector<FitRow> fit_table(const std::vector<FitRow>& prepared, const sim::Results& results,
                              int point, double national_scale,
                              std::vector<std::vector<double>>* values = nullptr);

// national_scale of a results object (its string attribute `national_scale`), 1 when absent.
double national_scale_of(const sim::Results& results);
// /meta attribute `national_scale` of a results file (any numeric or string type), or
// national_scale_of(results) when the file does not have it as a plain attribute.
double read_national_scale(const std::string& path, const sim::Results& results);

// The fit table as CSV (header and one line per row) and as a readable text table (with `all`
// false, without the rows that are not comparable; the summary counts them).
std::string fit_csv(const std::vector<FitRow>& rows);
std::string fit_text(const std::vector<FitRow>& rows, double national_scale, bool all = false);

// The name of a macro target in a calibration (trace column, printout): "series@year".
std::string target_name(const TargetRow& row);

}  // namespace smesim::analysis
