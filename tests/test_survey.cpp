// The simulated survey with response (spec v2 section 8; model/include/smesim/model/survey.hpp):
// the respondent share of the frame is the response rate, the propensity is the Beta of the
// parameters, a firm's link does not change, the survey leaves the economy bit for bit where it
// was, the aggregates count what the panel flags, and the Table 3 sample is the linked
// respondents.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "smesim/analysis/calibration_file.hpp"
#include "smesim/analysis/paper.hpp"
#include "smesim/model/initialization.hpp"
#include "smesim/model/observation.hpp"
#include "smesim/model/survey.hpp"
#include "smesim/model/world.hpp"
#include "smesim/sim/run.hpp"
#include "smesim/sim/scenario.hpp"
#include "test_util.hpp"

using namespace smesim;
using model::Params;
using model::StreamKey;
using model::SurveyParams;

namespace {

constexpr StreamKey kKey{20240611ull, 0, 0};

// Var(p_i) and E[p_i (1 - p_i)] of the Beta propensity (mean m, concentration k).
double propensity_variance(const SurveyParams& s) {
  return s.response_mean * (1 - s.response_mean) / (s.kappa_resp + 1);
}

// The standard deviation of the share of respondents among `firms` frame firms observed `years`
// times each: responses are independent given p_i, so Var = Var(p_i) / firms + E[p(1 - p)] /
// (firms * years), with E[p(1 - p)] = m (1 - m) - Var(p_i).
double share_sd(const SurveyParams& s, double firms, double years) {
  const double v = propensity_variance(s);
  const double within = s.response_mean * (1 - s.response_mean) - v;
  return std::sqrt(v / firms + within / (firms * years));
}

Params small(int population, int end_year) {
  Params p;
  p.population = population;
  p.end_year = end_year;
  p.output.panel_min_employees = 0;
  return p;
}

const std::vector<std::int32_t>& ints(const model::Table& t, const std::string& name) {
  for (const auto& [n, c] : t.ints)
    if (n == name) return c;
  throw std::runtime_error("no column " + name);
}
const std::vector<double>& reals(const model::Table& t, const std::string& name) {
  for (const auto& [n, c] : t.reals)
    if (n == name) return c;
  throw std::runtime_error("no column " + name);
}

// Every state array of the firms as bytes, by name.
std::map<std::string, std::string> state_bytes(const model::Firms& f) {
  std::map<std::string, std::string> out;
  f.for_each_array([&](const char* name, const auto& v, auto, bool) {
    out[name].assign(reinterpret_cast<const char*>(v.data()),
                     v.size() * sizeof(typename std::decay_t<decltype(v)>::value_type));
  });
  return out;
}

bool is_survey_output(const std::string& name) {
  return name.rfind("survey_", 0) == 0 || name == "respondent" || name == "linked";
}

}  // namespace

// 20 000 firms of the frame observed 9 years (the panel's window): the respondent share of the
// firm-years is response_mean = 0.649 within 4 standard deviations of the share (share_sd:
// about 0.0022 here, so within 0.009), on a fixed seed.
TEST(Survey, RespondentShareOfFrameFirmYearsIsTheResponseRate) {
  const SurveyParams s;
  ASSERT_EQ(s.response_mean, 0.649);
  const int firms = 20000, years = 9;
  double responses = 0;
  for (std::uint32_t id = 0; id < std::uint32_t(firms); ++id)
    for (std::uint32_t y = 9; y < 9 + std::uint32_t(years); ++y)
      responses += model::survey_responds(s, kKey, id, y);
  const double share = responses / (double(firms) * years);
  const double tolerance = 4 * share_sd(s, firms, years);
  EXPECT_LT(tolerance, 0.01);
  EXPECT_NEAR(share, 0.649, tolerance);
}

