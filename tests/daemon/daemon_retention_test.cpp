// Retention through the real binary, on a real store: the daemon applies [store] scan_retention
// (scans of a real nginx leak site recorded meanwhile), `db stats` says what is kept and what
// was pruned while the daemon runs, `verify` reports the pruned coverage, and `db prune` applies
// a count limit by hand (and is refused beside the daemon, which holds the writer lock).
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "store/store.h"
#include "tests/daemon/daemon_process.h"
#include "tests/support/nginx_server.h"
#include "tests/support/temp_dir.h"

namespace leakwatch {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::BackgroundProcess;
using testing::eventually;
using testing::read_file;
using testing::run_command;
using testing::TempDir;
using testing::write_file;

class DaemonRetention : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(dir_ / "dataset" / "plates.bin", testing::random_bytes(8192, 21));
    write_file(dir_ / "site" / "dump" / "index.txt", "nothing of plates here\n");
    site_.emplace(dir_ / "site");
    api_port_ = testing::free_port();
  }

  void write_config(const std::string& store_table) {
    write_file(config_, "data_dir = \"data\"\n[store]\n" + store_table +
                            "[api]\nlisten = \"127.0.0.1:" + std::to_string(api_port_) +
                            "\"\ntokens = [\"" + testing::kDaemonToken +
                            "\"]\n[[source]]\nname = \"site\"\nurl = \"" + site_->url("/dump/") +
                            "\"\nschedule = \"1s\"\n");
  }

  testing::CommandResult lw(std::vector<std::string> args) {
    args.insert(args.begin(), {LEAKWATCH_BINARY, "--config", config_.string()});
    return run_command(args);
  }

  // What a store looks like after three days of hourly scans of "site" (the newest 18.5 hours
  // ago) by a signature made before them.
  void seed_history() {
    ASSERT_EQ(lw({"sign", "--dataset", "plates", (dir_ / "dataset").string()}).exit_code, 0);
    auto store = store::Store::open(dir_ / "data", store::OpenMode::read_write);
    ASSERT_TRUE(store) << store.error().message;
    auto signature = (*store)->get_signature("plates");
    ASSERT_TRUE(signature && *signature);
    (*signature)->created = seeded_at_ - 72h;
    ASSERT_TRUE((*store)->put_signature(**signature));
    for (int h = 47; h >= 18; --h) {
      ScanRecord r;
      r.scan_id = "old-" + std::to_string(h);
      r.source = "site";
      r.locator = site_->url("/dump/");
      r.started = seeded_at_ - std::chrono::hours{h} - 30min;
      r.ended = r.started + 2s;
      r.status = ScanStatus::ok;
      r.entries_seen = 1;
      ASSERT_TRUE((*store)->record_fetch(r, {}));
    }
  }

  std::vector<ScanRecord> scans() {
    auto store = store::Store::open(dir_ / "data", store::OpenMode::read_only);
    EXPECT_TRUE(store) << store.error().message;
    std::vector<ScanRecord> out;
    if (!store) return out;
    EXPECT_TRUE((*store)->for_each_scan({}, [&](const ScanRecord& r) {
      out.push_back(r);
      return true;
    }));
    return out;
  }

  TempDir dir_;
  std::optional<testing::NginxServer> site_;
  std::filesystem::path config_ = dir_ / "leakwatch.toml";
  int api_port_ = 0;
  Timestamp seeded_at_ = now();
};

