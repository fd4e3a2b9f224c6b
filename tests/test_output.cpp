// The results file: round trip, documented layout, atomic writes, errors, and the Python reader.
#include <H5Cpp.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "smesim/sim/output.hpp"

namespace fs = std::filesystem;
using smesim::model::Table;
using smesim::sim::read_results;
using smesim::sim::Results;
using smesim::sim::write_results;

namespace {

// 2 points x 3 reps x 4 years, two aggregates, a panel of `panel_rows` rows, a small decision log.
Results make_results(std::size_t panel_rows) {
  Results r;
  r.meta.smesim_version = "0.1.0";
  r.meta.git_commit = "0123456789ab";
  r.meta.seed = 18446744073709551557ull;  // needs all 64 bits
  r.meta.scenario_file = "scenarios/baseline.yaml";
  r.meta.scenario_yaml = "# 中小企業 baseline\nfirms: 100\nyears: 4\n";
  r.meta.resolved_parameters = "firms: 100\nyears: 4\nwage_growth: 0.015\n";
  r.meta.created_utc = "2026-11-25T12:00:00Z";
  r.points = 2;
  r.reps = 3;
  r.years = {2025, 2026, 2027, 2028};
  std::vector<double> output, employment;
  for (int i = 0; i < 2 * 3 * 4; ++i) {
    output.push_back(1000.0 + i / 7.0);
    employment.push_back(-0.1 * i);
  }
  employment[5] = std::numeric_limits<double>::infinity();
  employment[6] = std::numeric_limits<double>::denorm_min();
  r.aggregates = {{"output", output}, {"employment", employment}};

  std::vector<std::int32_t> firm, year;
  std::vector<double> sales, margin;
  for (std::size_t i = 0; i < panel_rows; ++i) {
    firm.push_back(static_cast<std::int32_t>(i % 1000));
    year.push_back(static_cast<std::int32_t>(2025 + i / 1000));
    sales.push_back(std::sqrt(static_cast<double>(i)) * 1.0e6);
    margin.push_back(std::sin(static_cast<double>(i)));
  }
  r.panel.int_column("firm") = firm;
  r.panel.int_column("year") = year;
  r.panel.real_column("sales") = sales;
  r.panel.real_column("margin") = margin;

  r.decisions.int_column("firm") = {3, 14, 15, 92, 65, 35, -1};
  r.decisions.int_column("action") = {0, 1, 2, 1, 0, 2, 2147483647};
  r.decisions.real_column("amount") = {0.0, -0.0, 1.5e300, std::nan(""), 2.5, 1e-310, -7.0};
  return r;
}

// Bitwise, so -0.0 and NaN count too; reports the first difference only.
void expect_same(const std::vector<double>& a, const std::vector<double>& b,
                 const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::bit_cast<std::uint64_t>(a[i]) != std::bit_cast<std::uint64_t>(b[i])) {
      ADD_FAILURE() << what << " differs at " << i << ": " << a[i] << " vs " << b[i];
      return;
    }
}

void expect_same(const std::vector<std::int32_t>& a, const std::vector<std::int32_t>& b,
                 const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) {
      ADD_FAILURE() << what << " differs at " << i << ": " << a[i] << " vs " << b[i];
      return;
    }
}

template <class Columns>
void expect_same_columns(const Columns& a, const Columns& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (std::size_t c = 0; c < a.size(); ++c) {
    EXPECT_EQ(a[c].first, b[c].first) << what << " column " << c;
    expect_same(a[c].second, b[c].second, what + "/" + a[c].first);
  }
}

void expect_same_tables(const Table& a, const Table& b, const std::string& what) {
  expect_same_columns(a.ints, b.ints, what);
  expect_same_columns(a.reals, b.reals, what);
}

void expect_same_meta(const smesim::sim::ResultsMeta& a, const smesim::sim::ResultsMeta& b) {
  EXPECT_EQ(a.smesim_version, b.smesim_version);
  EXPECT_EQ(a.git_commit, b.git_commit);
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.scenario_file, b.scenario_file);
  EXPECT_EQ(a.scenario_yaml, b.scenario_yaml);
  EXPECT_EQ(a.resolved_parameters, b.resolved_parameters);
  EXPECT_EQ(a.created_utc, b.created_utc);
}

