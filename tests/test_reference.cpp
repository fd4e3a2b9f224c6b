// Reference results (as OpenMC's results_true.dat): short runs of every shipped scenario and of
// the shipped sweeps, their aggregates written exactly (%.17g round-trips a double) and every
// panel, decision-log and sweep-array column reduced to a 64-bit hash of its bytes, compared
// with tests/reference/<name>.txt at a tolerance of zero. A refactor never changes these files;
// a change that moves results regenerates them with scripts/update-reference.sh and says why in
// its commit message.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "smesim/sim/output.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;
using smesim::test::cli;
using smesim::test::scratch;
using smesim::test::shell;

namespace {

const fs::path kSource = SMESIM_SOURCE_DIR;

struct Case {
  std::string name;  // the reference file's stem
  std::string file;  // below scenarios/
  bool sweep;
};

// Every shipped scenario and sweep. The scenarios run at 4 000 firms, 1985-2005 (the panel's
// 1994-2002 window inside it), two replications, both with a panel and a decision log: every
// output of the run engine is exercised. The sweeps keep their designs at a small size.
const std::vector<Case> kCases = {
    {"baseline", "baseline.yaml", false},
    {"shrinking_market", "shrinking_market.yaml", false},
    {"parent_relocation_china", "parent_relocation_china.yaml", false},
    {"policy_loans", "policy_loans.yaml", false},
    {"policy_jetro", "policy_jetro.yaml", false},
    {"national", "national.yaml", false},
    {"calibrated", "calibrated.yaml", false},
    {"sweep_smoke", "sweep_smoke.yaml", true},
    {"sweep_policy", "sweep_policy.yaml", true},
};

std::string emit(const YAML::Node& node) {
  YAML::Emitter out;
  out.SetDoublePrecision(17);
  out << node;
  return out.c_str();
}

// The shipped file made small, written to `dir`.
fs::path shrink(const Case& c, const fs::path& dir) {
  YAML::Node node = YAML::LoadFile((kSource / "scenarios" / c.file).string());
  if (c.sweep) {
    node["base"] = (kSource / "scenarios" / node["base"].as<std::string>()).string();
    node["overrides"]["population"] = 3000;
    node["overrides"]["end_year"] = 2004;
    node["replications"] = 3;
    if (node["design"]["samples"]) node["design"]["samples"] = 6;
    node["panel"]["points"] = std::vector<int>{0};
    node["panel"]["reps"] = std::vector<int>{0};
  } else {
    node["population"] = 4000;
    node["end_year"] = 2005;
    node["replications"] = 2;
    node["output"]["panel_reps"] = std::vector<int>{0, 1};
    node["output"]["decisions"] = true;
  }
  const fs::path path = dir / c.file;
  std::ofstream(path) << emit(node) << "\n";
  return path;
}

std::uint64_t fnv1a(const void* data, std::size_t bytes) {
  std::uint64_t h = 1469598103934665603ull;
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t k = 0; k < bytes; ++k) h = (h ^ p[k]) * 1099511628211ull;
  return h;
}

std::string hash_line(const std::string& kind, const std::string& name, std::size_t rows,
                      const void* data, std::size_t bytes) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, fnv1a(data, bytes));
  return kind + " " + name + " rows " + std::to_string(rows) + " fnv1a " + buf + "\n";
}

void table_lines(const std::string& kind, const smesim::model::Table& t, std::ostringstream& out) {
  for (const auto& [name, col] : t.ints)
    out << hash_line(kind, name, col.size(), col.data(), col.size() * sizeof(col[0]));
  for (const auto& [name, col] : t.reals)
    out << hash_line(kind, name, col.size(), col.data(), col.size() * sizeof(col[0]));
}

// The reference text of a results file: aggregates exactly, every other column by its hash.
std::string describe(const smesim::sim::Results& r) {
  std::ostringstream out;
  out << "points " << r.points << " reps " << r.reps << " years";
  for (int y : r.years) out << " " << y;
  out << "\n";
  const std::size_t ny = r.years.size();
  char buf[40];
  for (const auto& [name, values] : r.aggregates)
    for (int p = 0; p < r.points; ++p)
      for (int k = 0; k < r.reps; ++k) {
        out << "aggregate " << name << " point " << p << " rep " << k << ":";
        for (std::size_t y = 0; y < ny; ++y) {
          std::snprintf(buf, sizeof buf, " %.17g", values[(std::size_t(p) * r.reps + k) * ny + y]);
          out << buf;
        }
        out << "\n";
      }
  table_lines("panel", r.panel, out);
  table_lines("decisions", r.decisions, out);
  for (const auto& a : r.arrays)
    out << hash_line("array", a.path, a.values.size(), a.values.data(),
                     a.values.size() * sizeof(double));
  return out.str();
}

class ReferenceResults : public ::testing::TestWithParam<Case> {};

TEST_P(ReferenceResults, MatchBitForBit) {
  const Case& c = GetParam();
  const fs::path dir = scratch("reference", c.name);
  const fs::path input = shrink(c, dir);
  const fs::path h5 = dir / (c.name + ".h5");
  const auto cmd = cli(std::string(c.sweep ? "sweep " : "run ") + input.string() + " -o " +
                       h5.string() + " --threads 2 -q");
  const auto run = shell(cmd);
  ASSERT_EQ(run.exit_code, 0) << cmd << "\n" << run.output;
  const std::string got = "# " + c.file + " made small by tests/test_reference.cpp\n" +
                          describe(smesim::sim::read_results(h5.string()));
  const fs::path ref = kSource / "tests" / "reference" / (c.name + ".txt");
  if (const char* update = std::getenv("SMESIM_UPDATE_REFERENCE"); update && *update == '1') {
    fs::create_directories(ref.parent_path());
    std::ofstream(ref) << got;
  } else {
    std::ifstream in(ref);
    ASSERT_TRUE(in) << ref << " is missing: run scripts/update-reference.sh";
    std::stringstream want;
    want << in.rdbuf();
    std::istringstream a(want.str()), b(got);
    std::string la, lb;
    int line = 0;
    while (true) {
      ++line;
      const bool ea = !std::getline(a, la), eb = !std::getline(b, lb);
      if (ea && eb) break;
      ASSERT_EQ(la, lb) << ref.string() << ":" << line << " differs from this build's results";
    }
  }
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Shipped, ReferenceResults, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return info.param.name; });

}  // namespace
