// `smesim report`: the command line of analysis::write_report (analysis/src/report.cpp).
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "commands.hpp"
#include "smesim/analysis/report.hpp"

namespace smesim::app {

void add_report_command(CLI::App& app, Action& action) {
  struct Args {
    analysis::ReportRequest request;
    int year = 0, point = 0, head = 0;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "report",
      "Write an HTML report (DIR/index.html with PNG figures) of a run or sweep results file");
  cmd->add_option("results", a->request.results, "Results file (.h5) of smesim run or smesim sweep")
      ->required();
  cmd->add_option("-o,--output", a->request.out, "Directory for index.html and its figures")
      ->required();
  auto* year = cmd->add_option(
      "--year", a->year, "Panel year of the manager-trait and keiretsu figures (default: last)");
  auto* point = cmd->add_option("--point", a->point,
                                "Design point of the time series (default: reference point, or 0)");
  auto* head = cmd->add_option("--head", a->head, "Firm id of the keiretsu head to draw");
  cmd->add_option("--outcomes", a->request.outcomes,
                  "Comma-separated aggregates for the sweep figures (default: "
                  "sme_international_share,sme_fdi_share,employment,domestic_production)");
  cmd->add_option("--hindcast", a->request.hindcast,
                  "Table of smesim hindcast (CSV): adds its fan charts and scores (a hindcast "
                  "table alone may also be given as the results)");
  cmd->callback([&action, a, year, point, head] {
    if (year->count() > 0) a->request.year = a->year;
    if (point->count() > 0) a->request.point = a->point;
    if (head->count() > 0) a->request.head = a->head;
    action = [a] { return analysis::write_report(a->request); };
  });
}

}  // namespace smesim::app