TEST_F(DaemonRetention, TheDaemonPrunesOldScansAndStatsAndVerifySayWhatWasPruned) {
  write_config("scan_retention = \"1d\"\n");
  seed_history();
  BackgroundProcess daemon(
      {LEAKWATCH_BINARY, "--config", config_.string(), "--log-format", "json", "daemon"},
      dir_ / "daemon.log");
  ASSERT_TRUE(testing::wait_for_port(api_port_)) << read_file(dir_ / "daemon.log");
  // The first retention pass runs within a second or two of the start.
  ASSERT_TRUE(eventually([&] {
    return read_file(dir_ / "daemon.log").find("retention applied scans_removed=24 ") !=
           std::string::npos;
  })) << read_file(dir_ / "daemon.log");
  // The seeded scans 47.5h..24.5h ago are gone; those of the last day and the daemon's stay.
  const Timestamp pruned_through = seeded_at_ - 24h - 30min;
  const std::string pruned_text = format_rfc3339(pruned_through);

  // db stats works beside the daemon and says what is kept and what was pruned.
  const auto stats = lw({"db", "stats"});
  ASSERT_EQ(stats.exit_code, 0) << stats.err;
  EXPECT_NE(stats.out.find("retention: scan records kept started in the last 1d, any number per "
                           "source ([store] scan_retention, scans_per_source); manifest history "
                           "100 change records per locator"),
            std::string::npos)
      << stats.out;
  EXPECT_NE(stats.out.find("oldest scan kept: " + format_rfc3339(seeded_at_ - 23h - 30min) +
                           " (source site)"),
            std::string::npos)
      << stats.out;
  EXPECT_NE(stats.out.find("scans pruned: up to " + pruned_text + " (source site;"),
            std::string::npos)
      << stats.out;
  EXPECT_NE(stats.out.find("size by kind (tables + memtables): sightings "), std::string::npos)
      << stats.out;
  EXPECT_NE(stats.out.find(", scans "), std::string::npos) << stats.out;
  // `db prune` needs the writer lock the daemon holds.
  EXPECT_EQ(lw({"db", "prune"}).exit_code, 1);

  // verify over the last two days: nothing found and the site covered, so not-observed; and
  // the report says that coverage before the newest pruned scan is gone.
  const auto since = format_rfc3339(seeded_at_ - 48h);
  const auto text = lw({"verify", "--dataset", "plates", "--since", since});
  EXPECT_EQ(text.exit_code, 0) << text.out << text.err;
  EXPECT_NE(text.out.find("Coverage before " + pruned_text + " pruned"), std::string::npos)
      << text.out;
  const auto as_json = lw({"verify", "--dataset", "plates", "--since", since, "--format", "json"});
  const auto report = json::parse(as_json.out);
  bool pruned = false;
  for (const auto& l : report["limitations"]) {
    pruned |= l["kind"] == "pruned" && l["source"] == "site";
  }
  EXPECT_TRUE(pruned) << report["limitations"].dump();
  // A window after the pruned scans has nothing to say about them.
  const auto recent =
      lw({"verify", "--dataset", "plates", "--since", format_rfc3339(seeded_at_ - 20h)});
  EXPECT_EQ(recent.exit_code, 0);
  EXPECT_EQ(recent.out.find(" pruned"), std::string::npos) << recent.out;

  ::kill(daemon.pid(), SIGTERM);
  EXPECT_EQ(testing::wait_exit(daemon, 10s), 0) << read_file(dir_ / "daemon.log");
  const auto kept = scans();
  for (const auto& r : kept) EXPECT_GE(r.started, seeded_at_ - 24h) << r.scan_id;
  EXPECT_GE(kept.size(), 6u + 1u) << "6 seeded scans of the last day and the daemon's";
}

TEST_F(DaemonRetention, DbPruneAppliesACountLimitByHandAndIsIdempotent) {
  write_config("scans_per_source = 3\nmanifest_history = 5\n");
  seed_history();
  auto r = lw({"db", "prune"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("retention: scan records kept of any age, at most 3 per source"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("removed 27 scan records and 0 manifest change records; kept 0 older"),
            std::string::npos)
      << r.out;
  const auto kept = scans();
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept.front().scan_id, "old-20");
  r = lw({"db", "prune"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("removed 0 scan records"), std::string::npos) << r.out;
  // A bad retention value is a config error for db prune too, naming file, line and key.
  write_config("scans_per_source = -1\n");
  r = lw({"db", "prune"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("leakwatch.toml:3:20: store.scans_per_source"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace leakwatch