// p_i ~ Beta with the given mean and concentration: the sample mean and variance over 20 000
// firms (4 standard errors; the variance's from the Beta's fourth moment, bounded by 0.03 here).
// Degenerate parameters: kappa_resp = .inf gives every firm the mean; means 0 and 1 never and
// always respond.
TEST(Survey, PropensityIsBetaWithTheResponseMeanAndConcentration) {
  const SurveyParams s;
  const int n = 20000;
  double sum = 0, sum2 = 0;
  for (std::uint32_t id = 0; id < std::uint32_t(n); ++id) {
    const double p = model::survey_firm(s, kKey, id).propensity;
    ASSERT_TRUE(p >= 0 && p <= 1);
    sum += p;
    sum2 += p * p;
  }
  const double mean = sum / n, var = sum2 / n - mean * mean;
  EXPECT_NEAR(mean, 0.649, 4 * std::sqrt(propensity_variance(s) / n));
  EXPECT_NEAR(var, propensity_variance(s), 4 * std::sqrt(0.03 / n));

  SurveyParams flat = s;
  flat.kappa_resp = HUGE_VAL;
  SurveyParams never = s, always = s;
  never.response_mean = 0;
  always.response_mean = 1;
  for (std::uint32_t id = 0; id < 200; ++id) {
    EXPECT_EQ(model::survey_firm(flat, kKey, id).propensity, 0.649);
    EXPECT_FALSE(model::survey_responds(never, kKey, id, 10));
    EXPECT_TRUE(model::survey_responds(always, kKey, id, 10));
  }
}

// The response is the year's uniform below the firm's propensity; the link does not depend on
// the response parameters (its own block), and a firm's draws do not depend on the year.
TEST(Survey, ResponseIsTheYearsUniformBelowThePropensity) {
  SurveyParams s, other;
  other.response_mean = 0.3;
  other.kappa_resp = 40;
  for (double kappa : {0.5, 2.0, 40.0}) {
    s.kappa_resp = kappa;
    for (std::uint32_t id = 0; id < 2000; ++id) {
      const auto d = model::survey_firm(s, kKey, id);
      EXPECT_EQ(d.linked, model::survey_firm(other, kKey, id).linked);
      for (std::uint32_t y = 0; y < 5; ++y) {
        const double u = model::Stream(kKey, id, y, model::Purpose::survey_response).uniform();
        ASSERT_EQ(model::survey_responds(s, kKey, id, y), u <= d.propensity);
      }
    }
  }
}

// A run of 3 000 firms, 1985-1995, every firm in the panel: a firm's `linked` is the same in
// every year (drawn once) and the linked share of firms is rho_link within 4 standard errors;
// `respondent` only for firms in business with L >= 50; the survey aggregates count what the
// panel flags; the respondent share of the frame's firm-years is the response rate within 4
// standard deviations (share_sd with the mean frame as the number of firms: fewer than the
// distinct firms, so the tolerance is wider than needed).
TEST(Survey, LinkIsFixedPerFirmAndTheAggregatesCountThePanel) {
  const Params p = small(3000, 1995);
  model::World w(p, kKey);
  const auto names = model::World::aggregate_names();
  auto index = [&](const std::string& name) {
    return std::size_t(std::find(names.begin(), names.end(), name) - names.begin());
  };
  std::map<std::int32_t, std::int32_t> link;
  double frame_years = 0, respondent_years = 0, years = 0;
  while (!w.finished()) {
    w.step();
    model::Table t;
    w.append_panel(t);
    const auto agg = w.aggregates();
    const auto &firm = ints(t, "firm"), &alive = ints(t, "alive"),
               &respondent = ints(t, "respondent"), &linked = ints(t, "linked");
    const auto& L = reals(t, "L");
    double frame = 0, respondents = 0;
    std::vector<double> parents(model::kRegions, 0.0);
    for (std::size_t k = 0; k < t.rows(); ++k) {
      const auto [it, fresh] = link.emplace(firm[k], linked[k]);
      ASSERT_EQ(it->second, linked[k]) << "firm " << firm[k] << " in " << w.year();
      const bool in_frame = alive[k] == 1 && L[k] >= 50;
      frame += in_frame;
      if (!in_frame) {
        ASSERT_EQ(respondent[k], 0) << "firm " << firm[k];
      }
      respondents += respondent[k];
      for (int r = 0; r < model::kRegions; ++r)
        parents[std::size_t(r)] +=
            respondent[k] && linked[k] &&
            reals(t, "So_" + std::string(model::kRegionNames[std::size_t(r)]))[k] > 0;
    }
    EXPECT_EQ(agg[index("survey_frame")], frame) << w.year();
    EXPECT_EQ(agg[index("survey_respondents")], respondents) << w.year();
    for (int r = 0; r < model::kRegions; ++r)
      EXPECT_EQ(
          agg[index("survey_linked_parents_" + std::string(model::kRegionNames[std::size_t(r)]))],
          parents[std::size_t(r)])
          << w.year() << " " << model::kRegionNames[std::size_t(r)];
    frame_years += frame;
    respondent_years += respondents;
    years += 1;
  }
  double linked_firms = 0;
  for (const auto& [id, l] : link) linked_firms += l;
  const double n = double(link.size());
  const double rho = p.survey.rho_link;
  EXPECT_NEAR(linked_firms / n, rho, 4 * std::sqrt(rho * (1.0 - rho) / n));
  ASSERT_GT(frame_years, 1000);
  EXPECT_NEAR(respondent_years / frame_years, 0.649,
              4 * share_sd(p.survey, frame_years / years, years));
}

