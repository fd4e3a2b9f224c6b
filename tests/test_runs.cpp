// Whole-run tests: invariants over every firm-year, direction tests of the shipped scenarios with
// common seeds, identical results for any thread count, and the command line's handling of bad
// input.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>
#include <thread>

#include "smesim/model/entry.hpp"
#include "smesim/model/world.hpp"
#include "smesim/sim/output.hpp"
#include "smesim/sim/run.hpp"
#include "smesim/sim/scenario.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;
using namespace smesim;

namespace {

sim::Scenario shipped(const std::string& name, int population, int end_year, int reps) {
  auto sc = sim::load_scenario(std::string(SMESIM_SOURCE_DIR) + "/scenarios/" + name + ".yaml");
  sc.params.population = population;
  sc.params.end_year = end_year;
  sc.params.replications = reps;
  sc.params.output.panel_reps.clear();  // aggregates only
  return sc;
}

const std::vector<double>& aggregate(const sim::Results& r, const std::string& name) {
  for (const auto& [n, v] : r.aggregates)
    if (n == name) return v;
  throw std::runtime_error("no aggregate " + name);
}

// Mean over replications and over the years [from, to].
double mean(const sim::Results& r, const std::string& name, int from, int to) {
  const auto& v = aggregate(r, name);
  const std::size_t Y = r.years.size();
  double s = 0;
  int n = 0;
  for (int k = 0; k < r.reps; ++k)
    for (std::size_t t = 0; t < Y; ++t)
      if (r.years[t] >= from && r.years[t] <= to) {
        s += v[std::size_t(k) * Y + t];
        ++n;
      }
  return s / n;
}

using smesim::test::Command;
Command run_command(const std::string& args) {
  return smesim::test::shell(smesim::test::cli(args));
}

fs::path scratch_dir(const std::string& name) { return smesim::test::scratch("test", name); }

}  // namespace

