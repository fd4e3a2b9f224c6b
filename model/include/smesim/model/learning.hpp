// Learning (spec 5.8): Uppsala-style information, experience, language and ties, plus spill-over
// from peers and customers (CE16 6.1.1: SMEs follow their peers).
#pragma once

#include "smesim/model/state.hpp"

namespace smesim::model {

// Writes what neighbours see: every firm's start-of-step information (NeighbourRecords).
void record_neighbours(const Executor& exec, const Firms& f, NeighbourRecords& records);

// Firm i learns from its own activity and from its neighbours' records (view: records.view).
void learn_firm(const LearningParams& L, const YearContext& y, const Networks& net,
                const std::uint16_t* view, Firms& f, std::size_t i);

// Every alive firm learns, industry by industry, from the start-of-step records.
void learn(const LearningParams& L, const YearContext& y, const Networks& net,
           NeighbourRecords& records, Firms& f);

}  // namespace smesim::model
