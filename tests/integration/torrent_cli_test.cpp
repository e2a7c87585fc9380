// Torrents through the real binary: `check FILE.torrent`, `check URL.torrent` (nginx),
// `check magnet:...` against a libtorrent seeder on loopback, a listing that links a .torrent,
// a magnet source scanned through a SOCKS5 proxy; `sign --keep-source` proving unaligned v1 files;
// one torrent seen through four locators recorded as one sighting (its info-hash).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/nginx_server.h"
#include "tests/support/process.h"
#include "tests/support/support_files.h"
#include "tests/support/temp_dir.h"

namespace leakwatch {
namespace {

using testing::BackgroundProcess;
using testing::CommandResult;
using testing::free_port;
using testing::NginxServer;
using testing::random_bytes;
using testing::read_file;
using testing::run_command;
using testing::TempDir;
using testing::wait_for_port;
using testing::write_file;

using leakwatch::testing::kSystemPython;
using leakwatch::testing::support_file;

CommandResult leakwatch(const TempDir& dir, std::vector<std::string> args) {
  args.insert(args.begin(), {LEAKWATCH_BINARY, "-q", "--data-dir", (dir / "data").string()});
  return run_command(args);
}

nlohmann::json json_of(const CommandResult& r) {
  try {
    return nlohmann::json::parse(r.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not JSON: " << r.out << "\n" << r.err;
    return {};
  }
}

// Originals signed as dataset "hr"; a renamed copy under site/dump is what leaks.
struct Leak {
  TempDir dir;
  Leak(bool keep_source) {
    const auto a = random_bytes(100'000, 31), b = random_bytes(300'001, 32);
    write_file(dir / "originals" / "payroll.xlsx", a);
    write_file(dir / "originals" / "hr" / "staff.csv", b);
    write_file(dir / "site" / "dump" / "aaa.bin", a);
    write_file(dir / "site" / "dump" / "zzz" / "bbb.bin", b);
    std::vector<std::string> args{"sign", "--dataset", "hr"};
    if (keep_source) args.emplace_back("--keep-source");
    args.push_back((dir / "originals").string());
    const auto r = leakwatch(dir, args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  void make_torrent(const std::string& maker, const std::filesystem::path& out) const {
    const auto r =
        maker == "mktorrent"
            ? run_command(
                  {"mktorrent", "-l", "15", "-o", out.string(), (dir / "site" / "dump").string()})
            : run_command({kSystemPython, support_file("torrent_peer.py"), "make",
                           (dir / "site" / "dump").string(), out.string(), "32768", maker});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
};

std::map<std::string, nlohmann::json> evidence_by_file(const nlohmann::json& sighting) {
  std::map<std::string, nlohmann::json> out;
  for (const auto& e : sighting["evidence"]) out[e["file"].get<std::string>()] = e;
  return out;
}

TEST(TorrentCli, CheckATorrentFileProvesUnalignedFilesFromKeptOriginals) {
  Leak leak(true);
  const auto torrent = leak.dir / "site" / "dump.torrent";
  leak.make_torrent("mktorrent", torrent);
  const auto r = leakwatch(leak.dir, {"check", torrent.string(), "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  const auto j = json_of(r);
  ASSERT_EQ(j["sightings"].size(), 1u) << r.out;
  const auto& s = j["sightings"][0];
  EXPECT_EQ(s["confidence"], "confirmed");
  EXPECT_EQ(s["files_matched"], 2);
  EXPECT_EQ(s["locator"].get<std::string>().rfind("magnet:?xt=urn:btih:", 0), 0u) << s;
  auto ev = evidence_by_file(s);
  EXPECT_EQ(ev["payroll.xlsx"]["kind"], "btv1-pieces");
  EXPECT_NE(ev["payroll.xlsx"]["detail"].get<std::string>().find("1 piece checked"),
            std::string::npos);
  EXPECT_EQ(ev["hr/staff.csv"]["kind"], "btv1-pieces");
  EXPECT_NE(ev["hr/staff.csv"]["detail"].get<std::string>().find(
                "3 pieces checked against the local original"),
            std::string::npos)
      << ev["hr/staff.csv"];

  // The bundle for another team never says where the originals are.
  ASSERT_EQ(leakwatch(leak.dir, {"signatures", "export", "hr", (leak.dir / "hr.bundle").string()})
                .exit_code,
            0);
  EXPECT_EQ(read_file(leak.dir / "hr.bundle").find("original_path"), std::string::npos);
  EXPECT_EQ(read_file(leak.dir / "hr.bundle").find((leak.dir / "originals").string()),
            std::string::npos);
}

TEST(TorrentCli, OneTorrentSeenAsFileUrlAndMagnetIsOneSighting) {
  Leak leak(false);
  const auto torrent = leak.dir / "site" / "dump.torrent";
  leak.make_torrent("hybrid", torrent);
  // 1. The .torrent on disk.
  auto r = leakwatch(leak.dir, {"check", torrent.string(), "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = json_of(r);
  ASSERT_EQ(j["sightings"].size(), 1u) << r.out;
  const auto locator = j["sightings"][0]["locator"].get<std::string>();
  EXPECT_EQ(j["sightings"][0]["confidence"], "confirmed");
  for (const auto& [file, e] : evidence_by_file(j["sightings"][0])) {
    EXPECT_EQ(e["kind"], "btv2-root") << file;
  }

  // 2. A listing on nginx that links it: the crawler fetches the .torrent and reads it.
  NginxServer nginx(leak.dir / "site");
  r = leakwatch(leak.dir, {"check", nginx.url("/"), "--depth", "0", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  j = json_of(r);
  ASSERT_EQ(j["sightings"].size(), 1u) << r.out;
  EXPECT_EQ(j["sightings"][0]["locator"], locator);

  // 2b. Its own URL.
  r = leakwatch(leak.dir, {"check", nginx.url("/dump.torrent"), "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  j = json_of(r);
  ASSERT_EQ(j["sightings"].size(), 1u) << r.out;
  EXPECT_EQ(j["sightings"][0]["locator"], locator);
  EXPECT_EQ(j["scans"][0]["locator"], nginx.url("/dump.torrent")) << "the scan keeps the URL";

  // 3. Its magnet, from a libtorrent seeder on loopback.
  const int port = free_port();
  BackgroundProcess seeder({kSystemPython, support_file("torrent_peer.py"), "seed",
                            std::to_string(port), (leak.dir / "site").string(), torrent.string()},
                           leak.dir / "seeder.log");
  ASSERT_TRUE(wait_for_port(port));
  const auto magnet = locator + "&dn=dump&x.pe=127.0.0.1:" + std::to_string(port);
  r = leakwatch(leak.dir, {"check", magnet, "--timeout", "30", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  j = json_of(r);
  ASSERT_EQ(j["sightings"].size(), 1u) << r.out;
  EXPECT_EQ(j["sightings"][0]["locator"], locator);
  EXPECT_EQ(j["sightings"][0]["files_matched"], 2);

  // Four fetches, one sighting: the info-hash is the locator.
  r = leakwatch(leak.dir, {"sightings", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::size_t lines = 0;
  for (auto at = r.out.find('\n'); at != std::string::npos; at = r.out.find('\n', at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 1u) << r.out;
  EXPECT_NE(r.out.find(locator), std::string::npos) << r.out;
}

TEST(TorrentCli, AMagnetSourceScannedThroughSocksNotesWhatTorCannotCarry) {
  Leak leak(false);
  const auto torrent = leak.dir / "site" / "dump.torrent";
  leak.make_torrent("hybrid", torrent);
  const int port = free_port();
  BackgroundProcess seeder({kSystemPython, support_file("torrent_peer.py"), "seed",
                            std::to_string(port), (leak.dir / "site").string(), torrent.string()},
                           leak.dir / "seeder.log");
  const int proxy_port = free_port();
  BackgroundProcess proxy(
      {"python3", support_file("socks5_recorder.py"), std::to_string(proxy_port),
       (leak.dir / "socks.jsonl").string(), "--relay-any"},
      leak.dir / "socks.log");
  ASSERT_TRUE(wait_for_port(port));
  ASSERT_TRUE(wait_for_port(proxy_port));
  auto j =
      json_of(leakwatch(leak.dir, {"check", torrent.string(), "--no-record", "--format", "json"}));
  const auto locator = j["sightings"][0]["locator"].get<std::string>();
  const int dead = free_port();
  write_file(leak.dir / "lw.toml",
             "data_dir = \"data\"\n"
             "[[proxy]]\nname = \"tor\"\nurl = \"socks5h://127.0.0.1:" +
                 std::to_string(proxy_port) +
                 "\"\n"
                 "[[source]]\nname = \"tracker-post\"\nkind = \"magnet\"\nproxy = \"tor\"\n"
                 "timeout = \"20s\"\nurl = \"" +
                 locator +
                 "&tr=udp://tracker.leak.invalid:6969&x.pe=192.0.2.1:" + std::to_string(port) +
                 "\"\n"
                 "[[source]]\nname = \"never\"\nkind = \"magnet\"\nproxy = \"tor\"\n"
                 "timeout = \"30s\"\nmagnet_timeout = \"2s\"\nurl = \"magnet:?xt=urn:btih:" +
                 std::string(40, 'e') + "&x.pe=127.0.0.1:" + std::to_string(dead) + "\"\n");
  const auto r = run_command({LEAKWATCH_BINARY, "-q", "--config", (leak.dir / "lw.toml").string(),
                              "scan", "--format", "json"});
  EXPECT_EQ(r.exit_code, 1) << "one source failed: " << r.err << r.out;
  j = json_of(r);
  ASSERT_EQ(j["scans"].size(), 2u) << r.out;
  for (const auto& scan : j["scans"]) {
    if (scan["source"] == "tracker-post") {
      EXPECT_EQ(scan["status"], "ok") << scan;
      EXPECT_EQ(scan["proxy"], "tor");
      const auto notes = scan["notes"].dump();
      EXPECT_NE(notes.find("UDP tracker(s) skipped"), std::string::npos) << notes;
      EXPECT_NE(notes.find("DHT off"), std::string::npos) << notes;
    } else {
      EXPECT_EQ(scan["status"], "failed") << scan;
      EXPECT_NE(scan["error"].get<std::string>().find("no metadata within 2.0 s"),
                std::string::npos)
          << scan;
    }
  }
  ASSERT_EQ(j["sightings"].size(), 1u) << r.out;
  EXPECT_EQ(j["sightings"][0]["locator"], locator);
  EXPECT_NE(read_file(leak.dir / "socks.jsonl").find("192.0.2.1"), std::string::npos);
}

}  // namespace
}  // namespace leakwatch
