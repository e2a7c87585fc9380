// When a source is scanned (docs/CONTRACTS.md "Daemon and metrics"): a duration such as "30s" or
// "6h", repeated with up to 10% jitter so that sources on one schedule do not all fire at once, or
// a 5-field cron expression ("minute hour day-of-month month day-of-week", evaluated in UTC). The
// config validates schedules with this parser and the daemon runs them; nothing here reads a clock.
//
// Cron follows Vixie cron (crontab(5)): `*`, numbers, ranges `a-b`, steps `*/n` `a-b/n` `a/n`
// (a to the field's end), lists `a,b-c`, names `jan`..`dec` and `sun`..`sat` (any case), day of
// week 0-7 with 0 and 7 both Sunday, and the day rule: when both day-of-month and day-of-week
// are restricted (neither starts with `*`), a day matches if either matches. Also `@hourly`,
// `@daily` (`@midnight`), `@weekly`, `@monthly`, `@yearly` (`@annually`).
#pragma once

#include <bitset>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "model/result.h"
#include "model/time.h"

namespace leakwatch {

class CronExpression {
 public:
  // The error says which field is wrong and why ("day-of-month: 32 is not in 1-31").
  static Result<CronExpression> parse(std::string_view text);

  // The first matching minute strictly after `t` (seconds and below dropped); nullopt only if
  // none comes within 8 years (parse() refuses expressions that never match, like Feb 30).
  std::optional<Timestamp> next_after(Timestamp t) const;
  bool matches(Timestamp t) const;  // whether the minute containing t matches

 private:
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1..31
  std::bitset<13> months_;   // 1..12
  std::bitset<7> weekdays_;  // 0 (Sunday)..6
  bool day_star_ = false;    // day-of-month field starts with '*'
  bool weekday_star_ = false;
  bool day_matches(std::chrono::year_month_day date) const;
};

// The longest jitter a duration schedule adds to its interval, as a fraction of it.
inline constexpr double kScheduleMaxJitter = 0.10;

class Schedule {
 public:
  // A duration (model/units.h parse_duration, at least 1s) or a cron expression; the error
  // explains both forms.
  static Result<Schedule> parse(std::string_view text);

  // When the run after one that started at `last_start` is due. `jitter` in [0, 1) picks where in
  // the allowed jitter a duration schedule lands (the caller's random draw); cron ignores it.
  Timestamp next_after(Timestamp last_start, double jitter) const;
  bool is_cron() const { return std::holds_alternative<CronExpression>(rule_); }
  // The nominal interval of a duration schedule (nullopt for cron).
  std::optional<std::chrono::milliseconds> interval() const;
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::variant<std::chrono::milliseconds, CronExpression> rule_;
};

}  // namespace leakwatch
