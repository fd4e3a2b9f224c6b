// The keiretsu (supplier -> customer DAG) and peer networks (spec 2.5, 5.2), with Boost.Graph.
#pragma once

#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <cstdint>
#include <utility>
#include <vector>

#include "smesim/model/firms.hpp"

namespace smesim::model {

// Peers: undirected same-industry links, stored in both directions in a compact CSR graph that
// the yearly step iterates.
using PeerGraph = boost::compressed_sparse_row_graph<boost::directedS>;

struct Networks {
  std::vector<std::pair<std::int32_t, std::int32_t>> peer_edges;  // undirected, each once
  PeerGraph peers;
  std::vector<std::int32_t> heads;  // keiretsu heads (tier 0)
  std::vector<std::int32_t> tier1;  // tier-1 suppliers (attachment points for entrants)

  void rebuild_peers(std::size_t n_firms);
};

// Supplier -> customer edges of alive firms.
std::vector<std::pair<std::int32_t, std::int32_t>> keiretsu_edges(const Firms& f);
// Longest path from a head, by Boost's topological sort; throws std::logic_error on a cycle.
std::vector<int> keiretsu_levels(const Firms& f);
// True when the keiretsu graph of alive firms has no directed cycle.
bool keiretsu_is_dag(const Firms& f);

}  // namespace smesim::model