// The survey is observation: two runs whose survey parameters differ in every respect have the
// same firm state (every array, byte for byte), every other aggregate and every other panel
// column, each year; only the survey outputs differ.
TEST(Survey, TheEconomyIsBitIdenticalWhateverTheSurvey) {
  const Params p = small(2000, 1995);
  Params q = p;
  q.survey.response_mean = 0.3;
  q.survey.kappa_resp = 20;
  q.survey.rho_link = 1.0;
  model::World a(p, kKey), b(q, kKey);
  const auto names = model::World::aggregate_names();
  bool survey_differs = false;
  while (!a.finished()) {
    a.step();
    b.step();
    ASSERT_EQ(state_bytes(a.firms()), state_bytes(b.firms())) << a.year();
    const auto x = a.aggregates(), y = b.aggregates();
    for (std::size_t k = 0; k < names.size(); ++k)
      if (!is_survey_output(names[k])) {
        ASSERT_EQ(std::memcmp(&x[k], &y[k], sizeof(double)), 0) << names[k] << " " << a.year();
      } else {
        survey_differs |= x[k] != y[k];
      }
    model::Table s, t;
    a.append_panel(s);
    b.append_panel(t);
    for (std::size_t c = 0; c < s.ints.size(); ++c)
      if (!is_survey_output(s.ints[c].first)) {
        ASSERT_EQ(s.ints[c], t.ints[c]);
      }
    for (std::size_t c = 0; c < s.reals.size(); ++c) {
      ASSERT_EQ(s.reals[c].first, t.reals[c].first);
      ASSERT_EQ(std::memcmp(s.reals[c].second.data(), t.reals[c].second.data(),
                            s.reals[c].second.size() * sizeof(double)),
                0)
          << s.reals[c].first;
    }
  }
  EXPECT_TRUE(survey_differs);
}

