#include "model/schedule.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

#include "model/units.h"

namespace leakwatch {

namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;

struct FieldSpec {
  std::string_view name;
  int min, max;                            // day-of-week: 0..7, 7 folded into 0 afterwards
  std::array<std::string_view, 12> names;  // names[i] means min + i (empty: no names)
  int names_first = 0;                     // value of names[0]
};

constexpr std::array<FieldSpec, 5> kFields{{
    {"minute", 0, 59, {}, 0},
    {"hour", 0, 23, {}, 0},
    {"day-of-month", 1, 31, {}, 0},
    {"month",
     1,
     12,
     {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"},
     1},
    {"day-of-week", 0, 7, {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}, 0},
}};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Error field_error(const FieldSpec& f, const std::string& message) {
  return Error{std::string(f.name) + ": " + message};
}

// One value of a field: a number in range or (month, day-of-week) a three-letter name.
Result<int> parse_value(const FieldSpec& f, std::string_view text) {
  if (text.empty()) return field_error(f, "empty value");
  if (std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); })) {
    if (text.size() > 2) return field_error(f, "'" + std::string(text) + "' is out of range");
    const int v = std::stoi(std::string(text));
    if (v < f.min || v > f.max) {
      return field_error(f, std::to_string(v) + " is not in " + std::to_string(f.min) + "-" +
                                std::to_string(f.max));
    }
    return v;
  }
  const auto name = lower(text);
  for (std::size_t i = 0; i < f.names.size(); ++i) {
    if (!f.names[i].empty() && f.names[i] == name) return f.names_first + static_cast<int>(i);
  }
  return field_error(f, "'" + std::string(text) + "' is not a number" +
                            (f.names[0].empty() ? std::string() : " or a name"));
}

// A comma-separated list of `*`, `a`, `a-b`, each with an optional `/step`. Bits are set in
// 0..max (day-of-week folds 7 into 0 later).
Result<std::bitset<64>> parse_field(const FieldSpec& f, std::string_view text) {
  std::bitset<64> bits;
  if (text.empty()) return field_error(f, "empty field");
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const auto part = text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (part.empty()) return field_error(f, "empty list element in '" + std::string(text) + "'");
    auto range = part;
    int step = 1;
    bool has_step = false;
    if (const auto slash = part.find('/'); slash != std::string_view::npos) {
      const auto step_text = part.substr(slash + 1);
      if (step_text.empty() || step_text.size() > 2 ||
          !std::all_of(step_text.begin(), step_text.end(),
                       [](unsigned char c) { return std::isdigit(c); })) {
        return field_error(f, "step '" + std::string(step_text) + "' is not a number");
      }
      step = std::stoi(std::string(step_text));
      if (step < 1 || step > f.max) {
        return field_error(
            f, "step " + std::to_string(step) + " is not in 1-" + std::to_string(f.max));
      }
      has_step = true;
      range = part.substr(0, slash);
    }
    int lo = f.min, hi = f.max;
    if (range == "*") {
      // The whole field; for day-of-week 0-6 (7 would repeat Sunday).
      if (f.max == 7) hi = 6;
    } else if (const auto dash = range.find('-'); dash != std::string_view::npos) {
      auto a = parse_value(f, range.substr(0, dash));
      if (!a) return a.error();
      auto b = parse_value(f, range.substr(dash + 1));
      if (!b) return b.error();
      if (*a > *b) {
        return field_error(f, "range '" + std::string(range) + "' runs backwards");
      }
      lo = *a;
      hi = *b;
    } else {
      auto a = parse_value(f, range);
      if (!a) return a.error();
      lo = *a;
      // Vixie: "a/n" is a to the end of the field in steps of n.
      hi = has_step ? (f.max == 7 ? 6 : f.max) : *a;
    }
    for (int v = lo; v <= hi; v += step) bits.set(static_cast<std::size_t>(v));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return bits;
}

template <std::size_t N>
std::bitset<N> narrow(const std::bitset<64>& bits) {
  std::bitset<N> out;
  for (std::size_t i = 0; i < N; ++i) out[i] = bits[i];
  return out;
}

// Macros of Vixie cron, as the 5-field expressions they stand for.
std::optional<std::string_view> expand_macro(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kMacros{{
      {"@yearly", "0 0 1 1 *"},
      {"@annually", "0 0 1 1 *"},
      {"@monthly", "0 0 1 * *"},
      {"@weekly", "0 0 * * 0"},
      {"@daily", "0 0 * * *"},
      {"@midnight", "0 0 * * *"},
      {"@hourly", "0 * * * *"},
  }};
  for (const auto& [name, expr] : kMacros) {
    if (name == text) return expr;
  }
  return std::nullopt;
}

std::vector<std::string_view> split_fields(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    const auto start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

// Far enough to see a 29 February in every leap-year cycle the Gregorian calendar has near us.
constexpr auto kSearchLimit = days{366 * 8};

}  // namespace

