// The simulated survey with response (spec v2 section 8): who of the BSBSA frame answers in a
// year, and whose affiliates are linked to the SOBA panel. It is observation only: its draws
// come from streams of their own (Purpose::survey_frame, Purpose::survey_response) keyed by the
// firm's id, and nothing in the economy reads them, so switching it on or changing its
// parameters leaves every other output bit for bit where it was. It keeps no state: a firm's
// propensity and link are re-drawn identically whenever they are needed.
#pragma once

#include <cstdint>

#include "smesim/model/firms.hpp"
#include "smesim/model/params.hpp"
#include "smesim/model/random.hpp"

namespace smesim::model {

// A firm's survey draws for the whole run, from Stream(key, id, 0, Purpose::survey_frame) (the
// id is unique for the run, so initial firms and entrants alike use year offset 0): block 0's
// first uniform decides the link, and from block 1 the response propensity
// p_i ~ Beta(response_mean * kappa_resp, (1 - response_mean) * kappa_resp) is drawn as
// X / (X + Y) from Marsaglia-Tsang gammas (draws.hpp, as every Beta of the model). Degenerate
// cases: response_mean <= 0 gives 0, >= 1 gives 1, an infinite kappa_resp gives response_mean.
struct SurveyFirm {
  double propensity = 0;  // p_i
  bool linked = false;    // its affiliates enter the linked (BSBSA-SOBA) panel: u <= rho_link
};
SurveyFirm survey_firm(const SurveyParams& s, StreamKey key, std::uint32_t id);

// The firm (id) answers the survey of the year `year_offset` (year - start_year) if it is in the
// frame: u <= p_i with u the first uniform of Stream(key, id, year_offset,
// Purpose::survey_response).
bool survey_responds(const SurveyParams& s, StreamKey key, std::uint32_t id,
                     std::uint32_t year_offset);
// The same for a firm whose draws are known.
bool survey_responds(const SurveyFirm& d, StreamKey key, std::uint32_t id,
                     std::uint32_t year_offset);

// The frame: firms in business at the end of the year with L >= kSurvey.min_employees (the BSBSA
// universe, taken as complete).
inline bool in_survey_frame(const Firms& f, std::size_t i) {
  return f.alive[i] && f.L[i] >= kSurvey.min_employees;
}
// A respondent in calendar year `year`: in the frame and answering.
inline bool survey_respondent(const Params& p, StreamKey key, const Firms& f, std::size_t i,
                              int year) {
  return in_survey_frame(f, i) &&
         survey_responds(p.survey, key, f.id[i], std::uint32_t(year - p.start_year));
}
inline bool survey_linked(const SurveyParams& s, StreamKey key, std::uint32_t id) {
  return survey_firm(s, key, id).linked;
}

}  // namespace smesim::model
