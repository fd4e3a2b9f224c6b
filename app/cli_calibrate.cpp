// `smesim calibrate`: simulated method of moments on the Table 3 coefficients of Motohashi (2005)
// and on macro targets (spec sections 9 and 9b; docs/calibration.md).
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "smesim/analysis/calibration.hpp"
#include "smesim/analysis/calibration_file.hpp"
#include "smesim/analysis/paper.hpp"
#include "smesim/model/initialization.hpp"
#include "smesim/sim/errors.hpp"
#include "smesim/sim/run.hpp"
#include "smesim/sim/scenario.hpp"
#include "smesim/sim/settings.hpp"
#include "smesim/sim/yaml_reader.hpp"
#include "smesim/version.hpp"

namespace fs = std::filesystem;

namespace smesim::analysis {

// The calibration file's reader and the moments it calibrates to (calibration_file.hpp): analysis
// code still beside its command, written against sim/'s reader and run engine. (Its place is
// analysis/src/calibration_file.cpp; a using-directive until it moves there.)
using namespace sim;

namespace {

// The calibration file's schema, block by block, with the shared YAML reader's rules.
class CalibrationParser {
 public:
  CalibrationParser(std::string file, std::string text) : in_(std::move(file), std::move(text)) {}

  CalibrationFile parse() {
    root_ = in_.parse_root("calibration", "keys", "base: ../scenarios/baseline.yaml");
    top_ = in_.map(root_, "",
                   {"name", "description", "base", "targets", "overrides", "replications",
                    "optimizer", "max_evaluations", "multistart_points", "parameters", "weights",
                    "min_t", "macro_targets", "sample_targets"});
    CalibrationFile c;
    const auto* base = top_.entry("base");
    if (!base) in_.fail(root_, "base", "missing 'base': the scenario to calibrate");
    c.base = load_base_scenario(in_, base->first, base->second);
    if (const auto* o = top_.entry("overrides")) {
      in_.read_overrides(o->second, "overrides", c.base.params);
      for (const auto& e : model::check_consistency(c.base.params))
        in_.fail(o->first, "overrides", e);  // a cross-key error, located at the overrides
    }
    read_targets(c);
    read_weights(c);
    c.table3_count = c.targets.size();
    read_macro_targets(c);
    if (c.targets.empty())
      in_.fail(root_, "targets", "no targets: 'targets: none' needs 'macro_targets'");
    read_parameters(c);
    read_options(c.options);
    return c;
  }

 private:
  // targets: the coefficient CSV, relative to this file (default: M05 Table 3), or `none`.
  void read_targets(CalibrationFile& c) {
    const auto* t = top_.entry("targets");
    const std::string name =
        t ? in_.text(t->first, t->second, "targets") : "../data/targets/motohashi2005_table3.csv";
    if (name == "none") return;
    c.targets_file = (fs::path(in_.file()).parent_path() / name).string();
    try {
      c.targets = analysis::read_coefficient_targets(c.targets_file);
    } catch (const std::exception& e) {
      in_.fail(t ? t->second : root_, "targets", e.what());
    }
    // sample_targets: M05 Table 3's respondents, observations per firm and within R-squared,
    // relative to this file (default: <targets>_samples.csv beside the coefficients when it
    // exists, e.g. data/targets/motohashi2005_table3_samples.csv; `none`: the slopes only).
    const auto* s = top_.entry("sample_targets");
    if (s) {
      const std::string samples = in_.text(s->first, s->second, "sample_targets");
      if (samples == "none") return;
      c.sample_targets_file = (fs::path(in_.file()).parent_path() / samples).string();
    } else {
      fs::path beside(c.targets_file);
      beside.replace_filename(beside.stem().string() + "_samples.csv");
      if (!fs::exists(beside)) return;
      c.sample_targets_file = beside.string();
    }
    try {
      const auto more = analysis::read_sample_targets(c.sample_targets_file);
      c.targets.insert(c.targets.end(), more.begin(), more.end());
    } catch (const std::exception& e) {
      in_.fail(s ? s->second : root_, "sample_targets", e.what());
    }
  }

