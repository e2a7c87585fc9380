// The delivery engine over a real store (RocksDB in a temp folder) and real jsonl receivers
// (files): one alert per level reached, never again on re-seeing, failures kept pending with
// their error and backoff across restarts, rate limits that delay and never drop, and outbox
// entries removed only when every hook is done. A receiver "down" is a jsonl path that is a
// folder (open fails); fixing it brings it "up".
#include "alerts/dispatcher.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "tests/support/temp_dir.h"

namespace leakwatch::alerts {
namespace {

using leakwatch::testing::TempDir;
namespace fs = std::filesystem;

ScanRecord scan_of(const std::string& source) {
  ScanRecord r;
  r.scan_id = "s-" + std::to_string(to_unix_ms(now()));
  r.source = source;
  r.locator = "http://dump.example/";
  r.started = now();
  r.ended = now();
  r.status = ScanStatus::ok;
  return r;
}

Sighting sighting(const std::string& dataset, Confidence c, const std::string& source = "dump") {
  Sighting s;
  s.dataset = dataset;
  s.source = source;
  s.locator = "http://" + source + ".example/" + dataset + "/";
  s.confidence = c;
  // A leaked name that is not UTF-8: the outbox entry must still be written (and delivered).
  s.evidence = {{"name", "a.csv", "x|y=z\\\xFF.csv", ""}};
  s.files_matched = 1;
  s.dataset_files = 2;
  s.first_seen = now();
  s.last_seen = now();
  return s;
}

config::HookConfig jsonl_hook(const std::string& name, const fs::path& path,
                              Confidence min = Confidence::likely) {
  config::HookConfig h;
  h.name = name;
  h.kind = config::HookKind::jsonl;
  h.url = path.string();
  h.path = path;
  h.min_confidence = min;
  h.backoff = std::chrono::milliseconds{50};
  h.backoff_max = std::chrono::milliseconds{200};
  return h;
}

// The alert ids in a jsonl hook's file and its rotated files, in order, with repeats.
std::vector<std::string> ids_in(const fs::path& path) {
  std::vector<fs::path> files;
  for (int n = 1; fs::exists(path.string() + "." + std::to_string(n)); ++n) {
    files.emplace_back(path.string() + "." + std::to_string(n));
  }
  if (fs::exists(path)) files.push_back(path);
  std::vector<std::string> ids;
  for (const auto& f : files) {
    std::ifstream in(f);
    for (std::string line; std::getline(in, line);) {
      ids.push_back(nlohmann::json::parse(line)["event"]["id"].get<std::string>());
    }
  }
  return ids;
}

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::Store::open(dir.path() / "data", store::OpenMode::read_write);
    ASSERT_TRUE(s) << s.error().message;
    db = std::move(s).value();
  }

  // One pass; unless told otherwise it does not wait for retries that come due later.
  std::vector<HookOutcome> deliver(const DispatchOptions& options = {
                                       .max_wait = std::chrono::milliseconds{1}}) {
    Dispatcher d(*db, config, TransportContext{.hostname = "h", .procid = "1", .version = "t"});
    auto r = d.run(options);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? *r : std::vector<HookOutcome>{};
  }

  void see(const std::vector<Sighting>& sightings, const std::string& source = "dump") {
    ASSERT_TRUE(db->record_fetch(scan_of(source), sightings));
  }

  std::size_t outbox_size() {
    std::size_t n = 0;
    EXPECT_TRUE(db->for_each_outbox_entry([&](const store::OutboxEntry&) { return ++n, true; }));
    return n;
  }

  TempDir dir;
  std::unique_ptr<store::Store> db;
  config::Config config;
};

TEST_F(DispatcherTest, DeliversOnceAndNeverAgainOnReseeing) {
  config.hooks = {jsonl_hook("file", dir / "out/a.jsonl")};
  see({sighting("payroll", Confidence::confirmed), sighting("hr", Confidence::likely)});
  const auto outcomes = deliver();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].delivered, 2u);
  EXPECT_EQ(ids_in(dir / "out/a.jsonl"),
            (std::vector<std::string>{
                alert_id("payroll", "http://dump.example/payroll/", Confidence::confirmed),
                alert_id("hr", "http://dump.example/hr/", Confidence::likely)}));
  EXPECT_EQ(outbox_size(), 0u);  // every hook is done with them
  EXPECT_EQ(fs::status(dir / "out/a.jsonl").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);

  see({sighting("payroll", Confidence::confirmed), sighting("hr", Confidence::likely)});
  deliver();
  deliver();
  EXPECT_EQ(ids_in(dir / "out/a.jsonl").size(), 2u);
}

