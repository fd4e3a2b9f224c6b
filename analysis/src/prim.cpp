// PRIM: peeling, pasting, the trade-off curve and quasi-p-values (prim.hpp).
#include "smesim/analysis/prim.hpp"

#include <algorithm>
#include <boost/math/distributions/binomial.hpp>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace smesim::analysis {

namespace {

class Prim {
 public:
  Prim(const std::vector<std::vector<double>>& x, const std::vector<bool>& y, const PrimOptions& o)
      : x_(x), y_(y), o_(o), n_(y.size()), d_(x.size()) {
    for (std::size_t i = 0; i < d_; ++i) {
      const auto [mn, mx] = std::minmax_element(x_[i].begin(), x_[i].end());
      full_lo_.push_back(*mn);
      full_hi_.push_back(*mx);
    }
    for (bool b : y_) total_y_ += b ? 1 : 0;
  }

  PrimResult run() {
    PrimResult r;
    r.total_cases = int(n_);
    r.total_interesting = total_y_;
    std::vector<int> in(n_);
    for (std::size_t k = 0; k < n_; ++k) in[k] = int(k);
    Box box{full_lo_, full_hi_};
    r.curve.push_back(describe(box, in));
    const std::size_t min_cases =
        std::max<std::size_t>(1, std::size_t(std::ceil(o_.mass_min * double(n_))));
    // Down to mass_min, or until every case of the box is of interest (no peel can do better).
    while (r.curve.back().density < 1 && peel(box, in, min_cases))
      r.curve.push_back(describe(box, in));
    r.chosen = choose(r.curve);
    Box chosen{r.curve[std::size_t(r.chosen)].lo, r.curve[std::size_t(r.chosen)].hi};
    paste(chosen);
    r.box = describe(chosen, members(chosen));
    for (std::size_t i = 0; i < d_; ++i) {
      const bool lo = chosen.lo[i] > full_lo_[i], hi = chosen.hi[i] < full_hi_[i];
      if (!lo && !hi) continue;
      r.limits.push_back({int(i), chosen.lo[i], chosen.hi[i], lo, hi, quasi_p(chosen, i)});
    }
    return r;
  }

 private:
  struct Box {
    std::vector<double> lo, hi;
  };

  bool inside(const Box& b, std::size_t k) const {
    for (std::size_t i = 0; i < d_; ++i)
      if (x_[i][k] < b.lo[i] || x_[i][k] > b.hi[i]) return false;
    return true;
  }
  std::vector<int> members(const Box& b) const {
    std::vector<int> in;
    for (std::size_t k = 0; k < n_; ++k)
      if (inside(b, k)) in.push_back(int(k));
    return in;
  }

  PrimBox describe(const Box& b, const std::vector<int>& in) const {
    PrimBox p;
    p.lo = b.lo;
    p.hi = b.hi;
    p.cases = int(in.size());
    for (int k : in) p.interesting += y_[std::size_t(k)] ? 1 : 0;
    p.coverage = total_y_ ? double(p.interesting) / total_y_ : 0;
    p.density = p.cases ? double(p.interesting) / p.cases : 0;
    p.mass = double(p.cases) / double(n_);
    for (std::size_t i = 0; i < d_; ++i)
      if (b.lo[i] > full_lo_[i] || b.hi[i] < full_hi_[i]) ++p.restricted;
    return p;
  }

  // One peel: the best of removing the low or the high alpha share of the box's cases along one
  // input. The new limit is the nearest remaining case value, so ties (a grid's levels) go
  // together. False when no peel keeps at least `min_cases` cases.
  bool peel(Box& box, std::vector<int>& in, std::size_t min_cases) {
    const std::size_t m = in.size();
    const std::size_t remove = std::max<std::size_t>(1, std::size_t(o_.peel_alpha * double(m)));
    double best = -1;
    std::size_t best_keep = 0;
    int best_dim = -1;
    bool best_low = true;
    double best_limit = 0;
    std::vector<double> v(m);
    for (std::size_t i = 0; i < d_; ++i) {
      for (std::size_t j = 0; j < m; ++j) v[j] = x_[i][std::size_t(in[j])];
      std::sort(v.begin(), v.end());
      if (v.front() == v.back()) continue;
      for (bool low : {true, false}) {
        // Low: remove every case below the first value at or past `remove` cases from the low
        // end (at least the lowest value); high: symmetric.
        double limit;
        if (low) {
          double cut = v[std::min(remove, m - 1)];
          if (cut == v.front()) cut = *std::upper_bound(v.begin(), v.end(), v.front());
          limit = cut;  // keep x >= limit
        } else {
          double cut = v[m - 1 - std::min(remove, m - 1)];
          if (cut == v.back()) cut = *(std::lower_bound(v.begin(), v.end(), v.back()) - 1);
          limit = cut;  // keep x <= limit
        }
        std::size_t keep = 0;
        int hits = 0;
        for (int k : in) {
          const double xv = x_[i][std::size_t(k)];
          if (low ? xv >= limit : xv <= limit) {
            ++keep;
            hits += y_[std::size_t(k)] ? 1 : 0;
          }
        }
        if (keep < min_cases || keep == m || keep == 0) continue;
        const double density = double(hits) / double(keep);
        if (density > best || (density == best && keep > best_keep)) {
          best = density;
          best_keep = keep;
          best_dim = int(i);
          best_low = low;
          best_limit = limit;
        }
      }
    }
    if (best_dim < 0) return false;
    const std::size_t i = std::size_t(best_dim);
    (best_low ? box.lo[i] : box.hi[i]) = best_limit;
    std::erase_if(in, [&](int k) {
      const double xv = x_[i][std::size_t(k)];
      return best_low ? xv < best_limit : xv > best_limit;
    });
    return true;
  }