  // weights: region or region.term -> weight; min_t: targets with |t| below it only validate.
  void read_weights(CalibrationFile& c) {
    const model::Bounds non_negative{0, HUGE_VAL, false, true};
    if (const auto* w = top_.entry("weights"))
      for (const auto& [k, v] : in_.any_map(w->second, "weights").items) {
        const double x = in_.real(k, v, "weights." + k.Scalar(), non_negative);
        bool matched = false;
        for (auto& t : c.targets)
          if (t.name == k.Scalar() || t.name.rfind(k.Scalar() + ".", 0) == 0) {
            t.weight = x;
            matched = true;
          }
        if (!matched)
          in_.fail(k, "weights." + k.Scalar(),
                   "'" + k.Scalar() + "' names no target (a region or region.term)");
      }
    if (const auto* m = top_.entry("min_t")) {
      const double min_t = in_.real(m->first, m->second, "min_t", non_negative);
      for (auto& t : c.targets)
        if (std::abs(t.value) / t.se < min_t) t.weight = 0;  // kept for validation only
    }
  }

  // macro_targets: a block {file, series, years, weight, tolerance}, or a list of blocks. `file`
  // (one path or a list, relative to this file) holds target rows (targets.hpp); `series` lists
  // the series to fit (default: every comparable series of the files), `years` the years (default:
  // all), `weight` their weight in J (default 1), `tolerance` overrides of the default scales
  // (series or pattern -> value). Each moment is "series@year".
  void read_macro_targets(CalibrationFile& c) {
    const auto* m = top_.entry("macro_targets");
    if (!m) return;
    std::vector<std::pair<YAML::Node, std::string>> blocks;
    if (m->second.IsSequence()) {
      for (std::size_t i = 0; i < m->second.size(); ++i)
        blocks.emplace_back(m->second[i], "macro_targets[" + std::to_string(i) + "]");
    } else {
      blocks.emplace_back(m->second, "macro_targets");
    }
    if (blocks.empty()) in_.fail(m->second, "macro_targets", "'macro_targets' is an empty list");
    for (const auto& [node, path] : blocks) read_macro_block(c, node, path);
  }

  void read_macro_block(CalibrationFile& c, const YAML::Node& node, const std::string& path) {
    const YamlMap b = in_.map(node, path, {"file", "series", "years", "weight", "tolerance"});
    const auto* file = b.entry("file");
    if (!file) in_.fail(node, path + ".file", "'" + path + "' needs 'file': a target CSV");
    std::vector<std::pair<YAML::Node, std::string>> files;  // node, resolved path
    const auto add_file = [&](const YAML::Node& key, const YAML::Node& value) {
      const std::string name = in_.text(key, value, path + ".file");
      files.emplace_back(value, (fs::path(in_.file()).parent_path() / name).string());
    };
    if (file->second.IsSequence()) {
      for (const auto& item : file->second) add_file(item, item);
    } else {
      add_file(file->first, file->second);
    }
    std::vector<analysis::TargetRow> rows;
    for (const auto& [at, name] : files) {
      try {
        auto r = analysis::read_target_rows(name);
        rows.insert(rows.end(), r.begin(), r.end());
      } catch (const std::exception& e) {
        in_.fail(at, path + ".file", e.what());
      }
      c.macro_files.push_back(name);
    }
    analysis::ToleranceOverrides tolerances;
    if (const auto* t = b.entry("tolerance"))
      for (const auto& [k, v] : in_.any_map(t->second, path + ".tolerance").items)
        tolerances[k.Scalar()] =
            in_.real(k, v, path + ".tolerance." + k.Scalar(), {0, HUGE_VAL, true, true});
    double weight = 1;
    if (const auto* w = b.entry("weight"))
      weight = in_.real(w->first, w->second, path + ".weight", {0, HUGE_VAL, false, true});
    std::vector<int> years;
    if (const auto* y = b.entry("years")) {
      if (!y->second.IsSequence())
        in_.fail(YamlReader::mark_of(y->first, y->second), path + ".years",
                 "'" + path + ".years' is a list of years, e.g. [1995, 1998, 2002]");
      for (const auto& item : y->second)
        years.push_back(int(in_.integer(item, item, path + ".years", {1900, 2200})));
    }
    const auto prepared = analysis::prepare_targets(rows, tolerances);
    std::vector<std::string> known;
    for (const auto& f : prepared)
      if (std::find(known.begin(), known.end(), f.row.series) == known.end())
        known.push_back(f.row.series);
    const auto comparable = [](const analysis::FitRow& f) {
      using analysis::Comparison;
      return f.status.empty() && !f.rule.reference && f.rule.comparison != Comparison::input &&
             f.rule.comparison != Comparison::not_comparable;
    };
    const auto selected_year = [&](int year) {
      return years.empty() || std::find(years.begin(), years.end(), year) != years.end();
    };
    std::vector<std::string> series;
    if (const auto* s = b.entry("series")) {
      if (!s->second.IsSequence())
        in_.fail(YamlReader::mark_of(s->first, s->second), path + ".series",
                 "'" + path + ".series' is a list of series names");
      for (const auto& item : s->second) {
        const std::string name = in_.text(item, item, path + ".series");
        if (std::find(known.begin(), known.end(), name) == known.end())
          in_.unknown(item, path + ".series", "series", known);
        for (const auto& f : prepared)
          if (f.row.series == name && !comparable(f))
            in_.fail(
                item, path + ".series",
                "'" + name + "' cannot be a target (" +
                    (f.status.empty() ? std::string(f.rule.comparison == analysis::Comparison::input
                                                        ? "model input"
                                                        : "reference only")
                                      : f.status) +
                    (f.rule.note.empty() ? "" : ": " + f.rule.note) + ")");
        bool any = false;
        for (const auto& f : prepared)
          any = any || (f.row.series == name && selected_year(f.row.year));
        if (!any)
          in_.fail(item, path + ".series",
                   "'" + name + "' has no row in the years of '" + path + ".years'");
        series.push_back(name);
      }
    }
    for (const auto& f : prepared) {
      const bool wanted =
          series.empty() ? comparable(f)
                         : std::find(series.begin(), series.end(), f.row.series) != series.end();
      if (!wanted || !selected_year(f.row.year)) continue;
      const std::string name = analysis::target_name(f.row);
      for (const auto& t : c.targets)
        if (t.name == name) in_.fail(node, path, "the macro target '" + name + "' is listed twice");
      if (f.row.year < c.base.params.start_year)
        in_.fail(node, path,
                 "'" + name + "' lies before the run's start year " +
                     std::to_string(c.base.params.start_year));
      c.macro.push_back(f);
      c.targets.push_back({name, f.target, f.scale, weight});
    }
  }

