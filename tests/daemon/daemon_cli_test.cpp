// `leakwatch daemon` through the real binary, against a real nginx leak site on 127.0.0.1:
// scheduled scans recorded and counted in /metrics (checked by promtool), /healthz without a
// token, SIGHUP with a bad and then a good config, SIGTERM within the grace, the data-directory
// lock, catch-up of runs missed while down, and systemd's notify protocol on a real socket.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <regex>
#include <thread>

#include "store/store.h"
#include "tests/daemon/daemon_process.h"
#include "tests/support/nginx_server.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace leakwatch {
namespace {

using namespace std::chrono_literals;
using testing::BackgroundProcess;
using testing::read_file;
using testing::run_command;
using testing::TempDir;
using testing::write_file;

const std::string kToken = testing::kDaemonToken;
using testing::eventually;
using testing::sample;
using testing::wait_exit;

testing::Http get(int port, const std::string& path, const std::string& token = kToken) {
  return testing::http_get(port, path, token);
}

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(dir_ / "dataset" / "plates.bin", testing::random_bytes(8192, 3));
    write_file(dir_ / "site" / "dump" / "plates.bin", testing::random_bytes(8192, 3));
    site_.emplace(dir_ / "site");
    port_ = testing::free_port();
    write_config({{"site", "1s"}});
    const auto r = run_command({LEAKWATCH_BINARY, "--config", config_.string(), "sign", "--dataset",
                                "plates", (dir_ / "dataset").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  void write_config(const std::vector<std::pair<std::string, std::string>>& sources,
                    const std::string& extra = "") {
    std::string text = "data_dir = \"data\"\n[api]\nlisten = \"127.0.0.1:" + std::to_string(port_) +
                       "\"\ntokens = [\"" + kToken + "\"]\n[daemon]\ngrace = \"5s\"\n" + extra;
    for (const auto& [name, schedule] : sources) {
      text += "[[source]]\nname = \"" + name + "\"\nurl = \"" + site_->url("/dump/") +
              "\"\nschedule = \"" + schedule + "\"\nfetch_content = \"candidates\"\n";
    }
    write_file(config_, text);
  }

  BackgroundProcess start_daemon(const std::filesystem::path& log) {
    return BackgroundProcess(
        {LEAKWATCH_BINARY, "--config", config_.string(), "--log-format", "json", "daemon"}, log);
  }

  std::string metrics() const { return get(port_, "/metrics").body; }

  TempDir dir_;
  std::optional<testing::NginxServer> site_;
  std::filesystem::path config_ = dir_ / "leakwatch.toml";
  int port_ = 0;
};

TEST_F(DaemonTest, ScansOnScheduleServesMetricsAndHealthAndStopsWithExitZero) {
  auto daemon = start_daemon(dir_ / "daemon.log");
  ASSERT_TRUE(testing::wait_for_port(port_)) << read_file(dir_ / "daemon.log");
  // A 1s schedule: several scans within seconds, each recorded and counted.
  ASSERT_TRUE(eventually([&] {
    return sample(metrics(), "leakwatch_scans_total{source=\"site\",status=\"ok\"}") >= 3;
  })) << metrics()
      << read_file(dir_ / "daemon.log");
  const auto m = metrics();
  EXPECT_EQ(sample(m, "leakwatch_source_up{source=\"site\"}"), 1) << m;
  EXPECT_EQ(sample(m, "leakwatch_entries_seen{source=\"site\"}"), 1) << m;
  EXPECT_GT(sample(m, "leakwatch_fetch_bytes_total{source=\"site\"}"), 0) << m;
  EXPECT_GT(sample(m, "leakwatch_source_last_success_timestamp_seconds{source=\"site\"}"), 1.7e9);
  EXPECT_EQ(sample(m, "leakwatch_build_info{version=\"0.1.0\"}"), 1) << m;
  EXPECT_TRUE(eventually([&] {
    return sample(metrics(), "leakwatch_sightings{dataset=\"plates\",confidence=\"confirmed\"}") ==
           1;
  })) << metrics();

  // The live exposition passes Prometheus's own linter.
  if (const auto promtool = testing::find_program("promtool"); !promtool.empty()) {
    write_file(dir_ / "live.prom", metrics());
    const auto r = run_command(
        {"sh", "-c", "\"$0\" check metrics < \"$1\"", promtool, (dir_ / "live.prom").string()});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  // /metrics needs the token like the API; /healthz needs none.
  EXPECT_EQ(get(port_, "/metrics", "").status, 401);
  const auto health = get(port_, "/healthz", "");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok\n");
  // The read API is served too, from the daemon's own store.
  const auto sightings = get(port_, "/v1/sightings?dataset=plates");
  EXPECT_EQ(sightings.status, 200);
  EXPECT_NE(sightings.body.find("\"confirmed\""), std::string::npos) << sightings.body;
  // `scan` cannot write beside it (one writer), and says why.
  const auto scan = run_command({LEAKWATCH_BINARY, "--config", config_.string(), "scan"});
  EXPECT_EQ(scan.exit_code, 1);

  ::kill(daemon.pid(), SIGTERM);
  EXPECT_EQ(wait_exit(daemon, 10s), 0) << read_file(dir_ / "daemon.log");
  const auto log = read_file(dir_ / "daemon.log");
  // Structured JSON log lines.
  EXPECT_TRUE(std::regex_search(
      log, std::regex(R"(\{"level":"info","msg":"scan finished source=site status=ok entries=1 )")))
      << log;
  EXPECT_NE(log.find("\"msg\":\"daemon stopped\""), std::string::npos) << log;
  // Never the same source twice at once: the store has no two overlapping scans of it.
  auto store = store::Store::open(dir_ / "data", store::OpenMode::read_only);
  ASSERT_TRUE(store) << store.error().message;
  std::vector<ScanRecord> scans;
  ASSERT_TRUE((*store)->for_each_scan({}, [&](const ScanRecord& r) {
    scans.push_back(r);
    return true;
  }));
  ASSERT_GE(scans.size(), 3u);
  for (std::size_t i = 1; i < scans.size(); ++i) EXPECT_GE(scans[i].started, scans[i - 1].ended);
  // db stats says since when scans are kept.
  const auto stats = run_command({LEAKWATCH_BINARY, "--config", config_.string(), "db", "stats"});
  EXPECT_EQ(stats.exit_code, 0) << stats.err;
  EXPECT_NE(stats.out.find("oldest scan kept: " + format_rfc3339(scans.front().started) +
                           " (source site) of " + std::to_string(scans.size()) + " scans"),
            std::string::npos)
      << stats.out;
}

TEST_F(DaemonTest, ARealPrometheusScrapesTheMetricsWithTheBearerToken) {
  const auto prometheus = testing::find_program("prometheus");
  if (prometheus.empty()) GTEST_SKIP() << "prometheus (Debian prometheus) not installed";
  auto daemon = start_daemon(dir_ / "daemon.log");
  ASSERT_TRUE(testing::wait_for_port(port_)) << read_file(dir_ / "daemon.log");
  write_file(dir_ / "scrape-token", kToken + "\n");
  const int prom_port = testing::free_port();
  write_file(dir_ / "prometheus.yml",
             "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
             "scrape_configs:\n  - job_name: leakwatch\n"
             "    authorization:\n      type: Bearer\n      credentials_file: " +
                 (dir_ / "scrape-token").string() +
                 "\n    static_configs:\n      - targets: ['127.0.0.1:" + std::to_string(port_) +
                 "']\n");
  BackgroundProcess prom({prometheus, "--config.file=" + (dir_ / "prometheus.yml").string(),
                          "--storage.tsdb.path=" + (dir_ / "tsdb").string(),
                          "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)},
                         dir_ / "prometheus.log");
  ASSERT_TRUE(testing::wait_for_port(prom_port, 30s)) << read_file(dir_ / "prometheus.log");
  // Prometheus's HTTP API: the daemon's scans, as Prometheus scraped them.
  std::string answer;
  const bool seen = eventually(
      [&] {
        answer =
            run_command({"curl", "-sS", "--max-time", "5",
                         "http://127.0.0.1:" + std::to_string(prom_port) +
                             "/api/v1/query?query=leakwatch_scans_total%7Bstatus%3D%22ok%22%7D"})
                .out;
        return std::regex_search(
            answer,
            std::regex(
                R"("metric":\{"__name__":"leakwatch_scans_total","instance":"127\.0\.0\.1:\d+","job":"leakwatch","source":"site","status":"ok"\},"value":\[[0-9.]+,"[1-9][0-9]*"\])"));
      },
      45s);
  EXPECT_TRUE(seen) << answer << "\n" << read_file(dir_ / "prometheus.log");
  // The target is up: Prometheus authenticated (a 401 would make it down).
  const auto targets = run_command({"curl", "-sS", "--max-time", "5",
                                    "http://127.0.0.1:" + std::to_string(prom_port) +
                                        "/api/v1/query?query=up%7Bjob%3D%22leakwatch%22%7D"})
                           .out;
  EXPECT_NE(targets.find(R"("value":[)"), std::string::npos) << targets;
  EXPECT_TRUE(std::regex_search(targets, std::regex(R"("value":\[[0-9.]+,"1"\])"))) << targets;
  // The store's memtables hold the scans written, and the process reports its own memory.
  for (const std::string query : {"leakwatch_store_memory_bytes%7Bpart%3D%22memtables%22%7D",
                                  "process_resident_memory_bytes", "process_open_fds"}) {
    const auto got = run_command({"curl", "-sS", "--max-time", "5",
                                  "http://127.0.0.1:" + std::to_string(prom_port) +
                                      "/api/v1/query?query=" + query})
                         .out;
    EXPECT_TRUE(std::regex_search(got, std::regex(R"("value":\[[0-9.]+,"[1-9][0-9]*"\])")))
        << query << ": " << got;
  }
  prom.stop();
  ::kill(daemon.pid(), SIGTERM);
  EXPECT_EQ(wait_exit(daemon, 10s), 0);
}

TEST_F(DaemonTest, ASecondDaemonOnTheSameDataDirectoryExitsOneNamingTheFirst) {
  auto first = start_daemon(dir_ / "first.log");
  ASSERT_TRUE(testing::wait_for_port(port_)) << read_file(dir_ / "first.log");
  const auto second = run_command({LEAKWATCH_BINARY, "--config", config_.string(), "daemon"}, 30s);
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.err.find("is in use by another leakwatch daemon (pid " +
                            std::to_string(first.pid()) + ", lock file "),
            std::string::npos)
      << second.err;
  EXPECT_TRUE(first.running());
  EXPECT_EQ(get(port_, "/healthz", "").status, 200) << "the first one is untouched";
}

TEST_F(DaemonTest, SighupRefusesABadConfigNamingFileLineAndKeyThenTakesAGoodOne) {
  auto daemon = start_daemon(dir_ / "daemon.log");
  ASSERT_TRUE(testing::wait_for_port(port_)) << read_file(dir_ / "daemon.log");
  ASSERT_TRUE(eventually([&] {
    return sample(metrics(), "leakwatch_scans_total{source=\"site\",status=\"ok\"}") >= 1;
  }));
  // Line 7 has an unknown key.
  write_config({{"site", "1s"}}, "colour = \"red\"\n");
  ::kill(daemon.pid(), SIGHUP);
  const std::string expected =
      "reload refused, keeping the running config: " + config_.string() + ":7:1: daemon.colour";
  ASSERT_TRUE(eventually([&] {
    return read_file(dir_ / "daemon.log").find(expected) != std::string::npos;
  })) << read_file(dir_ / "daemon.log");
  // Still running the old config: still scanning, still serving.
  const auto before = sample(metrics(), "leakwatch_scans_total{source=\"site\",status=\"ok\"}");
  EXPECT_TRUE(eventually([&] {
    return sample(metrics(), "leakwatch_scans_total{source=\"site\",status=\"ok\"}") > before;
  }));

  // A good config with a second source: scanned after the reload.
  write_config({{"site", "1s"}, {"mirror", "1h"}});
  ::kill(daemon.pid(), SIGHUP);
  EXPECT_TRUE(eventually([&] {
    return sample(metrics(), "leakwatch_scans_total{source=\"mirror\",status=\"ok\"}") == 1;
  })) << metrics()
      << read_file(dir_ / "daemon.log");
  EXPECT_NE(read_file(dir_ / "daemon.log").find("config reloaded"), std::string::npos);
  ::kill(daemon.pid(), SIGINT);
  EXPECT_EQ(wait_exit(daemon, 10s), 0);
}

TEST_F(DaemonTest, RunsMissedWhileDownAreCaughtUpOnceAndRecentOnesWait) {
  write_config({{"missed", "1h"}, {"recent", "1h"}});
  {
    // What the store knows from before the restart: "missed" last ran 5 hours ago (4 runs
    // missed), "recent" 10 minutes ago.
    auto store = store::Store::open(dir_ / "data", store::OpenMode::read_write);
    ASSERT_TRUE(store) << store.error().message;
    for (const auto& [name, age] :
         {std::pair<const char*, std::chrono::minutes>{"missed", 5h}, {"recent", 10min}}) {
      ScanRecord r;
      r.scan_id = "before";
      r.source = name;
      r.locator = site_->url("/dump/");
      r.started = now() - age;
      r.ended = r.started + 1s;
      r.status = ScanStatus::ok;
      ASSERT_TRUE((*store)->record_fetch(r, {}));
    }
  }
  auto daemon = start_daemon(dir_ / "daemon.log");
  ASSERT_TRUE(testing::wait_for_port(port_)) << read_file(dir_ / "daemon.log");
  ASSERT_TRUE(eventually([&] {
    return sample(metrics(), "leakwatch_scans_total{source=\"missed\",status=\"ok\"}") == 1;
  })) << metrics();
  std::this_thread::sleep_for(3s);
  const auto m = metrics();
  EXPECT_EQ(sample(m, "leakwatch_scans_total{source=\"missed\",status=\"ok\"}"), 1)
      << "caught up once, not once per missed run";
  EXPECT_EQ(sample(m, "leakwatch_scans_total{source=\"recent\",status=\"ok\"}"), 0) << m;
  // The restored state: "recent" is up, from the store.
  EXPECT_EQ(sample(m, "leakwatch_source_up{source=\"recent\"}"), 1) << m;
  ::kill(daemon.pid(), SIGTERM);
  EXPECT_EQ(wait_exit(daemon, 10s), 0);
}

TEST_F(DaemonTest, SigtermStopsAHangingScanWithinTheGraceAndExitsZero) {
  // A "site" that accepts and never answers: the scan would wait for its 120 s timeout.
  const int hang_port = testing::free_port();
  BackgroundProcess hang({"python3", "-c",
                          "import socket,time\n"
                          "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, "
                          "1)\n"
                          "s.bind(('127.0.0.1'," +
                              std::to_string(hang_port) +
                              ")); s.listen(16)\n"
                              "conns=[]\n"
                              "while True: conns.append(s.accept())\n"},
                         dir_ / "hang.log");
  ASSERT_TRUE(testing::wait_for_port(hang_port));
  write_file(config_, "data_dir = \"data\"\n[api]\nlisten = \"127.0.0.1:" + std::to_string(port_) +
                          "\"\ntokens = [\"" + kToken +
                          "\"]\n[daemon]\ngrace = \"1s\"\n[[source]]\nname = \"hang\"\nurl = "
                          "\"http://127.0.0.1:" +
                          std::to_string(hang_port) + "/\"\nschedule = \"1h\"\n");
  auto daemon = start_daemon(dir_ / "daemon.log");
  ASSERT_TRUE(testing::wait_for_port(port_)) << read_file(dir_ / "daemon.log");
  std::this_thread::sleep_for(1s);  // the scan is in flight
  const auto stopping = std::chrono::steady_clock::now();
  ::kill(daemon.pid(), SIGTERM);
  EXPECT_EQ(wait_exit(daemon, 8s), 0) << read_file(dir_ / "daemon.log");
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, 6s);
  EXPECT_NE(read_file(dir_ / "daemon.log").find("abandoning the scans of hang"), std::string::npos)
      << read_file(dir_ / "daemon.log");
}

TEST_F(DaemonTest, TellsSystemdWhenReadyAndPingsTheWatchdog) {
  // systemd's side of sd_notify(3): a datagram socket named by $NOTIFY_SOCKET.
  const auto socket_path = dir_ / "notify.sock";
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(socket_path.string().size(), sizeof addr.sun_path);
  std::strncpy(addr.sun_path, socket_path.c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  timeval tv{.tv_sec = 1, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setenv("NOTIFY_SOCKET", socket_path.c_str(), 1);
  ::setenv("WATCHDOG_USEC", "400000", 1);  // ping every 200 ms
  auto daemon = start_daemon(dir_ / "daemon.log");
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  std::string received;
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  int watchdogs = 0;
  while (std::chrono::steady_clock::now() < deadline && watchdogs < 3) {
    char buffer[4096];
    const auto n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) continue;
    const std::string message(buffer, static_cast<std::size_t>(n));
    received += message + "|";
    if (message == "WATCHDOG=1") ++watchdogs;
  }
  EXPECT_NE(received.find("READY=1\nSTATUS=scheduling 1 sources|"), std::string::npos) << received;
  EXPECT_EQ(watchdogs, 3) << received;
  EXPECT_LT(received.find("READY=1"), received.find("WATCHDOG=1")) << "ready before pings";
  ::kill(daemon.pid(), SIGTERM);
  EXPECT_EQ(wait_exit(daemon, 10s), 0);
  char buffer[4096];
  std::string tail;
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) {
    tail += std::string(buffer, static_cast<std::size_t>(n)) + "|";
  }
  EXPECT_NE(tail.find("STOPPING=1|"), std::string::npos) << tail;
  ::close(fd);
}

}  // namespace
}  // namespace leakwatch