TEST_F(DispatcherTest, RaisesOneAlertPerLevelReachedAtOrAboveEachHooksThreshold) {
  config.hooks = {jsonl_hook("all", dir / "all.jsonl", Confidence::possible),
                  jsonl_hook("likely", dir / "likely.jsonl", Confidence::likely),
                  jsonl_hook("confirmed", dir / "confirmed.jsonl", Confidence::confirmed)};
  for (const auto c : {Confidence::possible, Confidence::likely, Confidence::likely,
                       Confidence::confirmed, Confidence::likely}) {
    see({sighting("payroll", c)});
    deliver();
  }
  EXPECT_EQ(ids_in(dir / "all.jsonl").size(), 3u);
  EXPECT_EQ(ids_in(dir / "likely.jsonl").size(), 2u);
  EXPECT_EQ(ids_in(dir / "confirmed.jsonl"),
            (std::vector<std::string>{
                alert_id("payroll", "http://dump.example/payroll/", Confidence::confirmed)}));
  std::ifstream in(dir / "likely.jsonl");
  std::string first, second;
  std::getline(in, first);
  std::getline(in, second);
  EXPECT_EQ(nlohmann::json::parse(first)["event"]["action"], "sighting.upgraded");
  EXPECT_EQ(nlohmann::json::parse(second)["leakwatch"]["sighting"]["confidence"], "confirmed");
  EXPECT_EQ(outbox_size(), 0u);
}

TEST_F(DispatcherTest, FiltersByDatasetAndSource) {
  auto h = jsonl_hook("f", dir / "f.jsonl");
  h.datasets = {"payroll"};
  h.sources = {"dump"};
  config.hooks = {h};
  see({sighting("payroll", Confidence::confirmed), sighting("hr", Confidence::confirmed)});
  see({sighting("payroll", Confidence::confirmed, "other")}, "other");
  deliver();
  EXPECT_EQ(ids_in(dir / "f.jsonl").size(), 1u);
  EXPECT_EQ(outbox_size(), 0u);  // filtered out is done too
}

TEST_F(DispatcherTest, AFailingReceiverKeepsItsAlertsPendingWithTheErrorAcrossRestarts) {
  const fs::path out = dir / "down.jsonl";
  fs::create_directories(out);  // open() of a folder fails: the receiver is down
  auto hook = jsonl_hook("down", out);
  hook.backoff = std::chrono::hours{1};
  hook.backoff_max = std::chrono::hours{2};
  config.hooks = {hook};
  see({sighting("payroll", Confidence::confirmed), sighting("hr", Confidence::confirmed)});
  auto outcomes = deliver();
  EXPECT_EQ(outcomes[0].delivered, 0u);
  EXPECT_EQ(outcomes[0].failed_attempts, 1u);  // the second waits behind the first
  EXPECT_EQ(outcomes[0].waiting, 2u);

  // A new process (store reopened): the backoff holds, nothing is retried early or dropped.
  db.reset();
  SetUp();
  deliver();
  auto list = list_deliveries(*db, config);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].state, store::DeliveryState::failing);
  EXPECT_EQ((*list)[0].attempts, 1u);
  EXPECT_NE((*list)[0].last_error.find("hook down"), std::string::npos) << (*list)[0].last_error;
  ASSERT_TRUE((*list)[0].next_attempt);
  EXPECT_GT(*(*list)[0].next_attempt, now() + std::chrono::minutes{29});  // 30..60 min jitter
  EXPECT_EQ((*list)[1].state, store::DeliveryState::pending);
  EXPECT_EQ(outbox_size(), 2u);

  // Up again; `alerts retry` ignores the backoff: both arrive, once each, in order.
  fs::remove(out);
  outcomes = deliver({.max_wait = std::chrono::milliseconds{1}, .ignore_backoff = true});
  EXPECT_EQ(outcomes[0].delivered, 2u);
  EXPECT_EQ(ids_in(out).size(), 2u);
  EXPECT_EQ(outbox_size(), 0u);
  list = list_deliveries(*db, config);
  EXPECT_EQ((*list)[0].state, store::DeliveryState::delivered);
  EXPECT_EQ((*list)[0].attempts, 2u);
}

TEST_F(DispatcherTest, ARetryWithinThePassDeliversOnceTheReceiverIsBack) {
  const fs::path out = dir / "flaky.jsonl";
  fs::create_directories(out);
  config.hooks = {jsonl_hook("flaky", out)};  // backoff 50 ms .. 200 ms
  see({sighting("payroll", Confidence::confirmed)});
  std::thread fixer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds{120});
    fs::remove(out);
  });
  const auto outcomes = deliver({.max_wait = std::chrono::seconds{5}});
  fixer.join();
  EXPECT_EQ(outcomes[0].delivered, 1u);
  EXPECT_GE(outcomes[0].failed_attempts, 1u);
  EXPECT_EQ(ids_in(out).size(), 1u);
}

