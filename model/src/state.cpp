// The state a world keeps between steps (state.hpp).
#include "smesim/model/state.hpp"

namespace smesim::model {

// Every field is declared in fields() (all fields are doubles or arrays of them).
static_assert(sizeof(YearCounters) == YearCounters::field_values() * sizeof(double),
              "a YearCounters field is missing from YearCounters::fields()");

void YearCounters::add(const YearCounters& o) {
  // Pairs each value of *this with the same value of o (fields() visits both in the same order).
  std::array<double*, field_values()> mine{};
  std::size_t k = 0;
  fields(*this, [&](const char*, const char*, const char*, double* v, std::size_t n) {
    for (std::size_t j = 0; j < n; ++j) mine[k++] = v + j;
  });
  k = 0;
  fields(o, [&](const char*, const char*, const char*, const double* v, std::size_t n) {
    for (std::size_t j = 0; j < n; ++j) *mine[k++] += v[j];
  });
}

ClosedForms ClosedForms::tabulate(const Params& p) {
  ClosedForms c;
  const auto& M = p.managers;
  for (std::size_t age = 0; age < c.retirement_by_age.size(); ++age)
    c.retirement_by_age[age] = sigmoid((double(age) - M.retirement_age) / M.retirement_scale);
  for (std::size_t k = 0; k < c.no_referral.size(); ++k)
    c.no_referral[k] = std::pow(1.0 - p.opportunities.p_ref, int(k));
  return c;
}

std::size_t State::memory_bytes() const {
  auto bytes = [](const auto& v) { return v.capacity() * sizeof(v[0]); };
  auto graph = [](const PeerGraph& g) {  // the CSR arrays (public members of Boost's graph)
    return (g.m_forward.m_rowstart.capacity() + g.m_forward.m_column.capacity()) *
           sizeof(std::uint32_t);
  };
  std::size_t b = firms.memory_bytes() + bytes(networks.peer_edges) + graph(networks.peers) +
                  graph(networks.recent) + bytes(networks.heads) + bytes(networks.tier1) +
                  bytes(decisions) + bytes(opportunities.active_mask) +
                  neighbours.view.capacity() * sizeof(std::uint16_t);
  for (const auto& t : tiers) b += bytes(t);
  for (const auto& c : opportunities.by_block) b += bytes(c);
  return b;
}

}  // namespace smesim::model
