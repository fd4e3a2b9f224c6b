#include "smesim/analysis/calibration.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <boost/random/sobol.hpp>
#include <cmath>
#include <fstream>
#include <limits>
#include <nlopt.hpp>
#include <sstream>
#include <stdexcept>

namespace smesim::analysis {

double distance(const std::vector<double>& m, const std::vector<Target>& targets, int S) {
  if (m.size() != targets.size()) throw std::invalid_argument("moments and targets differ in size");
  double J = 0;
  for (std::size_t k = 0; k < m.size(); ++k) {
    if (targets[k].weight == 0) continue;
    // A moment the model could not produce counts as 10 standard errors off.
    const double z = std::isfinite(m[k]) ? (m[k] - targets[k].value) / targets[k].se : 10.0;
    J += targets[k].weight * z * z;
  }
  return J / (1.0 + 1.0 / std::max(S, 1));
}

namespace {

class Objective {
 public:
  Objective(const std::vector<Target>& targets, const MomentFunction& f,
            const CalibrationOptions& o)
      : targets_(targets), f_(f), o_(o) {}

  Evaluation evaluate(const std::vector<double>& theta) {
    for (const std::vector<Evaluation>* list :
         {&o_.cache, static_cast<const std::vector<Evaluation>*>(
                         &done_)})  // from a trace, or already evaluated here
      for (const auto& e : *list)
        if (e.theta == theta) {
          ++count_;
          record(e, true);
          return e;
        }
    Evaluation e{theta, f_(theta), 0};
    e.J = distance(e.moments, targets_, o_.replications);
    ++count_;
    done_.push_back(e);
    record(e, false);
    return e;
  }
  int count() const { return count_; }
  const Evaluation& best() const { return best_; }

