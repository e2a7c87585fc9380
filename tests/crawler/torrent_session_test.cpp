// Magnet metadata fetches against real peers on 127.0.0.1: a libtorrent seeder (v2 and hybrid
// torrents with pad files), aria2c seeding a mktorrent v1 torrent, opentracker as the tracker, a
// SOCKS5 proxy that refuses UDP ASSOCIATE like Tor's and records every CONNECT, a dead proxy,
// peers that lie about the metadata, and a magnet nobody answers.
#include "crawler/torrent_session.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "crawler/torrent_links.h"
#include "tests/support/process.h"
#include "tests/support/support_files.h"
#include "tests/support/temp_dir.h"

namespace leakwatch::crawler {
namespace {

using leakwatch::testing::BackgroundProcess;
using leakwatch::testing::find_program;
using leakwatch::testing::free_port;
using leakwatch::testing::random_bytes;
using leakwatch::testing::read_file;
using leakwatch::testing::run_command;
using leakwatch::testing::TempDir;
using leakwatch::testing::wait_for_port;
using leakwatch::testing::write_file;

using leakwatch::testing::kSystemPython;
using leakwatch::testing::support_file;

// A dataset, a torrent of it, and a seeder for it on 127.0.0.1.
struct Swarm {
  TempDir dir;
  std::filesystem::path torrent = dir / "leak.torrent";
  Manifest expected;
  int port = free_port();
  BackgroundProcess seeder;

  // `maker`: "v1", "v2", "hybrid" (libtorrent) or "mktorrent"; `seeder_kind`: "libtorrent" or
  // "aria2c". `tracker`: announce URL written into the torrent (the seeder announces to it).
  std::string seeder_kind;

