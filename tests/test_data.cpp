// The published data the model reads (model/data.hpp, the default fx path) are the numbers of
// data/targets/*.csv, where their sources are: a change to either side without the other fails.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "smesim/analysis/targets.hpp"
#include "smesim/model/data.hpp"
#include "smesim/model/params.hpp"

namespace {

using smesim::analysis::read_target_rows;
namespace data = smesim::model::data;
const std::string kDir = std::string(SMESIM_SOURCE_DIR) + "/data/targets/";

std::map<std::pair<std::string, int>, double> rows_of(const std::string& file) {
  std::map<std::pair<std::string, int>, double> m;
  for (const auto& r : read_target_rows(kDir + file)) m[{r.series, r.year}] = r.value;
  return m;
}

TEST(Data, CensusShipmentsAreTheCsvSeries) {
  const auto rows = rows_of("census_size_classes.csv");
  int years = 0;
  for (int y = data::first_census_year(); y <= data::last_census_year(); ++y, ++years)
    EXPECT_EQ(data::census_shipments_ge4(y), rows.at({"shipments_ge4", y})) << y;
  EXPECT_EQ(years, 20);  // 1985-2004
}

TEST(Data, SizeClassesOf1985AreTheCsvRows) {
  const auto rows = rows_of("census_size_classes.csv");
  const char* names[] = {"4_9",     "10_19",   "20_29",   "30_49",   "50_99",
                         "100_199", "200_299", "300_499", "500_999", "1000plus"};
  const auto classes = data::size_classes_1985();
  ASSERT_EQ(classes.size(), std::size(names));
  double establishments = 0;
  for (std::size_t c = 0; c < classes.size(); ++c) {
    const std::string n = names[c];
    EXPECT_EQ(classes[c].establishments, rows.at({"establishments_sizeclass_" + n, 1985})) << n;
    EXPECT_EQ(classes[c].employees, rows.at({"employees_sizeclass_" + n, 1985})) << n;
    EXPECT_EQ(classes[c].shipments, rows.at({"shipments_sizeclass_" + n, 1985})) << n;
    establishments += classes[c].establishments;
  }
  EXPECT_EQ(establishments, rows.at({"establishments_ge4", 1985}));
}

TEST(Data, ExportSharesAreTheCsvRowsAndInterpolate) {
  const auto rows = rows_of("export_shares.csv");
  for (int y : {1985, 1990, 1995, 2000, 2004}) {
    const auto s = data::export_shares(y);
    double total = 0;
    for (int r = 0; r < smesim::model::kRegions; ++r) {
      const std::string n = "export_share_" + std::string(smesim::model::kRegionNames[r]);
      EXPECT_NEAR(s[r], rows.at({n, y}), 1e-12) << n << " " << y;  // renormalised to sum 1
      total += s[r];
    }
    EXPECT_NEAR(total, 1.0, 1e-12);
  }
  // Halfway between 1985 and 1990 (before renormalising: both rows sum to 1).
  const auto mid = data::export_shares(1987);
  EXPECT_NEAR(mid[0], 0.396 + 0.4 * (0.339 - 0.396), 1e-12);
}

TEST(Data, DefaultExchangeRateIsTheCsvSeries) {
  const auto rows = rows_of("exchange_rate.csv");
  const smesim::model::Params p;
  for (int y = 1985; y <= 2004; ++y)
    EXPECT_DOUBLE_EQ(p.paths.fx.at(y), rows.at({"fx_yen_per_usd", y})) << y;
  EXPECT_DOUBLE_EQ(p.paths.fx.at(2010), rows.at({"fx_yen_per_usd", 2004}));  // holds after
}

}  // namespace
