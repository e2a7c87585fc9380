// Schedules: durations with bounded jitter and 5-field cron expressions, checked against
// crontab(5) semantics by enumerating the matching minutes of whole days, months and years.
#include "model/schedule.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "tests/support/test_time.h"

namespace leakwatch {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

using testing::at;

CronExpression cron(std::string_view text) {
  auto c = CronExpression::parse(text);
  EXPECT_TRUE(c) << text << ": " << (c ? "" : c.error().message);
  return c ? *c : *CronExpression::parse("* * * * *");
}

// Every matching time from `from` (exclusive) up to `until`, by walking next_after.
std::vector<std::string> runs(const CronExpression& c, std::string_view from,
                              std::string_view until) {
  std::vector<std::string> out;
  auto t = at(from);
  const auto end = at(until);
  while (true) {
    const auto next = c.next_after(t);
    if (!next || *next > end) break;
    out.push_back(format_rfc3339(*next));
    t = *next;
    if (out.size() > 10000) break;
  }
  return out;
}

std::string error_of(std::string_view text) {
  auto c = CronExpression::parse(text);
  return c ? std::string("(parsed)") : c.error().message;
}

TEST(CronExpression, EveryMinuteRunsOnTheNextWholeMinute) {
  const auto c = cron("* * * * *");
  EXPECT_EQ(format_rfc3339(*c.next_after(at("2026-12-01T12:00:00Z"))), "2026-12-01T12:01:00Z");
  EXPECT_EQ(format_rfc3339(*c.next_after(at("2026-12-01T12:00:59.999Z"))), "2026-12-01T12:01:00Z");
  EXPECT_EQ(runs(c, "2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z").size(), 1440u);
}

TEST(CronExpression, NumbersRangesStepsAndListsSelectExactlyTheirMinutes) {
  EXPECT_EQ(runs(cron("15 * * * *"), "2026-12-01T00:00:00Z", "2026-12-01T03:00:00Z"),
            (std::vector<std::string>{"2026-12-01T00:15:00Z", "2026-12-01T01:15:00Z",
                                      "2026-12-01T02:15:00Z"}));
  EXPECT_EQ(runs(cron("10-12 1 * * *"), "2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z"),
            (std::vector<std::string>{"2026-12-01T01:10:00Z", "2026-12-01T01:11:00Z",
                                      "2026-12-01T01:12:00Z"}));
  EXPECT_EQ(runs(cron("*/20 2 * * *"), "2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z"),
            (std::vector<std::string>{"2026-12-01T02:00:00Z", "2026-12-01T02:20:00Z",
                                      "2026-12-01T02:40:00Z"}));
  EXPECT_EQ(runs(cron("5-30/10 3 * * *"), "2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z"),
            (std::vector<std::string>{"2026-12-01T03:05:00Z", "2026-12-01T03:15:00Z",
                                      "2026-12-01T03:25:00Z"}));
  // "a/n": from a to the end of the field.
  EXPECT_EQ(runs(cron("50/4 4 * * *"), "2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z"),
            (std::vector<std::string>{"2026-12-01T04:50:00Z", "2026-12-01T04:54:00Z",
                                      "2026-12-01T04:58:00Z"}));
  EXPECT_EQ(runs(cron("0,30,45-46 5 * * *"), "2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z"),
            (std::vector<std::string>{"2026-12-01T05:00:00Z", "2026-12-01T05:30:00Z",
                                      "2026-12-01T05:45:00Z", "2026-12-01T05:46:00Z"}));
  // Overlapping list elements count once.
  EXPECT_EQ(runs(cron("0,0-1,*/30 6 * * *"), "2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z"),
            (std::vector<std::string>{"2026-12-01T06:00:00Z", "2026-12-01T06:01:00Z",
                                      "2026-12-01T06:30:00Z"}));
  EXPECT_EQ(runs(cron("0 */6 * * *"), "2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z"),
            (std::vector<std::string>{"2026-12-01T06:00:00Z", "2026-12-01T12:00:00Z",
                                      "2026-12-01T18:00:00Z", "2026-12-02T00:00:00Z"}));
}

TEST(CronExpression, EveryFieldCombinationMatchesTheBruteForceDefinition) {
  // Each expression against a minute-by-minute walk over 2028 (a leap year): next_after must
  // find exactly the minutes matches() accepts, in order, and skip none.
  for (const auto* text :
       {"7 8 * * *", "*/13 */5 1,15 * *", "0 12 * 2 *", "30 6 29 2 *", "0 0 * * 1-5",
        "0 0 13 * fri", "0 0 1-7 * mon", "59 23 31 12 *", "0 0 */10 mar-may *", "0 9 * * 7"}) {
    const auto c = cron(text);
    const auto start = at("2028-01-01T00:00:00Z");
    const auto end = at("2029-01-01T00:00:00Z");
    std::vector<Timestamp> brute;
    for (auto t = start; t < end; t += minutes{1}) {
      if (c.matches(t)) brute.push_back(t);
    }
    std::vector<Timestamp> walked;
    for (auto t = start - minutes{1}; walked.size() <= brute.size();) {
      const auto next = c.next_after(t);
      if (!next || *next >= end) break;
      walked.push_back(*next);
      t = *next;
    }
    EXPECT_EQ(walked, brute) << text;
    EXPECT_FALSE(brute.empty()) << text;
  }
}

TEST(CronExpression, DayOfMonthAndDayOfWeekBothRestrictedMeansEither) {
  // crontab(5): "30 4 1,15 * 5" runs at 4:30 on the 1st and 15th of each month, plus every
  // Friday. December 2026: the 1st is a Tuesday; Fridays are 4, 11, 18, 25.
  std::set<int> days;
  for (const auto& r : runs(cron("30 4 1,15 * 5"), "2026-12-01T00:00:00Z", "2026-12-31T23:59:00Z"))
    days.insert(std::stoi(r.substr(8, 2)));
  EXPECT_EQ(days, (std::set<int>{1, 4, 11, 15, 18, 25}));
  // One of them '*' (even "*/1"): the other alone decides.
  days.clear();
  for (const auto& r : runs(cron("30 4 * * 5"), "2026-12-01T00:00:00Z", "2026-12-31T23:59:00Z"))
    days.insert(std::stoi(r.substr(8, 2)));
  EXPECT_EQ(days, (std::set<int>{4, 11, 18, 25}));
  days.clear();
  for (const auto& r :
       runs(cron("30 4 1,15 * */1"), "2026-12-01T00:00:00Z", "2026-12-31T23:59:00Z"))
    days.insert(std::stoi(r.substr(8, 2)));
  EXPECT_EQ(days, (std::set<int>{1, 15}));
}

TEST(CronExpression, NamesAnyCaseAndSundayAsZeroOrSeven) {
  EXPECT_EQ(runs(cron("0 0 1 JAN,jul *"), "2026-01-01T00:00:00Z", "2027-12-31T00:00:00Z"),
            (std::vector<std::string>{"2026-07-01T00:00:00Z", "2027-01-01T00:00:00Z",
                                      "2027-07-01T00:00:00Z"}));
  const auto weekdays = runs(cron("0 0 * * Mon-Fri"), "2026-11-29T00:00:00Z",  // a Sunday
                             "2026-12-06T23:00:00Z");
  EXPECT_EQ(weekdays.size(), 5u);
  EXPECT_EQ(weekdays.front(), "2026-11-30T00:00:00Z");
  EXPECT_EQ(weekdays.back(), "2026-12-04T00:00:00Z");
  const auto sun0 = runs(cron("0 0 * * 0"), "2026-11-01T00:00:00Z", "2026-12-31T00:00:00Z");
  EXPECT_EQ(sun0, runs(cron("0 0 * * 7"), "2026-11-01T00:00:00Z", "2026-12-31T00:00:00Z"));
  EXPECT_EQ(sun0, runs(cron("0 0 * * sun"), "2026-11-01T00:00:00Z", "2026-12-31T00:00:00Z"));
  EXPECT_EQ(sun0.front(), "2026-11-08T00:00:00Z");
  // 5-7: Friday, Saturday, Sunday.
  EXPECT_EQ(runs(cron("0 0 * * 5-7"), "2026-12-03T00:00:00Z", "2026-12-07T00:00:00Z"),
            (std::vector<std::string>{"2026-12-04T00:00:00Z", "2026-12-05T00:00:00Z",
                                      "2026-12-06T00:00:00Z"}));
}

TEST(CronExpression, MonthAndYearBoundariesAndLeapDays) {
  EXPECT_EQ(format_rfc3339(*cron("0 0 31 * *").next_after(at("2026-11-15T00:00:00Z"))),
            "2026-12-31T00:00:00Z");
  EXPECT_EQ(format_rfc3339(*cron("59 23 31 12 *").next_after(at("2026-12-31T23:59:00Z"))),
            "2027-12-31T23:59:00Z");
  // 29 February: the next leap year.
  EXPECT_EQ(format_rfc3339(*cron("0 0 29 2 *").next_after(at("2026-03-01T00:00:00Z"))),
            "2028-02-29T00:00:00Z");
}

TEST(CronExpression, MacrosStandForTheirExpressions) {
  const auto from = "2026-12-01T10:30:00Z";
  EXPECT_EQ(format_rfc3339(*cron("@hourly").next_after(at(from))), "2026-12-01T11:00:00Z");
  EXPECT_EQ(format_rfc3339(*cron("@daily").next_after(at(from))), "2026-12-02T00:00:00Z");
  EXPECT_EQ(format_rfc3339(*cron("@midnight").next_after(at(from))), "2026-12-02T00:00:00Z");
  EXPECT_EQ(format_rfc3339(*cron("@weekly").next_after(at(from))), "2026-12-06T00:00:00Z");
  EXPECT_EQ(format_rfc3339(*cron("@monthly").next_after(at(from))), "2027-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(*cron("@yearly").next_after(at(from))), "2027-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(*cron("@annually").next_after(at(from))), "2027-01-01T00:00:00Z");
}

TEST(CronExpression, BadExpressionsSayWhichFieldAndWhy) {
  EXPECT_EQ(error_of(""), "expected 5 fields (minute hour day-of-month month day-of-week), got 0");
  EXPECT_EQ(error_of("* * * *"),
            "expected 5 fields (minute hour day-of-month month day-of-week), got 4");
  EXPECT_EQ(error_of("* * * * * *"),
            "expected 5 fields (minute hour day-of-month month day-of-week), got 6");
  EXPECT_EQ(error_of("60 * * * *"), "minute: 60 is not in 0-59");
  EXPECT_EQ(error_of("* 24 * * *"), "hour: 24 is not in 0-23");
  EXPECT_EQ(error_of("* * 0 * *"), "day-of-month: 0 is not in 1-31");
  EXPECT_EQ(error_of("* * 32 * *"), "day-of-month: 32 is not in 1-31");
  EXPECT_EQ(error_of("* * * 13 *"), "month: 13 is not in 1-12");
  EXPECT_EQ(error_of("* * * * 8"), "day-of-week: 8 is not in 0-7");
  EXPECT_EQ(error_of("* * * foo *"), "month: 'foo' is not a number or a name");
  EXPECT_EQ(error_of("x * * * *"), "minute: 'x' is not a number");
  EXPECT_EQ(error_of("-5 * * * *"), "minute: empty value");
  EXPECT_EQ(error_of("5- * * * *"), "minute: empty value");
  EXPECT_EQ(error_of("30-10 * * * *"), "minute: range '30-10' runs backwards");
  EXPECT_EQ(error_of("*/0 * * * *"), "minute: step 0 is not in 1-59");
  EXPECT_EQ(error_of("*/ * * * *"), "minute: step '' is not a number");
  EXPECT_EQ(error_of("*/x * * * *"), "minute: step 'x' is not a number");
  EXPECT_EQ(error_of("1,,2 * * * *"), "minute: empty list element in '1,,2'");
  EXPECT_EQ(error_of("1, * * * *"), "minute: empty list element in '1,'");
  EXPECT_EQ(error_of("001 * * * *"), "minute: '001' is out of range");
  EXPECT_EQ(error_of("99999999999 * * * *"), "minute: '99999999999' is out of range");
  EXPECT_EQ(error_of("* * * * fri-mon"), "day-of-week: range 'fri-mon' runs backwards");
  EXPECT_EQ(error_of("@often"),
            "'@often' is not one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, "
            "@hourly");
  EXPECT_EQ(error_of("0 0 30 2 *"), "'0 0 30 2 *' never matches a date (e.g. 30 February)");
  EXPECT_EQ(error_of("0 0 31 4,6,9,11 *"),
            "'0 0 31 4,6,9,11 *' never matches a date (e.g. 30 February)");
}

TEST(Schedule, DurationsRepeatWithAtMostTenPercentJitter) {
  const auto s = Schedule::parse("6h");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_FALSE(s->is_cron());
  EXPECT_EQ(s->interval(), std::chrono::milliseconds{hours{6}});
  const auto start = at("2026-12-01T00:00:00Z");
  EXPECT_EQ(s->next_after(start, 0.0), start + hours{6});
  EXPECT_EQ(s->next_after(start, 0.5), start + hours{6} + minutes{18});
  // The bound holds even for an out-of-range draw.
  EXPECT_LT(s->next_after(start, 1.0), start + hours{6} + minutes{36});
  EXPECT_GE(s->next_after(start, -1.0), start + hours{6});
  for (double j = 0; j < 1.0; j += 0.01) {
    const auto next = s->next_after(start, j);
    EXPECT_GE(next, start + hours{6});
    EXPECT_LT(next, start + hours{6} + minutes{36});
  }
  EXPECT_EQ(Schedule::parse("30s")->next_after(start, 0.0), start + seconds{30});
  EXPECT_EQ(Schedule::parse("1s")->interval(), std::chrono::milliseconds{1000});
}

TEST(Schedule, CronSchedulesHaveNoJitter) {
  const auto s = Schedule::parse("0 */6 * * *");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(s->is_cron());
  EXPECT_FALSE(s->interval());
  EXPECT_EQ(format_rfc3339(s->next_after(at("2026-12-01T01:00:00Z"), 0.99)),
            "2026-12-01T06:00:00Z");
  EXPECT_TRUE(Schedule::parse("@daily"));
}

TEST(Schedule, BadSchedulesExplainBothForms) {
  EXPECT_EQ(Schedule::parse("6x").error().message,
            "'6x' is neither a duration of at least 1s (\"30s\", \"6h\") nor a 5-field cron "
            "expression (\"0 */6 * * *\")");
  EXPECT_FALSE(Schedule::parse("500ms"));
  EXPECT_FALSE(Schedule::parse("0s"));
  EXPECT_FALSE(Schedule::parse(""));
  EXPECT_EQ(Schedule::parse("0 25 * * *").error().message,
            "'0 25 * * *' is neither a duration (\"6h\") nor a valid cron expression: hour: 25 is "
            "not in 0-23");
}

}  // namespace
}  // namespace leakwatch