 private:
  void record(const Evaluation& e, bool cached) {
    if (count_ == 1 || e.J < best_.J) best_ = e;
    if (o_.on_evaluation) o_.on_evaluation(e, count_, cached);
  }
  const std::vector<Target>& targets_;
  const MomentFunction& f_;
  const CalibrationOptions& o_;
  Evaluation best_;
  std::vector<Evaluation> done_;
  int count_ = 0;
};

double nlopt_objective(unsigned n, const double* x, double*, void* data) {
  auto* obj = static_cast<Objective*>(data);
  return obj->evaluate(std::vector<double>(x, x + n)).J;
}

std::string run_local(nlopt::algorithm alg, Objective& obj,
                      const std::vector<CalibratedParameter>& p, std::vector<double> x,
                      int max_evals, double tol) {
  const unsigned n = unsigned(p.size());
  nlopt::opt opt(alg, n);
  std::vector<double> lo, hi, step;
  for (const auto& q : p) {
    lo.push_back(q.lower);
    hi.push_back(q.upper);
    step.push_back(0.1 * (q.upper - q.lower));
  }
  opt.set_lower_bounds(lo);
  opt.set_upper_bounds(hi);
  opt.set_initial_step(step);
  opt.set_xtol_rel(tol);
  opt.set_maxeval(std::max(1, max_evals));
  opt.set_min_objective(nlopt_objective, &obj);
  double f = 0;
  try {
    return std::to_string(int(opt.optimize(x, f)));
  } catch (const nlopt::roundoff_limited&) {
    return "roundoff-limited";
  } catch (const nlopt::forced_stop&) {
    return "forced-stop";
  }
}

}  // namespace

CalibrationResult calibrate(const std::vector<CalibratedParameter>& params,
                            const std::vector<Target>& targets, const MomentFunction& moments,
                            const CalibrationOptions& o) {
  if (params.empty()) throw std::invalid_argument("no parameters to calibrate");
  for (const auto& p : params)
    if (!(p.lower < p.upper) || p.start < p.lower || p.start > p.upper)
      throw std::invalid_argument("parameter '" + p.path +
                                  "': start must lie in [lower, upper] and lower < upper");
  Objective obj(targets, moments, o);
  CalibrationResult res;
  std::vector<double> x0;
  for (const auto& p : params) x0.push_back(p.start);
  res.start = obj.evaluate(x0);
  const int budget = o.max_evaluations - 1;
  if (o.optimizer == "bobyqa") {
    res.status = run_local(nlopt::LN_BOBYQA, obj, params, x0, budget, o.rel_tolerance);
  } else if (o.optimizer == "sbplx") {
    res.status = run_local(nlopt::LN_SBPLX, obj, params, x0, budget, o.rel_tolerance);
  } else if (o.optimizer == "crs2") {
    nlopt::srand(o.seed);
    res.status = run_local(nlopt::GN_CRS2_LM, obj, params, x0, budget, o.rel_tolerance);
  } else if (o.optimizer == "multistart") {
    // Space-filling starts (Sobol), a local BOBYQA from each, sharing the budget (spec 9: a
    // design to find the basin, then a local optimiser).
    boost::random::sobol gen(params.size());
    const int starts = std::max(1, o.multistart_points);
    std::vector<double> best_start = x0;
    double best_J = res.start.J;
    for (int s = 0; s < starts; ++s) {
      std::vector<double> x;
      for (const auto& p : params)
        x.push_back(p.lower + (p.upper - p.lower) * (double(gen()) / 4294967296.0));
      if (const auto e = obj.evaluate(x); e.J < best_J) best_J = e.J, best_start = x;
    }
    const int left = o.max_evaluations - obj.count();
    res.status = run_local(nlopt::LN_BOBYQA, obj, params, best_start, left, o.rel_tolerance);
  } else {
    throw std::invalid_argument("unknown optimizer '" + o.optimizer +
                                "': expected bobyqa, sbplx, crs2 or multistart");
  }
  res.best = obj.best();
  res.evaluations = obj.count();

  // Sandwich standard errors with a numerical Jacobian (central differences, common random
  // numbers). With W = diag(w / se^2) and Omega = diag(se^2) the targets' sampling variance,
  // Var(theta) = (1 + 1/S) (G'WG)^-1 G'W Omega W G (G'WG)^-1.
  const std::size_t K = targets.size(), n = params.size();
  res.jacobian = Eigen::MatrixXd::Zero(Eigen::Index(K), Eigen::Index(n));
  for (std::size_t j = 0; j < n; ++j) {
    const double h = 1e-2 * (params[j].upper - params[j].lower);
    auto up = res.best.theta, down = res.best.theta;
    up[j] = std::min(params[j].upper, up[j] + h);
    down[j] = std::max(params[j].lower, down[j] - h);
    const auto mu = moments(up), md = moments(down);
    for (std::size_t k = 0; k < K; ++k)
      res.jacobian(Eigen::Index(k), Eigen::Index(j)) =
          std::isfinite(mu[k]) && std::isfinite(md[k]) ? (mu[k] - md[k]) / (up[j] - down[j]) : 0.0;
  }
  Eigen::VectorXd w(static_cast<Eigen::Index>(K)), omega(static_cast<Eigen::Index>(K));
  for (std::size_t k = 0; k < K; ++k) {
    w[Eigen::Index(k)] = targets[k].weight / (targets[k].se * targets[k].se);
    omega[Eigen::Index(k)] = targets[k].se * targets[k].se;
  }
  const Eigen::MatrixXd& G = res.jacobian;
  const Eigen::MatrixXd GWG = G.transpose() * w.asDiagonal() * G;
  Eigen::FullPivLU<Eigen::MatrixXd> lu(GWG);
  res.jacobian_rank = int(Eigen::FullPivLU<Eigen::MatrixXd>(G).rank());
  {
    Eigen::MatrixXd scaled = G;
    for (std::size_t k = 0; k < K; ++k) scaled.row(Eigen::Index(k)) /= targets[k].se;
    for (std::size_t j = 0; j < n; ++j)
      scaled.col(Eigen::Index(j)) *= params[j].upper - params[j].lower;
    const Eigen::JacobiSVD<Eigen::MatrixXd> svd(scaled);
    const auto& sv = svd.singularValues();
    res.jacobian_condition = sv.size() == 0            ? 0.0
                             : sv[sv.size() - 1] > 0.0 ? sv[0] / sv[sv.size() - 1]
                                                       : std::numeric_limits<double>::infinity();
  }
  res.se.assign(n, std::numeric_limits<double>::quiet_NaN());
  if (lu.isInvertible()) {
    const Eigen::MatrixXd A = lu.inverse();
    const Eigen::MatrixXd meat =
        G.transpose() * (w.array() * omega.array() * w.array()).matrix().asDiagonal() * G;
    const Eigen::MatrixXd V = (1.0 + 1.0 / std::max(o.replications, 1)) * A * meat * A;
    for (std::size_t j = 0; j < n; ++j)
      res.se[j] = std::sqrt(std::max(0.0, V(Eigen::Index(j), Eigen::Index(j))));
  }
  return res;
}

namespace {

// Calls row(fields, line) for every data line of the CSV `path` whose header line (the first
// line that is neither empty nor a `#` comment) must start with `header`; `what` names the file
// in messages.
template <class Row>
void for_each_csv_row(const std::string& path, const std::string& what, const std::string& header,
                      Row&& row) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + what + " file '" + path + "'");
  bool seen_header = false;
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    if (!seen_header) {
      if (line.rfind(header, 0) != 0)
        throw std::runtime_error(path + ":" + std::to_string(line_no) + ": expected the header '" +
                                 header + "'");
      seen_header = true;
      continue;
    }
    std::vector<std::string> fields;
    std::stringstream ss(line);
    for (std::string f; std::getline(ss, f, ',');) fields.push_back(f);
    fields.resize(std::max<std::size_t>(fields.size(), 4));
    row(fields, line_no);
  }
}

}  // namespace