  // parameters: dotted key -> {start, lower, upper}, each within the parameter's range.
  void read_parameters(CalibrationFile& c) {
    const auto* ps = top_.entry("parameters");
    if (!ps || !ps->second.IsMap() || ps->second.size() == 0)
      in_.fail(ps ? YamlReader::mark_of(ps->first, ps->second) : root_.Mark(), "parameters",
               "'parameters' maps parameter paths to {start, lower, upper}");
    for (const auto& [k, v] : in_.any_map(ps->second, "parameters").items) {
      const auto& info = in_.parameter(k);
      const std::string key = "parameters." + k.Scalar();
      const YamlMap box = in_.map(v, key, {"start", "lower", "upper"});
      analysis::CalibratedParameter p{k.Scalar(), 0, 0, 0};
      for (auto [name, x] :
           {std::pair{"start", &p.start}, {"lower", &p.lower}, {"upper", &p.upper}}) {
        const auto* e = box.entry(name);
        if (!e)
          in_.fail(YamlReader::mark_of(k, v), key,
                   "'" + key + "' needs start, lower and upper (missing '" + name + "')");
        *x = in_.real(e->first, e->second, key + "." + name, info.bounds);
      }
      if (!(p.lower < p.upper) || p.start < p.lower || p.start > p.upper)
        in_.fail(v, key, "'" + key + "': need lower <= start <= upper and lower < upper");
      c.params.push_back(p);
    }
  }

  // replications, max_evaluations, multistart_points, optimizer (defaults: CalibrationOptions).
  void read_options(analysis::CalibrationOptions& o) {
    auto whole = [&](const char* name, int& x, double hi) {
      if (const auto* e = top_.entry(name))
        x = int(in_.integer(e->first, e->second, name, {1, hi}));
    };
    whole("replications", o.replications, 1e6);
    whole("max_evaluations", o.max_evaluations, 1e7);
    whole("multistart_points", o.multistart_points, 1e5);
    if (const auto* e = top_.entry("optimizer"))
      o.optimizer =
          in_.choice(e->first, e->second, "optimizer", {"bobyqa", "sbplx", "crs2", "multistart"});
  }

