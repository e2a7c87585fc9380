// A sighting as it was at a time, from the history the store keeps with it.
#include "model/sighting_history.h"

#include <gtest/gtest.h>

#include "tests/support/test_time.h"

namespace leakwatch {
namespace {

using testing::at;

ConfidenceChange change(std::string_view t, Confidence c, std::uint64_t files) {
  return {.at = at(t), .confidence = c, .evidence = files, .files_matched = files};
}

Sighting rising() {
  Sighting s;
  s.dataset = "hr";
  s.confidence = Confidence::confirmed;
  s.first_seen = at("2026-11-01T00:00:00Z");
  s.last_seen = at("2026-11-09T00:00:00Z");
  s.files_matched = 3;
  s.history = {change("2026-11-01T00:00:00Z", Confidence::possible, 1),
               change("2026-11-03T00:00:00Z", Confidence::likely, 2),
               change("2026-11-05T00:00:00Z", Confidence::confirmed, 3)};
  return s;
}

TEST(SightingHistory, TakesTheConfidenceTheSightingHadAtEachTime) {
  const auto s = rising();
  const auto since = at("2026-01-01T00:00:00Z");
  EXPECT_FALSE(sighting_at(s, at("2026-10-31T23:59:59Z"), since)) << "not yet seen";
  const auto t1 = sighting_at(s, at("2026-11-02T00:00:00Z"), since);
  ASSERT_TRUE(t1);
  EXPECT_EQ(t1->state.confidence, Confidence::possible);
  EXPECT_TRUE(t1->exact);
  const auto t2 = sighting_at(s, at("2026-11-03T00:00:00Z"), since);
  ASSERT_TRUE(t2);
  EXPECT_EQ(t2->state.confidence, Confidence::likely) << "a change counts from its own time";
  EXPECT_EQ(t2->state.files_matched, 2u);
  EXPECT_EQ(sighting_at(s, at("2026-11-20T00:00:00Z"), since)->state.confidence,
            Confidence::confirmed);
}

TEST(SightingHistory, ASightingFromBeforeTheHistoryIsExactOnlyAfterTheUpgrade) {
  auto s = rising();
  s.history.clear();
  const auto upgrade = at("2026-11-10T00:00:00Z");
  const auto before = sighting_at(s, at("2026-11-02T00:00:00Z"), upgrade);
  ASSERT_TRUE(before);
  EXPECT_EQ(before->state.confidence, Confidence::confirmed);
  EXPECT_FALSE(before->exact);
  EXPECT_TRUE(sighting_at(s, at("2026-11-11T00:00:00Z"), upgrade)->exact);
  EXPECT_FALSE(sighting_at(s, at("2026-11-11T00:00:00Z"), std::nullopt)->exact);

  s.history = {change("2026-11-01T00:00:00Z", Confidence::likely, 2),
               change("2026-11-12T00:00:00Z", Confidence::confirmed, 3)};
  s.history[0].inferred = true;
  EXPECT_FALSE(sighting_at(s, at("2026-11-02T00:00:00Z"), upgrade)->exact);
  EXPECT_TRUE(sighting_at(s, at("2026-11-11T00:00:00Z"), upgrade)->exact);
  EXPECT_EQ(sighting_at(s, at("2026-11-11T00:00:00Z"), upgrade)->state.confidence,
            Confidence::likely);
}

TEST(SightingHistory, ChangedSinceMeansFirstSeenOrRaisedSince) {
  const auto s = rising();
  EXPECT_TRUE(changed_since(s, at("2026-11-01T00:00:00Z")));
  EXPECT_TRUE(changed_since(s, at("2026-11-04T00:00:00Z"))) << "raised to confirmed on the 5th";
  EXPECT_FALSE(changed_since(s, at("2026-11-06T00:00:00Z"))) << "only seen again since";
  auto counts_only = s;
  counts_only.history.push_back(change("2026-11-08T00:00:00Z", Confidence::confirmed, 4));
  EXPECT_FALSE(changed_since(counts_only, at("2026-11-06T00:00:00Z")));
}

TEST(SightingHistory, ReachedAtIsWhenTheSightingFirstHeldAConfidence) {
  const auto s = rising();
  EXPECT_EQ(reached_at(s, Confidence::likely), at("2026-11-03T00:00:00Z"));
  EXPECT_EQ(reached_at(s, Confidence::confirmed), at("2026-11-05T00:00:00Z"));
  auto weak = s;
  weak.history.resize(1);
  weak.confidence = Confidence::possible;
  EXPECT_FALSE(reached_at(weak, Confidence::likely));
}

}  // namespace
}  // namespace leakwatch
