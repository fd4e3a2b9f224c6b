// The simulated survey with response (spec v2 section 8; survey.hpp).
#include "smesim/model/survey.hpp"

#include <algorithm>
#include <cmath>

#include "smesim/model/draws.hpp"

namespace smesim::model {

SurveyFirm survey_firm(const SurveyParams& s, StreamKey key, std::uint32_t id) {
  Stream st(key, id, 0, Purpose::survey_frame);
  SurveyFirm d;
  d.linked = st.uniform() <= s.rho_link;
  st.seek(1);  // the Beta's gammas draw a variable number of values: a block of their own
  d.propensity =
      std::isfinite(s.kappa_resp) ? beta_mean(st, s.response_mean, s.kappa_resp) : s.response_mean;
  if (!(d.propensity >= 0.0 && d.propensity <= 1.0)) d.propensity = s.response_mean;  // 0 / 0
  return d;
}

bool survey_responds(const SurveyFirm& d, StreamKey key, std::uint32_t id,
                     std::uint32_t year_offset) {
  return Stream(key, id, year_offset, Purpose::survey_response).uniform() <= d.propensity;
}

bool survey_responds(const SurveyParams& s, StreamKey key, std::uint32_t id,
                     std::uint32_t year_offset) {
  return survey_responds(survey_firm(s, key, id), key, id, year_offset);
}

}  // namespace smesim::model
