// The hindcast: benchmarks, error measures, coverage and the Diebold-Mariano test (hindcast.hpp;
// docs/validation.md).
#include "smesim/analysis/hindcast.hpp"

#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "smesim/analysis/csv.hpp"
#include "smesim/analysis/statistics.hpp"
#include "smesim/model/params.hpp"
#include "smesim/sim/errors.hpp"

namespace smesim::analysis {

using sim::InputError;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

// ---------------------------------------------------------------------------------------------
// Measures

Measure measure_of(const std::string& unit) {
  return unit_scaling(unit).national ? Measure::log_points : Measure::percentage_points;
}

const char* measure_name(Measure m) { return m == Measure::log_points ? "log points" : "pp"; }

double to_measure(double value, Measure m) {
  if (m == Measure::percentage_points) return 100 * value;
  return value > 0 ? 100 * std::log(value) : kNaN;
}

double from_measure(double x, Measure m) {
  return m == Measure::percentage_points ? x / 100 : std::exp(x / 100);
}

// ---------------------------------------------------------------------------------------------
// Benchmarks

double no_change_forecast(std::span<const Observation> history, int /*year*/) {
  return history.empty() ? kNaN : history.back().x;
}

double trend_forecast(std::span<const Observation> history, int year) {
  const std::size_t n = history.size();
  if (n < 2) return kNaN;
  double my = 0, mx = 0;
  for (const auto& o : history) mx += o.year, my += o.x;
  mx /= double(n);
  my /= double(n);
  double sxx = 0, sxy = 0;
  for (const auto& o : history) {
    sxx += (o.year - mx) * (o.year - mx);
    sxy += (o.year - mx) * (o.x - my);
  }
  if (!(sxx > 0)) return kNaN;
  const double slope = sxy / sxx;
  return my + slope * (year - mx);
}

double ar1_forecast(std::span<const Observation> history, int year) {
  // Differences of consecutive years, by the year they end in.
  std::map<int, double> d;
  for (std::size_t i = 1; i < history.size(); ++i)
    if (history[i].year == history[i - 1].year + 1)
      d[history[i].year] = history[i].x - history[i - 1].x;
  std::vector<std::pair<double, double>> pairs;  // (d(t-1), d(t))
  for (const auto& [t, dt] : d)
    if (const auto prev = d.find(t - 1); prev != d.end()) pairs.emplace_back(prev->second, dt);
  if (history.empty() || int(pairs.size()) < kAr1MinPairs) return kNaN;
  const int last = history.back().year;
  const auto dl = d.find(last);
  if (dl == d.end()) return kNaN;
  double mx = 0, my = 0;
  for (const auto& [a, b] : pairs) mx += a, my += b;
  mx /= double(pairs.size());
  my /= double(pairs.size());
  double sxx = 0, sxy = 0;
  for (const auto& [a, b] : pairs) {
    sxx += (a - mx) * (a - mx);
    sxy += (a - mx) * (b - my);
  }
  const double phi = sxx > 0 ? sxy / sxx : 0;
  const double c = my - phi * mx;
  double x = history.back().x, dt = dl->second;
  for (int t = last + 1; t <= year; ++t) {
    dt = c + phi * dt;
    x += dt;
  }
  return x;
}

// ---------------------------------------------------------------------------------------------
// Diebold-Mariano

DieboldMariano diebold_mariano(std::span<const double> e1, std::span<const double> e2, int h) {
  DieboldMariano out;
  const std::size_t n = std::min(e1.size(), e2.size());
  out.n = int(n);
  if (out.n < kDmMinErrors || h < 1) return out;
  std::vector<double> d(n);
  for (std::size_t t = 0; t < n; ++t) d[t] = e1[t] * e1[t] - e2[t] * e2[t];
  double mean = 0;
  for (double v : d) mean += v;
  mean /= double(n);
  out.mean_d = mean;
  auto gamma = [&](std::size_t k) {
    double s = 0;
    for (std::size_t t = k; t < n; ++t) s += (d[t] - mean) * (d[t - k] - mean);
    return s / double(n);
  };
  const double g0 = gamma(0);
  if (!(g0 > 0)) return out;
  double v = g0;
  for (int k = 1; k < h && std::size_t(k) < n; ++k) v += 2 * gamma(std::size_t(k));
  if (!(v > 0)) v = g0;
  const double nn = double(n), hh = double(h);
  const double s = mean / std::sqrt(v / nn);
  const double hln = (nn + 1 - 2 * hh + hh * (hh - 1) / nn) / nn;
  if (!(hln > 0)) return out;
  out.statistic = s * std::sqrt(hln);
  const boost::math::students_t t(nn - 1);
  out.p_value = 2 * boost::math::cdf(boost::math::complement(t, std::abs(out.statistic)));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Scores

std::vector<HindcastScore> hindcast_scores(const std::vector<HindcastRow>& rows, int dm_lag) {
  std::vector<std::string> order;
  for (const auto& r : rows)
    if (std::find(order.begin(), order.end(), r.series) == order.end()) order.push_back(r.series);
  order.push_back("");  // all
  std::vector<HindcastScore> out;
  for (const auto& series : order) {
    HindcastScore s;
    s.series = series.empty() ? "all" : series;
    std::set<std::string> measures;
    std::vector<const HindcastRow*> mine;
    for (const auto& r : rows)
      if (series.empty() || r.series == series) {
        mine.push_back(&r);
        measures.insert(measure_name(r.measure));
      }
    s.measure = measures.size() == 1 ? *measures.begin() : "mixed";
    double abs_sum = 0, sq_sum = 0;
    int in_band = 0;
    for (const auto* r : mine)
      if (std::isfinite(r->err_model)) {
        ++s.n;
        abs_sum += std::abs(r->err_model);
        sq_sum += r->err_model * r->err_model;
        in_band += r->in_band;
      }
    if (s.n > 0) {
      s.mae = abs_sum / s.n;
      s.rmse = std::sqrt(sq_sum / s.n);
      s.coverage = double(in_band) / s.n;
    }
    for (int b = 0; b < kBenchmarks; ++b) {
      auto& bs = s.bench[std::size_t(b)];
      std::vector<double> em, eb;
      for (const auto* r : mine)
        if (std::isfinite(r->err_model) && std::isfinite(r->err_bench[std::size_t(b)])) {
          em.push_back(r->err_model);
          eb.push_back(r->err_bench[std::size_t(b)]);
        }
      bs.n = int(em.size());
      if (em.empty()) continue;
      double am = 0, sm = 0, ab = 0, sb = 0;
      for (std::size_t k = 0; k < em.size(); ++k) {
        am += std::abs(em[k]);
        sm += em[k] * em[k];
        ab += std::abs(eb[k]);
        sb += eb[k] * eb[k];
      }
      const double n = double(em.size());
      bs.mae_model = am / n;
      bs.rmse_model = std::sqrt(sm / n);
      bs.mae = ab / n;
      bs.rmse = std::sqrt(sb / n);
      if (bs.mae > 0) bs.mae_ratio = bs.mae_model / bs.mae;
      if (bs.rmse > 0) bs.rmse_ratio = bs.rmse_model / bs.rmse;
      bs.dm = diebold_mariano(em, eb, dm_lag);
    }
    out.push_back(std::move(s));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The hindcast

void check_after_cutoff(const std::vector<TargetRow>& actuals, int cutoff) {
  int last_year = 0;
  std::set<std::string> files;
  for (const auto& r : actuals) {
    last_year = std::max(last_year, r.year);
    files.insert(r.file);
  }
  if (!actuals.empty() && last_year > cutoff) return;
  std::string names;
  for (const auto& f : files) names += (names.empty() ? "'" : ", '") + f + "'";
  throw InputError(
      "the actuals" + (names.empty() ? std::string() : " (" + names + ")") +
      " hold no row after the cut-off " + std::to_string(cutoff) +
      (actuals.empty() ? ": no rows at all" : ": the last year is " + std::to_string(last_year)) +
      "; a hindcast forecasts the years after the cut-off");
}

Hindcast hindcast(const std::vector<TargetRow>& actuals, int cutoff, const sim::Results& results,
                  int point, double national_scale, int dm_lag) {
  check_after_cutoff(actuals, cutoff);
  Hindcast h;
  h.cutoff = cutoff;
  const auto prepared = prepare_targets(actuals);
  std::vector<std::vector<double>> values;
  const auto table = fit_table(prepared, results, point, national_scale, &values);
  h.reps = results.reps;

  std::vector<std::string> order;
  for (const auto& r : actuals)
    if (std::find(order.begin(), order.end(), r.series) == order.end()) order.push_back(r.series);
  for (const auto& series : order) {
    std::vector<std::size_t> idx;
    bool after = false;
    for (std::size_t i = 0; i < prepared.size(); ++i)
      if (prepared[i].row.series == series) {
        idx.push_back(i);
        after = after || prepared[i].row.year > cutoff;
      }
    if (!after) continue;  // only history: nothing to forecast
    const SeriesRule& rule = prepared[idx.front()].rule;
    if (rule.comparison == Comparison::not_comparable || rule.comparison == Comparison::input ||
        rule.reference) {
      const char* why = rule.comparison == Comparison::input ? "an input of the model"
                        : rule.reference                     ? "reference only"
                                                             : "not comparable";
      h.skipped.push_back(series + ": " + why + (rule.note.empty() ? "" : " (" + rule.note + ")"));
      continue;
    }
    // The history: values up to the cut-off, on the model basis, in the measure.
    const Measure m = measure_of(prepared[idx.front()].row.unit);
    std::map<int, double> hist;
    for (std::size_t i : idx) {
      const auto& f = prepared[i];
      if (f.row.year > cutoff || !f.status.empty()) continue;
      const double x = to_measure(f.target, m);
      if (std::isfinite(x)) hist[f.row.year] = x;
    }
    std::vector<Observation> history;
    for (const auto& [y, x] : hist) history.push_back({y, x});
    std::vector<std::size_t> post;
    for (std::size_t i : idx)
      if (prepared[i].row.year > cutoff) post.push_back(i);
    std::stable_sort(post.begin(), post.end(), [&](std::size_t a, std::size_t b) {
      return prepared[a].row.year < prepared[b].row.year;
    });
    for (std::size_t i : post) {
      const FitRow& f = table[i];
      if (f.status != kStatusOk || values[i].empty() || !std::isfinite(f.target)) {
        h.skipped.push_back(series + "@" + std::to_string(f.row.year) + ": " +
                            (f.status.empty() ? "no value" : f.status));
        continue;
      }
      HindcastRow r;
      r.series = series;
      r.unit = f.model_unit;
      r.year = f.row.year;
      r.horizon = f.row.year - cutoff;
      r.measure = m;
      r.actual = f.target;
      auto v = values[i];
      std::sort(v.begin(), v.end());
      r.reps = int(v.size());
      r.sim_mean = f.sim;
      r.sim_q05 = sample_quantile(v, 0.05);
      r.sim_q95 = sample_quantile(v, 0.95);
      r.in_band = r.sim_q05 <= r.actual && r.actual <= r.sim_q95;
      const double ax = to_measure(r.actual, m);
      r.err_model = to_measure(r.sim_mean, m) - ax;
      const std::array<double, kBenchmarks> bx = {no_change_forecast(history, r.year),
                                                  trend_forecast(history, r.year),
                                                  ar1_forecast(history, r.year)};
      for (int b = 0; b < kBenchmarks; ++b) {
        r.bench[std::size_t(b)] =
            std::isfinite(bx[std::size_t(b)]) ? from_measure(bx[std::size_t(b)], m) : kNaN;
        r.err_bench[std::size_t(b)] = bx[std::size_t(b)] - ax;
      }
      r.history = int(history.size());
      if (!history.empty()) {
        r.last_year = history.back().year;
        r.last_value = from_measure(history.back().x, m);
      }
      r.file = f.row.file;
      r.line = f.row.line;
      h.rows.push_back(std::move(r));
    }
  }
  if (h.rows.empty())
    throw InputError("no row after the cut-off " + std::to_string(cutoff) +
                     " can be compared with the model" +
                     (h.skipped.empty() ? std::string() : " (" + h.skipped.front() + ")"));
  h.scores = hindcast_scores(h.rows, dm_lag);
  return h;
}

std::vector<std::string> unknown_series(const std::vector<TargetRow>& rows,
                                        const std::vector<std::string>& aggregates,
                                        const std::vector<std::string>& candidates) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  const std::set<std::string> have(aggregates.begin(), aggregates.end());
  for (const auto& r : rows) {
    if (!seen.insert(r.series).second) continue;
    const SeriesRule rule = rule_for(r.series);
    if (rule.comparison == Comparison::not_comparable || rule.comparison == Comparison::input)
      continue;
    bool known = rule.comparison != Comparison::rate;
    if (rule.comparison == Comparison::rate) {
      known = !rule.aggregates.empty();
      for (const auto& a : rule.aggregates) known = known && have.count(a);
    } else {
      known = std::any_of(rule.aggregates.begin(), rule.aggregates.end(),
                          [&](const std::string& a) { return have.count(a) > 0; });
    }
    if (known) continue;
    std::string msg = "'" + r.series + "' (" + r.file + ":" + std::to_string(r.line) + ")";
    std::vector<std::string> pool = candidates;
    pool.insert(pool.end(), aggregates.begin(), aggregates.end());
    if (const auto near = model::nearest_name(r.series, pool); !near.empty())
      msg += "; did you mean '" + near + "'?";
    out.push_back(msg);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Output

namespace {

std::string num(double v) { return csv_number(v); }
std::string csv_field(const std::string& s) { return csv_text(s); }
std::string show(double v) { return show_number(v); }

// An error measure (pp or log points): two decimals.
std::string err(double v) {
  if (!std::isfinite(v)) return "-";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

std::string dm_cell(const DieboldMariano& dm) {
  if (!std::isfinite(dm.statistic)) return dm.n < kDmMinErrors ? "-" : "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f (p %.2f)", dm.statistic, dm.p_value);
  return buf;
}

}  // namespace

std::string hindcast_csv(const Hindcast& h) {
  std::ostringstream o;
  o << "cutoff,series,year,horizon,measure,unit,actual,sim_mean,sim_q05,sim_q95,in_band,reps";
  for (const char* b : kBenchmarkNames) o << "," << b;
  o << ",err_model";
  for (const char* b : kBenchmarkNames) o << ",err_" << b;
  o << ",history,last_year,last_value,file,line\n";
  for (const auto& r : h.rows) {
    o << h.cutoff << "," << csv_field(r.series) << "," << r.year << "," << r.horizon << ","
      << measure_name(r.measure) << "," << csv_field(r.unit) << "," << num(r.actual) << ","
      << num(r.sim_mean) << "," << num(r.sim_q05) << "," << num(r.sim_q95) << ","
      << (r.in_band ? "yes" : "no") << "," << r.reps;
    for (double b : r.bench) o << "," << num(b);
    o << "," << num(r.err_model);
    for (double e : r.err_bench) o << "," << num(e);
    o << "," << r.history << "," << (r.last_year ? std::to_string(r.last_year) : "") << ","
      << num(r.last_value) << "," << csv_field(r.file) << "," << r.line << "\n";
  }
  return o.str();
}

std::string hindcast_scores_csv(const Hindcast& h) {
  std::ostringstream o;
  o << "cutoff,series,measure,n,coverage90,mae_model,rmse_model";
  for (const char* b : kBenchmarkNames)
    for (const char* c : {"n", "mae", "rmse", "mae_ratio", "rmse_ratio", "dm", "dm_p"})
      o << "," << b << "_" << c;
  o << "\n";
  for (const auto& s : h.scores) {
    o << h.cutoff << "," << csv_field(s.series) << "," << csv_field(s.measure) << "," << s.n << ","
      << num(s.coverage) << "," << num(s.mae) << "," << num(s.rmse);
    for (const auto& b : s.bench)
      o << "," << b.n << "," << num(b.mae) << "," << num(b.rmse) << "," << num(b.mae_ratio) << ","
        << num(b.rmse_ratio) << "," << num(b.dm.statistic) << "," << num(b.dm.p_value);
    o << "\n";
  }
  return o.str();
}

std::string hindcast_text(const Hindcast& h) {
  std::ostringstream o;
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "Hindcast from %d: %zu actuals after the cut-off, %d replications (errors: "
                "forecast - actual, pp for ratios, log points for levels)\n\n",
                h.cutoff, h.rows.size(), h.reps);
  o << buf;
  std::snprintf(buf, sizeof buf, "  %-38s %4s %3s %12s %12s %25s %12s %12s %12s %8s %8s %8s %8s\n",
                "series", "year", "h", "actual", "sim mean", "5-95 %", "no change", "trend",
                "AR(1)", "e model", "e nochg", "e trend", "e AR(1)");
  o << buf;
  for (const auto& r : h.rows) {
    std::string band = "[";
    band += show(r.sim_q05);
    band += ", ";
    band += show(r.sim_q95);
    band += "]";
    std::snprintf(
        buf, sizeof buf, "  %-38s %4d %3d %12s %12s %25s %12s %12s %12s %8s %8s %8s %8s\n",
        r.series.c_str(), r.year, r.horizon, show(r.actual).c_str(), show(r.sim_mean).c_str(),
        band.c_str(), show(r.bench[0]).c_str(), show(r.bench[1]).c_str(), show(r.bench[2]).c_str(),
        err(r.err_model).c_str(), err(r.err_bench[0]).c_str(), err(r.err_bench[1]).c_str(),
        err(r.err_bench[2]).c_str());
    o << buf;
  }
  o << "\n";
  std::snprintf(buf, sizeof buf, "  %-38s %-10s %3s %6s %8s %8s %8s %8s %8s %17s %17s %17s\n",
                "series", "measure", "n", "cover", "MAE", "RMSE", "ratio nc", "ratio tr",
                "ratio ar", "DM no change", "DM trend", "DM AR(1)");
  o << buf;
  for (const auto& s : h.scores) {
    std::snprintf(buf, sizeof buf, "  %-38s %-10s %3d %6s %8s %8s %8s %8s %8s %17s %17s %17s\n",
                  s.series.c_str(), s.measure.c_str(), s.n, err(s.coverage).c_str(),
                  err(s.mae).c_str(), err(s.rmse).c_str(), err(s.bench[0].rmse_ratio).c_str(),
                  err(s.bench[1].rmse_ratio).c_str(), err(s.bench[2].rmse_ratio).c_str(),
                  dm_cell(s.bench[0].dm).c_str(), dm_cell(s.bench[1].dm).c_str(),
                  dm_cell(s.bench[2].dm).c_str());
    o << buf;
  }
  o << "\n  cover: share of actuals inside the simulated 5-95 % band; ratio: model RMSE / "
       "benchmark RMSE (below 1: the model wins); DM: Diebold-Mariano S* with the "
       "Harvey-Leybourne-Newbold correction (negative: the model is more accurate), where at "
       "least "
    << kDmMinErrors << " errors exist\n";
  for (const auto& s : h.skipped) o << "  skipped: " << s << "\n";
  return o.str();
}

std::string hindcast_markdown(const Hindcast& h) {
  std::ostringstream o;
  o << "| series | measure | n | MAE model | MAE no change | MAE trend | MAE AR(1) | RMSE model | "
       "RMSE no change | RMSE trend | RMSE AR(1) | 90 % band covers |\n"
       "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  // A benchmark's error over fewer rows than the model's says over how many.
  const auto bench_cell = [](const HindcastScore& s, const BenchmarkScore& b, double v) {
    std::string cell = err(v);
    if (b.n > 0 && b.n != s.n) cell += " (" + std::to_string(b.n) + " rows)";
    return cell;
  };
  for (const auto& s : h.scores) {
    const bool all = &s == &h.scores.back();
    const std::string name = all ? "**all**" : "`" + s.series + "`";
    o << "| " << name << " | " << s.measure << " | " << s.n << " | " << err(s.mae);
    for (const auto& b : s.bench) o << " | " << bench_cell(s, b, b.mae);
    o << " | " << err(s.rmse);
    for (const auto& b : s.bench) o << " | " << bench_cell(s, b, b.rmse);
    char cover[32];
    std::snprintf(cover, sizeof cover, "%d of %d", int(std::lround(s.coverage * s.n)), s.n);
    o << " | " << (s.n ? cover : "-") << " |\n";
  }
  o << "\nRMSE ratio model / benchmark over the rows both forecast (below 1: the model is more "
       "accurate), and the Diebold-Mariano S* (HLN-corrected; negative: the model is more "
       "accurate) with its p value where at least "
    << kDmMinErrors << " paired errors exist:\n\n"
    << "| series | ratio vs no change | ratio vs trend | ratio vs AR(1) | DM vs no change | DM vs "
       "trend | DM vs AR(1) |\n|---|---|---|---|---|---|---|\n";
  for (const auto& s : h.scores) {
    const bool all = &s == &h.scores.back();
    o << "| " << (all ? "**all**" : "`" + s.series + "`");
    for (const auto& b : s.bench) o << " | " << err(b.rmse_ratio);
    for (const auto& b : s.bench) o << " | " << dm_cell(b.dm);
    o << " |\n";
  }
  o << "\nEvery actual after the cut-off (simulated mean and 5-95 % band over " << h.reps
    << " replications; errors in the series' measure):\n\n"
    << "| series | year | actual | model [5 %, 95 %] | no change | trend | AR(1) | error model | "
       "error no change | error trend | error AR(1) |\n"
       "|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& r : h.rows) {
    o << "| `" << r.series << "` | " << r.year << " | " << show(r.actual) << " | "
      << show(r.sim_mean) << " [" << show(r.sim_q05) << ", " << show(r.sim_q95) << "]";
    for (double b : r.bench) o << " | " << show(b);
    o << " | " << err(r.err_model);
    for (double e : r.err_bench) o << " | " << err(e);
    o << " |\n";
  }
  if (!h.skipped.empty()) {
    o << "\nLeft out: ";
    for (std::size_t k = 0; k < h.skipped.size(); ++k) o << (k ? "; " : "") << h.skipped[k];
    o << ".\n";
  }
  return o.str();
}

}  // namespace smesim::analysis
