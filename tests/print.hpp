// gtest printers for the model's small types, so that a failed EXPECT_EQ on a mode, a source, an
// outcome, a purpose or a range prints "fdi" or "[0, 1]" instead of "1-byte object <02>". Found by
// argument-dependent lookup: they live in the types' namespace (tests only; the model does not
// depend on gtest).
#pragma once

#include <array>
#include <cstddef>
#include <ostream>
#include <string_view>

#include "smesim/model/params.hpp"
#include "smesim/model/random.hpp"
#include "smesim/model/state.hpp"

namespace smesim::model {

namespace print_detail {
template <std::size_t N, class E>
void name_of(const std::array<std::string_view, N>& names, E e, std::ostream* os) {
  const auto k = std::size_t(e);
  if (k < N)
    *os << names[k];
  else
    *os << "(invalid " << k << ")";
}
}  // namespace print_detail

inline void PrintTo(Mode m, std::ostream* os) {
  print_detail::name_of(std::array<std::string_view, 3>{"none", "exporting", "fdi"}, m, os);
}
inline void PrintTo(ExitCause c, std::ostream* os) {
  print_detail::name_of(
      std::array<std::string_view, kExitCauses>{"none", "insolvency", "succession", "decline"}, c,
      os);
}
inline void PrintTo(Source s, std::ostream* os) {
  print_detail::name_of(
      std::array<std::string_view, kSources>{"invitation", "referral", "search", "jetro"}, s, os);
}
inline void PrintTo(Outcome o, std::ostream* os) {
  print_detail::name_of(std::array<std::string_view, kOutcomes>{"taken", "declined", "finance",
                                                                "staff", "superseded"},
                        o, os);
}
inline void PrintTo(ParamKind k, std::ostream* os) {
  print_detail::name_of(std::array<std::string_view, 3>{"real", "integer", "boolean"}, k, os);
}
inline void PrintTo(Purpose p, std::ostream* os) {
  const auto k = std::size_t(p);
  if (k >= 1 && k <= std::size(kPurposeNames))
    *os << kPurposeNames[k - 1];
  else
    *os << "purpose #" << k << " (named)";
}
inline void PrintTo(const Bounds& b, std::ostream* os) { *os << b.describe(); }

}  // namespace smesim::model