  YamlReader in_;
  YAML::Node root_;
  YamlMap top_;
};

}  // namespace

CalibrationFile load_calibration(const std::string& path) {
  return CalibrationParser(path, read_input_file(path, "calibration")).parse();
}

CalibrationFile parse_calibration(const std::string& text, const std::string& file) {
  return CalibrationParser(file, text).parse();
}

void apply_until(CalibrationFile& c, int until) {
  c.until = until;
  std::vector<analysis::Target> kept;
  std::vector<analysis::FitRow> macro;
  if (kTable3Year <= until)
    kept.assign(c.targets.begin(), c.targets.begin() + std::ptrdiff_t(c.table3_count));
  c.table3_count = kept.size();
  for (std::size_t k = 0; k < c.macro.size(); ++k)
    if (c.macro[k].row.year <= until) {
      macro.push_back(c.macro[k]);
      kept.push_back(c.targets[c.targets.size() - c.macro.size() + k]);
    }
  c.targets = std::move(kept);
  c.macro = std::move(macro);
  if (c.targets.empty())
    throw InputError("--until " + std::to_string(until) + " leaves no target (Table 3 counts as " +
                     std::to_string(kTable3Year) + ")");
}

bool in_objective(const CalibrationFile& c, const analysis::TargetRow& row) {
  const std::size_t first = c.targets.size() - c.macro.size();
  for (std::size_t k = 0; k < c.macro.size(); ++k)
    if (c.macro[k].row.series == row.series && c.macro[k].row.year == row.year)
      return c.targets[first + k].weight > 0;
  return false;
}

// Table 3's slope coefficients (mean over replications) and the macro targets' simulated values
// at theta, in the targets' order.
std::vector<double> calibration_moments(const CalibrationFile& c,
                                        const std::vector<double>& theta) {
  Scenario sc = c.base;
  auto& p = sc.params;
  for (std::size_t k = 0; k < theta.size(); ++k)
    sim::find_setting(c.params[k].path)->set(p, theta[k]);
  p.replications = c.options.replications;
  int last = p.start_year;  // the last year a target needs
  if (c.table3_count > 0) last = std::max(last, std::min(p.end_year, model::kSurvey.last_year));
  for (const auto& f : c.macro) last = std::max(last, f.row.year);
  p.end_year = last;
  p.output.panel_reps.clear();
  if (c.table3_count > 0)
    for (int r = 0; r < p.replications; ++r) p.output.panel_reps.push_back(r);
  p.output.panel_from = std::max(p.start_year, model::kSurvey.first_year);
  p.output.panel_to = std::min(p.end_year, model::kSurvey.last_year);
  p.output.panel_min_employees = model::kSurvey.min_employees;  // the BSBSA universe
  p.output.decisions = false;
  const auto res = run_scenario(sc, {});
  std::vector<double> m;
  if (c.table3_count > 0) {
    const auto run = analysis::run_paper_table(res.panel, analysis::PaperTable::table3);
    std::map<std::string, double> coef;
    for (const auto& row : analysis::compare_with_paper(run))
      coef[row.region + "." + row.term] = row.coef;
    // The samples: respondent firms (at national scale), observations per firm, within R2.
    const double scale = model::national_scale(p);
    for (const auto& f : analysis::sample_fit(run)) {
      coef[f.region + ".respondents"] = f.groups * scale;
      coef[f.region + ".obs_per_firm"] = f.obs_per_firm;
      coef[f.region + ".r2_within"] = f.r2_within;
    }
    for (std::size_t k = 0; k < c.table3_count; ++k) {
      const auto it = coef.find(c.targets[k].name);
      m.push_back(it == coef.end() ? std::nan("") : it->second);
    }
  }
  for (const auto& f : analysis::fit_table(c.macro, res, 0, analysis::national_scale_of(res)))
    m.push_back(f.status == analysis::kStatusOk ? f.sim : std::nan(""));
  return m;
}

}  // namespace smesim::analysis

