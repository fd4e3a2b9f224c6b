// `smesim report` (issue 6): the HTML report of a small run and of small sweeps. Every figure is
// a PNG that decodes and is labelled, every number in the tables equals the value in the HDF5
// file, the Python reader returns exactly the datasets (tests/report_check.py, with h5py), and
// headless Chromium loads every image without a console error.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "test_util.hpp"

namespace fs = std::filesystem;

namespace {

const std::string kSource = SMESIM_SOURCE_DIR;
const std::string kPython = "/usr/bin/python3";  // Debian's, with h5py, pandas, PIL, yaml
const std::string kCheck = kSource + "/tests/report_check.py";
const std::string kRunFigures =
    "internationalization,regions,sme_shares,hollowing_out,exits,funnel,first_moves,traits,"
    "keiretsu";

using smesim::test::cli;
using smesim::test::Command;
using smesim::test::shell;
std::string quote(const fs::path& p) {
  std::string s = "'";
  s += p.string();
  s += "'";
  return s;
}

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path scratch(const std::string& name) { return smesim::test::scratch("report", name); }

// A small run: 2 000 firms, 1985-2004, 3 replications, panel 1998-2002 for replications 0 and 1.
fs::path small_run(const fs::path& dir) {
  std::ofstream(dir / "small.yaml")
      << "name: report_small\nseed: 11\npopulation: 2000\nstart_year: 1985\nend_year: 2004\n"
      << "replications: 3\ndecisions: {kappa_r: 1.0, beta_0: -2.0, kappa_pull: 4.0}\n"
      << "relocation: {theta0_r: -6.5}\n"
      << "output: {panel_reps: [0, 1], panel_from: 1998, panel_to: 2002}\n";
  const auto h5 = dir / "small.h5";
  const auto r = shell(cli("run " + quote(dir / "small.yaml") + " -q -o " + quote(h5)));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return h5;
}

// tests/report_check.py: "report" checks a report directory against the file, "reader" the
// Python reader. Fails (does not skip) without Debian's python3 and its modules.
Command check(const std::string& args) {
  EXPECT_TRUE(fs::exists(kPython))
      << kPython << " not found: install python3-h5py python3-pandas python3-matplotlib "
      << "python3-yaml (scripts/setup.sh does)";
  return shell(kPython + " -B " + quote(kCheck) + " " + args);
}

void expect_report_ok(const fs::path& h5, const fs::path& out, const std::string& figures,
                      const std::string& extra = "") {
  // The fit table's cells are checked against `smesim fit` (and the Sobol cells, when there are
  // any, against `smesim sensitivity`): the checker gets the binary.
  const auto r = check("report " + quote(h5) + " " + quote(out) + " --expect " + figures +
                       " --smesim " + std::string(SMESIM_BINARY) + " " + extra);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("report ok:"), std::string::npos) << r.output;
  const auto reader = check("reader " + quote(h5));
  EXPECT_EQ(reader.exit_code, 0) << reader.output;
  EXPECT_NE(reader.output.find("reader ok:"), std::string::npos) << reader.output;
}

