#include "smesim/model/keiretsu.hpp"

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/topological_sort.hpp>
#include <boost/range/adaptor/transformed.hpp>
#include <boost/range/iterator_range.hpp>
#include <boost/range/join.hpp>
#include <iterator>
#include <stdexcept>

namespace smesim::model {

namespace {
// The graph of edges[first, end) in both directions, read straight from the edge list (each edge
// forwards, then each backwards; no copy). The order of a firm's peers is not used: every
// reader sums integers over them.
PeerGraph both_directions(const std::vector<std::pair<std::int32_t, std::int32_t>>& edges,
                          std::size_t first, std::size_t n_firms) {
  using Edge = std::pair<std::uint32_t, std::uint32_t>;
  const auto part = boost::make_iterator_range(edges.begin() + std::ptrdiff_t(first), edges.end());
  const auto forwards = part | boost::adaptors::transformed([](const auto& e) {
                          return Edge(std::uint32_t(e.first), std::uint32_t(e.second));
                        });
  const auto backwards = part | boost::adaptors::transformed([](const auto& e) {
                           return Edge(std::uint32_t(e.second), std::uint32_t(e.first));
                         });
  const auto both = boost::range::join(forwards, backwards);
  return PeerGraph(boost::edges_are_unsorted_multi_pass, boost::begin(both), boost::end(both),
                   n_firms);
}
}  // namespace

void Networks::rebuild_peers(std::size_t n_firms) {
  peers = both_directions(peer_edges, 0, n_firms);
  recent = PeerGraph();
  base_edges = peer_edges.size();
}

void Networks::extend_peers(std::size_t n_firms) {
  if (peer_edges.size() < base_edges || 8 * (peer_edges.size() - base_edges) >= base_edges)
    rebuild_peers(n_firms);
  else
    recent = both_directions(peer_edges, base_edges, n_firms);
}

std::vector<std::pair<std::int32_t, std::int32_t>> keiretsu_edges(const Firms& f) {
  std::vector<std::pair<std::int32_t, std::int32_t>> e;
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (!f.alive[i]) continue;
    for (std::int32_t c : {f.customer0[i], f.customer1[i]})
      if (c != kNoFirm && f.alive[c]) e.emplace_back(std::int32_t(i), c);
  }
  return e;
}

std::vector<int> keiretsu_levels(const Firms& f) {
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
  const auto edges = keiretsu_edges(f);
  Graph g(f.size());
  for (auto [s, c] : edges) boost::add_edge(c, s, g);  // customer -> supplier: heads come first
  std::vector<std::size_t> order;
  try {
    boost::topological_sort(g, std::back_inserter(order));
  } catch (const boost::not_a_dag&) {
    throw std::logic_error("keiretsu graph has a cycle");
  }
  std::vector<int> level(f.size(), 0);
  for (auto it = order.rbegin(); it != order.rend(); ++it) {  // customers before suppliers
    for (auto [e, end] = boost::out_edges(*it, g); e != end; ++e) {
      const auto s = boost::target(*e, g);
      level[s] = std::max(level[s], level[*it] + 1);
    }
  }
  return level;
}

bool keiretsu_is_dag(const Firms& f) {
  try {
    keiretsu_levels(f);
    return true;
  } catch (const std::logic_error&) {
    return false;
  }
}

}  // namespace smesim::model