namespace smesim::app {

using analysis::load_calibration;
using sim::check_output_path;
using sim::InputError;
using sim::resolved_yaml;

namespace {

// The first line of a trace that records a hindcast cut-off.
std::string until_line(const std::optional<int>& until) {
  return until ? "# until " + std::to_string(*until) +
                     ": targets of years up to it only (Table 3 counts as " +
                     std::to_string(analysis::kTable3Year) + ")"
               : std::string();
}

std::string g17(double x) {
  char b[32];
  std::snprintf(b, sizeof b, "%.17g", x);
  return b;
}

std::string hex64(std::uint64_t h) {
  char b[17];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(h));
  return b;
}

// The set-up a trace's evaluations depend on, as "key = value" items (written as "# setup ..."
// lines at the top of the trace): the base scenario (a hash of every resolved parameter, and each
// scalar parameter that differs from its default, by name), the calibrated parameters' boxes,
// the targets (value, scale, weight) and the options that change what is evaluated. A resumed
// calibration must have the same set-up, else its replayed evaluations belong to another problem.
std::vector<std::pair<std::string, std::string>> setup_of(const analysis::CalibrationFile& c) {
  std::vector<std::pair<std::string, std::string>> s;
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : resolved_yaml(c.base.params)) h = (h ^ ch) * 1099511628211ull;
  s.emplace_back("scenario hash", hex64(h));
  const model::Params defaults;
  for (const auto& info : model::param_registry())
    if (info.get(c.base.params) != info.get(defaults))
      s.emplace_back("parameter " + info.key, g17(info.get(c.base.params)));
  for (const auto& p : c.params)
    s.emplace_back("calibrated " + p.path,
                   "start " + g17(p.start) + " lower " + g17(p.lower) + " upper " + g17(p.upper));
  for (const auto& t : c.targets)
    s.emplace_back("target " + t.name,
                   g17(t.value) + " scale " + g17(t.se) + " weight " + g17(t.weight));
  s.emplace_back("option replications", std::to_string(c.options.replications));
  s.emplace_back("option optimizer", c.options.optimizer);
  s.emplace_back("option max_evaluations", std::to_string(c.options.max_evaluations));
  s.emplace_back("option multistart_points", std::to_string(c.options.multistart_points));
  return s;
}

constexpr const char* kSetupPrefix = "# setup ";

// A trace line's cells: numbers (or "nan") only; nullopt when any cell is not one.
std::optional<std::vector<double>> trace_cells(const std::string& line) {
  std::vector<double> v;
  std::size_t begin = 0;
  while (true) {
    const std::size_t comma = line.find(',', begin);
    const std::string cell = line.substr(begin, comma - begin);
    if (cell == "nan") {
      v.push_back(std::nan(""));
    } else {
      const auto x = sim::YamlReader::parse_real(cell);
      if (!x || std::isnan(*x)) return std::nullopt;
      v.push_back(*x);
    }
    if (comma == std::string::npos) return v;
    begin = comma + 1;
  }
}