Result<CronExpression> CronExpression::parse(std::string_view text) {
  auto fields = split_fields(text);
  if (fields.size() == 1 && fields[0].starts_with('@')) {
    const auto macro = expand_macro(lower(fields[0]));
    if (!macro) {
      return Error{"'" + std::string(fields[0]) +
                   "' is not one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, "
                   "@hourly"};
    }
    fields = split_fields(*macro);
  }
  if (fields.size() != 5) {
    return Error{"expected 5 fields (minute hour day-of-month month day-of-week), got " +
                 std::to_string(fields.size())};
  }
  std::array<std::bitset<64>, 5> bits;
  for (std::size_t i = 0; i < 5; ++i) {
    auto field = parse_field(kFields[i], fields[i]);
    if (!field) return field.error();
    bits[i] = *field;
  }
  CronExpression cron;
  cron.minutes_ = narrow<60>(bits[0]);
  cron.hours_ = narrow<24>(bits[1]);
  cron.days_ = narrow<32>(bits[2]);
  cron.months_ = narrow<13>(bits[3]);
  if (bits[4][7]) bits[4].set(0);  // 7 is Sunday too
  cron.weekdays_ = narrow<7>(bits[4]);
  cron.day_star_ = fields[2].starts_with('*');
  cron.weekday_star_ = fields[4].starts_with('*');
  // 2000 and 2004 are leap years: a date that never comes in 8 years from here never comes.
  if (!cron.next_after(std::chrono::sys_days{std::chrono::year{2000} / 1 / 1})) {
    return Error{"'" + std::string(text) + "' never matches a date (e.g. 30 February)"};
  }
  return cron;
}

bool CronExpression::day_matches(std::chrono::year_month_day date) const {
  const bool dom = days_[static_cast<unsigned>(date.day())];
  const bool dow = weekdays_[std::chrono::weekday{date}.c_encoding()];
  // crontab(5): restricted day-of-month and day-of-week: either one is enough.
  if (day_star_ || weekday_star_) return dom && dow;
  return dom || dow;
}

bool CronExpression::matches(Timestamp t) const {
  const auto day = std::chrono::floor<days>(t);
  const std::chrono::year_month_day date{day};
  const auto hour = std::chrono::floor<hours>(t - day).count();
  const auto minute = std::chrono::floor<minutes>(t - day - hours{hour}).count();
  return months_[static_cast<unsigned>(date.month())] && day_matches(date) &&
         hours_[static_cast<std::size_t>(hour)] && minutes_[static_cast<std::size_t>(minute)];
}

std::optional<Timestamp> CronExpression::next_after(Timestamp t) const {
  Timestamp at = std::chrono::floor<minutes>(t) + minutes{1};
  const Timestamp limit = at + kSearchLimit;
  while (at < limit) {
    const auto day = std::chrono::floor<days>(at);
    const std::chrono::year_month_day date{day};
    if (!months_[static_cast<unsigned>(date.month())]) {
      at = std::chrono::sys_days{(date.year() / date.month() / 1) + std::chrono::months{1}};
      continue;
    }
    if (!day_matches(date)) {
      at = day + days{1};
      continue;
    }
    const auto hour = std::chrono::floor<hours>(at - day);
    if (!hours_[static_cast<std::size_t>(hour.count())]) {
      at = day + hour + hours{1};
      continue;
    }
    const auto minute = std::chrono::floor<minutes>(at - day - hour);
    if (!minutes_[static_cast<std::size_t>(minute.count())]) {
      at += minutes{1};
      continue;
    }
    return at;
  }
  return std::nullopt;
}

Result<Schedule> Schedule::parse(std::string_view text) {
  Schedule s;
  s.text_ = std::string(text);
  const bool looks_cron = text.find_first_of(" \t@*") != std::string_view::npos;
  if (!looks_cron) {
    const auto d = parse_duration(text);
    if (!d || *d < std::chrono::seconds{1}) {
      return Error{"'" + std::string(text) +
                   "' is neither a duration of at least 1s (\"30s\", \"6h\") nor a 5-field cron "
                   "expression (\"0 */6 * * *\")"};
    }
    s.rule_ = *d;
    return s;
  }
  auto cron = CronExpression::parse(text);
  if (!cron) {
    return Error{
        "'" + std::string(text) +
        "' is neither a duration (\"6h\") nor a valid cron expression: " + cron.error().message};
  }
  s.rule_ = std::move(cron).value();
  return s;
}

Timestamp Schedule::next_after(Timestamp last_start, double jitter) const {
  if (const auto* cron = std::get_if<CronExpression>(&rule_)) {
    // parse() guarantees a match within the search window of any time.
    return cron->next_after(last_start).value_or(last_start + kSearchLimit);
  }
  const auto interval = std::get<std::chrono::milliseconds>(rule_);
  const double unit = std::clamp(jitter, 0.0, 0.999999);
  const auto extra = std::chrono::milliseconds{
      static_cast<std::int64_t>(static_cast<double>(interval.count()) * kScheduleMaxJitter * unit)};
  return last_start + interval + extra;
}

std::optional<std::chrono::milliseconds> Schedule::interval() const {
  if (const auto* d = std::get_if<std::chrono::milliseconds>(&rule_)) return *d;
  return std::nullopt;
}

}  // namespace leakwatch
