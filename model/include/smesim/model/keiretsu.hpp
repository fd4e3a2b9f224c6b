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
// 32-bit vertex and edge indices (firm ids are 32-bit) halve the graph's memory traffic.
using PeerGraph =
    boost::compressed_sparse_row_graph<boost::directedS, boost::no_property, boost::no_property,
                                       boost::no_property, std::uint32_t, std::uint32_t>;

struct Networks {
  std::vector<std::pair<std::int32_t, std::int32_t>> peer_edges;  // undirected, each once
  // The peer graph, both directions: `peers` holds peer_edges[0, base_edges) and `recent` the
  // edges added since (entrants'), so that a year's entry does not rebuild the whole graph.
  PeerGraph peers, recent;
  std::size_t base_edges = 0;
  std::vector<std::int32_t> heads;  // keiretsu heads (tier 0)
  std::vector<std::int32_t> tier1;  // tier-1 suppliers (attachment points for entrants)

  // Builds the graph from all of peer_edges.
  void rebuild_peers(std::size_t n_firms);
  // Takes in the edges appended to peer_edges since the last call: rebuilds only `recent`, or the
  // whole graph once the recent edges reach an eighth of the base.
  void extend_peers(std::size_t n_firms);

  // Calls f(peer) for every peer of firm i.
  template <class F>
  void for_each_peer(std::size_t i, F&& f) const {
    for (const PeerGraph* g : {&peers, &recent})
      if (i < boost::num_vertices(*g))
        for (auto [e, end] = boost::out_edges(PeerGraph::vertex_descriptor(i), *g); e != end; ++e)
          f(std::size_t(boost::target(*e, *g)));
  }
};

// Supplier -> customer edges of alive firms.
std::vector<std::pair<std::int32_t, std::int32_t>> keiretsu_edges(const Firms& f);
// Longest path from a head, by Boost's topological sort; throws std::logic_error on a cycle.
std::vector<int> keiretsu_levels(const Firms& f);
// True when the keiretsu graph of alive firms has no directed cycle.
bool keiretsu_is_dag(const Firms& f);

}  // namespace smesim::model