// The Table 3 regressions use linked respondents only: on a run's panel, each region's number of
// observations is the sum over the survey years of the respondents that are linked with
// affiliate sales there (aggregate survey_linked_parents_<region>), and the number of firms is
// the number of distinct such firms in the panel.
TEST(Survey, Table3SampleIsTheLinkedRespondents) {
  sim::Scenario sc;
  sc.params.population = 6000;
  sc.params.end_year = model::kSurvey.last_year;
  sc.params.output.panel_min_employees = model::kSurvey.min_employees;
  sc.params.output.decisions = false;
  const auto res = sim::run_scenario(sc, {});
  const auto run = analysis::run_paper_table(res.panel, analysis::PaperTable::table3);
  const auto fits = analysis::sample_fit(run);
  ASSERT_EQ(fits.size(), std::size_t(model::kRegions));
  const auto &year = ints(res.panel, "year"), &firm = ints(res.panel, "firm"),
             &respondent = ints(res.panel, "respondent"), &linked = ints(res.panel, "linked");
  for (const auto& f : fits) {
    double sum = 0;
    for (const auto& [name, v] : res.aggregates)
      if (name == "survey_linked_parents_" + f.region)
        for (std::size_t t = 0; t < res.years.size(); ++t)
          if (res.years[t] >= model::kSurvey.first_year) sum += v[t];
    EXPECT_EQ(f.observations, sum) << f.region;
    std::set<std::int32_t> firms;
    const auto& so = reals(res.panel, "So_" + f.region);
    for (std::size_t k = 0; k < res.panel.rows(); ++k)
      if (year[k] >= model::kSurvey.first_year && respondent[k] && linked[k] && so[k] > 0)
        firms.insert(firm[k]);
    EXPECT_EQ(f.groups, double(firms.size())) << f.region;
    EXPECT_GT(f.observations, 0) << f.region;
    EXPECT_NEAR(f.obs_per_firm, f.observations / f.groups, 1e-12);
  }
}

// The calibration's Table 3 moments (spec v2 9b): after the 30 slopes, per region the respondent
// firms at national scale (the run's count times national enterprises / population, v2 2.6:
// 422 434 / 6 000 from the 1985 Census), the observations per
// firm and the within R-squared, as `regress --spec table3` finds them on the same run; a
// calibration file with `sample_targets: none` has the slopes only.
TEST(Survey, CalibrationMomentsIncludeTheSamples) {
  const auto dir = test::scratch("survey", "moments");
  std::ofstream(dir / "base.yaml") << "name: base\npopulation: 6000\nend_year: 2002\n";
  const std::string targets =
      std::string(SMESIM_SOURCE_DIR) + "/data/targets/motohashi2005_table3.csv";
  const std::string body = "base: base.yaml\ntargets: " + targets +
                           "\nreplications: 1\nparameters:\n  relocation.phi: {start: 0.15, "
                           "lower: 0.05, upper: 0.4}\n";
  std::ofstream(dir / "c.yaml") << body;
  std::ofstream(dir / "slopes.yaml") << body << "sample_targets: none\n";
  EXPECT_EQ(analysis::load_calibration((dir / "slopes.yaml").string()).targets.size(), 30u);
  const auto c = analysis::load_calibration((dir / "c.yaml").string());
  ASSERT_EQ(c.targets.size(), 48u);
  const auto m = analysis::table3_moments(c, {0.15});
  ASSERT_EQ(m.size(), 48u);

  sim::Scenario sc = c.base;
  sc.params.relocation.phi = 0.15;
  sc.params.output.panel_min_employees = model::kSurvey.min_employees;
  sc.params.output.decisions = false;
  const auto res = sim::run_scenario(sc, {});
  const auto fits =
      analysis::sample_fit(analysis::run_paper_table(res.panel, analysis::PaperTable::table3));
  EXPECT_NEAR(model::national_scale(sc.params), 422434.0 / 6000.0, 1.0);
  ASSERT_EQ(fits.size(), 6u);
  for (std::size_t k = 0; k < fits.size(); ++k) {
    const std::size_t q = 30 + 3 * k;
    EXPECT_EQ(c.targets[q].name, fits[k].region + ".respondents");
    EXPECT_EQ(m[q], fits[k].groups * model::national_scale(sc.params)) << fits[k].region;
    EXPECT_EQ(c.targets[q + 1].name, fits[k].region + ".obs_per_firm");
    EXPECT_EQ(m[q + 1], fits[k].obs_per_firm) << fits[k].region;
    EXPECT_EQ(c.targets[q + 2].name, fits[k].region + ".r2_within");
    EXPECT_EQ(m[q + 2], fits[k].r2_within) << fits[k].region;
  }
  std::filesystem::remove_all(dir);
}
