#include "matcher/names.h"

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

namespace leakwatch::matcher {

namespace {

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Names are scored for every manifest entry, so the two scans over them work on 8 bytes at a
// time (SWAR): find_last_of("/\\") called memchr over the two separators for every byte and
// was a third of the scoring loop's instructions (docs/PERFORMANCE.md, "Matcher").
constexpr std::uint64_t kOnes = 0x0101010101010101;
constexpr std::uint64_t kHigh = 0x8080808080808080;
constexpr std::uint64_t kLow7 = 0x7F7F7F7F7F7F7F7F;

std::uint64_t load_word(const char* p) {
  std::uint64_t w = 0;
  std::memcpy(&w, p, sizeof w);
  return w;
}

// The high bit of each byte of `w` that equals `c`, exactly (no borrow between bytes).
std::uint64_t bytes_equal(std::uint64_t w, char c) {
  const std::uint64_t v = w ^ (kOnes * static_cast<unsigned char>(c));
  return ~(((v & kLow7) + kLow7) | v | kLow7);
}

std::uint64_t separators_in(std::uint64_t w) {
  return bytes_equal(w, '/') | bytes_equal(w, '\\');
}

bool is_separator(char c) {
  return c == '/' || c == '\\';
}

// One past the last separator in name[0, end), or 0 when there is none.
std::size_t after_last_separator(std::string_view name, std::size_t end) {
  while (end >= sizeof(std::uint64_t)) {
    const std::uint64_t hits = separators_in(load_word(name.data() + end - sizeof(std::uint64_t)));
    if (hits != 0) {
      // Bytes are in memory order, lowest address lowest (little-endian): the last separator
      // is the highest flagged byte.
      static_assert(std::endian::native == std::endian::little);
      return end - static_cast<std::size_t>(std::countl_zero(hits)) / 8;
    }
    end -= sizeof(std::uint64_t);
  }
  while (end > 0 && !is_separator(name[end - 1])) --end;
  return end;
}

std::string_view basename_of(std::string_view name) {
  std::size_t end = name.size();
  while (end > 0 && is_separator(name[end - 1])) --end;
  const std::size_t begin = after_last_separator(name, end);
  while (end > begin && (name[end - 1] == ' ' || name[end - 1] == '.' || name[end - 1] == '\t')) {
    --end;
  }
  return name.substr(begin, end - begin);
}

// ASCII letters of a word lowered; other bytes, non-ASCII ones too, unchanged.
std::uint64_t lower_word(std::uint64_t w) {
  const std::uint64_t heptets = w & kLow7;
  const std::uint64_t from_a = heptets + kOnes * (0x80 - 'A');      // high bit: >= 'A'
  const std::uint64_t past_z = heptets + kOnes * (0x80 - 'Z' - 1);  // high bit: > 'Z'
  return w | ((from_a & ~past_z & ~w & kHigh) >> 2);
}

// Lowers ASCII letters of `text` in place; true when every byte is ASCII.
bool lower_ascii_in_place(std::string& text) {
  std::uint64_t high = 0;
  char* p = text.data();
  std::size_t i = 0;
  for (; i + sizeof(std::uint64_t) <= text.size(); i += sizeof(std::uint64_t)) {
    const std::uint64_t w = load_word(p + i);
    high |= w;
    const std::uint64_t lowered = lower_word(w);
    std::memcpy(p + i, &lowered, sizeof lowered);
  }
  for (; i < text.size(); ++i) {
    high |= static_cast<unsigned char>(p[i]);
    p[i] = ascii_lower(p[i]);
  }
  return (high & kHigh) == 0;
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

void normalise_name(std::string_view path_or_name, std::string& out) {
  const auto name = basename_of(path_or_name);
  out.assign(name);
  if (!lower_ascii_in_place(out)) {
    if (auto folded = unicode_fold(name); !folded.empty()) out = std::move(folded);
  }
}

std::string normalise_name(std::string_view path_or_name) {
  std::string out;
  normalise_name(path_or_name, out);
  return out;
}

std::string normalise_pattern(std::string_view pattern) {
  // The pattern's letters, without taking its basename: patterns have no folders.
  std::string p(pattern);
  if (!lower_ascii_in_place(p)) {
    if (auto folded = unicode_fold(pattern); !folded.empty()) p = std::move(folded);
  }
  return p;
}

bool glob_matches_normalised(std::string_view normalised_pattern,
                             std::string_view normalised_name) {
  return glob_at(normalised_pattern, normalised_name);
}

bool glob_matches(std::string_view pattern, std::string_view normalised_name) {
  return glob_at(normalise_pattern(pattern), normalised_name);
}

}  // namespace leakwatch::matcher