// Every firm-year of a whole baseline run: finite, non-negative sales; shares in [0, 1]; the
// production identity of spec 5.4; the keiretsu graph stays a DAG; aggregates finite, shares in
// [0, 1].
TEST(WholeRun, InvariantsHoldForEveryFirmYear) {
  const auto sc = shipped("baseline", 4000, 2030, 1);
  model::World w(sc.params, {sc.params.seed, 0, 0});
  const auto names = model::World::aggregate_names();
  std::size_t firm_years = 0;
  while (!w.finished()) {
    w.step();
    const auto& f = w.firms();
    for (std::size_t i = 0; i < f.size(); ++i) {
      if (!f.alive[i] && f.exit_year[i] != w.year()) continue;
      ++firm_years;
      ASSERT_TRUE(std::isfinite(f.Y[i]) && f.Y[i] >= 0) << "firm " << i << " year " << w.year();
      for (double v : {f.Ymkt[i], f.Y_keiretsu[i], f.Y_parts[i], f.Y_back[i], f.Y_exports[i],
                       f.L[i], f.RD[i], f.B0[i], f.B1[i]})
        ASSERT_TRUE(std::isfinite(v) && v >= 0) << "firm " << i << " year " << w.year();
      ASSERT_TRUE(std::isfinite(f.W[i]) && std::isfinite(f.a[i]));
      // v2 5.4: import-back (Y_back, the offshored share of the brand's market) is not domestic
      // production.
      const double sum = f.Y_keiretsu[i] + f.Ymkt[i] + f.Y_exports[i] + f.Y_parts[i];
      ASSERT_NEAR(f.Y[i], sum, 1e-9 * std::max(1.0, std::abs(sum)))
          << "production identity, firm " << i << " year " << w.year();
      double o = 0.0;
      for (double v : {f.rho[i], f.ell[i], f.proactivity[i]}) ASSERT_TRUE(v >= 0 && v <= 1);
      for (int r = 0; r < model::kRegions; ++r) {
        const std::size_t ir = i * model::kRegions + r;
        for (double v : {f.saj[ir], f.suj[ir], f.info[ir]}) ASSERT_TRUE(v >= 0 && v <= 1);
        ASSERT_TRUE(std::isfinite(f.X[ir]) && f.X[ir] >= 0);
        ASSERT_TRUE(std::isfinite(f.So[ir]) && f.So[ir] >= 0);
        // Host-market sales are part of affiliate sales; sales to Japan (SoJ = So - SoH) come
        // from the offshored share o (v2 5.3, 5.4).
        ASSERT_TRUE(f.SoH[ir] >= 0 && f.SoH[ir] <= f.So[ir] * (1 + 1e-12) + 1e-9)
            << "firm " << i << " region " << r << " year " << w.year();
        ASSERT_TRUE(f.o[ir] >= 0) << "firm " << i << " region " << r;
        o += f.o[ir];
        // Without a mode in r there is nothing there: no exports, affiliate or offshored share.
        // (An LE that relocates to a region keeps the exports it did not move, v2 5.3.)
        if (f.mode[ir] == 0) {
          ASSERT_EQ(f.X[ir], 0.0) << "firm " << i << " region " << r << " year " << w.year();
          ASSERT_EQ(f.So[ir], 0.0) << "firm " << i << " region " << r << " year " << w.year();
          ASSERT_EQ(f.o[ir], 0.0) << "firm " << i << " region " << r << " year " << w.year();
        }
      }
      ASSERT_LE(o, 1.0) << "offshored share, firm " << i << " year " << w.year();
    }
    ASSERT_TRUE(model::keiretsu_is_dag(f)) << "year " << w.year();
    // Exited firms' slots are dropped (World::compact), but the panel and the decision log list
    // firms by their run-long id, in id order, and each firm once.
    model::Table panel, log;
    w.append_panel(panel);
    w.append_decisions(log);
    for (const auto* t : {&panel, &log}) {
      const auto& firm = t->ints[3].second;
      ASSERT_EQ(t->ints[3].first, "firm");
      ASSERT_TRUE(std::is_sorted(firm.begin(), firm.end())) << "year " << w.year();
      // Initial firms are numbered 0..N-1; entrants are keyed by (year offset, industry, k)
      // (v2 5.10, entrant_id): a year offset from 1 to this year's, a valid industry.
      for (const auto id : firm) {
        const auto u = std::uint32_t(id);
        if (u < f.next_id) continue;
        ASSERT_GE(u >> 24, 1u) << id;
        ASSERT_LE(u >> 24, std::uint32_t(w.year() - sc.params.start_year)) << id;
        ASSERT_LT((u >> 20) & 0xFu, std::uint32_t(model::kIndustries)) << id;
        ASSERT_EQ(model::entrant_id(u >> 24, int((u >> 20) & 0xFu), u & 0xFFFFFu), u);
      }
    }
    const auto& ids = panel.ints[3].second;
    ASSERT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end()) << "year " << w.year();
    std::size_t gone = 0;  // slots of firms that exited before this year
    for (std::size_t i = 0; i < f.size(); ++i) gone += !f.alive[i] && f.exit_year[i] < w.year();
    ASSERT_LT(8 * gone, f.size()) << "year " << w.year();
    const auto agg = w.aggregates();
    for (std::size_t k = 0; k < names.size(); ++k) {
      ASSERT_TRUE(std::isfinite(agg[k])) << names[k];
      if (names[k].find("share") != std::string::npos) {
        ASSERT_GE(agg[k], 0.0) << names[k];
        ASSERT_LE(agg[k], 1.0) << names[k];
      }
    }
  }
  EXPECT_GT(firm_years, 4000u * 46u / 2u);
}

