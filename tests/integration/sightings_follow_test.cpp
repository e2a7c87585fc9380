// `leakwatch sightings --follow` beside a real writer: follow runs as one process (a read-only
// secondary instance), real `leakwatch scan` runs of a real nginx write sightings from others,
// and each new or changed sighting must be printed exactly once, until SIGTERM ends it cleanly.
#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include "tests/support/nginx_server.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace leakwatch {
namespace {

using testing::run_command;
using testing::TempDir;
using testing::write_file;

// The CSV rows (dataset,source,locator,confidence,files_matched,...) printed so far.
std::vector<std::string> rows_in(const std::filesystem::path& log) {
  std::vector<std::string> rows;
  std::istringstream in(testing::read_file(log));
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("alpha,") || line.starts_with("beta,")) rows.push_back(line);
  }
  return rows;
}

bool wait_for(const std::function<bool()>& done, std::chrono::seconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

TEST(SightingsFollow, PrintsEachNewOrChangedSightingOnceWhileScansRun) {
  TempDir dir;
  const auto a1 = testing::random_bytes(5000, 21), a2 = testing::random_bytes(7000, 22),
             b1 = testing::random_bytes(9000, 23);
  write_file(dir / "alpha" / "a1.bin", a1);
  write_file(dir / "alpha" / "a2.bin", a2);
  write_file(dir / "beta" / "b1.bin", b1);
  write_file(dir / "site" / "a1.bin", a1);
  testing::NginxServer server(dir / "site");
  const auto config = dir / "leakwatch.toml";
  write_file(config, "data_dir = \"data\"\n[[source]]\nname = \"site\"\nurl = \"" +
                         server.url("/") + "\"\nfetch_content = \"candidates\"\n");
  auto lw = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {LEAKWATCH_BINARY, "--config", config.string()});
    return run_command(args);
  };
  for (const auto* name : {"alpha", "beta"}) {
    ASSERT_EQ(lw({"sign", "--dataset", name, (dir / name).string()}).exit_code, 0);
  }

  const auto log = dir / "follow.log";
  testing::BackgroundProcess follow(
      {LEAKWATCH_BINARY, "--config", config.string(), "sightings", "--follow", "--format", "csv",
       "--interval", "0.2", "--min-confidence", "likely"},
      log);
  // The header is printed once follow knows the current state.
  // (The log also holds stderr, which starts with the config loaded.)
  ASSERT_TRUE(wait_for(
      [&] {
        const auto text = testing::read_file(log);
        return text.starts_with("dataset,") || text.find("\ndataset,") != std::string::npos;
      },
      std::chrono::seconds{30}))
      << testing::read_file(log);

  auto r = lw({"scan"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(wait_for([&] { return !rows_in(log).empty(); }, std::chrono::seconds{30}))
      << testing::read_file(log);
  auto rows = rows_in(log);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(rows[0].starts_with("alpha,site," + server.url("/") + ",confirmed,1,2,")) << rows[0];

  // A re-sight that only moves last_seen is not news.
  r = lw({"scan"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(rows_in(log).size(), 1u) << testing::read_file(log);

  // More of alpha (changed: 2 of 2 files) and beta for the first time (new).
  write_file(dir / "site" / "a2.bin", a2);
  write_file(dir / "site" / "b1.bin", b1);
  r = lw({"scan"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(wait_for([&] { return rows_in(log).size() >= 3; }, std::chrono::seconds{30}))
      << testing::read_file(log);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  rows = rows_in(log);
  ASSERT_EQ(rows.size(), 3u) << testing::read_file(log);
  std::sort(rows.begin() + 1, rows.end());
  EXPECT_TRUE(rows[1].starts_with("alpha,site," + server.url("/") + ",confirmed,2,2,")) << rows[1];
  EXPECT_TRUE(rows[2].starts_with("beta,site," + server.url("/") + ",confirmed,1,1,")) << rows[2];

  EXPECT_EQ(follow.stop(), 0) << "SIGTERM ends follow cleanly\n" << testing::read_file(log);
}

TEST(SightingsFollow, RejectsLimitAndBadIntervals) {
  TempDir dir;
  auto r = run_command({LEAKWATCH_BINARY, "--data-dir", (dir / "d").string(), "sightings",
                        "--follow", "--limit", "3"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--limit cannot be combined with --follow"), std::string::npos) << r.err;
  r = run_command({LEAKWATCH_BINARY, "--data-dir", (dir / "d").string(), "sightings", "--follow",
                   "--interval", "0"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

}  // namespace
}  // namespace leakwatch
