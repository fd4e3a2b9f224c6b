// The parameter registry (model/params.hpp): one row per scalar parameter with its key, location,
// default, range, unit and meaning; and docs/model.md's parameter tables generated from it.
#include <H5Cpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>

#include "smesim/model/observation.hpp"
#include "smesim/model/params.hpp"
#include "smesim/sim/output.hpp"
#include "test_util.hpp"

namespace {

using smesim::model::find_param;
using smesim::model::param_registry;
using smesim::model::ParamKind;
using smesim::model::Params;

TEST(ParamRegistry, KeysAreUniqueAndEveryParameterHasItsMeaningAndTable) {
  std::set<std::string> keys;
  for (const auto& p : param_registry()) {
    EXPECT_TRUE(keys.insert(p.key).second) << p.key << " is declared twice";
    EXPECT_FALSE(p.meaning.empty()) << p.key;
    EXPECT_FALSE(p.source.empty()) << p.key;
    EXPECT_FALSE(p.table.empty()) << p.key;
  }
  // 5 run settings, 6 x 7 region and 10 x 7 industry values, and the submodels' parameters.
  EXPECT_GT(keys.size(), 5u + 42u + 70u + 100u);
}

TEST(ParamRegistry, DefaultsAreTheStructsMemberInitialisersAndInTheirRange) {
  const Params defaults;
  for (const auto& p : param_registry()) {
    EXPECT_EQ(p.default_value, p.get(defaults)) << p.key;
    EXPECT_TRUE(p.bounds.contains(p.default_value)) << p.key << " = " << p.default_value;
  }
  EXPECT_EQ(find_param("relocation.phi")->default_value, Params{}.relocation.phi);
  EXPECT_EQ(find_param("regions.china.c")->default_value, 0.35);
  EXPECT_EQ(find_param("industries.metals.y_k")->default_value, 1.0);  // relative (v2 2.6)
}

TEST(ParamRegistry, SetWritesTheFieldItNamesOnlyAndGetReadsItBack) {
  for (const auto& p : param_registry()) {
    Params a;
    const double x =
        p.kind == ParamKind::boolean ? 1.0 - p.default_value
        : p.kind == ParamKind::integer
            ? (p.bounds.contains(p.default_value + 1) ? p.default_value + 1 : p.default_value - 1)
            : p.default_value + 0.25;
    p.set(a, x);
    EXPECT_EQ(p.get(a), x) << p.key;
    for (const auto& q : param_registry()) {
      if (&q == &p) continue;
      EXPECT_EQ(q.get(a), q.default_value) << p.key << " also changed " << q.key;
    }
  }
  Params p;
  find_param("levers.loans.rate_subsidy")->set(p, 0.3);
  EXPECT_EQ(p.levers.loans.rate_subsidy, 0.3);
  find_param("network.peer_degree")->set(p, 5.6);
  EXPECT_EQ(p.network.peer_degree, 6);
  find_param("industries.precision.assembler")->set(p, 0.0);
  EXPECT_FALSE(p.industries[9].assembler);
}

TEST(ParamRegistry, LookupOfAMisspelledKeySuggestsTheClosest) {
  std::string near;
  EXPECT_EQ(find_param("relocation.phii", &near), nullptr);
  EXPECT_EQ(near, "relocation.phi");
  EXPECT_EQ(find_param("completely.different", &near), nullptr);
  EXPECT_EQ(near, "");
}

// Each lever declares its registry rows beside its fields (params.hpp): every lever of
// Levers::each has its keys under levers.<name>., in the table its struct names. The example
// lever of docs/extending.md is built into its own test only, never into smesim.
TEST(ParamRegistry, LeversDeclareTheirOwnKeysAndTheExampleLeverIsNotShipped) {
  int levers = 0;
  smesim::model::Levers::each([&](std::string_view name, auto member) {
    using L = std::remove_cvref_t<decltype(Params{}.levers.*member)>;
    ++levers;
    int keys = 0;
    L::declare([&](std::string_view field, auto, smesim::model::Bounds, smesim::model::ParamDoc) {
      const auto* p = find_param("levers." + std::string(name) + "." + std::string(field));
      ASSERT_NE(p, nullptr) << name << "." << field;
      EXPECT_EQ(p->table, L::docs_table);
      ++keys;
    });
    EXPECT_GT(keys, 0) << name;
  });
  EXPECT_EQ(levers, 4);
  EXPECT_EQ(find_param("levers.export_vouchers.uptake"), nullptr);
  for (const auto& name : smesim::model::aggregate_names())
    EXPECT_EQ(name.find("voucher"), std::string::npos) << name;
}

// tests/print.hpp: a failed EXPECT_EQ names the model's enumerators and ranges.
TEST(Printers, ModelTypesPrintTheirNames) {
  using namespace smesim::model;
  EXPECT_EQ(::testing::PrintToString(Mode::fdi), "fdi");
  EXPECT_EQ(::testing::PrintToString(Outcome::superseded), "superseded");
  EXPECT_EQ(::testing::PrintToString(Source::jetro), "jetro");
  EXPECT_EQ(::testing::PrintToString(ExitCause::decline), "decline");
  EXPECT_EQ(::testing::PrintToString(ParamKind::boolean), "boolean");
  EXPECT_EQ(::testing::PrintToString(Purpose::training), "training");
  EXPECT_EQ(::testing::PrintToString(purpose("export_vouchers")), "purpose #82483 (named)");
  EXPECT_EQ(::testing::PrintToString(Bounds{0, 1}), "in [0, 1]");
}

TEST(ParamRegistry, RangesDescribeTheirEnds) {
  EXPECT_EQ(find_param("relocation.phi")->bounds.describe(), "in [0, 1]");
  EXPECT_EQ(find_param("regions.nies.M0")->bounds.describe(), "> 0");
  EXPECT_EQ(find_param("network.share_mean")->bounds.describe(), "in (0, 1)");
  EXPECT_EQ(find_param("relocation.theta0_r")->bounds.expected(), "a finite value");
  EXPECT_EQ(find_param("levers.loans.budget_per_year")->bounds.describe(), ">= 0 or .inf");
  EXPECT_EQ(find_param("population")->bounds.describe(true), "in [1, 50000000]");
}

TEST(DeclaredNames, ResultsFilesCarryRegionsIndustriesAndTheSurveyWindowInMeta) {
  namespace fs = std::filesystem;
  const auto path =
      (fs::temp_directory_path() / ("smesim_names_" + std::to_string(getpid()) + ".h5")).string();
  smesim::sim::Results r;
  r.years = {2000};
  r.aggregates = {{"x", {1.0}}};
  smesim::sim::write_results(path, r);
  const H5::H5File file(path, H5F_ACC_RDONLY);
  const H5::Group meta = file.openGroup("meta");
  auto text = [&](const char* name) {
    const H5::Attribute a = meta.openAttribute(name);
    std::string v;
    a.read(a.getStrType(), v);
    return v;
  };
  EXPECT_EQ(text("regions"), "north_america,europe,nies,asean,china,others");
  EXPECT_EQ(text("region_labels"), "North America,Europe,NIEs,ASEAN,China,others");
  EXPECT_EQ(text("industries").substr(0, 22), "food,textiles_apparel,");
  std::int32_t first = 0, last = 0;
  meta.openAttribute("survey_first_year").read(H5::PredType::NATIVE_INT32, &first);
  meta.openAttribute("survey_last_year").read(H5::PredType::NATIVE_INT32, &last);
  EXPECT_EQ(first, smesim::model::kSurvey.first_year);
  EXPECT_EQ(last, smesim::model::kSurvey.last_year);
  fs::remove(path);
}

TEST(GeneratedDocs, ModelParameterTablesMatchTheRegistry) {
  for (const auto table : smesim::model::param_tables())
    smesim::test::check_generated("model.md", "parameters-" + std::string(table),
                                  smesim::model::param_table_markdown(table));
}

}  // namespace