// Common seeds: the scenario difference is the only difference. Several replications and a
// population large enough that the effects are many Monte Carlo standard errors away from zero
// (see the margins printed on failure).
// shrinking_market.yaml shifts demand growth by -1.5 % a year from 2005 (v2: demand is the Census
// path to 2004 times exp(the accumulated shift), spec 5.1): demand in 2030 is exactly
// exp(-0.015 * 26) of the baseline's, and production and the number of firms are lower.
TEST(Direction, ShrinkingMarketEndsWithLowerDomesticProduction) {
  const auto base = sim::run_scenario(shipped("baseline", 6000, 2030, 2), {});
  const auto shrink = sim::run_scenario(shipped("shrinking_market", 6000, 2030, 2), {});
  EXPECT_DOUBLE_EQ(mean(shrink, "demand", 1985, 2004), mean(base, "demand", 1985, 2004));
  EXPECT_NEAR(mean(shrink, "demand", 2030, 2030) / mean(base, "demand", 2030, 2030),
              std::exp(-0.015 * 26), 1e-9);
  const double b = mean(base, "domestic_production", 2030, 2030);
  const double s = mean(shrink, "domestic_production", 2030, 2030);
  EXPECT_LT(s, b) << "baseline " << b << ", shrinking " << s;
  EXPECT_LT(mean(shrink, "firms", 2030, 2030), mean(base, "firms", 2030, 2030));
}

TEST(Direction, ParentRelocationToChinaRaisesSmeFdiInChinaAfter2001) {
  const auto base = sim::run_scenario(shipped("baseline", 8000, 2010, 3), {});
  const auto shock = sim::run_scenario(shipped("parent_relocation_china", 8000, 2010, 3), {});
  EXPECT_DOUBLE_EQ(mean(shock, "sme_fdi_share_china", 1985, 2000),
                   mean(base, "sme_fdi_share_china", 1985, 2000))
      << "before the shock the runs must be identical (common random numbers)";
  const double b = mean(base, "sme_fdi_share_china", 2001, 2010);
  const double s = mean(shock, "sme_fdi_share_china", 2001, 2010);
  EXPECT_GT(s, b * 1.05) << "baseline " << b << ", shock " << s;
  EXPECT_GT(mean(shock, "opportunities_invitation", 2001, 2001),
            2.0 * mean(base, "opportunities_invitation", 2001, 2001));
}

TEST(Direction, PolicyLoansLowerFinanceFailuresAndRaiseSmeFdi) {
  const auto base = sim::run_scenario(shipped("baseline", 8000, 2010, 3), {});
  const auto loans = sim::run_scenario(shipped("policy_loans", 8000, 2010, 3), {});
  const double fb = mean(base, "decisions_finance", 1985, 2010);
  const double fl = mean(loans, "decisions_finance", 1985, 2010);
  EXPECT_GT(fb, 0.0) << "the baseline must have finance failures for the test to mean anything";
  EXPECT_LT(fl, 0.5 * fb) << "baseline " << fb << ", loans " << fl;
  const double sb = mean(base, "sme_fdi_share", 1990, 2010);
  const double sl = mean(loans, "sme_fdi_share", 1990, 2010);
  EXPECT_GT(sl, sb) << "baseline " << sb << ", loans " << sl;
  EXPECT_GT(mean(loans, "policy_spend_loans", 1985, 2010), 0.0);
  EXPECT_EQ(mean(base, "policy_spend", 1985, 2010), 0.0);
}

TEST(Direction, JetroRaisesSmeExportsAndCostsMoney) {
  const auto base = sim::run_scenario(shipped("baseline", 6000, 2010, 2), {});
  const auto jetro = sim::run_scenario(shipped("policy_jetro", 6000, 2010, 2), {});
  EXPECT_GT(mean(jetro, "sme_export_share", 2000, 2010),
            mean(base, "sme_export_share", 2000, 2010));
  EXPECT_GT(mean(jetro, "opportunities_jetro", 1985, 2010), 0.0);
  EXPECT_GT(mean(jetro, "policy_spend_jetro", 1985, 2010), 0.0);
}

