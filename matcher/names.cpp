#include "matcher/names.h"

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include <algorithm>

namespace leakwatch::matcher {

namespace {

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string_view basename_of(std::string_view name) {
  while (!name.empty() && (name.back() == '/' || name.back() == '\\')) name.remove_suffix(1);
  if (const auto slash = name.find_last_of("/\\"); slash != std::string_view::npos) {
    name.remove_prefix(slash + 1);
  }
  while (!name.empty() && (name.back() == ' ' || name.back() == '.' || name.back() == '\t')) {
    name.remove_suffix(1);
  }
  return name;
}

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80         ? 1
                          : (c >> 5) == 6  ? 2
                          : (c >> 4) == 14 ? 3
                          : (c >> 3) == 30 ? 4
                                           : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

// NFKC_Casefold (Unicode's closure of NFKC, full case folding and removal of default-ignorable
// code points): composed and decomposed accents, full-width letters, ligatures and zero-width
// characters slipped into a renamed file all compare equal.
std::string unicode_fold(std::string_view name) {
  if (!valid_utf8(name)) return {};
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* fold = icu::Normalizer2::getNFKCCasefoldInstance(status);
  if (U_FAILURE(status)) return {};
  const auto text = icu::UnicodeString::fromUTF8(
      icu::StringPiece(name.data(), static_cast<int32_t>(name.size())));
  if (text.isBogus()) return {};
  const icu::UnicodeString folded = fold->normalize(text, status);
  if (U_FAILURE(status)) return {};
  std::string out;
  folded.toUTF8String(out);
  return out;
}

bool glob_at(std::string_view p, std::string_view s) {
  std::size_t pi = 0, si = 0, star_p = std::string_view::npos, star_s = 0;
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star_p = pi++;
      star_s = si;
      continue;
    }
    if (pi < p.size() && p[pi] == '[') {
      std::size_t end = pi + 1;
      if (end < p.size() && p[end] == '!') ++end;
      if (end < p.size() && p[end] == ']') ++end;
      while (end < p.size() && p[end] != ']') ++end;
      if (end < p.size()) {
        const bool negate = p[pi + 1] == '!';
        bool hit = false;
        for (std::size_t k = pi + 1 + (negate ? 1 : 0); k < end; ++k) {
          if (k + 2 < end && p[k + 1] == '-') {
            hit |= s[si] >= p[k] && s[si] <= p[k + 2];
            k += 2;
          } else {
            hit |= s[si] == p[k];
          }
        }
        if (hit != negate) {
          pi = end + 1;
          ++si;
          continue;
        }
      } else if (s[si] == '[') {  // an unclosed '[' is a literal
        ++pi;
        ++si;
        continue;
      }
    } else if (pi < p.size() && (p[pi] == '?' || p[pi] == s[si])) {
      ++pi;
      ++si;
      continue;
    }
    if (star_p == std::string_view::npos) return false;
    pi = star_p + 1;
    si = ++star_s;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace

std::string normalise_name(std::string_view path_or_name) {
  const auto name = basename_of(path_or_name);
  const bool ascii = std::all_of(name.begin(), name.end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (!ascii) {
    if (auto folded = unicode_fold(name); !folded.empty()) return folded;
  }
  std::string out(name);
  for (auto& c : out) c = ascii_lower(c);
  return out;
}

bool glob_matches(std::string_view pattern, std::string_view normalised_name) {
  // Normalise the pattern's letters without taking its basename: patterns have no folders.
  std::string p(pattern);
  const bool ascii =
      std::all_of(p.begin(), p.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (!ascii) {
    if (auto folded = unicode_fold(p); !folded.empty()) p = std::move(folded);
  } else {
    for (auto& c : p) c = ascii_lower(c);
  }
  return glob_at(p, normalised_name);
}

}  // namespace leakwatch::matcher