  Swarm(const std::string& maker, const std::string& seeder = "libtorrent",
        const std::string& tracker = "", bool start_now = true)
      : seeder_kind(seeder) {
    write_file(dir / "leak" / "a.bin", random_bytes(100'000, 21));
    write_file(dir / "leak" / "sub" / "b.bin", random_bytes(300'001, 22));
    if (maker == "mktorrent") {
      std::vector<std::string> argv{"mktorrent", "-l", "15", "-o", torrent.string()};
      if (!tracker.empty()) argv.insert(argv.end(), {"-a", tracker});
      argv.push_back((dir / "leak").string());
      const auto r = run_command(argv);
      EXPECT_EQ(r.exit_code, 0) << r.err;
    } else {
      std::vector<std::string> argv{kSystemPython,
                                    support_file("torrent_peer.py"),
                                    "make",
                                    (dir / "leak").string(),
                                    torrent.string(),
                                    "32768",
                                    maker};
      if (!tracker.empty()) argv.push_back(tracker);
      const auto r = run_command(argv);
      EXPECT_EQ(r.exit_code, 0) << r.err;
    }
    auto m = read_torrent_file(torrent);
    EXPECT_TRUE(m) << m.error().message;
    expected = std::move(m).value();
    if (start_now) start();
  }

  void start() {
    if (seeder_kind == "aria2c") {
      seeder = BackgroundProcess(
          {"aria2c", "--seed-ratio=0.0", "--bt-seed-unverified=true", "--enable-dht=false",
           "--enable-dht6=false", "--bt-enable-lpd=false", "--enable-peer-exchange=false",
           "--listen-port=" + std::to_string(port), "--check-integrity=false",
           "--console-log-level=warn", "--summary-interval=0", "-d", dir.path().string(),
           torrent.string()},
          dir / "seeder.log");
    } else {
      seeder = BackgroundProcess({kSystemPython, support_file("torrent_peer.py"), "seed",
                                  std::to_string(port), dir.path().string(), torrent.string()},
                                 dir / "seeder.log");
    }
    EXPECT_TRUE(wait_for_port(port)) << read_file(dir / "seeder.log");
  }

  std::string magnet(const std::string& extra = "") const {
    const auto& t = *expected.torrent;
    std::string m = t.infohash_v1.empty() ? "magnet:?xt=urn:btmh:1220" + t.infohash_v2
                                          : "magnet:?xt=urn:btih:" + t.infohash_v1;
    return m + "&dn=leak" + extra;
  }
};

void expect_same_manifest(const Manifest& got, const Manifest& want) {
  EXPECT_EQ(got.locator, want.locator);
  ASSERT_EQ(got.entries.size(), want.entries.size());
  for (std::size_t i = 0; i < got.entries.size(); ++i) {
    EXPECT_EQ(got.entries[i].path, want.entries[i].path);
    EXPECT_EQ(got.entries[i].size, want.entries[i].size);
    EXPECT_EQ(got.entries[i].torrent_offset, want.entries[i].torrent_offset);
    EXPECT_EQ(got.entries[i].pad, want.entries[i].pad);
    EXPECT_EQ(got.entries[i].digests, want.entries[i].digests);
  }
  EXPECT_EQ(got.torrent->piece_hashes, want.torrent->piece_hashes);
}

MagnetFetchOptions quick(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  MagnetFetchOptions o;
  o.timeout = timeout;
  o.listen_interfaces = "127.0.0.1:0";
  return o;
}

TEST(MagnetFetch, HybridTorrentWithPadFilesFromALibtorrentSeederWithoutPayload) {
  Swarm swarm("hybrid");
  const auto got = fetch_magnet_metadata(
      {swarm.magnet("&x.pe=127.0.0.1:" + std::to_string(swarm.port))}, quick());
  ASSERT_EQ(got.size(), 1u);
  ASSERT_TRUE(got[0].manifest) << got[0].error;
  expect_same_manifest(*got[0].manifest, swarm.expected);
  EXPECT_EQ(got[0].payload_bytes, 0u);
  EXPECT_GT(got[0].protocol_bytes, 0u);
  EXPECT_LT(got[0].elapsed, std::chrono::seconds(30));
}

TEST(MagnetFetch, V2OnlyMagnetByBtmh) {
  Swarm swarm("v2");
  const auto got = fetch_magnet_metadata(
      {swarm.magnet("&x.pe=127.0.0.1:" + std::to_string(swarm.port))}, quick());
  ASSERT_TRUE(got[0].manifest) << got[0].error;
  expect_same_manifest(*got[0].manifest, swarm.expected);
  EXPECT_EQ(got[0].manifest->locator.rfind("magnet:?xt=urn:btmh:1220", 0), 0u);
}

TEST(MagnetFetch, MktorrentV1TorrentSeededByAria2c) {
  ASSERT_FALSE(find_program("aria2c").empty()) << "aria2c is needed (deploy/install-deps.sh)";
  Swarm swarm("mktorrent", "aria2c");
  const auto got = fetch_magnet_metadata(
      {swarm.magnet("&x.pe=127.0.0.1:" + std::to_string(swarm.port))}, quick());
  ASSERT_TRUE(got[0].manifest) << got[0].error << "\n" << read_file(swarm.dir / "seeder.log");
  expect_same_manifest(*got[0].manifest, swarm.expected);
  EXPECT_EQ(got[0].payload_bytes, 0u);
}

// Every connection through a SOCKS5 proxy that, like Tor's, refuses UDP ASSOCIATE: the tracker is
// named by a hostname only the proxy resolves, the peer comes from that tracker (opentracker), and
// the proxy's log shows both connections.
TEST(MagnetFetch, ThroughASocksProxyTrackerAndPeerGoThroughItAndNothingElse) {
  ASSERT_FALSE(find_program("opentracker").empty()) << "opentracker is needed";
  TempDir run;
  const int tracker_port = free_port();
  Swarm swarm("hybrid", "libtorrent",
              "http://127.0.0.1:" + std::to_string(tracker_port) + "/announce", false);
  // Debian's opentracker serves only whitelisted info-hashes (read after its chroot to -d).
  write_file(run / "whitelist", swarm.expected.torrent->infohash_v1 + "\n");
  // opentracker refuses to stay root: as root it chroots to -d and drops to -u.
  std::filesystem::permissions(
      run.path(), std::filesystem::perms::others_read | std::filesystem::perms::others_exec,
      std::filesystem::perm_options::add);
  BackgroundProcess tracker(
      {find_program("opentracker"), "-i", "127.0.0.1", "-p", std::to_string(tracker_port), "-P",
       std::to_string(tracker_port), "-u", "nobody", "-w", "whitelist", "-d", run.path().string()},
      run / "tracker.log");
  ASSERT_TRUE(wait_for_port(tracker_port)) << read_file(run / "tracker.log");
  swarm.start();
  const int proxy_port = free_port();
  BackgroundProcess proxy({"python3", support_file("socks5_recorder.py"),
                           std::to_string(proxy_port), (run / "socks.jsonl").string()},
                          run / "socks.log");
  ASSERT_TRUE(wait_for_port(proxy_port));
  // Let the seeder announce itself to the tracker first.
  std::this_thread::sleep_for(std::chrono::seconds(2));

  auto options = quick();
  options.proxy_url = "socks5h://127.0.0.1:" + std::to_string(proxy_port);
  const auto tr = "http://tracker.leak.invalid:" + std::to_string(tracker_port) + "/announce";
  const auto got = fetch_magnet_metadata(
      {swarm.magnet("&tr=" + tr + "&tr=udp://127.0.0.1:" + std::to_string(tracker_port))}, options);
  ASSERT_TRUE(got[0].manifest) << got[0].error << "\n" << read_file(run / "socks.jsonl");
  expect_same_manifest(*got[0].manifest, swarm.expected);
  EXPECT_EQ(got[0].payload_bytes, 0u);
  const auto log = read_file(run / "socks.jsonl");
  // The tracker by name (resolved by the proxy), the peer by the address the tracker gave.
  EXPECT_NE(
      log.find("\"host\": \"tracker.leak.invalid\", \"port\": " + std::to_string(tracker_port)),
      std::string::npos)
      << log;
  EXPECT_NE(log.find("\"host\": \"127.0.0.1\", \"port\": " + std::to_string(swarm.port)),
            std::string::npos)
      << log;
  std::string notes;
  for (const auto& n : got[0].notes) notes += n + "\n";
  EXPECT_NE(notes.find("1 UDP tracker(s) skipped"), std::string::npos) << notes;
  EXPECT_NE(notes.find("DHT off"), std::string::npos) << notes;
}

// A peer at an address only the proxy can "reach" (TEST-NET 192.0.2.1, relayed by the recorder
// to loopback): the metadata arriving at all proves the connection went through the proxy.
TEST(MagnetFetch, APeerOnlyTheProxyReachesProvesNoDirectConnection) {
  Swarm swarm("hybrid");
  TempDir run;
  const int proxy_port = free_port();
  BackgroundProcess proxy(
      {"python3", support_file("socks5_recorder.py"), std::to_string(proxy_port),
       (run / "socks.jsonl").string(), "--relay-any"},
      run / "socks.log");
  ASSERT_TRUE(wait_for_port(proxy_port));
  auto options = quick();
  options.proxy_url = "socks5://user:secret@127.0.0.1:" + std::to_string(proxy_port);
  const auto got = fetch_magnet_metadata(
      {swarm.magnet("&x.pe=192.0.2.1:" + std::to_string(swarm.port))}, options);
  ASSERT_TRUE(got[0].manifest) << got[0].error;
  const auto log = read_file(run / "socks.jsonl");
  EXPECT_NE(log.find("\"host\": \"192.0.2.1\", \"port\": " + std::to_string(swarm.port) +
                     ", \"user\": \"user\""),
            std::string::npos)
      << log;
  // Nothing but CONNECTs, and libtorrent's UDP ASSOCIATE (cmd 3), which the proxy refuses as
  // Tor does: libtorrent 2.0.8 cannot be kept from asking (docs/TORRENTS.md).
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_TRUE(line.find("\"cmd\": 1,") != std::string::npos ||
                line.find("\"cmd\": 3,") != std::string::npos)
        << line;
  }
}

// Waits until something listens on [::1]:port.
bool wait_for_ipv6_port(int port) {
  for (int i = 0; i < 100; ++i) {
    const int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in6 addr{};
    addr.sin6_family = AF_INET6;
    addr.sin6_port = htons(static_cast<std::uint16_t>(port));
    addr.sin6_addr = in6addr_loopback;
    const bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (up) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

TEST(MagnetFetch, AnIpv6LiteralProxyCarriesTheFetch) {
  // libtorrent was handed "[::1]" (the URL form) as the proxy's host name and failed.
  Swarm swarm("hybrid");
  TempDir run;
  const int proxy_port = free_port();
  BackgroundProcess proxy(
      {"python3", support_file("socks5_recorder.py"), std::to_string(proxy_port),
       (run / "socks.jsonl").string(), "--relay-any", "--listen", "::1"},
      run / "socks.log");
  ASSERT_TRUE(wait_for_ipv6_port(proxy_port)) << read_file(run / "socks.log");
  auto options = quick();
  options.proxy_url = "socks5://user:secret@[::1]:" + std::to_string(proxy_port);
  const auto got = fetch_magnet_metadata(
      {swarm.magnet("&x.pe=192.0.2.1:" + std::to_string(swarm.port))}, options);
  ASSERT_TRUE(got[0].manifest) << got[0].error;
  EXPECT_NE(read_file(run / "socks.jsonl").find("\"host\": \"192.0.2.1\""), std::string::npos);
}

TEST(MagnetFetch, AProxyErrorNeverShowsItsPassword) {
  auto options = quick();
  for (const auto* url : {"socks5h://leak:s3cr3t-pw@", "socks5h://leak:s3cr3t-pw@127.0.0.1",
                          "ftp://leak:s3cr3t-pw@127.0.0.1:21"}) {
    options.proxy_url = url;
    const auto got =
        fetch_magnet_metadata({"magnet:?xt=urn:btih:" + std::string(40, 'e')}, options);
    ASSERT_FALSE(got[0].manifest);
    EXPECT_FALSE(got[0].error.empty());
    EXPECT_EQ(got[0].error.find("s3cr3t-pw"), std::string::npos) << got[0].error;
  }
}

TEST(MagnetFetch, ADeadProxyFailsAtOnceAndNothingConnectsDirectly) {
  TempDir run;
  const int peer_port = free_port();
  // A listening peer that logs every connection: it must see none.
  BackgroundProcess peer({kSystemPython, support_file("torrent_peer.py"), "bad",
                          std::to_string(peer_port), std::string(40, 'a'), "garbage"},
                         run / "peer.log");
  ASSERT_TRUE(wait_for_port(peer_port));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto before = read_file(run / "peer.log");  // wait_for_port's own probe
  auto options = quick();
  options.proxy_url = "socks5h://127.0.0.1:" + std::to_string(free_port());  // nobody there
  const auto started = std::chrono::steady_clock::now();
  const auto got = fetch_magnet_metadata({"magnet:?xt=urn:btih:" + std::string(40, 'a') +
                                          "&x.pe=127.0.0.1:" + std::to_string(peer_port)},
                                         options);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  ASSERT_FALSE(got[0].manifest);
  EXPECT_NE(got[0].error.find("proxy unreachable"), std::string::npos) << got[0].error;
  EXPECT_NE(got[0].error.find("nothing connected directly"), std::string::npos) << got[0].error;
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(read_file(run / "peer.log"), before);
}

TEST(MagnetFetch, AMagnetNobodyAnswersTimesOutWhileTheOthersResolve) {
  Swarm swarm("hybrid");
  const int dead_port = free_port();
  const std::string nobody = "magnet:?xt=urn:btih:" + std::string(40, 'b') +
                             "&x.pe=127.0.0.1:" + std::to_string(dead_port);
  const auto got = fetch_magnet_metadata(
      {nobody, swarm.magnet("&x.pe=127.0.0.1:" + std::to_string(swarm.port)), "magnet:?dn=x"},
      quick(std::chrono::seconds(3)));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_FALSE(got[0].manifest);
  EXPECT_NE(got[0].error.find("no metadata within 3.0 s"), std::string::npos) << got[0].error;
  EXPECT_NE(got[0].error.find(std::string(40, 'b')), std::string::npos) << got[0].error;
  EXPECT_NE(got[0].error.find("Connection refused"), std::string::npos) << got[0].error;
  EXPECT_TRUE(got[1].manifest) << got[1].error;
  EXPECT_FALSE(got[2].manifest);
  EXPECT_NE(got[2].error.find("info-hash"), std::string::npos) << got[2].error;
}

// A wait is never silent: while a magnet is pending, the session says so at each interval, with
// the magnet and how long it may still take.
TEST(MagnetFetch, APendingMagnetIsReportedWhileItWaits) {
  const int dead_port = free_port();
  auto options = quick(std::chrono::seconds(3));
  options.progress_interval = std::chrono::milliseconds(1000);
  std::vector<std::string> progress;
  options.on_progress = [&](const std::string& line) { progress.push_back(line); };
  const auto got = fetch_magnet_metadata({"magnet:?xt=urn:btih:" + std::string(40, 'c') +
                                          "&x.pe=127.0.0.1:" + std::to_string(dead_port)},
                                         options);
  ASSERT_FALSE(got[0].manifest);
  ASSERT_GE(progress.size(), 1u);
  ASSERT_LE(progress.size(), 3u);
  EXPECT_NE(progress[0].find("1 of 1 magnet(s) waiting for metadata"), std::string::npos)
      << progress[0];
  EXPECT_NE(progress[0].find("urn:btih:cccccccccccc"), std::string::npos) << progress[0];
  EXPECT_NE(progress[0].find("giving up in at most"), std::string::npos) << progress[0];
}

TEST(MagnetFetch, AnOnionTrackerWithoutAProxyIsRefusedBeforeAnyLookup) {
  const auto got = fetch_magnet_metadata({"magnet:?xt=urn:btih:" + std::string(40, 'd') +
                                          "&tr=http%3A%2F%2Fexampleleakxyz.onion%2Fannounce"},
                                         quick(std::chrono::seconds(2)));
  ASSERT_FALSE(got[0].manifest);
  EXPECT_NE(got[0].error.find("needs a socks5h:// proxy"), std::string::npos) << got[0].error;
  EXPECT_EQ(got[0].elapsed, std::chrono::milliseconds(0)) << "never started";
}

TEST(MagnetFetch, PeersThatLieAboutTheMetadataAreRefused) {
  for (const std::string mode : {"oversized", "garbage"}) {
    TempDir run;
    const int port = free_port();
    const std::string hash(40, 'c');
    BackgroundProcess peer(
        {kSystemPython, support_file("torrent_peer.py"), "bad", std::to_string(port), hash, mode},
        run / "peer.log");
    ASSERT_TRUE(wait_for_port(port));
    auto options = quick(std::chrono::seconds(4));
    options.limits.max_bytes = 1 << 20;
    const auto got = fetch_magnet_metadata(
        {"magnet:?xt=urn:btih:" + hash + "&x.pe=127.0.0.1:" + std::to_string(port)}, options);
    EXPECT_FALSE(got[0].manifest) << mode;
    EXPECT_NE(got[0].error.find("no metadata within 4.0 s (1 peer connection(s), none delivered"),
              std::string::npos)
        << got[0].error;
    EXPECT_EQ(got[0].payload_bytes, 0u);
    // It did talk to the liar (so the refusal is libtorrent's check, not a failed connection):
    // one connection is wait_for_port's probe, the others are the fetch's.
    const auto log = read_file(run / "peer.log");
    std::size_t connections = 0;
    for (auto at = log.find("connection"); at != std::string::npos;
         at = log.find("connection", at + 1)) {
      ++connections;
    }
    EXPECT_GE(connections, 2u) << mode;
  }
}

}  // namespace
}  // namespace leakwatch::crawler