// The evaluations of a trace written by this command for the same set-up (setup_of), with each
// J recomputed from its moments. A trace of another set-up, a corrupt line (named FILE:LINE) or
// a J that its moments do not give is an InputError. A last line without its newline was cut by
// an interruption: it is dropped and cut off the file, so that appends start on a fresh line.
std::vector<analysis::Evaluation> read_trace(const std::string& path,
                                             const analysis::CalibrationFile& c) {
  const std::size_t n = c.params.size(), k = c.targets.size();
  std::string text;
  try {
    text = sim::read_input_file(path, "trace");
  } catch (const std::exception& e) {
    throw InputError(e.what());
  }
  if (text.empty()) return {};  // created, then interrupted before its first line
  std::vector<std::string> lines;
  for (std::size_t begin = 0; begin < text.size();) {
    const std::size_t nl = text.find('\n', begin);
    if (nl == std::string::npos) {  // cut by an interruption
      std::fprintf(stderr,
                   "calibrate: trace '%s' line %zu has no end (cut by an interruption): dropped\n",
                   path.c_str(), lines.size() + 1);
      fs::resize_file(path, begin);
      break;
    }
    lines.push_back(text.substr(begin, nl - begin));
    begin = nl + 1;
  }
  std::size_t i = 0;
  std::map<std::string, std::string> recorded;
  std::string until_recorded;
  for (; i < lines.size() && lines[i].rfind('#', 0) == 0; ++i) {
    if (lines[i].rfind("# until ", 0) == 0) until_recorded = lines[i];
    if (lines[i].rfind(kSetupPrefix, 0) == 0) {
      const std::string item = lines[i].substr(std::strlen(kSetupPrefix));
      const auto eq = item.find(" = ");
      if (eq != std::string::npos) recorded[item.substr(0, eq)] = item.substr(eq + 3);
    }
  }
  if (until_recorded != until_line(c.until))
    throw InputError("trace '" + path + "' was written " +
                     (until_recorded.empty()
                          ? std::string("without a cut-off")
                          : "with a different cut-off ('" + until_recorded + "')") +
                     ", this calibration has " +
                     (c.until ? "--until " + std::to_string(*c.until) : std::string("none")) +
                     ": resume with the same --until, or remove the trace");
  if (recorded.empty())
    throw InputError("trace '" + path +
                     "' records no set-up (written by an older smesim, or not a trace of this "
                     "command): its evaluations cannot be checked; remove it to start again");
  // What changed, item by item; a scalar parameter missing on one side is at its default.
  std::map<std::string, std::string> now;
  for (auto& [key, value] : setup_of(c)) now[key] = value;
  std::vector<std::string> changed;
  auto show = [](const std::map<std::string, std::string>& m, const std::string& key) {
    const auto it = m.find(key);
    if (it != m.end()) return it->second;
    return key.rfind("parameter ", 0) == 0 ? std::string("the default") : std::string("absent");
  };
  std::set<std::string> keys;
  for (const auto& [key, v] : recorded) keys.insert(key);
  for (const auto& [key, v] : now) keys.insert(key);
  for (const auto& key : keys)
    if (show(recorded, key) != show(now, key))
      changed.push_back(key + ": " + show(recorded, key) + " in the trace, " + show(now, key) +
                        " now");
  if (!changed.empty()) {
    std::string list;
    for (std::size_t q = 0; q < changed.size() && q < 12; ++q) list += "\n  " + changed[q];
    if (changed.size() > 12) list += "\n  ... (" + std::to_string(changed.size() - 12) + " more)";
    throw InputError("trace '" + path +
                     "' was written for another set-up; its evaluations would not be this "
                     "calibration's. What changed:" +
                     list + "\nRemove the trace (or give another --trace) to start again");
  }
  std::string header = "eval,J";
  for (const auto& p : c.params) header += "," + p.path;
  for (const auto& t : c.targets) header += "," + t.name;
  const auto where = [&](std::size_t line) { return path + ":" + std::to_string(line + 1); };
  if (i == lines.size()) return {};  // the set-up only: nothing evaluated yet
  if (lines[i] != header)
    throw InputError(where(i) +
                     ": the trace's header is not 'eval,J,<parameters>,<targets>' of "
                     "this calibration");
  std::vector<analysis::Evaluation> out;
  for (++i; i < lines.size(); ++i) {
    if (lines[i].rfind('#', 0) == 0) continue;
    const auto v = trace_cells(lines[i]);
    if (!v)
      throw InputError(where(i) +
                       ": corrupt trace line (a cell is not a number): remove the "
                       "line or the trace");
    if (v->size() != 2 + n + k)
      throw InputError(where(i) + ": corrupt trace line (" + std::to_string(v->size()) +
                       " cells, expected " + std::to_string(2 + n + k) +
                       "): remove the line or the trace");
    analysis::Evaluation e;
    e.J = (*v)[1];
    e.theta.assign(v->begin() + 2, v->begin() + 2 + std::ptrdiff_t(n));
    e.moments.assign(v->begin() + 2 + std::ptrdiff_t(n), v->end());
    const double J = analysis::distance(e.moments, c.targets, c.options.replications);
    if (!(J == e.J || std::abs(J - e.J) <= 1e-12 * std::max(std::abs(J), std::abs(e.J))))
      throw InputError(where(i) + ": J = " + g17(e.J) + " but the moments on the line give " +
                       g17(J) + ": the trace was edited or damaged; remove the line or the trace");
    out.push_back(std::move(e));
  }
  return out;
}

// The trace being written: every line checked, so that a full disk stops the calibration with a
// message instead of losing evaluations silently.
class TraceWriter {
 public:
  TraceWriter(std::string path, bool append) : path_(std::move(path)) {
    f_ = std::fopen(path_.c_str(), append ? "a" : "w");
    if (!f_) fail();
  }
  ~TraceWriter() {
    if (f_) std::fclose(f_);
  }
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;
  void line(const std::string& text) {
    const std::string l = text + "\n";
    if (std::fwrite(l.data(), 1, l.size(), f_) != l.size() || std::fflush(f_) != 0) fail();
  }
  void close() {
    const int rc = std::fclose(f_);
    f_ = nullptr;
    if (rc != 0) fail();
  }

 private:
  [[noreturn]] void fail() const {
    throw std::runtime_error("cannot write trace '" + path_ + "': " + std::strerror(errno));
  }
  std::string path_;
  std::FILE* f_ = nullptr;
};

}  // namespace

