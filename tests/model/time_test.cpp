// RFC 3339 timestamps: the text form of every time leakwatch records or prints
// (docs/CONTRACTS.md "Times").
#include "model/time.h"

#include <gtest/gtest.h>

#include <string>

namespace leakwatch {
namespace {

// 2026-11-23T14:22:37Z, 20780 days since 1970-01-01, plus 14:22:37.
constexpr std::int64_t kNov23Ms = (20780LL * 86400 + 14 * 3600 + 22 * 60 + 37) * 1000;

TEST(Rfc3339, FormatsUtcWithoutMillisecondsWhenThereAreNone) {
  EXPECT_EQ(format_rfc3339(from_unix_ms(0)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(from_unix_ms(kNov23Ms)), "2026-11-23T14:22:37Z");
}

TEST(Rfc3339, FormatsMillisecondsWhenPresent) {
  EXPECT_EQ(format_rfc3339(from_unix_ms(kNov23Ms + 5)), "2026-11-23T14:22:37.005Z");
  EXPECT_EQ(format_rfc3339(from_unix_ms(kNov23Ms + 250)), "2026-11-23T14:22:37.250Z");
}

TEST(Rfc3339, FormatsTimesBeforeTheEpoch) {
  EXPECT_EQ(format_rfc3339(from_unix_ms(-1000)), "1969-12-31T23:59:59Z");
}

TEST(Rfc3339, ParsesUtcWithUpperOrLowerCaseSeparators) {
  EXPECT_EQ(parse_rfc3339("2026-11-23T14:22:37Z"), from_unix_ms(kNov23Ms));
  EXPECT_EQ(parse_rfc3339("2026-11-23t14:22:37z"), from_unix_ms(kNov23Ms));
  EXPECT_EQ(parse_rfc3339("2026-11-23 14:22:37Z"), from_unix_ms(kNov23Ms));
}

TEST(Rfc3339, ParsesADateAloneAsMidnightUtc) {
  EXPECT_EQ(parse_rfc3339("2026-11-23"), from_unix_ms(20780LL * 86400 * 1000));
}

TEST(Rfc3339, AppliesNumericOffsetsToGetUtc) {
  // 16:22:37+02:00 and 09:52:37-04:30 are both 14:22:37Z.
  EXPECT_EQ(parse_rfc3339("2026-11-23T16:22:37+02:00"), from_unix_ms(kNov23Ms));
  EXPECT_EQ(parse_rfc3339("2026-11-23T09:52:37-04:30"), from_unix_ms(kNov23Ms));
  EXPECT_EQ(parse_rfc3339("2026-11-23T14:22:37+00:00"), from_unix_ms(kNov23Ms));
  // An offset can move the instant across midnight into the previous day.
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("2026-01-01T01:00:00+02:00")), "2025-12-31T23:00:00Z");
}

TEST(Rfc3339, ParsesFractionalSecondsToMilliseconds) {
  EXPECT_EQ(parse_rfc3339("2026-11-23T14:22:37.5Z"), from_unix_ms(kNov23Ms + 500));
  EXPECT_EQ(parse_rfc3339("2026-11-23T14:22:37.123Z"), from_unix_ms(kNov23Ms + 123));
  // Digits beyond milliseconds are truncated, not rejected.
  EXPECT_EQ(parse_rfc3339("2026-11-23T14:22:37.123999999Z"), from_unix_ms(kNov23Ms + 123));
  EXPECT_EQ(parse_rfc3339("2026-11-23T16:22:37.040+02:00"), from_unix_ms(kNov23Ms + 40));
}

TEST(Rfc3339, RoundTripsFormattedTimes) {
  const std::int64_t samples[] = {0, 1, 999, kNov23Ms, kNov23Ms + 7, 4102444799999};
  for (const auto ms : samples) {
    const auto t = from_unix_ms(ms);
    EXPECT_EQ(parse_rfc3339(format_rfc3339(t)), t) << format_rfc3339(t);
  }
}

TEST(Rfc3339, AcceptsLeapDayOnlyInLeapYears) {
  EXPECT_TRUE(parse_rfc3339("2024-02-29T00:00:00Z"));
  EXPECT_TRUE(parse_rfc3339("2000-02-29"));
  EXPECT_FALSE(parse_rfc3339("2026-02-29T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("1900-02-29"));
}

TEST(Rfc3339, RejectsDatesThatDoNotExist) {
  EXPECT_FALSE(parse_rfc3339("2026-02-30T12:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2026-04-31"));
  EXPECT_FALSE(parse_rfc3339("2026-13-01T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2026-00-10T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2026-01-00T00:00:00Z"));
}

TEST(Rfc3339, RejectsOutOfRangeClockFields) {
  EXPECT_FALSE(parse_rfc3339("2026-11-23T24:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2026-11-23T25:10:00Z"));
  EXPECT_FALSE(parse_rfc3339("2026-11-23T14:60:00Z"));
  EXPECT_FALSE(parse_rfc3339("2026-11-23T14:22:61Z"));
  // RFC 3339 time-numoffset: hours 00-23, minutes 00-59.
  EXPECT_FALSE(parse_rfc3339("2026-11-23T14:22:37+24:00"));
  EXPECT_FALSE(parse_rfc3339("2026-11-23T14:22:37+01:60"));
}

TEST(Rfc3339, RejectsMalformedText) {
  for (const char* bad :
       {"", "2026", "2026-11", "26-11-23", "2026/11/23", "2026-1-23", "2026-11-23T",
        "2026-11-23T14:22Z", "2026-11-23T14:22:37", "2026-11-23T14:22:37.Z",
        "2026-11-23T14:22:37+0200", "2026-11-23T14:22:37+02", "2026-11-23T14:22:37Zjunk",
        "2026-11-23T14:22:37+02:00junk", "2026-11-23X14:22:37Z", " 2026-11-23T14:22:37Z",
        "2026-11-23T1a:22:37Z"}) {
    EXPECT_FALSE(parse_rfc3339(bad)) << '"' << bad << '"';
  }
}

TEST(UnixMilliseconds, ConvertBothWays) {
  EXPECT_EQ(to_unix_ms(from_unix_ms(kNov23Ms + 321)), kNov23Ms + 321);
  EXPECT_EQ(to_unix_ms(from_unix_ms(-5)), -5);
}

TEST(Now, IsLaterThanTheDayThisTestWasWritten) {
  EXPECT_GT(now(), *parse_rfc3339("2025-01-01"));
}

}  // namespace
}  // namespace leakwatch
