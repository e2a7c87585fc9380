#include "model/time.h"

#include <cctype>
#include <cstdio>
#include <ctime>

namespace leakwatch {

Timestamp now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

std::int64_t to_unix_ms(Timestamp t) {
  return t.time_since_epoch().count();
}

Timestamp from_unix_ms(std::int64_t ms) {
  return Timestamp{std::chrono::milliseconds{ms}};
}

std::string format_rfc3339(Timestamp t) {
  using namespace std::chrono;
  const auto days = floor<std::chrono::days>(t);
  const year_month_day ymd{days};
  const hh_mm_ss hms{t - days};
  const auto ms = static_cast<int>(hms.subseconds().count());
  char buf[40];
  if (ms == 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                  ms);
  }
  return buf;
}

namespace {

// Reads exactly `width` digits at `pos`; advances pos.
std::optional<int> read_digits(std::string_view s, std::size_t& pos, std::size_t width) {
  if (pos + width > s.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = 0; i < width; ++i) {
    const char c = s[pos + i];
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  pos += width;
  return v;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

}  // namespace

std::optional<Timestamp> parse_rfc3339(std::string_view s) {
  using namespace std::chrono;
  std::size_t pos = 0;
  const auto y = read_digits(s, pos, 4);
  if (!y || !expect(s, pos, '-')) return std::nullopt;
  const auto mo = read_digits(s, pos, 2);
  if (!mo || !expect(s, pos, '-')) return std::nullopt;
  const auto d = read_digits(s, pos, 2);
  if (!d) return std::nullopt;
  const year_month_day ymd{year{*y}, month{static_cast<unsigned>(*mo)},
                           day{static_cast<unsigned>(*d)}};
  if (!ymd.ok()) return std::nullopt;
  Timestamp t{sys_days{ymd}};
  if (pos == s.size()) return t;
  if (!(expect(s, pos, 'T') || expect(s, pos, 't') || expect(s, pos, ' '))) return std::nullopt;
  const auto h = read_digits(s, pos, 2);
  if (!h || *h > 23 || !expect(s, pos, ':')) return std::nullopt;
  const auto mi = read_digits(s, pos, 2);
  if (!mi || *mi > 59 || !expect(s, pos, ':')) return std::nullopt;
  const auto sec = read_digits(s, pos, 2);
  if (!sec || *sec > 60) return std::nullopt;
  t += hours{*h} + minutes{*mi} + seconds{*sec};
  if (expect(s, pos, '.')) {
    int ms = 0;
    int digits = 0;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      if (digits < 3) ms = ms * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 3; ++i) ms *= 10;
    t += milliseconds{ms};
  }
  if (expect(s, pos, 'Z') || expect(s, pos, 'z'))
    return pos == s.size() ? std::optional{t} : std::nullopt;
  const bool plus = expect(s, pos, '+');
  if (!plus && !expect(s, pos, '-')) return std::nullopt;
  // RFC 3339 section 5.6: time-numoffset is hh (00-23) ":" mm (00-59).
  const auto oh = read_digits(s, pos, 2);
  if (!oh || *oh > 23 || !expect(s, pos, ':')) return std::nullopt;
  const auto om = read_digits(s, pos, 2);
  if (!om || *om > 59 || pos != s.size()) return std::nullopt;
  const auto offset = hours{*oh} + minutes{*om};
  return plus ? t - offset : t + offset;
}

}  // namespace leakwatch