// Headless Chromium opens a copy of `page` with a script that, once the page has loaded, lists
// the images that did not load; stderr's console lines (uncaught errors, console.error) are
// collected.
struct Browser {
  bool ran = false;
  int images = -1;
  std::string broken, console, log;
};
Browser open_in_chromium(const fs::path& page) {
  Browser b;
  const char* env = std::getenv("SMESIM_CHROMIUM");
  std::string chromium = env && *env ? env : "";
  if (chromium.empty()) {
    const auto which = shell("command -v chromium || command -v chromium-browser");
    if (which.exit_code == 0) chromium = which.output.substr(0, which.output.find('\n'));
  }
  if (chromium.empty()) {
    ADD_FAILURE() << "headless Chromium not found: apt-get install chromium (scripts/setup.sh "
                     "installs it), or set SMESIM_CHROMIUM";
    return b;
  }
  std::string html = read(page);
  const std::string probe =
      "<script>window.addEventListener('load', function () {\n"
      "  var bad = [];\n"
      "  for (var i = 0; i < document.images.length; i++) {\n"
      "    var im = document.images[i];\n"
      "    if (!im.complete || im.naturalWidth === 0) bad.push(im.getAttribute('src'));\n"
      "  }\n"
      "  var d = document.createElement('pre');\n"
      "  d.id = 'smesim-image-check';\n"
      "  d.textContent = 'images=' + document.images.length + ' broken=' + JSON.stringify(bad);\n"
      "  document.body.appendChild(d);\n"
      "});</script>\n";
  const auto at = html.rfind("</body>");
  EXPECT_NE(at, std::string::npos) << page;
  html.insert(at == std::string::npos ? html.size() : at, probe);
  const fs::path copy = page.parent_path() / "browser_check.html";
  std::ofstream(copy) << html;
  const fs::path profile = page.parent_path() / "chromium_profile";
  const fs::path dom = page.parent_path() / "dom.txt", err = page.parent_path() / "stderr.txt";
  // The braces keep shell()'s own "2>&1" from sending Chromium's stderr into the DOM file.
  const auto r =
      shell("{ timeout 120 " + chromium +
            " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run"
            " --disable-background-networking --disable-component-update --disable-sync"
            " --disable-extensions --enable-logging=stderr --v=0 --virtual-time-budget=10000"
            " --user-data-dir=" +
            quote(profile) + " --dump-dom " + quote("file://" + fs::absolute(copy).string()) +
            " > " + quote(dom) + " 2> " + quote(err) + "; }");
  b.log = read(err);
  EXPECT_EQ(r.exit_code, 0) << r.output << b.log;
  b.ran = r.exit_code == 0;
  const std::string out = read(dom);
  std::smatch m;
  if (std::regex_search(out, m, std::regex("images=(\\d+) broken=(\\[[^<]*\\])"))) {
    b.images = std::stoi(m[1]);
    b.broken = m[2];
  }
  std::istringstream lines(b.log);
  for (std::string line; std::getline(lines, line);)
    if (line.find(":CONSOLE") != std::string::npos) b.console += line + "\n";
  fs::remove_all(profile);
  fs::remove(copy);
  return b;
}

int count_png(const fs::path& dir) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.path().extension() == ".png";
  return n;
}

}  // namespace

TEST(Report, RunReportHasLabelledFiguresAndTablesEqualToTheFile) {
  const auto dir = scratch("run");
  const auto h5 = small_run(dir);
  const auto out = dir / "report";
  const auto r = shell(cli("report " + quote(h5) + " -o " + quote(out)));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(fs::exists(out / "index.html"));
  EXPECT_EQ(count_png(out), 9);
  expect_report_ok(h5, out, kRunFigures);
  const std::string html = read(out / "index.html");
  for (const char* text : {"report_small", "single run", "Drivers and barriers", "Keiretsu of head",
                           "Fit to macro targets", "bankruptcies_mfg_tdb 1998"})
    EXPECT_NE(html.find(text), std::string::npos) << text;

  // The checks catch a number that differs from the file and a broken figure.
  const auto bad = dir / "tampered";
  fs::copy(out, bad);
  std::string text = read(bad / "index.html");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(text, m, std::regex("class=\"num\" data-ref=\"[^\"]*\">([0-9])")));
  text.insert(std::size_t(m.position(1)), "9");
  std::ofstream(bad / "index.html") << text;
  const auto wrong = check("report " + quote(h5) + " " + quote(bad));
  EXPECT_EQ(wrong.exit_code, 1) << wrong.output;
  EXPECT_NE(wrong.output.find("FAIL: cell '9"), std::string::npos) << wrong.output;
  fs::copy_file(out / "index.html", bad / "index.html", fs::copy_options::overwrite_existing);
  std::ofstream(bad / "funnel.png") << "not a picture";
  const auto broken = check("report " + quote(h5) + " " + quote(bad));
  EXPECT_EQ(broken.exit_code, 1) << broken.output;
  EXPECT_NE(broken.output.find("FAIL: funnel.png: not a PNG file"), std::string::npos)
      << broken.output;
  fs::remove_all(dir);
}