TEST_F(DispatcherTest, AHookThatKeepsFailingWaitsForTheNextPass) {
  const fs::path out = dir / "down.jsonl";
  fs::create_directories(out);
  config.hooks = {jsonl_hook("down", out)};  // backoff 50 ms .. 200 ms
  see({sighting("payroll", Confidence::confirmed)});
  const auto outcomes = deliver({.max_wait = std::chrono::seconds{60}, .max_failures_per_hook = 3});
  EXPECT_EQ(outcomes[0].failed_attempts, 3u);
  EXPECT_EQ(outcomes[0].waiting, 1u);
  const auto list = list_deliveries(*db, config);
  EXPECT_EQ(list->at(0).attempts, 3u);
  EXPECT_EQ(list->at(0).state, store::DeliveryState::failing);
}

TEST_F(DispatcherTest, RateLimitDelaysAndNeverDrops) {
  auto hook = jsonl_hook("slow", dir / "slow.jsonl");
  hook.rate_limit = config::RateLimit{2, std::chrono::seconds{2}};
  config.hooks = {hook};
  std::vector<Sighting> many;
  for (int i = 0; i < 5; ++i) many.push_back(sighting("d" + std::to_string(i), Confidence::likely));
  see(many);
  auto outcomes = deliver();  // no waiting: one window's worth
  EXPECT_EQ(outcomes[0].delivered, 2u);
  EXPECT_EQ(outcomes[0].waiting, 3u);
  auto list = list_deliveries(*db, config);
  EXPECT_EQ(std::count_if(list->begin(), list->end(),
                          [](const auto& d) { return d.state == store::DeliveryState::pending; }),
            3);
  outcomes = deliver({.max_wait = std::chrono::seconds{10}});  // waits for the next windows
  EXPECT_EQ(outcomes[0].delivered, 3u);
  const auto ids = ids_in(dir / "slow.jsonl");
  EXPECT_EQ(ids.size(), 5u);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 5u);
}

TEST_F(DispatcherTest, AHookAddedLaterGetsWhatIsStillInTheOutbox) {
  const fs::path down = dir / "down.jsonl";
  fs::create_directories(down);
  config.hooks = {jsonl_hook("down", down)};
  see({sighting("payroll", Confidence::confirmed)});
  deliver();
  config.hooks.push_back(jsonl_hook("new", dir / "new.jsonl"));
  deliver();
  EXPECT_EQ(ids_in(dir / "new.jsonl").size(), 1u);
  EXPECT_EQ(outbox_size(), 1u);  // "down" still owes it
}

TEST_F(DispatcherTest, JsonlRotationKeepsEveryLine) {
  auto hook = jsonl_hook("rot", dir / "rot.jsonl");
  hook.rotate_size = 3000;  // a line is about 1 KiB: a few lines per file
  config.hooks = {hook};
  std::vector<Sighting> many;
  for (int i = 0; i < 12; ++i)
    many.push_back(sighting("d" + std::to_string(i), Confidence::likely));
  see(many);
  deliver();
  EXPECT_TRUE(fs::exists(dir / "rot.jsonl.1"));
  EXPECT_TRUE(fs::exists(dir / "rot.jsonl.2"));
  for (int n = 1; fs::exists(dir / ("rot.jsonl." + std::to_string(n))); ++n) {
    EXPECT_LE(fs::file_size(dir / ("rot.jsonl." + std::to_string(n))), 3000u);
  }
  const auto ids = ids_in(dir / "rot.jsonl");
  EXPECT_EQ(ids.size(), 12u);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 12u);
}

TEST(RetryDelay, DoublesUpToTheMaximumWithJitterInTheUpperHalf) {
  config::HookConfig h;
  h.backoff = std::chrono::seconds{10};
  h.backoff_max = std::chrono::seconds{60};
  EXPECT_EQ(retry_delay(h, 1, 0.0), std::chrono::seconds{5});
  EXPECT_EQ(retry_delay(h, 1, 1.0), std::chrono::seconds{10});
  EXPECT_EQ(retry_delay(h, 2, 1.0), std::chrono::seconds{20});
  EXPECT_EQ(retry_delay(h, 3, 1.0), std::chrono::seconds{40});
  EXPECT_EQ(retry_delay(h, 4, 1.0), std::chrono::seconds{60});
  EXPECT_EQ(retry_delay(h, 40, 0.5), std::chrono::seconds{45});
}

TEST(HookAccepts, AppliesConfidenceDatasetsAndSources) {
  config::HookConfig h;
  h.min_confidence = Confidence::likely;
  EXPECT_FALSE(hook_accepts(h, sighting("a", Confidence::possible)));
  EXPECT_TRUE(hook_accepts(h, sighting("a", Confidence::likely)));
  h.datasets = {"b"};
  EXPECT_FALSE(hook_accepts(h, sighting("a", Confidence::confirmed)));
  EXPECT_TRUE(hook_accepts(h, sighting("b", Confidence::confirmed)));
  h.sources = {"other"};
  EXPECT_FALSE(hook_accepts(h, sighting("b", Confidence::confirmed)));
}

}  // namespace
}  // namespace leakwatch::alerts
