// Small ASCII text helpers shared by the parsers and the text output. Deliberately locale-free:
// leak indexes are bytes, and case-folding beyond ASCII is the matcher's job (ICU,
// matcher/names.h).
#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace leakwatch {

inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

inline std::string ascii_upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace leakwatch