  int choose(const std::vector<PrimBox>& curve) const {
    int chosen = 0;
    if (o_.min_density) {
      int best_dense = 0;
      bool found = false;
      for (std::size_t s = 0; s < curve.size(); ++s) {
        if (curve[s].density > curve[std::size_t(best_dense)].density) best_dense = int(s);
        if (curve[s].density >= *o_.min_density &&
            (!found || curve[s].coverage > curve[std::size_t(chosen)].coverage)) {
          chosen = int(s);
          found = true;
        }
      }
      return found ? chosen : best_dense;
    }
    double best = -1;
    for (std::size_t s = 0; s < curve.size(); ++s)
      if (const double f = curve[s].coverage * curve[s].density; f > best) {
        best = f;
        chosen = int(s);
      }
    return chosen;
  }

  // Pasting: widen one limit to take in about alpha x the box's cases more (the next values
  // outside along that input, within the other limits) while the density rises.
  void paste(Box& box) const {
    for (;;) {
      const auto in = members(box);
      const PrimBox now = describe(box, in);
      const std::size_t add =
          std::max<std::size_t>(1, std::size_t(o_.paste_alpha * double(in.size())));
      double best = now.density;
      int best_dim = -1;
      bool best_low = true;
      double best_limit = 0;
      for (std::size_t i = 0; i < d_; ++i)
        for (bool low : {true, false}) {
          if (low ? box.lo[i] <= full_lo_[i] : box.hi[i] >= full_hi_[i]) continue;
          // Cases inside every other limit and outside this one, on this side.
          std::vector<std::pair<double, bool>> out;
          for (std::size_t k = 0; k < n_; ++k) {
            const double xv = x_[i][k];
            if (low ? xv >= box.lo[i] : xv <= box.hi[i]) continue;
            bool rest = true;
            for (std::size_t j = 0; j < d_ && rest; ++j)
              if (j != i) rest = x_[j][k] >= box.lo[j] && x_[j][k] <= box.hi[j];
            if (rest) out.emplace_back(xv, y_[k]);
          }
          if (out.empty()) continue;
          std::sort(out.begin(), out.end(), [&](const auto& a, const auto& b) {
            return low ? a.first > b.first : a.first < b.first;  // nearest first
          });
          std::size_t take = std::min(add, out.size());
          while (take < out.size() && out[take].first == out[take - 1].first) ++take;
          int hits = 0;
          for (std::size_t t = 0; t < take; ++t) hits += out[t].second ? 1 : 0;
          const double density = double(now.interesting + hits) / double(now.cases + int(take));
          if (density > best) {
            best = density;
            best_dim = int(i);
            best_low = low;
            best_limit = out[take - 1].first;
          }
        }
      if (best_dim < 0) return;
      (best_low ? box.lo[std::size_t(best_dim)] : box.hi[std::size_t(best_dim)]) = best_limit;
    }
  }

  // EMA's quasi-p-value of input i's restriction: the box without it has density p over its
  // cases; the probability of at least the box's cases of interest among the box's cases.
  double quasi_p(const Box& box, std::size_t i) const {
    Box wide = box;
    wide.lo[i] = full_lo_[i];
    wide.hi[i] = full_hi_[i];
    const PrimBox w = describe(wide, members(wide));
    const PrimBox b = describe(box, members(box));
    if (b.interesting == 0) return 1;
    const double p = w.density;
    if (p <= 0) return 0;
    if (p >= 1) return 1;
    const boost::math::binomial_distribution<double> dist(double(b.cases), p);
    return boost::math::cdf(boost::math::complement(dist, double(b.interesting - 1)));
  }

  const std::vector<std::vector<double>>& x_;
  const std::vector<bool>& y_;
  PrimOptions o_;
  std::size_t n_, d_;
  std::vector<double> full_lo_, full_hi_;
  int total_y_ = 0;
};

}  // namespace

PrimResult prim(const std::vector<std::vector<double>>& x, const std::vector<bool>& y,
                const PrimOptions& options) {
  if (x.empty()) throw std::invalid_argument("PRIM needs at least one input");
  if (y.empty()) throw std::invalid_argument("PRIM needs at least one case");
  for (const auto& col : x) {
    if (col.size() != y.size())
      throw std::invalid_argument("PRIM: every input needs one value per case");
    for (double v : col)
      if (!std::isfinite(v)) throw std::invalid_argument("PRIM: an input value is not finite");
  }
  if (std::none_of(y.begin(), y.end(), [](bool b) { return b; }))
    throw std::invalid_argument("PRIM: no case is of interest (the condition never holds)");
  if (!(options.peel_alpha > 0 && options.peel_alpha < 0.5) ||
      !(options.paste_alpha > 0 && options.paste_alpha < 0.5) ||
      !(options.mass_min > 0 && options.mass_min <= 1))
    throw std::invalid_argument("PRIM: alphas must lie in (0, 0.5), mass_min in (0, 1]");
  return Prim(x, y, options).run();
}

}  // namespace smesim::analysis
