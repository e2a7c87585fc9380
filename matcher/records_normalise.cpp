#include "matcher/records_normalise.h"

#include <algorithm>
#include <array>

#include "matcher/names.h"

namespace leakwatch::matcher {

namespace {

constexpr std::array<std::string_view, 5> kNames = {"text", "email", "phone", "digits", "exact"};

bool is_digit(unsigned char c) {
  return c >= '0' && c <= '9';
}
bool is_letter(unsigned char c) {
  return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
bool is_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && is_space(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// ASCII lower-case in place; Unicode folding (names.cpp, ICU) only when a byte is non-ASCII.
std::string fold(std::string s) {
  bool ascii = true;
  for (auto& c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) ascii = false;
    if (u >= 'A' && u <= 'Z') c = static_cast<char>(u + 32);
  }
  if (ascii) return s;
  // normalise_name keeps only a path's last component: a value is no path.
  for (auto& c : s) {
    if (c == '/' || c == '\\') c = '-';
  }
  return normalise_name(s);
}

std::string digits_of(std::string_view raw) {
  std::string out;
  for (const char c : raw) {
    if (is_digit(static_cast<unsigned char>(c))) out.push_back(c);
  }
  return out;
}

std::string escaped(char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto u = static_cast<unsigned char>(c);
  return std::string("\\x") + kHex[u >> 4] + kHex[u & 15];
}

std::string char_class(bool letters, bool digits, bool high, std::string_view extra) {
  std::string out = "[";
  if (letters) out += "a-z";
  if (digits) out += "0-9";
  for (const char c : extra) out += escaped(c);
  if (high) out += "\\x80-\\xff";
  out += "]";
  return out == "[]" ? "[a-z0-9]" : out;
}

}  // namespace

std::string_view normaliser_name(Normaliser n) {
  return kNames[static_cast<std::size_t>(n)];
}

std::optional<Normaliser> parse_normaliser(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<Normaliser>(i);
  }
  return std::nullopt;
}

std::string normalise_value(Normaliser n, std::string_view raw) {
  std::string out;
  normalise_value_into(n, raw, out);
  return out;
}

void normalise_value_into(Normaliser n, std::string_view raw, std::string& out) {
  out.clear();
  raw = trim(raw);
  switch (n) {
    case Normaliser::text: {
      bool ascii = true;
      for (const char c : raw) {
        const auto u = static_cast<unsigned char>(c);
        if (!is_value_byte(u)) continue;
        ascii &= u < 0x80;
        out.push_back(u >= 'A' && u <= 'Z' ? static_cast<char>(u + 32) : c);
      }
      if (!ascii) out = fold(std::move(out));
      return;
    }
    case Normaliser::email: {
      if (raw.size() >= 7 && fold(std::string(raw.substr(0, 7))) == "mailto:") raw.remove_prefix(7);
      if (raw.size() >= 2 && raw.front() == '<' && raw.back() == '>')
        raw = raw.substr(1, raw.size() - 2);
      for (const char c : raw) {
        if (!is_space(static_cast<unsigned char>(c))) out.push_back(c);
      }
      if (out.find('@') == std::string::npos) {
        out.clear();
        return;
      }
      out = fold(std::move(out));
      return;
    }
    case Normaliser::phone:
      for (const char c : raw) {
        if (is_digit(static_cast<unsigned char>(c))) out.push_back(c);
      }
      if (out.starts_with("00")) out.erase(0, 2);
      return;
    case Normaliser::digits:
      for (const char c : raw) {
        if (is_digit(static_cast<unsigned char>(c))) out.push_back(c);
      }
      return;
    case Normaliser::exact:
      out.assign(raw);
      return;
  }
}

Normaliser guess_normaliser(std::string_view header, const std::vector<std::string>& samples) {
  const auto h = fold(std::string(header));
  std::size_t at = 0, digitish = 0, phoneish = 0, nonempty = 0;
  for (const auto& s : samples) {
    const auto v = trim(s);
    if (v.empty()) continue;
    ++nonempty;
    if (v.find('@') != std::string_view::npos) ++at;
    const bool only_digits_and_separators = std::all_of(v.begin(), v.end(), [](char c) {
      const auto u = static_cast<unsigned char>(c);
      return is_digit(u) || u == ' ' || u == '-' || u == '.' || u == '/' || u == '+' || u == '(' ||
             u == ')';
    });
    if (only_digits_and_separators && !digits_of(v).empty()) {
      ++digitish;
      if (v.front() == '+' || v.find('(') != std::string_view::npos) ++phoneish;
    }
  }
  if (nonempty == 0) return Normaliser::text;
  if (h.find("mail") != std::string::npos || at * 10 >= nonempty * 9) return Normaliser::email;
  const bool phone_header = h.find("phone") != std::string::npos ||
                            h.find("mobile") != std::string::npos || h == "tel" ||
                            h.find("telephone") != std::string::npos;
  if (digitish * 10 >= nonempty * 9) {
    return phone_header || phoneish * 2 >= nonempty ? Normaliser::phone : Normaliser::digits;
  }
  return Normaliser::text;
}

ValueShape shape_of(std::string_view normalised) {
  ValueShape s;
  s.min_length = s.max_length = static_cast<std::uint32_t>(normalised.size());
  for (const char c : normalised) {
    const auto u = static_cast<unsigned char>(c);
    s.min_digits += is_digit(u);
    s.min_letters += is_letter(u) || u >= 0x80;
  }
  return s;
}

void widen(ValueShape& shape, const ValueShape& other, bool first) {
  if (first) {
    shape = other;
    return;
  }
  shape.min_length = std::min(shape.min_length, other.min_length);
  shape.max_length = std::max(shape.max_length, other.max_length);
  shape.min_digits = std::min(shape.min_digits, other.min_digits);
  shape.min_letters = std::min(shape.min_letters, other.min_letters);
}

bool fits(const ValueShape& shape, std::string_view normalised) {
  if (normalised.size() < shape.min_length || normalised.size() > shape.max_length) return false;
  if (shape.min_digits == 0 && shape.min_letters == 0) return true;
  std::uint32_t digits = 0, letters = 0;
  for (const char c : normalised) {
    const auto u = static_cast<unsigned char>(c);
    digits += is_digit(u);
    letters += is_letter(u) || u >= 0x80;
  }
  return digits >= shape.min_digits && letters >= shape.min_letters;
}

void PatternGuess::add(std::string_view raw) {
  raw = trim(raw);
  if (raw.empty()) return;
  const auto first = static_cast<unsigned char>(raw.front());
  const auto last = static_cast<unsigned char>(raw.back());
  first_letter_ |= is_letter(first);
  first_digit_ |= is_digit(first);
  first_high_ |= first >= 0x80;
  last_letter_ |= is_letter(last);
  last_digit_ |= is_digit(last);
  last_high_ |= last >= 0x80;
  const auto note = [](std::string& set, char c) {
    if (!is_value_byte(static_cast<unsigned char>(c)) && set.find(c) == std::string::npos &&
        set.size() < 4)
      set.push_back(c);
  };
  note(first_punct_, raw.front());
  note(last_punct_, raw.back());
  for (const char c : raw) {
    const auto u = static_cast<unsigned char>(c);
    letters_ |= is_letter(u);
    digits_ |= is_digit(u);
    high_ |= u >= 0x80;
    if (!is_value_byte(u) && separators_.find(c) == std::string::npos && separators_.size() < 8) {
      separators_.push_back(c == '\t' ? ' ' : c);
    }
  }
  min_length_ = any_ ? std::min(min_length_, raw.size()) : raw.size();
  max_length_ = any_ ? std::max(max_length_, raw.size()) : raw.size();
  any_ = true;
}

std::string PatternGuess::pattern() const {
  if (normaliser_ == Normaliser::email) {
    // Unbounded repeats: Hyperscan's leftmost-start tracking refuses large bounded ones; the
    // column's length shape bounds candidates anyway.
    return "[a-z0-9._%+\\-]+@[a-z0-9\\-]+(?:\\.[a-z0-9\\-]+)*\\.[a-z]{2,}";
  }
  if (!any_) return "[a-z0-9]{1,64}";
  if (normaliser_ == Normaliser::phone) {
    // Numbers are written many ways: "+44 20 7946 0958", "0044 (20) 7946-0958".
    const std::size_t lo = min_length_ > 5 ? min_length_ - 3 : 2;
    const std::size_t hi = std::min<std::size_t>(max_length_ + 4, 64);
    return "[\\x2b\\x280-9][0-9\\x20\\x28\\x29\\x2e\\x2f\\x2d]{" + std::to_string(lo - 2) + "," +
           std::to_string(hi - 2) + "}[0-9]";
  }
  // Dumps add or drop separators ("AB123C" as "AB-123-C"): a little slack when there are any.
  const std::size_t slack = separators_.empty() ? 0 : 2;
  const std::size_t lo = std::max<std::size_t>(min_length_, 1);
  const std::size_t hi = std::min<std::size_t>(max_length_ + slack, 256);
  auto first = char_class(first_letter_, first_digit_, first_high_, first_punct_);
  const auto last = char_class(last_letter_, last_digit_, last_high_, last_punct_);
  const auto middle = char_class(letters_, digits_, high_, separators_);
  if (hi == 1) return first;
  // Two characters at most (US states, country codes): no middle, since Hyperscan refuses an
  // empty repeat ("{0,0}": "Invalid repeat").
  if (hi == 2) return lo >= 2 ? first + last : first + "(?:" + last + ")?";
  const std::size_t inner_lo = lo >= 2 ? lo - 2 : 0;
  return first + middle + "{" + std::to_string(inner_lo) + "," + std::to_string(hi - 2) + "}" +
         last;
}

std::string honeytoken_shape(std::string_view token) {
  std::string out;
  std::string_view run_class;
  std::size_t run = 0;
  const auto flush = [&] {
    if (run == 0) return;
    out += run_class;
    if (run > 1) out += "{" + std::to_string(run) + "}";
    run = 0;
  };
  for (const char c : token) {
    const auto u = static_cast<unsigned char>(c);
    std::string_view cls;
    if (u >= 'A' && u <= 'Z') {
      cls = "[A-Z]";
    } else if (u >= 'a' && u <= 'z') {
      cls = "[a-z]";
    } else if (is_digit(u)) {
      cls = "[0-9]";
    } else if (u >= 0x80) {
      cls = "[\\x80-\\xff]";
    } else {
      flush();
      out += escaped(c);
      continue;
    }
    if (run > 0 && cls != run_class) flush();
    run_class = cls;
    ++run;
  }
  flush();
  return out;
}

}  // namespace leakwatch::matcher
