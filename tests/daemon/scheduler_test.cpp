// The scheduler's rules with made-up times: concurrency, never twice at once, catch-up once
// after downtime, backoff for failing sources, jitter bounds, reloads.
#include "daemon/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace leakwatch::daemon {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

const Timestamp kNow = *parse_rfc3339("2026-12-01T12:00:00Z");

PlannedSource source(std::string name, const std::string& schedule,
                     std::optional<Timestamp> last_start = std::nullopt,
                     std::uint64_t failures = 0) {
  auto parsed = Schedule::parse(schedule);
  EXPECT_TRUE(parsed) << schedule;
  return PlannedSource{.name = std::move(name),
                       .schedule = *parsed,
                       .last_start = last_start,
                       .last_end = last_start,
                       .consecutive_failures = failures};
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(Scheduler, NeverScannedSourcesAreDueAtOnceWithinTheConcurrencyLimit) {
  Scheduler s({.max_concurrent = 2}, 1);
  s.set_sources({source("a", "1h"), source("b", "1h"), source("c", "1h")}, kNow);
  const auto first = s.take_due(kNow);
  EXPECT_EQ(first.size(), 2u);
  EXPECT_EQ(s.running(), 2u);
  EXPECT_TRUE(s.take_due(kNow).empty()) << "the limit holds while two run";
  s.finished(first[0], kNow, kNow + seconds{5}, true);
  const auto third = s.take_due(kNow + seconds{5});
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(sorted({first[0], first[1], third[0]}), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(Scheduler, ASourceIsNeverHandedOutTwiceWhileItRuns) {
  Scheduler s({.max_concurrent = 8}, 1);
  s.set_sources({source("a", "1s")}, kNow);
  ASSERT_EQ(s.take_due(kNow), std::vector<std::string>{"a"});
  // Its schedule comes round many times while the scan is still running.
  for (int i = 1; i <= 60; ++i) EXPECT_TRUE(s.take_due(kNow + seconds{i}).empty());
  EXPECT_TRUE(s.is_running("a"));
  EXPECT_FALSE(s.next_due()) << "nothing to wake up for while the only source runs";
  s.finished("a", kNow, kNow + seconds{60}, true);
  EXPECT_FALSE(s.is_running("a"));
  // The next run counts from the start of the last: it is overdue, so due at once.
  EXPECT_EQ(s.take_due(kNow + seconds{60}), std::vector<std::string>{"a"});
}

TEST(Scheduler, RunsMissedWhileDownAreCaughtUpOnce) {
  Scheduler s({}, 1);
  // Last scanned 10 hours ago on a 1h schedule: ten runs missed, one is made up.
  s.set_sources({source("a", "1h", kNow - hours{10}), source("b", "1h", kNow - minutes{10})}, kNow);
  EXPECT_EQ(s.take_due(kNow), std::vector<std::string>{"a"});
  s.finished("a", kNow, kNow + seconds{20}, true);
  EXPECT_TRUE(s.take_due(kNow + seconds{20}).empty());
  const auto next_a = *s.next_due("a");
  EXPECT_GE(next_a, kNow + hours{1});
  EXPECT_LT(next_a, kNow + hours{1} + minutes{6});
  // b was scanned 10 minutes before the restart: it keeps its schedule.
  const auto next_b = *s.next_due("b");
  EXPECT_GE(next_b, kNow + minutes{50});
  EXPECT_LT(next_b, kNow + minutes{56});
}

TEST(Scheduler, CronSourcesCatchUpOnceAndThenFollowTheExpression) {
  Scheduler s({}, 1);
  // Daily at 06:00; last run yesterday 06:00, the daemon was down at today's 06:00.
  s.set_sources({source("a", "0 6 * * *", *parse_rfc3339("2026-11-30T06:00:00Z"))}, kNow);
  EXPECT_EQ(s.take_due(kNow), std::vector<std::string>{"a"});
  s.finished("a", kNow, kNow + minutes{1}, true);
  EXPECT_EQ(format_rfc3339(*s.next_due("a")), "2026-12-02T06:00:00Z");
}

TEST(Scheduler, OverdueSourcesGoLongestWaitingFirst) {
  Scheduler s({.max_concurrent = 1}, 1);
  s.set_sources({source("recent", "1h", kNow - hours{2}), source("oldest", "1h", kNow - hours{9}),
                 source("middle", "1h", kNow - hours{5})},
                kNow);
  std::vector<std::string> order;
  for (int i = 0; i < 3; ++i) {
    const auto due = s.take_due(kNow + seconds{i});
    ASSERT_EQ(due.size(), 1u);
    order.push_back(due[0]);
    s.finished(due[0], kNow + seconds{i}, kNow + seconds{i}, true);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"oldest", "middle", "recent"}));
}

TEST(Scheduler, FailingSourcesBackOffExponentiallyUpToTheCap) {
  Scheduler s({.max_concurrent = 1, .retry_base = seconds{30}, .retry_max = minutes{8}}, 1);
  EXPECT_EQ(s.backoff(0), milliseconds{0});
  EXPECT_EQ(s.backoff(1), seconds{30});
  EXPECT_EQ(s.backoff(2), seconds{60});
  EXPECT_EQ(s.backoff(4), minutes{4});
  EXPECT_EQ(s.backoff(5), minutes{8});
  EXPECT_EQ(s.backoff(1000), minutes{8});
  // A 1s schedule that keeps failing is tried after 30s, 60s, 2m, 4m, 8m, 8m: not every second.
  s.set_sources({source("a", "1s")}, kNow);
  auto t = kNow;
  std::vector<milliseconds> gaps;
  for (int i = 0; i < 6; ++i) {
    ASSERT_EQ(s.take_due(t), std::vector<std::string>{"a"});
    const auto ended = t + seconds{2};
    s.finished("a", t, ended, false);
    EXPECT_TRUE(s.take_due(ended + seconds{29}).empty());
    const auto next = *s.next_due("a");
    gaps.push_back(std::chrono::duration_cast<milliseconds>(next - ended));
    t = next;
  }
  EXPECT_EQ(gaps, (std::vector<milliseconds>{seconds{30}, seconds{60}, minutes{2}, minutes{4},
                                             minutes{8}, minutes{8}}));
  // One success and it is back on its schedule.
  ASSERT_EQ(s.take_due(t), std::vector<std::string>{"a"});
  s.finished("a", t, t + milliseconds{100}, true);
  EXPECT_LE(*s.next_due("a"), t + milliseconds{1100});
}

TEST(Scheduler, FailuresRecordedBeforeARestartStillBackOff) {
  Scheduler s({.retry_base = seconds{30}, .retry_max = hours{1}}, 1);
  // Three failures in a row in the store, the last ended a minute ago: 2 minutes of backoff.
  s.set_sources({source("a", "1s", kNow - minutes{1}, 3)}, kNow);
  EXPECT_TRUE(s.take_due(kNow).empty());
  EXPECT_EQ(*s.next_due("a"), kNow + minutes{1});
}

TEST(Scheduler, DurationJitterStaysWithinTenPercent) {
  Scheduler s({}, 42);
  std::vector<PlannedSource> many;
  for (int i = 0; i < 200; ++i) many.push_back(source("s" + std::to_string(i), "1h", kNow));
  s.set_sources(many, kNow);
  Timestamp lo = kNow + hours{2}, hi = kNow;
  for (int i = 0; i < 200; ++i) {
    const auto next = *s.next_due("s" + std::to_string(i));
    EXPECT_GE(next, kNow + hours{1});
    EXPECT_LT(next, kNow + hours{1} + minutes{6});
    lo = std::min(lo, next);
    hi = std::max(hi, next);
  }
  // Spread out, not all at one instant.
  EXPECT_GT(hi - lo, minutes{3});
}

TEST(Scheduler, AReloadKeepsPlansAndRunningStateAndDropsRemovedSourcesAfterTheyFinish) {
  Scheduler s({.max_concurrent = 4}, 1);
  s.set_sources({source("a", "1h"), source("b", "1h")}, kNow);
  EXPECT_EQ(sorted(s.take_due(kNow)), (std::vector<std::string>{"a", "b"}));
  s.finished("b", kNow, kNow + seconds{1}, true);
  const auto b_next = *s.next_due("b");
  // Reload: a removed (still running), b unchanged, c new, all while a runs.
  s.set_sources({source("b", "1h"), source("c", "1h")}, kNow + seconds{2});
  EXPECT_TRUE(s.is_running("a"));
  EXPECT_FALSE(s.next_due("a"));
  EXPECT_EQ(*s.next_due("b"), b_next);
  EXPECT_EQ(s.take_due(kNow + seconds{2}), std::vector<std::string>{"c"});
  // Re-added while still running: still not started twice.
  s.set_sources({source("a", "1h"), source("b", "1h"), source("c", "1h")}, kNow + seconds{3});
  EXPECT_TRUE(s.take_due(kNow + seconds{3}).empty());
  s.finished("a", kNow, kNow + seconds{4}, true);
  EXPECT_FALSE(s.is_running("a"));
  EXPECT_GE(*s.next_due("a"), kNow + hours{1});
  // Removed and finished: gone.
  s.set_sources({source("b", "1h")}, kNow + seconds{5});
  s.finished("c", kNow + seconds{2}, kNow + seconds{6}, true);
  EXPECT_EQ(s.size(), 1u);
  // A changed schedule is replanned from the last run.
  s.set_sources({source("b", "1s", kNow)}, kNow + seconds{7});
  EXPECT_LE(*s.next_due("b"), kNow + milliseconds{1100});
}

TEST(Scheduler, ALowerLimitOnReloadLetsRunningScansFinish) {
  Scheduler s({.max_concurrent = 3}, 1);
  s.set_sources({source("a", "1h"), source("b", "1h"), source("c", "1h"), source("d", "1h")}, kNow);
  const auto first = s.take_due(kNow);
  EXPECT_EQ(first.size(), 3u);
  s.set_max_concurrent(1);
  s.finished(first[0], kNow, kNow, true);
  EXPECT_TRUE(s.take_due(kNow).empty()) << "two still run; the limit is one";
  s.finished(first[1], kNow, kNow, true);
  s.finished(first[2], kNow, kNow, true);
  EXPECT_EQ(s.take_due(kNow).size(), 1u);
}

}  // namespace
}  // namespace leakwatch::daemon
