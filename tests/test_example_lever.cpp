// The example lever of docs/extending.md ("export vouchers"), built with SMESIM_EXAMPLE_LEVER into
// this binary's own copy of model/ only (tests/CMakeLists.txt), never into smesim. Its three places
// in the code (parameters: ExportVoucherLever in params.hpp; effect: export_vouchers() in
// opportunities.cpp; output: two lines of YearCounters in state.hpp) are all it takes: the
// registry knows its keys, the run spends on the share of SMEs its uptake says, the results
// report it, and with uptake 0 the baseline's aggregates are bit for bit the committed reference.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "print.hpp"
#include "smesim/model/observation.hpp"
#include "smesim/model/params.hpp"
#include "smesim/model/world.hpp"

namespace fs = std::filesystem;
using namespace smesim::model;

namespace {

const fs::path kSource = SMESIM_SOURCE_DIR;

// The aggregates of one replication: name -> value per year.
using Series = std::map<std::string, std::vector<double>>;

Series run(const Params& p, std::uint32_t rep) {
  World w(p, StreamKey{p.seed, 0, rep});
  const auto names = World::aggregate_names();
  Series out;
  for (bool first = true; first || !w.finished(); first = false) {
    if (!first) w.step();
    const auto values = w.aggregates();
    for (std::size_t k = 0; k < names.size(); ++k) out[names[k]].push_back(values[k]);
  }
  return out;
}

Params small(double uptake, double cost) {
  Params p;
  p.population = 3000;
  p.end_year = 1992;
  p.levers.export_vouchers.uptake = uptake;
  p.levers.export_vouchers.cost_per_firm = cost;
  return p;
}

double sum(const std::vector<double>& v, std::size_t from = 1) {
  double t = 0;
  for (std::size_t k = from; k < v.size(); ++k) t += v[k];
  return t;
}

TEST(ExampleLever, RegistryHasItsKeysFromTheStructAlone) {
  const ParamInfo* uptake = find_param("levers.export_vouchers.uptake");
  ASSERT_NE(uptake, nullptr);
  EXPECT_EQ(uptake->default_value, 0.0);
  EXPECT_EQ(uptake->table, "opportunities");
  EXPECT_FALSE(uptake->bounds.contains(1.5));
  Params p;
  find_param("levers.export_vouchers.cost_per_firm")->set(p, 2.5);
  EXPECT_EQ(p.levers.export_vouchers.cost_per_firm, 2.5);
  EXPECT_NE(param_table_markdown("opportunities").find("levers.export_vouchers.info_gain"),
            std::string::npos);
}

TEST(ExampleLever, ShareTreatedAndSpendFollowUptakeAndCost) {
  const Series low = run(small(0.1, 2.0), 0), high = run(small(0.3, 0.5), 0);
  for (const auto* s : {&low, &high}) {
    const auto& granted = s->at("vouchers_granted");
    const auto& spend = s->at("policy_spend_vouchers");
    EXPECT_EQ(granted[0], 0.0);  // the initial state: no step has run
    // Every voucher costs cost_per_firm, and the lever is the only one spending.
    const double cost = s == &low ? 2.0 : 0.5;
    for (std::size_t y = 0; y < granted.size(); ++y) {
      EXPECT_EQ(spend[y], cost * granted[y]) << y;
      EXPECT_EQ(s->at("policy_spend")[y], spend[y]) << y;
    }
  }
  // The share treated: vouchers per SME of the year before (those that look for opportunities).
  auto share = [](const Series& s) {
    return sum(s.at("vouchers_granted")) / (sum(s.at("smes"), 0) - s.at("smes").back());
  };
  EXPECT_NEAR(share(low), 0.1, 0.01);
  EXPECT_NEAR(share(high), 0.3, 0.015);
}

TEST(ExampleLever, VouchersRaiseWhatSmesKnowAndSoTheirMoves) {
  const Series off = run(small(0.0, 1.0), 0), on = run(small(0.5, 1.0), 0);
  EXPECT_EQ(sum(off.at("vouchers_granted")), 0.0);
  // Information raises proactive search towards the voucher's market (spec 5.5).
  EXPECT_GT(sum(on.at("opportunities_search")), sum(off.at("opportunities_search")));
}

TEST(ExampleLever, ItsCountersAreAggregatesAfterTheDeclaredOnes) {
  const auto names = aggregate_names();
  ASSERT_GE(names.size(), 2u);
  EXPECT_EQ(names[names.size() - 2], "vouchers_granted");
  EXPECT_EQ(names.back(), "policy_spend_vouchers");
  const std::string table = aggregates_table();
  EXPECT_NE(table.find("vouchers_granted"), std::string::npos);
  EXPECT_NE(table.find("export vouchers"), std::string::npos);
}

// scenarios/baseline.yaml as tests/test_reference.cpp makes it small (4 000 firms, 1985-2005),
// read through the parameter registry (its paths and output settings are the defaults or do not
// touch the aggregates).
Params small_baseline() {
  Params p;
  const YAML::Node root = YAML::LoadFile((kSource / "scenarios" / "baseline.yaml").string());
  for (const auto& top : root) {
    const auto key = top.first.as<std::string>();
    if (key == "seed") p.seed = top.second.as<std::uint64_t>();
    if (key == "paths" || key == "output" || !top.second.IsMap()) {
      if (const ParamInfo* info = find_param(key)) info->set(p, top.second.as<double>());
      continue;
    }
    for (const auto& leaf : top.second) {
      const std::string dotted = key + "." + leaf.first.as<std::string>();
      const ParamInfo* info = find_param(dotted);
      if (info == nullptr) ADD_FAILURE() << "baseline.yaml: unknown key " << dotted;
      if (info != nullptr) info->set(p, leaf.second.as<double>());
    }
  }
  p.population = 4000;
  p.end_year = 2005;
  return p;
}

// The aggregate lines "aggregate <name> point 0 rep <r>: <values>" of a reference file.
std::map<std::string, std::vector<double>> reference(const std::string& stem, int rep) {
  std::ifstream in(kSource / "tests" / "reference" / (stem + ".txt"));
  std::map<std::string, std::vector<double>> out;
  const std::string tail = " point 0 rep " + std::to_string(rep) + ":";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("aggregate ", 0) != 0) continue;
    const auto colon = line.find(':');
    const std::string head = line.substr(10, colon + 1 - 10);
    if (head.size() <= tail.size() || head.substr(head.size() - tail.size()) != tail) continue;
    std::istringstream values(line.substr(colon + 1));
    auto& v = out[head.substr(0, head.size() - tail.size())];
    for (std::string x; values >> x;) v.push_back(std::strtod(x.c_str(), nullptr));
  }
  return out;
}

TEST(ExampleLever, WithUptakeZeroTheBaselineIsBitForBitTheReference) {
  const Params p = small_baseline();
  for (std::uint32_t rep = 0; rep < 2; ++rep) {
    const auto want = reference("baseline", int(rep));
    ASSERT_GT(want.size(), 100u);
    const Series got = run(p, rep);
    for (const auto& [name, values] : want) {
      ASSERT_TRUE(got.count(name)) << name;
      ASSERT_EQ(got.at(name), values) << name << " rep " << rep;
    }
    for (const char* extra : {"vouchers_granted", "policy_spend_vouchers"}) {
      EXPECT_EQ(want.count(extra), 0u);
      EXPECT_EQ(sum(got.at(extra), 0), 0.0);
    }
    EXPECT_EQ(got.size(), want.size() + 2);
  }
}

}  // namespace