// Results do not depend on the number of threads (spec 7): every dataset identical. The v2
// scenario with the 2001 relocation wave to China, so that relocation, suppliers' moved orders,
// rationalisation and keyed entry all run on two threads.
TEST(Reproducibility, OneAndTwoThreadsGiveIdenticalResults) {
  auto sc = shipped("parent_relocation_china", 5000, 2003, 2);
  sc.params.output.panel_reps = {0, 1};
  sc.params.output.panel_from = 1994;
  sc.params.output.panel_to = 1996;
  sim::RunOptions one, two;
  one.threads = 1;
  two.threads = 2;
  const auto a = sim::run_scenario(sc, one);
  const auto b = sim::run_scenario(sc, two);
  for (const char* n : {"le_relocations", "entries", "rationalisations", "exits_decline",
                        "opportunities_invitation"})
    EXPECT_GT(mean(a, n, 1986, 2003), 0.0) << n << ": the mechanism must run";
  ASSERT_EQ(a.aggregates.size(), b.aggregates.size());
  for (std::size_t k = 0; k < a.aggregates.size(); ++k)
    EXPECT_EQ(a.aggregates[k].second, b.aggregates[k].second) << a.aggregates[k].first;
  ASSERT_GT(a.panel.rows(), 0u);
  EXPECT_EQ(a.panel.ints, b.panel.ints);
  EXPECT_EQ(a.panel.reals, b.panel.reals);
  ASSERT_GT(a.decisions.rows(), 0u);
  EXPECT_EQ(a.decisions.ints, b.decisions.ints);
  EXPECT_EQ(a.decisions.reals, b.decisions.reals);
}

// The model's parallel loops are race-free and order-independent whatever runs them: blocks run
// on plain std::threads (which ThreadSanitizer sees fully, unlike an uninstrumented oneTBB) in
// reverse order give the serial result exactly.
TEST(Reproducibility, BlocksOnStdThreadsInAnyOrderGiveTheSerialResult) {
  const auto sc = shipped("baseline", 3000, 1997, 1);
  model::Executor threads{[](std::size_t n, std::size_t grain, const model::Executor::Body& body) {
    const std::size_t blocks = (n + grain - 1) / grain;
    std::vector<std::thread> pool;
    for (std::size_t b = blocks; b-- > 0;)
      pool.emplace_back([&, b] { body(b, b * grain, std::min(n, (b + 1) * grain)); });
    for (auto& t : pool) t.join();
  }};
  model::World serial(sc.params, {sc.params.seed, 0, 0});
  model::World parallel(sc.params, {sc.params.seed, 0, 0}, threads);
  while (!serial.finished()) {
    serial.step();
    parallel.step();
    ASSERT_EQ(serial.aggregates(), parallel.aggregates()) << "year " << serial.year();
  }
  EXPECT_EQ(serial.firms().Y, parallel.firms().Y);
  EXPECT_EQ(serial.firms().info, parallel.firms().info);
  EXPECT_EQ(serial.firms().W, parallel.firms().W);
}

// Replication k does not depend on how many replications run beside it.
TEST(Reproducibility, ReplicationIsIndependentOfTheOthers) {
  const auto three = sim::run_scenario(shipped("baseline", 3000, 1995, 3), {});
  const auto one = sim::run_scenario(shipped("baseline", 3000, 1995, 1), {});
  const auto& v3 = aggregate(three, "domestic_production");
  const auto& v1 = aggregate(one, "domestic_production");
  const std::size_t Y = one.years.size();
  EXPECT_TRUE(std::equal(v1.begin(), v1.end(), v3.begin()));
  EXPECT_FALSE(std::equal(v1.begin(), v1.end(), v3.begin() + std::ptrdiff_t(Y)))
      << "replications must differ from each other";
}

