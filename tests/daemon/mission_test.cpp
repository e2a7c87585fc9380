// The mission in one test (issue 17): everything real on 127.0.0.1. nginx serves a leak site,
// microsocks is the SOCKS5 proxy every source goes through, a libtorrent seeder holds a torrent
// of part of the dataset, rsyslog (TCP) and a webhook receiver take the alerts, and the daemon
// scans five sources on a 5 s schedule. The test plants the signed dataset in steps (loose files,
// a zip, a magnet on a post to the seeded torrent, a checksum list, rows in a pasted dump) and
// asserts: each step's sighting with its evidence kind, each alert exactly once at each receiver
// within one schedule interval plus 5 s of the plant, verify turning from not-observed to refuted
// (and still not-observed as of before the first plant), and SIGTERM then a restart losing no
// sighting and re-alerting nothing.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>

#include "store/store.h"
#include "tests/daemon/daemon_process.h"
#include "tests/support/alert_receivers.h"
#include "tests/support/nginx_server.h"
#include "tests/support/support_files.h"
#include "tests/support/temp_dir.h"

namespace leakwatch {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::BackgroundProcess;
using testing::eventually;
using testing::read_file;
using testing::run_command;
using testing::sample;
using testing::TempDir;
using testing::write_file;
using Clock = std::chrono::steady_clock;

constexpr auto kInterval = 5s;
const std::vector<std::string> kSources = {"loose", "zip", "post", "sums", "paste"};

// Rows of the dataset's table: plate and passport numbers, the columns fingerprinted.
std::vector<std::pair<std::string, std::string>> make_rows(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const auto pick = [&](std::string_view alphabet, int count) {
    std::string s;
    for (int i = 0; i < count; ++i) s.push_back(alphabet[rng() % alphabet.size()]);
    return s;
  };
  std::vector<std::pair<std::string, std::string>> rows;
  for (std::size_t i = 0; i < n; ++i) {
    rows.emplace_back(pick("BCDFGHJKLMNPRSTVWXZ", 3) + pick("0123456789", 4),
                      "P" + pick("0123456789", 8));
  }
  return rows;
}

std::string md5_hex(const std::filesystem::path& file) {
  const auto r = run_command({"md5sum", file.string()});
  return r.out.substr(0, 32);
}

class Mission : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto microsocks = testing::find_program("microsocks");
    ASSERT_FALSE(microsocks.empty()) << "microsocks is installed by deploy/install-deps.sh";
    // The dataset: six files and a table of 200 people.
    for (int i = 1; i <= 6; ++i) {
      write_file(dir_ / "payroll" / ("f" + std::to_string(i) + ".bin"),
                 testing::random_bytes(20'000 + 1000 * static_cast<std::size_t>(i),
                                       700 + static_cast<std::uint64_t>(i)));
    }
    rows_ = make_rows(200, 77);
    std::string csv = "name,plate,passport\n";
    for (std::size_t i = 0; i < rows_.size(); ++i) {
      csv += "Person " + std::to_string(i) + "," + rows_[i].first + "," + rows_[i].second + "\n";
    }
    write_file(dir_ / "people.csv", csv);
    // The site: one empty folder per source (an empty listing is a successful scan).
    for (const auto& s : kSources) std::filesystem::create_directories(dir_ / "site" / s);
    site_.emplace(dir_ / "site");
    // A torrent of f5.bin (as "release/tape5.dat"), seeded on loopback.
    std::filesystem::create_directories(dir_ / "torrent" / "release");
    std::filesystem::copy_file(dir_ / "payroll" / "f5.bin",
                               dir_ / "torrent" / "release" / "tape5.dat");
    const auto torrent = dir_ / "release.torrent";
    auto r =
        run_command({testing::kSystemPython, testing::support_file("torrent_peer.py"), "make",
                     (dir_ / "torrent" / "release").string(), torrent.string(), "16384", "hybrid"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = run_command({testing::kSystemPython, testing::support_file("torrent_peer.py"), "infohash",
                     torrent.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    infohash_ = r.out.substr(0, 40);
    seeder_port_ = testing::free_port();
    seeder_ = BackgroundProcess(
        {testing::kSystemPython, testing::support_file("torrent_peer.py"), "seed",
         std::to_string(seeder_port_), (dir_ / "torrent").string(), torrent.string()},
        dir_ / "seeder.log");
    socks_port_ = testing::free_port();
    socks_ = BackgroundProcess({microsocks, "-i", "127.0.0.1", "-p", std::to_string(socks_port_)},
                               dir_ / "socks.log");
    syslog_.emplace(false);
    web_.emplace("webhook", std::vector<std::string>{"--secret", "mission-secret"});
    ASSERT_TRUE(testing::wait_for_port(seeder_port_)) << read_file(dir_ / "seeder.log");
    ASSERT_TRUE(testing::wait_for_port(socks_port_));

    api_port_ = testing::free_port();
    write_file(dir_ / "hook.secret", "mission-secret\n");
    ::chmod((dir_ / "hook.secret").c_str(), 0600);
    std::string config =
        "data_dir = \"data\"\n"
        "[[proxy]]\nname = \"socks\"\nurl = \"socks5h://127.0.0.1:" +
        std::to_string(socks_port_) +
        "\"\n[api]\nlisten = \"127.0.0.1:" + std::to_string(api_port_) + "\"\ntokens = [\"" +
        testing::kDaemonToken +
        "\"]\n[daemon]\ngrace = \"5s\"\n"
        "[[dataset]]\nname = \"payroll\"\nrecords_likely = 5\n";
    for (const auto& s : kSources) {
      config += "[[source]]\nname = \"" + s + "\"\nurl = \"" + site_->url("/" + s + "/") +
                "\"\nproxy = \"socks\"\nschedule = \"5s\"\nfetch_content = \"candidates\"\n"
                "timeout = \"20s\"\n";
    }
    config += "[[hook]]\nname = \"web\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:" +
              std::to_string(web_->port()) + "/hook\"\nsecret_file = \"" +
              (dir_ / "hook.secret").string() +
              "\"\nbackoff = \"200ms\"\nbackoff_max = \"1s\"\n"
              "[[hook]]\nname = \"siem\"\nkind = \"syslog\"\nformat = \"rfc5424\"\n"
              "url = \"tcp://127.0.0.1:" +
              std::to_string(syslog_->port()) + "\"\nbackoff = \"200ms\"\nbackoff_max = \"1s\"\n";
    write_file(config_, config);
    r = lw({"sign", "--dataset", "payroll", "--records", (dir_ / "people.csv").string(),
            "--columns", "plate,passport", (dir_ / "payroll").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  testing::CommandResult lw(std::vector<std::string> args) {
    args.insert(args.begin(), {LEAKWATCH_BINARY, "-q", "--config", config_.string()});
    return run_command(args);
  }
  BackgroundProcess start_daemon(const std::string& log) {
    BackgroundProcess p(
        {LEAKWATCH_BINARY, "--config", config_.string(), "--log-format", "json", "daemon"},
        dir_ / log);
    EXPECT_TRUE(testing::wait_for_port(api_port_)) << read_file(dir_ / log);
    return p;
  }
  // Every source scanned successfully at least `n` times since the daemon started.
  bool every_source_scanned(double n) const {
    const auto m = testing::http_get(api_port_, "/metrics").body;
    for (const auto& s : kSources) {
      if (sample(m, "leakwatch_scans_total{source=\"" + s + "\",status=\"ok\"}") < n) return false;
    }
    return true;
  }
  std::vector<json> sightings() {
    const auto r = lw({"sightings", "--dataset", "payroll", "--format", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<json> out;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
    return out;
  }
  int verify(const std::string& as_of = "") {
    std::vector<std::string> args = {"verify", "--dataset", "payroll"};
    if (!as_of.empty()) args.insert(args.end(), {"--as-of", as_of});
    return lw(args).exit_code;
  }
  std::size_t alerts_at_both() {
    return std::min(testing::json_lines(web_->log()).size(),
                    testing::json_lines(syslog_->output()).size());
  }

  TempDir dir_;
  std::filesystem::path config_ = dir_ / "leakwatch.toml";
  std::vector<std::pair<std::string, std::string>> rows_;
  std::optional<testing::NginxServer> site_;
  std::optional<testing::RsyslogServer> syslog_;
  std::optional<testing::PythonReceiver> web_;
  BackgroundProcess seeder_, socks_;
  std::string infohash_;
  int seeder_port_ = 0, socks_port_ = 0, api_port_ = 0;
};

TEST_F(Mission, PlantsInStepsAreSightedAndAlertedOnceEachWithinAnIntervalAndSurviveARestart) {
  auto daemon = start_daemon("run1.log");
  ASSERT_TRUE(eventually([&] { return every_source_scanned(1); }, 30s))
      << read_file(dir_ / "run1.log");
  // Every source covered, nothing seen: not observed.
  const std::string before_plants = format_rfc3339(now());
  EXPECT_EQ(verify(), 0) << lw({"verify", "--dataset", "payroll"}).out;

  struct Step {
    std::string source;
    std::string evidence_kind;
    std::function<void()> plant;
  };
  const auto payroll = [&](const std::string& f) { return dir_ / "payroll" / f; };
  const std::vector<Step> steps = {
      {"loose", "sha256",
       [&] {
         // Renamed copies: found by size, proven by hashing their content.
         std::filesystem::copy_file(payroll("f1.bin"), dir_ / "site/loose/IMG_0001.jpg");
         std::filesystem::copy_file(payroll("f2.bin"), dir_ / "site/loose/IMG_0002.jpg");
       }},
      {"zip", "crc32+size",
       [&] {
         // Written to a temporary name and renamed: the daemon never sees half a zip.
         const std::string zip_script =
             "import sys, zipfile\n"
             "with zipfile.ZipFile(sys.argv[1] + '.tmp', 'w') as z:\n"
             "  z.write(sys.argv[2], 'backup/f3.bin'); z.write(sys.argv[3], 'backup/f4.bin')\n"
             "import os; os.rename(sys.argv[1] + '.tmp', sys.argv[1])\n";
         const auto r =
             run_command({"python3", "-c", zip_script, (dir_ / "site/zip/backup.zip").string(),
                          payroll("f3.bin").string(), payroll("f4.bin").string()});
         ASSERT_EQ(r.exit_code, 0) << r.err;
       }},
      {"post", "btv2-root",
       [&] {
         write_file(dir_ / "site/post/index.html.tmp",
                    "<html><head><title>fresh drop</title></head><body><h1>payroll tapes</h1>"
                    "<p>grab it: <a href=\"magnet:?xt=urn:btih:" +
                        infohash_ + "&dn=release&x.pe=127.0.0.1:" + std::to_string(seeder_port_) +
                        "\">magnet</a></p></body></html>\n");
         std::filesystem::rename(dir_ / "site/post/index.html.tmp", dir_ / "site/post/index.html");
       }},
      {"sums", "md5",
       [&] {
         write_file(dir_ / "site/sums/MD5SUMS.tmp", md5_hex(payroll("f6.bin")) + "  tape6.dat\n");
         std::filesystem::rename(dir_ / "site/sums/MD5SUMS.tmp", dir_ / "site/sums/MD5SUMS");
       }},
      {"paste", "records",
       [&] {
         // 30 real rows among 500 made-up ones, in a pasted page.
         const auto noise = make_rows(500, 5);
         std::string page = "<html><body><h1>sample</h1><pre>\nplate | passport\n";
         for (std::size_t i = 0; i < noise.size(); ++i) {
           if (i % 16 == 0 && i / 16 < 30) {
             page += rows_[i / 16 * 5].first + " | " + rows_[i / 16 * 5].second + "\n";
           }
           page += noise[i].first + " | " + noise[i].second + "\n";
         }
         write_file(dir_ / "site/paste/index.html.tmp", page + "</pre></body></html>\n");
         std::filesystem::rename(dir_ / "site/paste/index.html.tmp",
                                 dir_ / "site/paste/index.html");
       }},
  };

  std::map<std::string, double> latency_s;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const auto& step = steps[i];
    const auto planted = Clock::now();
    step.plant();
    ASSERT_TRUE(eventually([&] { return alerts_at_both() >= i + 1; }, 30s))
        << "step " << step.source << "\n"
        << read_file(dir_ / "run1.log");
    const auto latency = Clock::now() - planted;
    latency_s[step.source] = std::chrono::duration<double>(latency).count();
    // Detection latency: plant -> alert at both receivers within one interval plus 5 s.
    EXPECT_LE(latency, kInterval + 5s) << step.source << ": " << latency_s[step.source] << " s";
    if (i == 0) {
      EXPECT_EQ(verify(), 10) << "refuted once the first sighting is recorded";
      EXPECT_EQ(verify(before_plants), 0) << "and still not observed as of before the plants";
    }
  }
  for (const auto& [source, s] : latency_s) std::cout << "latency " << source << " " << s << " s\n";

  // The sightings: one per step, each with its evidence kind, found through the proxy.
  auto seen = sightings();
  ASSERT_EQ(seen.size(), steps.size()) << lw({"sightings"}).out;
  std::map<std::string, json> by_source;
  for (const auto& s : seen) by_source[s["source"].get<std::string>()] = s;
  for (const auto& step : steps) {
    ASSERT_TRUE(by_source.count(step.source)) << step.source;
    const auto& s = by_source[step.source];
    std::set<std::string> kinds;
    for (const auto& e : s["evidence"]) kinds.insert(e["kind"].get<std::string>());
    EXPECT_TRUE(kinds.count(step.evidence_kind)) << step.source << ": " << s["evidence"].dump();
    EXPECT_NE(s["confidence"], "possible") << s.dump();
  }
  EXPECT_EQ(
      by_source["post"]["locator"].get<std::string>().find("magnet:?xt=urn:btih:" + infohash_), 0u)
      << by_source["post"].dump();
  EXPECT_EQ(by_source["paste"]["records_matched"], 30) << by_source["paste"].dump();

  // SIGTERM, then a restart that scans every source twice more: nothing lost, nothing re-sent.
  ::kill(daemon.pid(), SIGTERM);
  ASSERT_EQ(testing::wait_exit(daemon, 15s), 0) << read_file(dir_ / "run1.log");
  daemon = start_daemon("run2.log");
  ASSERT_TRUE(eventually([&] { return every_source_scanned(2); }, 30s))
      << read_file(dir_ / "run2.log");
  std::this_thread::sleep_for(1500ms);  // a delivery pass after the last scans
  ::kill(daemon.pid(), SIGTERM);
  ASSERT_EQ(testing::wait_exit(daemon, 15s), 0) << read_file(dir_ / "run2.log");

  const auto after = sightings();
  ASSERT_EQ(after.size(), seen.size());
  std::map<std::string, json> after_by_source;
  for (const auto& s : after) after_by_source[s["source"].get<std::string>()] = s;
  for (const auto& [source, s] : by_source) {
    EXPECT_EQ(after_by_source[source]["first_seen"], s["first_seen"]) << source;
    EXPECT_EQ(after_by_source[source]["confidence"], s["confidence"]) << source;
    EXPECT_GE(after_by_source[source]["last_seen"], s["last_seen"]) << source;
    // Every source is scanned again after the restart, and each sighting re-seen: a page with
    // text or magnets is asked in full (a 304 would be scored from the stored manifest, which
    // keeps neither).
    EXPECT_GT(after_by_source[source]["last_seen"], s["last_seen"]) << source << " re-seen";
  }
  const auto web = testing::json_lines(web_->log());
  const auto siem = testing::json_lines(syslog_->output());
  std::map<std::string, int> web_ids, siem_ids;
  for (const auto& l : web) {
    EXPECT_TRUE(l["valid"].get<bool>()) << l.dump();
    ++web_ids[l["id"].get<std::string>()];
  }
  for (const auto& l : siem) {
    ++siem_ids[json::parse(l["msg"].get<std::string>())["id"].get<std::string>()];
  }
  EXPECT_EQ(web.size(), steps.size());
  EXPECT_EQ(siem.size(), steps.size());
  EXPECT_EQ(web_ids, siem_ids) << "the same alert ids at both receivers";
  for (const auto& [id, n] : web_ids) EXPECT_EQ(n, 1) << id;

  // Every scan went through the proxy.
  auto store = store::Store::open(dir_ / "data", store::OpenMode::read_only);
  ASSERT_TRUE(store) << store.error().message;
  std::size_t scans = 0;
  ASSERT_TRUE((*store)->for_each_scan({}, [&](const ScanRecord& r) {
    ++scans;
    EXPECT_EQ(r.proxy, "socks") << r.source;
    return true;
  }));
  EXPECT_GE(scans, kSources.size() * 3);
}

}  // namespace
}  // namespace leakwatch