void expect_same_results(const Results& a, const Results& b) {
  expect_same_meta(a.meta, b.meta);
  EXPECT_EQ(a.points, b.points);
  EXPECT_EQ(a.reps, b.reps);
  EXPECT_EQ(a.years, b.years);
  expect_same_columns(a.aggregates, b.aggregates, "aggregates");
  expect_same_tables(a.panel, b.panel, "panel");
  expect_same_tables(a.decisions, b.decisions, "decisions");
}

std::string read_string_attribute(const H5::H5Object& obj, const std::string& name) {
  const H5::Attribute attr = obj.openAttribute(name);
  std::string value;
  attr.read(attr.getStrType(), value);
  return value;
}

// Runs a shell command, returns its exit status and combined stdout + stderr.
int run(const std::string& command, std::string& output) {
  output.clear();
  std::FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;)
    output.append(buffer, n);
  const int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class OutputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("smesim_test_output_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_))
      names.push_back(entry.path().filename().string());
    return names;
  }

  fs::path dir_;
};

TEST_F(OutputTest, RoundTripPreservesAggregatesPanelAndDecisions) {
  const Results written = make_results(100'000);  // more than one 65536-row chunk
  write_results(path("results.h5"), written);
  const Results read = read_results(path("results.h5"));
  expect_same_results(written, read);
}

TEST_F(OutputTest, RoundTripPreservesMetaIncludingEmptyAndUnicodeStrings) {
  Results written = make_results(10);
  written.meta.git_commit = "";
  written.meta.scenario_yaml = "name: \"大阪の町工場\"\nnote: |\n  multi\n  line\n";
  write_results(path("results.h5"), written);
  const Results read = read_results(path("results.h5"));
  expect_same_meta(written.meta, read.meta);

  const Results defaults;  // every string empty, seed 0, 1 point, 1 rep, no years
  write_results(path("defaults.h5"), defaults);
  expect_same_results(defaults, read_results(path("defaults.h5")));
}

TEST_F(OutputTest, WritesDocumentedLayoutTypesChunkingAndCompression) {
  write_results(path("results.h5"), make_results(100'000));
  const H5::H5File file(path("results.h5"), H5F_ACC_RDONLY);

  const H5::Group meta = file.openGroup("meta");
  EXPECT_EQ(read_string_attribute(meta, "filetype"), "smesim-results");
  EXPECT_EQ(read_string_attribute(meta, "format_version"), "1.1");
  for (const char* name :
       {"filetype", "format_version", "smesim_version", "git_commit", "scenario_file",
        "scenario_yaml", "resolved_parameters", "created_utc"}) {
    const H5::StrType type = meta.openAttribute(name).getStrType();
    EXPECT_TRUE(type.isVariableStr()) << name;
    EXPECT_EQ(type.getCset(), H5T_CSET_UTF8) << name;
  }
  EXPECT_EQ(meta.openAttribute("seed").getDataType(), H5::PredType::STD_U64LE);
  EXPECT_EQ(meta.openAttribute("points").getDataType(), H5::PredType::STD_I32LE);
  EXPECT_EQ(meta.openAttribute("reps").getDataType(), H5::PredType::STD_I32LE);

  const H5::DataSet years = file.openDataSet("/aggregates/years");
  EXPECT_EQ(years.getDataType(), H5::PredType::STD_I32LE);
  const H5::DataSet output = file.openDataSet("/aggregates/output");
  EXPECT_EQ(output.getDataType(), H5::PredType::IEEE_F64LE);
  hsize_t dims[3] = {};
  ASSERT_EQ(output.getSpace().getSimpleExtentNdims(), 3);
  output.getSpace().getSimpleExtentDims(dims);
  EXPECT_EQ(dims[0], 2u);
  EXPECT_EQ(dims[1], 3u);
  EXPECT_EQ(dims[2], 4u);

  EXPECT_EQ(read_string_attribute(file.openGroup("panel"), "columns"), "firm,year,sales,margin");
  EXPECT_EQ(read_string_attribute(file.openGroup("decisions"), "columns"), "firm,action,amount");
  EXPECT_EQ(file.openDataSet("/panel/firm").getDataType(), H5::PredType::STD_I32LE);
  EXPECT_EQ(file.openDataSet("/panel/year").getDataType(), H5::PredType::STD_I16LE);  // 1.1
  EXPECT_EQ(file.openDataSet("/panel/sales").getDataType(), H5::PredType::IEEE_F64LE);

  auto expect_compressed_chunks = [](const H5::DataSet& dataset, hsize_t chunk_rows) {
    const H5::DSetCreatPropList props = dataset.getCreatePlist();
    ASSERT_EQ(props.getLayout(), H5D_CHUNKED);
    hsize_t chunk = 0;
    props.getChunk(1, &chunk);
    EXPECT_EQ(chunk, chunk_rows);
    ASSERT_EQ(props.getNfilters(), 2);
    unsigned flags = 0, values[4] = {}, config = 0;
    size_t count = 4;
    char name[64];
    EXPECT_EQ(props.getFilter(0, flags, count, values, sizeof name, name, config),
              H5Z_FILTER_SHUFFLE);
    count = 4;
    EXPECT_EQ(props.getFilter(1, flags, count, values, sizeof name, name, config),
              H5Z_FILTER_DEFLATE);
    ASSERT_GE(count, 1u);
    EXPECT_EQ(values[0], 1u);  // deflate level (docs/file-format.md)
  };
  expect_compressed_chunks(file.openDataSet("/panel/sales"), 16384);  // streamed tables
  expect_compressed_chunks(file.openDataSet("/panel/year"), 16384);
  expect_compressed_chunks(file.openDataSet("/decisions/amount"), 16384);
}

// The panel and the decision log appended in pieces of any size (across chunk boundaries, empty
// pieces too) give the same file contents as one write of the whole tables.
TEST_F(OutputTest, StreamedPiecesGiveTheSameValuesAsOneWrite) {
  const Results whole = make_results(70'001);  // 4 chunks and a bit
  write_results(path("whole.h5"), whole);
  Results rest = whole;
  rest.panel = {};
  rest.decisions = {};
  {
    smesim::sim::ResultsWriter writer(path("streamed.h5"));
    EXPECT_TRUE(fs::exists(path("streamed.h5.tmp-" + std::to_string(::getpid()))));
    std::size_t at = 0;
    for (std::size_t piece : {1, 0, 16383, 16384, 5000, 40000, 1000000}) {
      Table t;
      for (const auto& [name, c] : whole.panel.ints) {
        const std::size_t to = std::min(c.size(), at + piece);
        t.int_column(name).assign(c.begin() + std::ptrdiff_t(at), c.begin() + std::ptrdiff_t(to));
      }
      for (const auto& [name, c] : whole.panel.reals) {
        const std::size_t to = std::min(c.size(), at + piece);
        t.real_column(name).assign(c.begin() + std::ptrdiff_t(at), c.begin() + std::ptrdiff_t(to));
      }
      writer.append_panel(t);
      at = std::min(whole.panel.rows(), at + piece);
    }
    writer.append_decisions(whole.decisions);
    writer.finish(rest);
    EXPECT_GT(writer.bytes_written(), 0u);
  }
  EXPECT_EQ(entries().size(), 2u);  // no temporary left
  expect_same_results(read_results(path("streamed.h5")), whole);
  expect_same_results(read_results(path("whole.h5")), whole);
}

// Format 1.1 stores codes in narrow integers and the model's single-precision values as float32;
// reading gives back the same int32 and float64 values. A value outside its declared storage is
// an error (never a silent change) and leaves no file.
TEST_F(OutputTest, NarrowStorageKeepsEveryValueAndRejectsWhatItCannotHold) {
  Results r = make_results(10);
  r.panel = {};
  r.panel.int_column("alive") = {0, 1, -128, 127, 1, 0, 0, 1, 1, 0};
  r.panel.int_column("year") = {1985, 2030, -32768, 32767, 1, 2, 3, 4, 5, 6};
  r.panel.int_column("mode_china") = {0, 1, 2, 0, 0, 0, 0, 0, 0, 2};
  r.panel.real_column("rho") = {0.25,
                                double(0.1f),
                                -0.0,
                                std::nan(""),
                                double(std::numeric_limits<float>::denorm_min()),
                                double(std::numeric_limits<float>::max()),
                                0,
                                1,
                                std::numeric_limits<double>::infinity(),
                                double(1.0f / 3)};
  r.panel.real_column("L") = {0.1, 1.0 / 3, 5, 6, 7, 8, 9, 10, 11, 12};
  write_results(path("narrow.h5"), r);
  expect_same_results(read_results(path("narrow.h5")), r);
  const H5::H5File file(path("narrow.h5"), H5F_ACC_RDONLY);
  EXPECT_EQ(file.openDataSet("/panel/alive").getDataType(), H5::PredType::STD_I8LE);
  EXPECT_EQ(file.openDataSet("/panel/mode_china").getDataType(), H5::PredType::STD_I8LE);
  EXPECT_EQ(file.openDataSet("/panel/year").getDataType(), H5::PredType::STD_I16LE);
  EXPECT_EQ(file.openDataSet("/panel/rho").getDataType(), H5::PredType::IEEE_F32LE);
  EXPECT_EQ(file.openDataSet("/panel/L").getDataType(), H5::PredType::IEEE_F64LE);

  // Streamed rows must fit their declared storage.
  Table wide;
  wide.int_column("alive") = {0, 128};
  Table fine;
  fine.real_column("rho") = {0.5, 0.1};  // 0.1 is not a float
  for (const Table* t : {&wide, &fine}) {
    smesim::sim::ResultsWriter writer(path("streamed.h5"));
    try {
      writer.append_panel(*t);
      ADD_FAILURE() << "a narrow column took a value it cannot hold";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(t == &wide ? "'alive' holds 128" : "'rho' holds a"),
                std::string::npos)
          << e.what();
    }
  }
  EXPECT_FALSE(fs::exists(path("streamed.h5")));
  EXPECT_EQ(entries().size(), 1u);  // narrow.h5 only: no temporaries

  // A table written whole (not the model's) keeps such a column in the wide type instead.
  Results other = r;
  other.panel.int_column("alive")[3] = 128;
  other.panel.real_column("rho")[0] = 0.1;
  write_results(path("other.h5"), other);
  expect_same_results(read_results(path("other.h5")), other);
  const H5::H5File wide_file(path("other.h5"), H5F_ACC_RDONLY);
  EXPECT_EQ(wide_file.openDataSet("/panel/alive").getDataType(), H5::PredType::STD_I32LE);
  EXPECT_EQ(wide_file.openDataSet("/panel/rho").getDataType(), H5::PredType::IEEE_F64LE);
  EXPECT_EQ(wide_file.openDataSet("/panel/year").getDataType(), H5::PredType::STD_I16LE);
}

// A writer dropped before finish() (an exception in the run) removes its temporary file.
TEST_F(OutputTest, WriterDroppedBeforeFinishLeavesNoFile) {
  {
    smesim::sim::ResultsWriter writer(path("dropped.h5"));
    writer.append_panel(make_results(40'000).panel);
    EXPECT_EQ(entries().size(), 1u);
  }
  EXPECT_TRUE(entries().empty());
}

TEST_F(OutputTest, EmptyTablesStillHaveGroupsAndRoundTrip) {
  Results written = make_results(0);  // panel has columns but no rows
  written.decisions = Table{};        // decisions has no columns at all
  write_results(path("results.h5"), written);

  const H5::H5File file(path("results.h5"), H5F_ACC_RDONLY);
  EXPECT_TRUE(file.nameExists("panel"));
  EXPECT_TRUE(file.nameExists("decisions"));
  EXPECT_EQ(read_string_attribute(file.openGroup("decisions"), "columns"), "");

  const Results read = read_results(path("results.h5"));
  expect_same_results(written, read);
  EXPECT_EQ(read.panel.ints.size(), 2u);
  EXPECT_EQ(read.panel.rows(), 0u);
  EXPECT_TRUE(read.decisions.ints.empty() && read.decisions.reals.empty());
}

TEST_F(OutputTest, WriteIntoMissingDirectoryThrowsNamingPathAndLeavesNothing) {
  const std::string target = path("no/such/dir/results.h5");
  try {
    write_results(target, make_results(10));
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(target), std::string::npos) << message;
    EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;
  }
  EXPECT_TRUE(entries().empty());
}

TEST_F(OutputTest, OverwriteReplacesFileAndLeavesNoTemporary) {
  Results first = make_results(10);
  write_results(path("results.h5"), first);
  Results second = make_results(20);
  second.meta.seed = 7;
  second.aggregates.pop_back();
  write_results(path("results.h5"), second);

  EXPECT_EQ(entries(), std::vector<std::string>{"results.h5"});
  expect_same_results(second, read_results(path("results.h5")));
}

TEST_F(OutputTest, FailedWriteLeavesExistingFileUntouchedAndNoTemporary) {
  const Results good = make_results(10);
  write_results(path("results.h5"), good);

  Results bad = make_results(10);
  bad.aggregates[1].second.pop_back();  // detected after the temporary file has been started
  try {
    write_results(path("results.h5"), bad);
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(path("results.h5")), std::string::npos) << message;
    EXPECT_NE(message.find("employment"), std::string::npos) << message;
  }
  EXPECT_EQ(entries(), std::vector<std::string>{"results.h5"});
  expect_same_results(good, read_results(path("results.h5")));
}

TEST_F(OutputTest, TableColumnsOfDifferentLengthsAreRejected) {
  Results bad = make_results(10);
  bad.panel.reals[0].second.push_back(1.0);
  EXPECT_THROW(write_results(path("results.h5"), bad), std::runtime_error);
  Results comma = make_results(10);
  comma.decisions.int_column("a,b") = std::vector<std::int32_t>(7, 0);
  EXPECT_THROW(write_results(path("results.h5"), comma), std::runtime_error);
  EXPECT_TRUE(entries().empty());
}

TEST_F(OutputTest, ReadingNonSmesimFilesThrowsNamingTheFile) {
  {
    const H5::H5File other(path("other.h5"), H5F_ACC_TRUNC);
    const hsize_t n = 3;
    other.createDataSet("x", H5::PredType::NATIVE_DOUBLE, H5::DataSpace(1, &n));
  }
  std::ofstream(path("text.h5")) << "not hdf5\n";

  for (const std::string name : {"other.h5", "text.h5", "missing.h5"}) {
    try {
      read_results(path(name));
      ADD_FAILURE() << "expected std::runtime_error for " << name;
    } catch (const std::runtime_error& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(path(name)), std::string::npos) << message;
      if (name != "missing.h5") {
        EXPECT_NE(message.find("not an smesim results file"), std::string::npos) << message;
      }
    }
  }
}

// analysis/smesim_reader.py must read what we write. The project's setup installs python3 with
// h5py, numpy and pandas, so their absence is a failure, not a skip.
TEST_F(OutputTest, PythonReaderLoadsAggregatesMatchingWrittenValues) {
  const std::string python = "/usr/bin/python3";
  ASSERT_TRUE(fs::exists(python)) << python << " not found: install python3, python3-h5py, "
                                  << "python3-numpy and python3-pandas (the project's setup does)";
  std::string output;
  ASSERT_EQ(run(python + " -c 'import h5py, numpy, pandas'", output), 0)
      << "python3 lacks h5py, numpy or pandas (the project's setup installs them):\n"
      << output;

  const Results written = make_results(1000);
  write_results(path("results.h5"), written);
  // Prints the aggregate columns, then one line per row: point rep year value... (repr of floats
  // round-trips exactly), then the panel's columns and row count and the seed.
  const std::string script =
      "import sys\n"
      "sys.path.insert(0, sys.argv[1] + \"/analysis\")\n"
      "import smesim_reader\n"
      "r = smesim_reader.load(sys.argv[2])\n"
      "a = r.aggregates\n"
      "print(\" \".join(a.columns))\n"
      "cols = [a[c].tolist() for c in a.columns]\n"
      "for row in zip(*cols):\n"
      "    print(\" \".join(repr(v) for v in row))\n"
      "print(\" \".join(r.panel.columns), len(r.panel))\n"
      "print(r.meta[\"seed\"])\n";
  ASSERT_EQ(
      run(python + " -c '" + script + "' '" SMESIM_SOURCE_DIR "' '" + path("results.h5") + "'",
          output),
      0)
      << output;

  std::istringstream lines(output);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "point rep year output employment");
  const std::size_t years = written.years.size();
  std::size_t row = 0;
  for (int p = 0; p < written.points; ++p)
    for (int r = 0; r < written.reps; ++r)
      for (std::size_t y = 0; y < years; ++y, ++row) {
        ASSERT_TRUE(std::getline(lines, line)) << output;
        std::istringstream fields(line);
        int point = -1, rep = -1, year = -1;
        std::string output_value, employment_value;
        fields >> point >> rep >> year >> output_value >> employment_value;
        EXPECT_EQ(point, p) << line;
        EXPECT_EQ(rep, r) << line;
        EXPECT_EQ(year, written.years[y]) << line;
        // Python prints inf as "inf"; strtod reads it back.
        EXPECT_EQ(std::strtod(output_value.c_str(), nullptr), written.aggregates[0].second[row])
            << line;
        EXPECT_EQ(std::strtod(employment_value.c_str(), nullptr), written.aggregates[1].second[row])
            << line;
      }
  std::getline(lines, line);
  EXPECT_EQ(line, "firm year sales margin 1000");
  std::getline(lines, line);
  EXPECT_EQ(line, std::to_string(written.meta.seed));
}

}  // namespace