// The command line end to end: `smesim run` twice with 1 and 2 threads writes identical datasets.
TEST(CommandLine, RunWithOneAndTwoThreadsWritesIdenticalFiles) {
  const auto dir = scratch_dir("threads");
  std::ofstream(dir / "s.yaml") << "name: tiny\npopulation: 1500\nend_year: 1996\nreplications: 2\n"
                                << "output: {panel_reps: [0, 1], panel_from: 1994}\n";
  const auto r1 = run_command("run " + (dir / "s.yaml").string() + " -o " +
                              (dir / "t1.h5").string() + " --threads 1");
  const auto r2 = run_command("run " + (dir / "s.yaml").string() + " -o " +
                              (dir / "t2.h5").string() + " --threads 2");
  ASSERT_EQ(r1.exit_code, 0) << r1.output;
  ASSERT_EQ(r2.exit_code, 0) << r2.output;
  EXPECT_NE(r1.output.find("domestic production"), std::string::npos) << r1.output;
  const auto a = sim::read_results((dir / "t1.h5").string());
  const auto b = sim::read_results((dir / "t2.h5").string());
  EXPECT_EQ(a.aggregates, b.aggregates);
  EXPECT_EQ(a.panel.ints, b.panel.ints);
  EXPECT_EQ(a.panel.reals, b.panel.reals);
  EXPECT_EQ(a.decisions.ints, b.decisions.ints);
  EXPECT_EQ(a.decisions.reals, b.decisions.reals);
  EXPECT_EQ(a.meta.seed, 20051u);
  EXPECT_NE(a.meta.resolved_parameters.find("phi"), std::string::npos);
  EXPECT_NE(a.meta.scenario_yaml.find("population: 1500"), std::string::npos);
  fs::remove_all(dir);
}

// Bad input: a message naming file, line, column and key, exit code 2, and no output file.
struct BadInput {
  const char* name;
  const char* yaml;    // nullptr: the file does not exist
  const char* expect;  // substrings of the message, separated by '|'
  friend void PrintTo(const BadInput& b, std::ostream* os) { *os << b.name; }
};
class CommandLineBadInput : public ::testing::TestWithParam<BadInput> {};

TEST_P(CommandLineBadInput, FailsWithExitCode2ClearMessageAndNoOutput) {
  const auto& c = GetParam();
  const auto dir = scratch_dir(c.name);
  const auto scenario = dir / "bad.yaml";
  if (c.yaml) std::ofstream(scenario) << c.yaml;
  for (const char* verb : {"run", "validate"}) {
    const std::string out = verb == std::string("run") ? " -o " + (dir / "out.h5").string() : "";
    const auto r = run_command(std::string(verb) + " " + scenario.string() + out);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    std::stringstream expect(c.expect);
    for (std::string part; std::getline(expect, part, '|');)
      EXPECT_NE(r.output.find(part), std::string::npos) << "missing '" << part << "' in:\n"
                                                        << r.output;
  }
  EXPECT_TRUE(fs::is_empty(dir) ||
              (c.yaml && std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1))
      << "no output file and no temporary may be left behind";
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CommandLineBadInput,
    ::testing::Values(
        BadInput{"unknown_key", "name: x\nrelocation:\n  phii: 0.2\n",
                 "bad.yaml:3:3: error|relocation.phii|did you mean 'relocation.phi'"},
        BadInput{"wrong_type", "name: x\npopulation: many\n",
                 "bad.yaml:2:13: error|'population'|expected an integer"},
        BadInput{"out_of_range", "name: x\nlevers:\n  loans: {rate_subsidy: 1.5}\n",
                 "bad.yaml:3|levers.loans.rate_subsidy|1.5|[0, 1]"},
        BadInput{"year_outside_horizon",
                 "shocks:\n  - {year: 2040, region: china, share_of_le: 0.3, fraction: 0.2}\n",
                 "bad.yaml:2|shocks[0].year|2040"},
        BadInput{"malformed", "name: x\nrelocation: {phi: 0.2\n", "bad.yaml:|invalid YAML"},
        BadInput{"missing_file", nullptr, "cannot open scenario file|No such file"}),
    [](const auto& info) { return std::string(info.param.name); });