void add_calibrate_command(CLI::App& app, Action& action) {
  struct Args {
    std::string file, out = "calibrated.yaml", trace;
    int threads = 0, until = 0;
    bool resume = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("calibrate",
                                 "Estimate parameters by the simulated method of moments "
                                 "against Motohashi (2005) Table 3 and macro targets");
  cmd->add_option("calibration", a->file, "Calibration YAML file")->required();
  cmd->add_option("-o,--output", a->out, "Scenario file written with the estimates");
  cmd->add_option("--trace", a->trace, "Trace of every evaluation (CSV; default OUTPUT.trace.csv)");
  cmd->add_flag("--resume", a->resume, "Replay the evaluations in the trace, then continue");
  cmd->add_option("--threads", a->threads, "Worker threads")->check(CLI::NonNegativeNumber);
  auto* until = cmd->add_option("--until", a->until,
                                "Hindcast cut-off: only targets of years up to YEAR (Table 3 "
                                "counts as 2002)");
  cmd->callback([&action, a, until] {
    const bool cut = until->count() > 0;
    action = [a, cut] {
      auto c = load_calibration(a->file);
      if (cut) analysis::apply_until(c, a->until);
      const int threads =
          a->threads > 0 ? a->threads : int(oneapi::tbb::info::default_concurrency());
      oneapi::tbb::global_control limit(oneapi::tbb::global_control::max_allowed_parallelism,
                                        std::size_t(threads));
      const std::string trace = a->trace.empty() ? a->out + ".trace.csv" : a->trace;
      // Before any work: neither output over an input, a directory or a device, nor over each
      // other.
      std::vector<std::string> inputs = {a->file, c.base.file, c.targets_file,
                                         c.sample_targets_file};
      inputs.insert(inputs.end(), c.macro_files.begin(), c.macro_files.end());
      check_output_path(a->out, inputs);
      check_output_path(trace, inputs);
      check_output_path(trace, {a->out});
      const std::size_t n = c.params.size(), k = c.targets.size();
      const bool existed = fs::exists(trace);
      if (a->resume && existed)
        c.options.cache = read_trace(trace, c);
      else if (existed)
        throw InputError("trace '" + trace +
                         "' exists: add --resume to continue that calibration, or remove it");
      const bool fresh = !(a->resume && existed) || fs::file_size(trace) == 0;
      TraceWriter tr(trace, !fresh);
      // A calibration that fails before its first evaluation leaves no trace it created (its
      // rerun would otherwise demand --resume).
      bool evaluated = false;
      struct RemoveUnused {
        const std::string& path;
        const bool& keep;
        bool created;
        ~RemoveUnused() {
          if (created && !keep) {
            std::error_code ec;
            fs::remove(path, ec);
          }
        }
      } cleanup{trace, evaluated, !existed};
      if (fresh) {
        if (c.until) tr.line(until_line(c.until));
        for (const auto& [key, value] : setup_of(c)) tr.line(kSetupPrefix + key + " = " + value);
      }
      if (fresh || c.options.cache.empty()) {
        std::string header = "eval,J";
        for (const auto& p : c.params) header += "," + p.path;
        for (const auto& t : c.targets) header += "," + t.name;
        // A resumed trace that holds only its set-up gets the header once.
        std::ifstream in(trace);
        std::string line;
        bool has = false;
        while (std::getline(in, line)) has = has || line == header;
        if (!has) tr.line(header);
      }
      c.options.on_evaluation = [&](const analysis::Evaluation& e, int count, bool cached) {
        if (!cached) {
          std::string l = std::to_string(count) + "," + g17(e.J);
          for (double x : e.theta) l += "," + g17(x);
          for (double x : e.moments) l += "," + g17(x);
          tr.line(l);  // durable as it goes: --resume replays these
          evaluated = true;
        }
        std::fprintf(stderr, "calibrate: evaluation %d%s, J = %.3f\n", count,
                     cached ? " (from trace)" : "", e.J);
      };
      const auto res = analysis::calibrate(
          c.params, c.targets, [&](const auto& t) { return calibration_moments(c, t); }, c.options);

      const std::size_t k3 = c.table3_count;
      std::printf(
          "\nCalibration of %zu parameters to %zu Table 3 coefficients and %zu macro targets "
          "(%d replications, %s, %d evaluations)%s\n",
          n, k3, k - k3, c.options.replications, c.options.optimizer.c_str(), res.evaluations,
          c.until ? (", cut-off " + std::to_string(*c.until)).c_str() : "");
      std::printf(
          "J at start %.2f, at the estimate %.2f; Jacobian rank %d of %zu, condition number "
          "%.3g (in target scales per parameter range)\n\n",
          res.start.J, res.best.J, res.jacobian_rank, n, res.jacobian_condition);
      std::printf("  %-34s %10s %10s %10s\n", "parameter", "start", "estimate", "se");
      for (std::size_t j = 0; j < n; ++j)
        std::printf("  %-34s %10.4f %10.4f %10.4f\n", c.params[j].path.c_str(), c.params[j].start,
                    res.best.theta[j], res.se[j]);
      // The slopes, then the samples (respondents, observations per firm, within R2: their se
      // is the stated tolerance, calibration.hpp).
      auto is_sample = [](const std::string& name) {
        for (const char* m : {".respondents", ".obs_per_firm", ".r2_within"})
          if (name.size() > std::strlen(m) &&
              name.compare(name.size() - std::strlen(m), std::string::npos, m) == 0)
            return true;
        return false;
      };
      int within = 0, used = 0, slopes = 0, samples_within = 0, samples = 0, macro_within = 0;
      if (k3 > 0)
        std::printf("\n  %-28s %8s %8s %8s %7s %s\n", "moment", "paper", "se", "model", "z", "");
      for (std::size_t q = 0; q < k3; ++q) {
        const auto& t = c.targets[q];
        const double m = res.best.moments[q], z = (m - t.value) / t.se;
        const bool sample = is_sample(t.name);
        (sample ? samples_within : within) += std::abs(z) <= 2;
        (sample ? samples : slopes) += 1;
        used += t.weight > 0;
        std::printf("  %-28s %8.3f %8.3f %8.3f %7.2f %s\n", t.name.c_str(), t.value, t.se, m, z,
                    t.weight > 0 ? (std::abs(z) <= 2 ? "" : "*") : "(validation)");
      }
      if (k3 > 0)
        std::printf(
            "\n%d of %d coefficients within two standard errors of the paper's, %d of %d sample "
            "moments within two tolerances (%d Table 3 moments used in J)\n",
            within, slopes, samples_within, samples, used);
      if (k > k3)
        std::printf("\n  %-46s %12s %10s %12s %7s %s\n", "macro target", "target", "scale", "model",
                    "z", "");
      for (std::size_t q = k3; q < k; ++q) {
        const auto& t = c.targets[q];
        const double m = res.best.moments[q], z = (m - t.value) / t.se;
        macro_within += std::abs(z) <= 1;
        std::printf("  %-46s %12.6g %10.4g %12.6g %7.2f %s\n", t.name.c_str(), t.value, t.se, m, z,
                    t.weight > 0 ? (std::abs(z) <= 1 ? "" : "*") : "(validation)");
      }
      if (k > k3)
        std::printf(
            "\n%d of %zu macro targets within one scale (national scale; `smesim fit` "
            "shows every target)\n",
            macro_within, k - k3);

      model::Params p = c.base.params;
      for (std::size_t j = 0; j < n; ++j)
        sim::find_setting(c.params[j].path)->set(p, res.best.theta[j]);
      std::ostringstream y;
      y << "# Calibrated by `smesim calibrate " << a->file << "` (smesim " << kVersion << ", "
        << kGitCommit << ")\n"
        << "# J = " << res.best.J << " (start " << res.start.J << "), " << within << " of "
        << slopes << " Table 3 coefficients within two standard errors, " << samples_within
        << " of " << samples << " sample moments within two tolerances, " << macro_within << " of "
        << k - k3 << " macro targets within one scale; see docs/calibration.md.\n";
      if (c.until)
        y << "# Hindcast cut-off: calibrated on targets of years up to " << *c.until
          << " only (Table 3 counts as " << analysis::kTable3Year << ").\n";
      y << "# Estimates:";
      for (std::size_t j = 0; j < n; ++j)
        y << "\n#   " << c.params[j].path << " = " << res.best.theta[j] << " (se " << res.se[j]
          << ")";
      y << "\n" << resolved_yaml(p);
      tr.close();
      sim::write_text_file(a->out, y.str());  // checked: a full disk leaves the old file intact
      std::printf("Scenario with the estimates: %s\nTrace: %s\n", a->out.c_str(), trace.c_str());
      return 0;
    };
  });
}

}  // namespace smesim::app
