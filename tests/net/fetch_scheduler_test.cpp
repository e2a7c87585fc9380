// FetchScheduler without sockets: the global and per-proxy caps, each lane's own caps and
// interval, retry backoff, and fair turns between lanes.
#include "net/fetch_scheduler.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace leakwatch::crawler {
namespace {

using Clock = FetchScheduler::Clock;
using std::chrono::milliseconds;

FetchSlot slot(std::string host, std::string proxy = "", std::size_t lane_cap = 8,
               std::size_t host_cap = 8) {
  return {.host = std::move(host),
          .proxy = std::move(proxy),
          .lane_cap = lane_cap,
          .host_cap = host_cap};
}

TEST(FetchScheduler, NeverStartsMoreThanTheGlobalCap) {
  FetchScheduler s(3);
  for (std::uint64_t i = 0; i < 10; ++i) s.enqueue(i, i, slot("h" + std::to_string(i)));
  const auto t = Clock::now();
  EXPECT_EQ(s.start(t).size(), 3u);
  EXPECT_TRUE(s.start(t).empty()) << "the cap is full";
  EXPECT_EQ(s.in_flight(), 3u);
  EXPECT_EQ(s.waiting(), 7u);
  s.finished(0);
  EXPECT_EQ(s.start(t).size(), 1u);
}

TEST(FetchScheduler, HoldsEachProxyToItsCapAndLeavesOthersFree) {
  FetchScheduler s(100);
  s.set_proxy_cap("127.0.0.1:9050", 2);
  for (std::uint64_t i = 0; i < 6; ++i) s.enqueue(i, i, slot("x.onion", "127.0.0.1:9050"));
  for (std::uint64_t i = 6; i < 9; ++i) s.enqueue(i, i, slot("y.onion", "127.0.0.1:9150"));
  for (std::uint64_t i = 9; i < 11; ++i) s.enqueue(i, i, slot("direct.example"));
  const auto started = s.start(Clock::now());
  EXPECT_EQ(started.size(), 2u + 3u + 2u);
  EXPECT_EQ(s.in_flight_via("127.0.0.1:9050"), 2u);
  EXPECT_EQ(s.in_flight_via("127.0.0.1:9150"), 3u);
  s.finished(started.front() < 6 ? started.front() : 0);
  EXPECT_EQ(s.start(Clock::now()).size(), 1u) << "a freed proxy slot is used again";
  EXPECT_EQ(s.in_flight_via("127.0.0.1:9050"), 2u);
}

TEST(FetchScheduler, KeepsALanesOwnCapsInAllAndPerHost) {
  FetchScheduler s(100);
  for (std::uint64_t i = 0; i < 4; ++i) s.enqueue(1, i, slot("a", "", 3, 2));
  for (std::uint64_t i = 4; i < 8; ++i) s.enqueue(1, i, slot("b", "", 3, 2));
  const auto started = s.start(Clock::now());
  ASSERT_EQ(started.size(), 3u) << "the lane's cap in all";
  std::map<std::uint64_t, int> per_host;
  for (const auto id : started) ++per_host[id < 4 ? 0 : 1];
  EXPECT_LE(per_host[0], 2);
  EXPECT_LE(per_host[1], 2);
}

TEST(FetchScheduler, TakesTurnsSoABigLaneCannotStarveSmallOnes) {
  // Lane 0 has 5,000 waiting pages; 200 lanes have one each. With 16 slots, the small lanes'
  // pages are started in the first rounds, not after the big lane's.
  FetchScheduler s(16);
  for (std::uint64_t i = 0; i < 5000; ++i) s.enqueue(0, i, slot("big", "", 16, 16));
  for (std::uint64_t lane = 1; lane <= 200; ++lane) s.enqueue(lane, 100000 + lane, slot("small"));
  std::size_t big_started = 0;
  std::set<std::uint64_t> small_started;
  const auto t = Clock::now();
  while (small_started.size() < 200) {
    const auto started = s.start(t);
    ASSERT_FALSE(started.empty());
    for (const auto id : started) {
      if (id >= 100000) {
        small_started.insert(id);
      } else {
        ++big_started;
      }
      s.finished(id);
    }
  }
  // One turn each: the big lane got at most one start per round of the others.
  EXPECT_LE(big_started, 20u) << "the big lane started " << big_started
                              << " pages before every small lane had its one";
}

TEST(FetchScheduler, SpacesALanesStartsByItsInterval) {
  FetchScheduler s(100);
  FetchSlot spaced = slot("a");
  spaced.interval = milliseconds(100);
  for (std::uint64_t i = 0; i < 3; ++i) s.enqueue(1, i, spaced);
  s.enqueue(2, 9, slot("b"));  // another lane is not held back
  const auto t = Clock::now();
  EXPECT_EQ(s.start(t).size(), 2u);
  ASSERT_TRUE(s.next_due());
  EXPECT_EQ(*s.next_due(), t + milliseconds(100));
  EXPECT_TRUE(s.start(t + milliseconds(99)).empty());
  EXPECT_EQ(s.start(t + milliseconds(100)).size(), 1u);
  EXPECT_EQ(s.start(t + milliseconds(200)).size(), 1u);
  EXPECT_FALSE(s.next_due());
}

TEST(FetchScheduler, ARetryWaitsForItsBackoffWithoutBlockingItsLane) {
  FetchScheduler s(100);
  const auto t = Clock::now();
  FetchSlot retry = slot("a");
  retry.not_before = t + milliseconds(500);
  s.enqueue(1, 1, retry);
  s.enqueue(1, 2, slot("a"));
  const auto started = s.start(t);
  ASSERT_EQ(started, std::vector<FetchScheduler::FetchId>{2});
  EXPECT_EQ(*s.next_due(), t + milliseconds(500));
  EXPECT_EQ(s.start(t + milliseconds(500)), std::vector<FetchScheduler::FetchId>{1});
}

TEST(FetchScheduler, ForgetsALaneOnceItIsIdle) {
  FetchScheduler s(4);
  s.enqueue(7, 1, slot("a"));
  s.enqueue(7, 2, slot("a"));
  EXPECT_TRUE(s.cancel(2));
  EXPECT_FALSE(s.cancel(2));
  EXPECT_EQ(s.start(Clock::now()).size(), 1u);
  EXPECT_EQ(s.lanes(), 1u);
  s.finished(1);
  EXPECT_EQ(s.lanes(), 0u);
  EXPECT_EQ(s.in_flight(), 0u);
  EXPECT_EQ(s.waiting(), 0u);
}

}  // namespace
}  // namespace leakwatch::crawler
