// Record values as leaks write them: normalisers that make "AB-123 c" and "ab123C" one value, and
// the candidate pattern and shape of a column, inferred from its values at signing time. Pure
// functions, no I/O. The same normaliser runs at signing and at matching, so both sides agree.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leakwatch::matcher {

enum class Normaliser {
  text,    // case-folded (Unicode), ASCII spaces, punctuation and separators removed
  email,   // trimmed, "mailto:" and <> removed, case-folded, whitespace removed
  phone,   // digits only, an international "00" prefix dropped
  digits,  // digits only (leading zeros kept: identifiers)
  exact,   // as written, without surrounding whitespace
};

std::string_view normaliser_name(Normaliser n);
std::optional<Normaliser> parse_normaliser(std::string_view name);

// The normalised value; empty when nothing is left (such a value is not fingerprinted).
std::string normalise_value(Normaliser n, std::string_view raw);
// The same into `out` (cleared first), reusing its buffer: the matcher's hot path.
void normalise_value_into(Normaliser n, std::string_view raw, std::string& out);

// A normaliser for a column from its header and some of its values: e-mail when most values
// have an '@', phone for +/() digit strings or a phone-like header, digits for digit strings,
// text otherwise.
Normaliser guess_normaliser(std::string_view header, const std::vector<std::string>& samples);

// What every normalised value of a column looks like; candidates outside are not hashed.
struct ValueShape {
  std::uint32_t min_length = 0;
  std::uint32_t max_length = 0;
  std::uint32_t min_digits = 0;
  std::uint32_t min_letters = 0;
};
ValueShape shape_of(std::string_view normalised);
void widen(ValueShape& shape, const ValueShape& other, bool first);
bool fits(const ValueShape& shape, std::string_view normalised);

// Gathers the raw values of a column and proposes a candidate pattern (Hyperscan syntax,
// matched case-insensitively) that every one of them matches: the character classes and
// separators seen, the lengths seen plus a little slack.
class PatternGuess {
 public:
  explicit PatternGuess(Normaliser n) : normaliser_(n) {}
  void add(std::string_view raw);
  std::string pattern() const;

 private:
  Normaliser normaliser_;
  bool any_ = false;
  bool letters_ = false, digits_ = false, high_ = false;
  bool first_letter_ = false, first_digit_ = false, first_high_ = false;
  bool last_letter_ = false, last_digit_ = false, last_high_ = false;
  std::string separators_;                // ASCII punctuation and spaces seen inside values
  std::string first_punct_, last_punct_;  // punctuation seen as a first / last character
  std::size_t min_length_ = 0, max_length_ = 0;
};

// The regex of a honeytoken's shape: runs of [A-Z], [a-z], [0-9] and punctuation as written.
// It names character classes, never the token's letters or digits.
std::string honeytoken_shape(std::string_view token);

// True for the bytes a value is made of: ASCII letters, digits, and any byte of a UTF-8
// sequence. Matches must begin and end next to something else (or the text's edge).
inline bool is_value_byte(unsigned char c) {
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c >= 0x80;
}

}  // namespace leakwatch::matcher