TEST(Report, SweepReportShowsLeversHeatMapAndPairedEffects) {
  const auto dir = scratch("sweep");
  const auto h5 = dir / "smoke.h5";
  const auto s =
      shell(cli("sweep " + quote(kSource + "/scenarios/sweep_smoke.yaml") + " -q -o " + quote(h5)));
  ASSERT_EQ(s.exit_code, 0) << s.output;
  // SMESIM_ANALYSIS_DIR overrides where the Python module is looked for.
  const auto out = dir / "report";
  const auto r = shell("SMESIM_ANALYSIS_DIR=" + quote(kSource + "/analysis") + " " +
                       cli("report " + quote(h5) + " -o " + quote(out)));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_report_ok(h5, out, kRunFigures + ",outcomes_vs_levers,heatmap,effects");
  const std::string html = read(out / "index.html");
  for (const char* text : {"sweep (grid design)", "Paired policy effects", "spend per extra job"})
    EXPECT_NE(html.find(text), std::string::npos) << text;
  EXPECT_EQ(html.find("Sobol"), std::string::npos);  // a grid has no Sobol indices
  fs::remove_all(dir);
}

TEST(Report, SobolSweepReportShowsTheIndicesOfSmesimSensitivity) {
  const auto dir = scratch("sobol");
  std::ofstream(dir / "s.yaml") << "base: " << kSource << "/scenarios/baseline.yaml\n"
                                << "overrides: {population: 1000, end_year: 1996}\n"
                                << "replications: 2\ndesign: {type: sobol, samples: 8}\n"
                                << "levers:\n  levers.loans.rate_subsidy: [0.0, 0.5]\n"
                                << "  levers.jetro.outreach: [0.0, 0.1]\n"
                                << "uncertainties:\n  relocation.theta0_r: [-7.5, -5.0]\n"
                                << "panel: {points: [0], reps: [0]}\n";
  const auto h5 = dir / "s.h5";
  const auto s = shell(cli("sweep " + quote(dir / "s.yaml") + " -q -o " + quote(h5)));
  ASSERT_EQ(s.exit_code, 0) << s.output;
  const auto out = dir / "report";
  const auto r = shell(cli("report " + quote(h5) + " -o " + quote(out) +
                           " --outcomes sme_international_share,le_fdi_share"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // The Sobol cells are checked against `smesim sensitivity --format csv`.
  expect_report_ok(h5, out, "outcomes_vs_levers,heatmap,sobol,traits,keiretsu",
                   "--smesim " + std::string(SMESIM_BINARY));
  const std::string html = read(out / "index.html");
  EXPECT_NE(html.find("Sobol indices"), std::string::npos);
  EXPECT_NE(html.find("&quot;op&quot;: &quot;sobol&quot;"), std::string::npos);
  fs::remove_all(dir);
}

TEST(Report, EveryImageLoadsInHeadlessChromiumWithoutConsoleErrors) {
  const auto dir = scratch("chromium");
  const auto h5 = small_run(dir);
  const auto out = dir / "report";
  const auto r = shell(cli("report " + quote(h5) + " -o " + quote(out)));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto b = open_in_chromium(out / "index.html");
  ASSERT_TRUE(b.ran) << b.log;
  EXPECT_EQ(b.images, count_png(out)) << b.log;
  EXPECT_GE(b.images, 9);
  EXPECT_EQ(b.broken, "[]");
  EXPECT_EQ(b.console, "") << "console messages:\n" << b.console;
  fs::remove_all(dir);
}

// The browser check itself sees a broken image and an uncaught error.
TEST(Report, ChromiumCheckDetectsABrokenImageAndAConsoleError) {
  const auto dir = scratch("chromium_negative");
  std::ofstream(dir / "index.html") << "<!DOCTYPE html><html><body><p>x</p>"
                                    << "<img src=\"missing.png\" alt=\"missing\">"
                                    << "<script>notDefined();</script></body></html>";
  const auto b = open_in_chromium(dir / "index.html");
  ASSERT_TRUE(b.ran) << b.log;
  EXPECT_EQ(b.images, 1);
  EXPECT_EQ(b.broken, "[\"missing.png\"]");
  EXPECT_NE(b.console.find("notDefined"), std::string::npos) << b.log;
  fs::remove_all(dir);
}

TEST(Report, WithoutAPythonThatHasTheModulesNamesTheDebianPackages) {
  const auto dir = scratch("nopython");
  // A matplotlib that fails to import, first on every interpreter's path.
  std::ofstream(dir / "matplotlib.py") << "raise ImportError('hidden by the test')\n";
  std::ofstream(dir / "fake.h5") << "x";
  const auto r = shell("PYTHONPATH=" + quote(dir) + " SMESIM_PYTHON=/bin/false " +
                       cli("report " + quote(dir / "fake.h5") + " -o " + quote(dir / "out")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("apt-get install python3-h5py python3-pandas python3-matplotlib"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("SMESIM_PYTHON=/bin/false, /usr/bin/python3, python3 on PATH"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(dir / "out"));
  fs::remove_all(dir);
}

TEST(Report, BadInputExitsWithCode2AndWritesNoPage) {
  const auto dir = scratch("bad");
  const auto h5 = small_run(dir);
  std::ofstream(dir / "text.h5") << "not hdf5";
  const auto shard = dir / "shard.h5";
  const auto sh = shell(cli("sweep " + quote(kSource + "/scenarios/sweep_smoke.yaml") +
                            " -q --shard 1/2 -o " + quote(shard)));
  ASSERT_EQ(sh.exit_code, 0) << sh.output;
  struct Case {
    std::string args, message;
  };
  const Case cases[] = {
      {quote(dir / "missing.h5"), "no such results file"},
      {quote(dir / "text.h5"), "cannot read"},
      {quote(h5) + " --year 1990", "--year 1990 is not in the firm-year panel (years 1998-2002"},
      {quote(h5) + " --head 999999", "--head 999999 is not an alive keiretsu head"},
      {quote(h5) + " --point 1", "--point 1 is outside the file's points 0-0"},
      {quote(h5) + " --outcomes nothing", "no aggregate 'nothing'"},
      {quote(shard), "is shard 1/2 of a sweep: merge the shards first"},
  };
  for (const auto& c : cases) {
    const auto out = dir / "out";
    fs::remove_all(out);
    const auto r = shell(cli("report " + c.args + " -o " + quote(out)));
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << c.args << "\n" << r.output;
    EXPECT_FALSE(fs::exists(out / "index.html")) << c.args;
  }
  const auto r = shell("SMESIM_ANALYSIS_DIR=" + quote(dir) + " " +
                       cli("report " + quote(h5) + " -o " + quote(dir / "out")));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("SMESIM_ANALYSIS_DIR"), std::string::npos) << r.output;
  fs::remove_all(dir);
}

// A hindcast table (`smesim hindcast`, docs/validation.md) adds the "Hindcast" page: one labelled
// fan chart per series and tables whose numbers are the hindcast CSVs' (report_check.py reads
// them back); the table alone gives the page by itself.
TEST(Report, HindcastPageHasAFanChartPerSeriesAndTheNumbersOfItsCsv) {
  const auto dir = scratch("hindcast");
  const auto h5 = small_run(dir);
  std::ofstream(dir / "actuals.csv")
      << "series,year,value,unit,source\n"
      << "establishments_ge10,1995,174418,establishments,Census\n"
      << "establishments_ge10,1996,171201,establishments,Census\n"
      << "establishments_ge10,1997,167606,establishments,Census\n"
      << "establishments_ge10,1998,166905,establishments,Census\n"
      << "establishments_ge10,1999,159346,establishments,Census\n"
      << "establishments_ge10_change_comparable,1996,-0.018,fraction,Census\n"
      << "establishments_ge10_change_comparable,1997,-0.021,fraction,Census\n"
      << "establishments_ge10_change_comparable,1998,-0.053,fraction,Census\n";
  const auto hc = dir / "hc.csv";
  const auto h = shell(cli("hindcast " + quote(h5) + " --actuals " + quote(dir / "actuals.csv") +
                           " --until 1997 -o " + quote(hc)));
  ASSERT_EQ(h.exit_code, 0) << h.output;
  const auto out = dir / "report";
  const auto r =
      shell(cli("report " + quote(h5) + " -o " + quote(out) + " --hindcast " + quote(hc)));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(count_png(out), 11);
  expect_report_ok(h5, out, kRunFigures + ",hindcast_0,hindcast_1");
  const std::string html = read(out / "index.html");
  for (const char* text : {"id=\"hindcast\"", "Hindcast rows", "Hindcast scores",
                           "establishments_ge10 1998", "establishments_ge10_change_comparable"})
    EXPECT_NE(html.find(text), std::string::npos) << text;
  const auto alone = dir / "alone";
  const auto a = shell(cli("report " + quote(hc) + " -o " + quote(alone)));
  ASSERT_EQ(a.exit_code, 0) << a.output;
  EXPECT_EQ(count_png(alone), 2);
  EXPECT_NE(read(alone / "index.html").find("Hindcast scores"), std::string::npos);
  const auto b = open_in_chromium(alone / "index.html");
  ASSERT_TRUE(b.ran) << b.log;
  EXPECT_EQ(b.images, 2);
  EXPECT_EQ(b.broken, "[]");
  // A --hindcast file that is missing: exit 2, no page.
  const auto bad = shell(cli("report " + quote(h5) + " -o " + quote(dir / "bad") + " --hindcast " +
                             quote(dir / "missing.csv")));
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_FALSE(fs::exists(dir / "bad" / "index.html"));
  fs::remove_all(dir);
}

// A calibration trace (and the CSV of `smesim regress --format csv`) gives the page of the
// model's coefficients against the paper's: one labelled figure that loads in a browser, and a
// table whose numbers are the trace's best evaluation.
TEST(Report, CalibrationTraceReportShowsCoefficientsAgainstThePaper) {
  const auto dir = scratch("coefficients");
  // The trace of the Table 3 stage under v2 (stopped after its first evaluations,
  // docs/calibration.md).
  const fs::path trace =
      fs::path(SMESIM_SOURCE_DIR) / "calibration" / "traces" / "table3_v2.trace.csv";
  const auto out = dir / "report";
  const auto r = shell(cli("report " + quote(trace) + " -o " + quote(out)));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(count_png(out), 1);
  const std::string html = read(out / "index.html");
  // The best evaluation's north_america.LOS, as the table prints it (6 significant digits).
  std::ifstream in(trace);
  std::string header, line, best;
  std::getline(in, header);
  double best_J = 1e300;
  while (std::getline(in, line)) {
    const double J = std::stod(line.substr(line.find(',') + 1));
    if (J < best_J) best_J = J, best = line;
  }
  std::vector<std::string> names, cells;
  for (std::stringstream hs(header); std::getline(hs, line, ',');) names.push_back(line);
  for (std::stringstream bs(best); std::getline(bs, line, ',');) cells.push_back(line);
  const auto col = std::find(names.begin(), names.end(), "north_america.LOS") - names.begin();
  ASSERT_LT(std::size_t(col), cells.size());
  char expected[32];
  std::snprintf(expected, sizeof expected, "%.6g", std::stod(cells[std::size_t(col)]));
  EXPECT_NE(html.find(std::string(">") + expected + "<"), std::string::npos) << expected;
  EXPECT_NE(html.find(">0.055<"), std::string::npos) << "the paper's coefficient";
  const auto b = open_in_chromium(out / "index.html");
  ASSERT_TRUE(b.ran) << b.log;
  EXPECT_EQ(b.images, 1);
  EXPECT_EQ(b.broken, "[]");
  EXPECT_EQ(b.console, "") << b.console;
  // A CSV that is neither: exit 2 with a message.
  std::ofstream(dir / "other.csv") << "a,b\n1,2\n";
  const auto bad = shell(cli("report " + quote(dir / "other.csv") + " -o " + quote(dir / "bad")));
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("neither"), std::string::npos) << bad.output;
  fs::remove_all(dir);
}
