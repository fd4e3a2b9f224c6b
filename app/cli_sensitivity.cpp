// `smesim sensitivity`: first-order and total Sobol indices of an outcome from a Sobol sweep.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "commands.hpp"
#include "smesim/analysis/sensitivity.hpp"
#include "smesim/sim/errors.hpp"
#include "smesim/sim/output.hpp"
#include "smesim/sim/sweep.hpp"

namespace smesim::app {

using sim::InputError;
using sim::read_results;

void add_sensitivity_command(CLI::App& app, Action& action) {
  struct Args {
    std::string file, outcome = "sme_international_share", format = "table";
    int year = 0;
  };
  auto a = std::make_shared<Args>();
  auto* cmd =
      app.add_subcommand("sensitivity",
                         "Sobol indices (first-order and total) per varied parameter, from a sweep "
                         "with a Sobol design");
  cmd->add_option("results", a->file, "Results of `smesim sweep` with design type sobol")
      ->required();
  cmd->add_option("--outcome", a->outcome,
                  "Aggregate to explain (default sme_international_share)");
  cmd->add_option("--year", a->year, "Year of the outcome (default: the last year)");
  cmd->add_option("--format", a->format, "table or csv")->check(CLI::IsMember({"table", "csv"}));
  cmd->callback([&action, a] {
    action = [a] {
      const auto r = read_results(a->file, sim::ReadTables::none);  // aggregates only
      const auto* base = r.attribute("sweep_saltelli_base");
      const auto* factors = r.attribute("sweep_factors");
      const auto* role_list = r.attribute("sweep_roles");
      // Every count from the file parsed strictly and checked against the file's shape.
      const auto base_n = base ? sim::parse_count(*base, 0, sim::kMaxSweepUnits) : std::nullopt;
      if (!base_n || *base_n <= 0 || !factors || !role_list)
        throw InputError("'" + a->file +
                         "' is not a sweep with a Sobol (Saltelli) design: use "
                         "design: {type: sobol, samples: N} in the sweep file");
      if (const auto* shard = r.attribute("sweep_shard"); shard && !shard->empty())
        throw InputError("'" + a->file + "' is shard " + *shard +
                         " of a sweep: merge the shards first (smesim merge SHARDS... -o FILE)");
      std::vector<std::string> names, roles;
      std::stringstream fs(*factors), rs(*role_list);
      for (std::string x; std::getline(fs, x, ',');) names.push_back(x);
      for (std::string x; std::getline(rs, x, ',');) roles.push_back(x);
      if (names.empty() || roles.size() != names.size() || r.years.empty() || r.reps < 1 ||
          std::int64_t(*base_n) * std::int64_t(names.size() + 2) > r.points)
        throw InputError("'" + a->file + "': its Saltelli design (" + *base + " samples, " +
                         std::to_string(names.size()) + " factors) does not fit its " +
                         std::to_string(r.points) + " points");
      const auto it = std::find_if(r.aggregates.begin(), r.aggregates.end(),
                                   [&](const auto& kv) { return kv.first == a->outcome; });
      if (it == r.aggregates.end()) throw InputError("no outcome '" + a->outcome + "' in the file");
      const int year = a->year ? a->year : r.years.back();
      const auto yit = std::find(r.years.begin(), r.years.end(), year);
      if (yit == r.years.end())
        throw InputError("--year " + std::to_string(year) + " is outside the results' years " +
                         std::to_string(r.years.front()) + "-" + std::to_string(r.years.back()));
      const std::size_t Y = r.years.size(), t = std::size_t(yit - r.years.begin());
      const int N = int(*base_n), d = int(names.size());
      // The outcome of each design point: its mean over replications (the reference point, when
      // run beside the design, comes after the Saltelli blocks and is not used).
      std::vector<double> y(std::size_t(N) * std::size_t(d + 2));
      for (std::size_t p = 0; p < y.size(); ++p) {
        double s = 0;
        for (int k = 0; k < r.reps; ++k)
          s += it->second[(p * std::size_t(r.reps) + std::size_t(k)) * Y + t];
        y[p] = s / r.reps;
      }
      const auto ix = analysis::sobol_indices(y, N, d);
      if (a->format == "csv") {
        std::cout << "outcome,year,parameter,role,first,first_ci95,total,total_ci95\n";
        for (int f = 0; f < d; ++f)
          std::printf("%s,%d,%s,%s,%.6g,%.6g,%.6g,%.6g\n", a->outcome.c_str(), year,
                      names[std::size_t(f)].c_str(), roles[std::size_t(f)].c_str(),
                      ix.first[std::size_t(f)], ix.first_ci[std::size_t(f)],
                      ix.total[std::size_t(f)], ix.total_ci[std::size_t(f)]);
        return 0;
      }
      std::printf(
          "Sobol indices of %s in %d (N = %d base samples, %d replications per point;\n"
          "intervals: 95%% bootstrap half-widths)\n\n",
          a->outcome.c_str(), year, N, r.reps);
      std::printf("  %-36s %-12s %18s %18s\n", "parameter", "role", "first-order", "total");
      for (int f = 0; f < d; ++f)
        std::printf("  %-36s %-12s %9.3f +- %5.3f %9.3f +- %5.3f\n", names[std::size_t(f)].c_str(),
                    roles[std::size_t(f)].c_str(), ix.first[std::size_t(f)],
                    ix.first_ci[std::size_t(f)], ix.total[std::size_t(f)],
                    ix.total_ci[std::size_t(f)]);
      return 0;
    };
  });
}

}  // namespace smesim::app
