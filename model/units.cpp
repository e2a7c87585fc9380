#include "model/units.h"

#include <cctype>
#include <cmath>
#include <cstdio>

namespace leakwatch {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Parses a non-negative decimal with optional fraction; returns {integer, fraction, digits used}.
bool parse_number(std::string_view& s, long double& value) {
  std::size_t i = 0;
  long double v = 0;
  bool any = false;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
    v = v * 10 + (s[i] - '0');
    any = true;
    ++i;
  }
  if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
    ++i;
    long double scale = 0.1L;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      v += (s[i] - '0') * scale;
      scale /= 10;
      any = true;
      ++i;
    }
  }
  s.remove_prefix(i);
  value = v;
  return any;
}

}  // namespace

std::optional<std::uint64_t> parse_size(std::string_view text, bool si_for_b) {
  auto s = trim(text);
  long double value = 0;
  if (!parse_number(s, value)) return std::nullopt;
  s = trim(s);
  std::string unit;
  for (const char c : s) unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  long double mult = 1;
  if (unit.empty() || unit == "b" || unit == "bytes" || unit == "byte") {
    mult = 1;
  } else {
    const char prefix = unit[0];
    const auto rest = std::string_view(unit).substr(1);
    int power = 0;
    switch (prefix) {
      case 'k':
        power = 1;
        break;
      case 'm':
        power = 2;
        break;
      case 'g':
        power = 3;
        break;
      case 't':
        power = 4;
        break;
      case 'p':
        power = 5;
        break;
      default:
        return std::nullopt;
    }
    long double base = 1024;
    if (rest == "ib" || rest.empty()) {
      base = 1024;
    } else if (rest == "b") {
      base = si_for_b ? 1000 : 1024;
    } else {
      return std::nullopt;
    }
    mult = std::pow(base, power);
  }
  const long double bytes = std::round(value * mult);
  if (bytes > 1.8e19L) return std::nullopt;
  return static_cast<std::uint64_t>(bytes);
}

std::string format_size(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  // Move up a unit before printf would round to "1024.0".
  while (v >= 1023.95 && u < 5) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (u == 0) {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[u]);
  }
  return buf;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  auto s = trim(text);
  long double value = 0;
  if (!parse_number(s, value)) return std::nullopt;
  s = trim(s);
  long double ms = 0;
  if (s == "ms") {
    ms = value;
  } else if (s == "s" || s == "sec") {
    ms = value * 1000;
  } else if (s == "m" || s == "min") {
    ms = value * 60'000;
  } else if (s == "h") {
    ms = value * 3'600'000;
  } else if (s == "d") {
    ms = value * 86'400'000;
  } else if (s == "w") {
    ms = value * 604'800'000;
  } else {
    return std::nullopt;
  }
  if (ms < 1 || ms > 3.2e12L) return std::nullopt;  // up to ~100 years
  return std::chrono::milliseconds{static_cast<std::int64_t>(ms)};
}

}  // namespace leakwatch