std::vector<Target> read_coefficient_targets(const std::string& path,
                                             const std::vector<std::string>& skip_terms) {
  std::vector<Target> out;
  for_each_csv_row(path, "targets", "region,term,coef,t", [&](const auto& f, int line_no) {
    const std::string &region = f[0], &term = f[1];
    if (std::find(skip_terms.begin(), skip_terms.end(), term) != skip_terms.end()) return;
    try {
      const double c = std::stod(f[2]), tv = std::stod(f[3]);
      if (!(tv > 0)) throw std::invalid_argument("t");
      out.push_back({region + "." + term, c, std::abs(c) / tv, 1.0});
    } catch (const std::exception&) {
      throw std::runtime_error(path + ":" + std::to_string(line_no) +
                               ": expected numbers for coef and t (t > 0)");
    }
  });
  return out;
}

std::vector<Target> read_sample_targets(const std::string& path) {
  std::vector<Target> out;
  for_each_csv_row(
      path, "sample targets", "region,observations,firms,r_squared",
      [&](const auto& f, int line_no) {
        const std::string& region = f[0];
        try {
          const double n = std::stod(f[1]), m = std::stod(f[2]), r = std::stod(f[3]);
          if (!(n > 0 && m > 0 && r >= 0)) throw std::invalid_argument("range");
          out.push_back({region + ".respondents", m, kRespondentsTolerance * m, 1.0});
          out.push_back({region + ".obs_per_firm", n / m, kObsPerFirmTolerance * n / m, 1.0});
          out.push_back({region + ".r2_within", r, kR2Tolerance, 1.0});
        } catch (const std::exception&) {
          throw std::runtime_error(path + ":" + std::to_string(line_no) +
                                   ": expected observations > 0, firms > 0 and r_squared >= 0");
        }
      });
  return out;
}

}  // namespace smesim::analysis
