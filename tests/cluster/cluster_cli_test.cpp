// The cluster through the real binary (docs/CLUSTER.md): `leakwatch daemon` with [cluster] as
// coordinator, `leakwatch worker` processes and `leakwatch cluster status`, against real
// nats-server processes with JetStream (one, or three joined by routes) and a real nginx leak
// site, all on 127.0.0.1 with OS-chosen ports. Processes are SIGKILLed mid-run to show that
// nothing is lost or doubled.
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

#include "tests/support/nats_servers.h"
#include "tests/support/nginx_server.h"
#include "tests/support/process.h"
#include "tests/support/support_files.h"
#include "tests/support/temp_dir.h"

namespace leakwatch {
namespace {

using namespace std::chrono_literals;
using testing::BackgroundProcess;
using testing::NatsOptions;
using testing::NatsServers;
using testing::read_file;
using testing::run_command;
using testing::TempDir;
using testing::write_file;

const std::string kToken = "cluster-test-token-0123456789";

template <typename F>
bool eventually(F done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(200ms);
  }
  return done();
}

struct SiteOptions {
  int sources = 50;
  int folders = 0;  // sub-folders per source (pages to fetch)
  std::string request_interval;
  std::string proxy;  // the sources' [[proxy]] name ("" direct)
};

class ClusterTest : public ::testing::Test {
 protected:
  void make_site(const SiteOptions& o) {
    options_ = o;
    // Every fifth source holds a copy of the dataset's file; the others unrelated files.
    write_file(dir_ / "dataset" / "plates.bin", testing::random_bytes(8192, 3));
    for (int i = 0; i < o.sources; ++i) {
      const auto folder = dir_ / "site" / ("s" + std::to_string(i));
      write_file(folder / ("other-" + std::to_string(i) + ".bin"),
                 testing::random_bytes(100 + static_cast<std::size_t>(i), 100 + i));
      if (i % 5 == 0) write_file(folder / "plates.bin", testing::random_bytes(8192, 3));
      for (int f = 0; f < o.folders; ++f) {
        write_file(folder / ("f" + std::to_string(f)) / "readme.txt", "nothing here\n");
      }
    }
    site_.emplace(dir_ / "site");
  }

  std::string sources_toml(const std::string& host) const {
    std::string text;
    for (int i = 0; i < options_.sources; ++i) {
      text += "[[source]]\nname = \"s" + std::to_string(i) + "\"\nurl = \"http://" + host + ":" +
              std::to_string(site_->port()) + "/s" + std::to_string(i) +
              "/\"\nschedule = \"1h\"\nfetch_content = \"candidates\"\n";
      if (!options_.request_interval.empty()) {
        text += "request_interval = \"" + options_.request_interval + "\"\n";
      }
      if (!options_.proxy.empty()) text += "proxy = \"" + options_.proxy + "\"\n";
    }
    return text;
  }

  std::string cluster_toml(const NatsServers& nats, int replicas,
                           const std::string& extra = "") const {
    return "[cluster]\nservers = " + nats.toml_servers() +
           "\nreplicas = " + std::to_string(replicas) +
           "\nack_wait = \"3s\"\nheartbeat = \"1s\"\n" + cluster_extra_ + extra;
  }

  // A test CA, a server certificate for 127.0.0.1, and client certificates signed by it
  // (client.pem) and by a CA nobody trusts (stranger.pem), made by openssl in dir_/certs.
  std::filesystem::path make_certs() {
    auto certs = dir_ / "certs";
    for (const auto* script : {"make-test-ca.sh", "make-test-client-certs.sh"}) {
      const auto r = run_command({testing::support_file(script), certs.string()});
      EXPECT_EQ(r.exit_code, 0) << script << ": " << r.err;
    }
    return certs;
  }

  // A worker's config whose [cluster] authenticates with `auth` (TOML lines).
  std::filesystem::path auth_worker(const std::string& name, const NatsServers& nats,
                                    const std::string& auth) {
    auto file = dir_ / (name + ".toml");
    write_file(file, "[daemon]\ngrace = \"2s\"\n[cluster]\nservers = " + nats.toml_servers() +
                         "\nack_wait = \"3s\"\nheartbeat = \"1s\"\n" + auth);
    return file;
  }

  // `leakwatch worker` as the docs show it; one the servers refuse exits at once.
  testing::CommandResult refused_worker(const std::filesystem::path& config) {
    return run_command(
        {LEAKWATCH_BINARY, "--config", config.string(), "worker", "--name", "refused"}, 20s);
  }

  // The coordinator's config; its data directory holds the signed dataset.
  void write_coordinator(const NatsServers& nats, int replicas, const std::string& proxies = "",
                         const std::string& host = "127.0.0.1") {
    api_port_ = testing::free_port();
    write_file(coordinator_,
               "data_dir = \"coord\"\n[api]\nlisten = \"127.0.0.1:" + std::to_string(api_port_) +
                   "\"\ntokens = [\"" + kToken + "\"]\n[daemon]\ngrace = \"5s\"\n" + proxies +
                   cluster_toml(nats, replicas) + sources_toml(host));
    sign(coordinator_);
  }

  void write_worker(const std::filesystem::path& file, const NatsServers& nats, int replicas,
                    const std::string& extra = "") {
    write_file(file, "[daemon]\ngrace = \"2s\"\n" + extra + cluster_toml(nats, replicas));
  }

  void sign(const std::filesystem::path& config) {
    const auto r = run_command({LEAKWATCH_BINARY, "-q", "--config", config.string(), "sign",
                                "--dataset", "plates", (dir_ / "dataset").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  BackgroundProcess start_coordinator(const std::string& log = "coordinator.log") {
    return BackgroundProcess({LEAKWATCH_BINARY, "--config", coordinator_.string(), "daemon"},
                             dir_ / log);
  }

  BackgroundProcess start_worker(const std::filesystem::path& config, const std::string& name,
                                 int jobs = 4) {
    return BackgroundProcess({LEAKWATCH_BINARY, "-v", "--config", config.string(), "worker",
                              "--name", name, "--jobs", std::to_string(jobs)},
                             dir_ / (name + ".log"));
  }

  // Scan records the coordinator's API lists: source -> how many.
  std::map<std::string, int> scans_per_source() const {
    const auto r =
        run_command({"curl", "-sS", "--max-time", "10", "-H", "Authorization: Bearer " + kToken,
                     "http://127.0.0.1:" + std::to_string(api_port_) + "/v1/scans?limit=1000"},
                    20s);
    std::map<std::string, int> out;
    last_api_answer_ = r.out.substr(0, 300) + r.err;
    try {
      const auto answer = nlohmann::json::parse(r.out);
      for (const auto& s : answer.at("scans")) {
        ++out[s.at("source").get<std::string>()];
      }
    } catch (const std::exception& e) {
      last_api_answer_ += std::string(" (") + e.what() + ")";
    }
    return out;
  }

  ::testing::AssertionResult all_recorded(std::chrono::milliseconds limit) const {
    if (eventually(
            [&] { return scans_per_source().size() == static_cast<std::size_t>(options_.sources); },
            limit)) {
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << scans_per_source().size() << " of " << options_.sources
                                         << " sources recorded; API: " << last_api_answer_;
  }

  void expect_one_scan_per_source() const {
    const auto scans = scans_per_source();
    EXPECT_EQ(scans.size(), static_cast<std::size_t>(options_.sources));
    for (const auto& [source, count] : scans) EXPECT_EQ(count, 1) << source;
  }

  // dataset|locator|confidence|files of every sighting in a data directory.
  std::set<std::string> sightings(const std::filesystem::path& data) const {
    const auto r = run_command(
        {LEAKWATCH_BINARY, "-q", "--data-dir", data.string(), "sightings", "--format", "json"});
    std::set<std::string> out;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      if (line.empty()) continue;
      const auto j = nlohmann::json::parse(line);
      out.insert(j.at("dataset").get<std::string>() + "|" + j.at("locator").get<std::string>() +
                 "|" + j.at("confidence").get<std::string>() + "|" +
                 std::to_string(j.at("files_matched").get<int>()));
    }
    return out;
  }

  // The same sources scanned on one machine with `leakwatch scan`.
  std::set<std::string> single_node_sightings() {
    const auto config = dir_ / "single.toml";
    write_file(config, "data_dir = \"single\"\n" + sources_toml("127.0.0.1"));
    sign(config);
    const auto r = run_command({LEAKWATCH_BINARY, "-q", "--config", config.string(), "scan"}, 120s);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return sightings(dir_ / "single");
  }

  TempDir dir_;
  SiteOptions options_;
  std::optional<testing::NginxServer> site_;
  std::filesystem::path coordinator_ = dir_ / "coordinator.toml";
  int api_port_ = 0;
  std::string cluster_extra_;  // more [cluster] lines of the coordinator and write_worker()
  mutable std::string last_api_answer_;
};

TEST_F(ClusterTest, TwoWorkersOnThreeServersScanFiftySourcesLikeOneMachine) {
  make_site({.sources = 50});
  NatsServers nats({.servers = 3});
  write_coordinator(nats, 3);
  write_worker(dir_ / "w.toml", nats, 3);
  auto coordinator = start_coordinator();
  auto w1 = start_worker(dir_ / "w.toml", "w1");
  auto w2 = start_worker(dir_ / "w.toml", "w2");
  ASSERT_TRUE(all_recorded(60s)) << read_file(dir_ / "coordinator.log");
  expect_one_scan_per_source();
  const auto expected = single_node_sightings();
  EXPECT_EQ(expected.size(), 10u);
  EXPECT_EQ(sightings(dir_ / "coord"), expected);
  // Both workers took jobs, and cluster status says so from their heartbeats.
  ASSERT_TRUE(eventually(
      [&] {
        const auto r = run_command({LEAKWATCH_BINARY, "-q", "--config", coordinator_.string(),
                                    "cluster", "status", "--format", "json"});
        if (r.exit_code != 0) return false;
        const auto j = nlohmann::json::parse(r.out);
        std::uint64_t done = 0;
        for (const auto& w : j.at("workers")) done += w.at("jobs_done").get<std::uint64_t>();
        return j.at("workers").size() == 2 && done == 50 && j.at("jobs_pending") == 0 &&
               j.at("jobs_in_flight") == 0 && j.at("results_waiting") == 0;
      },
      10s));
  const auto text =
      run_command({LEAKWATCH_BINARY, "-q", "--config", coordinator_.string(), "cluster", "status"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("jobs: 0 pending, 0 in flight"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("  w1  last heartbeat "), std::string::npos) << text.out;
  ::kill(coordinator.pid(), SIGTERM);
  EXPECT_EQ(coordinator.stop(), 0);
}

TEST_F(ClusterTest, AWorkerKilledMidScanLosesNothingAndDoublesNothing) {
  make_site({.sources = 12, .folders = 3, .request_interval = "300ms"});
  NatsServers nats;
  write_coordinator(nats, 1);
  write_worker(dir_ / "w.toml", nats, 1);
  auto coordinator = start_coordinator();
  auto doomed = start_worker(dir_ / "w.toml", "doomed", 3);
  ASSERT_TRUE(eventually(
      [&] { return read_file(dir_ / "doomed.log").find("attempt=1") != std::string::npos; }, 20s))
      << read_file(dir_ / "doomed.log");
  ::kill(doomed.pid(), SIGKILL);  // mid-scan: its jobs are not acknowledged
  doomed.stop();
  auto survivor = start_worker(dir_ / "w.toml", "survivor", 4);
  ASSERT_TRUE(all_recorded(60s)) << read_file(dir_ / "coordinator.log");
  expect_one_scan_per_source();
  EXPECT_NE(read_file(dir_ / "survivor.log").find("attempt=2"), std::string::npos)
      << "a job of the killed worker was handed out again";
  EXPECT_EQ(sightings(dir_ / "coord"), single_node_sightings());
}

// SIGKILL of the results stream's leader, then (that server back, so two of three are never
// down at once) of the jobs stream's leader: the run completes, one record per source. The run
// must outlast the first kill and restart: 24 sources of 3 requests 600 ms apart on 2 slots,
// about 22 s (at 200 ms a fresh-clone run here finished all 24 before the second kill).
TEST_F(ClusterTest, TheRunCompletesWhenTheStreamLeadersServerIsKilled) {
  make_site({.sources = 24, .folders = 2, .request_interval = "600ms"});
  NatsServers nats({.servers = 3});
  write_coordinator(nats, 3);
  write_worker(dir_ / "w.toml", nats, 3);
  auto coordinator = start_coordinator();
  auto w1 = start_worker(dir_ / "w.toml", "w1", 2);
  ASSERT_TRUE(eventually([&] { return !scans_per_source().empty(); }, 30s));
  const int results_leader = nats.stream_leader("leakwatch_results");
  ASSERT_GE(results_leader, 0);
  nats.kill(results_leader);
  const auto before = scans_per_source().size();
  ASSERT_TRUE(eventually([&] { return scans_per_source().size() > before; }, 30s))
      << read_file(dir_ / "coordinator.log");
  nats.start(results_leader);
  ASSERT_TRUE(nats.wait_ready());
  const int jobs_leader = nats.stream_leader("leakwatch_jobs");
  ASSERT_GE(jobs_leader, 0);
  const auto mid = scans_per_source().size();
  EXPECT_LT(mid, 24u) << "the run was over before the jobs stream's leader was killed";
  nats.kill(jobs_leader);
  ASSERT_TRUE(all_recorded(90s)) << read_file(dir_ / "coordinator.log")
                                 << read_file(dir_ / "w1.log");
  expect_one_scan_per_source();
}

TEST_F(ClusterTest, ResultsPublishedWhileTheCoordinatorIsDownAreRecordedOnce) {
  make_site({.sources = 16, .folders = 2, .request_interval = "200ms"});
  NatsServers nats;
  write_coordinator(nats, 1);
  write_worker(dir_ / "w.toml", nats, 1);
  auto coordinator = start_coordinator("first.log");
  ASSERT_TRUE(eventually(
      [&] { return read_file(dir_ / "first.log").find("job published") != std::string::npos; },
      20s));
  std::this_thread::sleep_for(1s);  // every job out
  ::kill(coordinator.pid(), SIGKILL);
  coordinator.stop();
  auto w1 = start_worker(dir_ / "w.toml", "w1", 4);
  // The workers go on; results wait in the stream.
  ASSERT_TRUE(eventually(
      [&] {
        const auto log = read_file(dir_ / "w1.log");
        std::size_t n = 0;
        for (auto at = log.find(" done status="); at != std::string::npos;
             at = log.find(" done status=", at + 1))
          ++n;
        return n >= 4;
      },
      30s));
  auto again = start_coordinator("second.log");
  ASSERT_TRUE(all_recorded(60s)) << read_file(dir_ / "second.log");
  expect_one_scan_per_source();
  EXPECT_EQ(sightings(dir_ / "coord"), single_node_sightings());
}

TEST_F(ClusterTest, AWorkerWithoutTheJobsProxyRefusesItAndNeverConnects) {
  make_site({.sources = 6, .folders = 2, .proxy = "witness"});
  const int socks_port = testing::free_port();
  BackgroundProcess proxy({testing::kSystemPython, testing::support_file("socks5_recorder.py"),
                           std::to_string(socks_port), (dir_ / "socks.jsonl").string(),
                           "--delay-ms", "150", "--stats", (dir_ / "socks.stats").string()},
                          dir_ / "socks.log");
  ASSERT_TRUE(testing::wait_for_port(socks_port));
  NatsServers nats;
  // Two connections at once through it, whatever the worker's --jobs: the cap of the fetch
  // engine that `scan` uses, shared by all of a worker's jobs.
  const std::string proxies =
      "[[proxy]]\nname = \"witness\"\nurl = \"socks5h://127.0.0.1:" + std::to_string(socks_port) +
      "\"\nmax_connections = 2\n";
  // The site is named by a made-up host that only the proxy resolves (to 127.0.0.1).
  write_coordinator(nats, 1, proxies, "leaksite.test");
  write_worker(dir_ / "bare.toml", nats, 1);
  write_worker(dir_ / "proxied.toml", nats, 1, proxies);
  auto coordinator = start_coordinator();
  auto bare = start_worker(dir_ / "bare.toml", "bare", 1);
  ASSERT_TRUE(eventually(
      [&] { return read_file(dir_ / "bare.log").find("refuses job=") != std::string::npos; }, 20s))
      << read_file(dir_ / "bare.log");
  EXPECT_NE(read_file(dir_ / "bare.log").find("proxy 'witness' is not configured"),
            std::string::npos);
  EXPECT_EQ(site_->request_count(), 0u);
  EXPECT_TRUE(scans_per_source().empty());
  auto proxied = start_worker(dir_ / "proxied.toml", "proxied", 6);
  ASSERT_TRUE(all_recorded(30s)) << read_file(dir_ / "proxied.log");
  expect_one_scan_per_source();
  EXPECT_NE(read_file(dir_ / "socks.jsonl").find("leaksite.test"), std::string::npos);
  EXPECT_GE(site_->request_count(), 18u);  // 6 sources of 3 pages
  const auto stats = nlohmann::json::parse(read_file(dir_ / "socks.stats"));
  EXPECT_GE(stats.at("max_open").get<int>(), 1);
  EXPECT_LE(stats.at("max_open").get<int>(), 2)
      << "more tunnels open at once than max_connections: the jobs did not share one engine";
}

// No worker has the job's proxy: every worker refuses it, `cluster status` lists it as waiting
// for that proxy, and after [cluster] job_deadline the coordinator takes it off the queue and
// records the scan as failed, naming the proxy. Nothing ever connects to the site or the proxy.
// The coordinator's /metrics counts it, and Prometheus's linter accepts the exposition.
TEST_F(ClusterTest, AJobNoWorkerCanTakeIsGivenUpAfterTheDeadlineNamingTheProxy) {
  make_site({.sources = 1, .proxy = "witness"});
  const int socks_port = testing::free_port();
  BackgroundProcess proxy({testing::kSystemPython, testing::support_file("socks5_recorder.py"),
                           std::to_string(socks_port), (dir_ / "socks.jsonl").string()},
                          dir_ / "socks.log");
  ASSERT_TRUE(testing::wait_for_port(socks_port));
  NatsServers nats;
  cluster_extra_ = "job_deadline = \"6s\"\n";
  write_coordinator(nats, 1,
                    "[[proxy]]\nname = \"witness\"\nurl = \"socks5h://127.0.0.1:" +
                        std::to_string(socks_port) + "\"\n",
                    "leaksite.test");
  cluster_extra_.clear();
  write_worker(dir_ / "bare.toml", nats, 1);
  auto coordinator = start_coordinator();
  auto bare = start_worker(dir_ / "bare.toml", "bare", 1);
  const auto status = [&] {
    const auto r = run_command({LEAKWATCH_BINARY, "-q", "--config", coordinator_.string(),
                                "cluster", "status", "--format", "json"},
                               20s);
    return r.exit_code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json{};
  };
  // Before the deadline: waiting, and said to wait for its proxy.
  ASSERT_TRUE(eventually(
      [&] {
        const auto j = status();
        return !j.empty() && j.at("workers").size() == 1 &&
               j.at("jobs_without_proxy").size() == 1 &&
               j.at("jobs_without_proxy")[0].at("proxy") == "witness" &&
               j.at("jobs_without_proxy")[0].at("source") == "s0";
      },
      5s))
      << status().dump();
  EXPECT_TRUE(scans_per_source().empty());
  // After it: one failed scan record that names the proxy, and the queue is empty.
  ASSERT_TRUE(all_recorded(20s)) << read_file(dir_ / "coordinator.log");
  const auto r =
      run_command({"curl", "-sS", "--max-time", "10", "-H", "Authorization: Bearer " + kToken,
                   "http://127.0.0.1:" + std::to_string(api_port_) + "/v1/scans?limit=10"},
                  20s);
  const auto scan = nlohmann::json::parse(r.out).at("scans").at(0);
  EXPECT_EQ(scan.at("status"), "failed");
  const auto error = scan.at("error").get<std::string>();
  EXPECT_NE(error.find("no worker has proxy 'witness' (workers seen: bare)"), std::string::npos)
      << error;
  EXPECT_NE(error.find("job_deadline 6s"), std::string::npos) << error;
  nlohmann::json after;
  ASSERT_TRUE(eventually(
      [&] {
        after = status();
        return !after.empty() && after.at("jobs_pending") == 0 && after.at("jobs_in_flight") == 0 &&
               after.at("jobs_without_proxy").empty() && !after.at("coordinator").is_null() &&
               after.at("coordinator").at("jobs_given_up") == 1;
      },
      15s))
      << after.dump();
  EXPECT_EQ(after.at("coordinator").at("given_up").at(0).at("reason"), error);
  const auto text =
      run_command({LEAKWATCH_BINARY, "-q", "--config", coordinator_.string(), "cluster", "status"});
  EXPECT_NE(text.out.find("1 jobs given up"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("  s0  cluster: no worker has proxy 'witness'"), std::string::npos)
      << text.out;
  // The coordinator's metrics, as Prometheus scrapes them.
  std::string metrics;
  ASSERT_TRUE(eventually(
      [&] {
        metrics =
            run_command({"curl", "-sS", "--max-time", "10", "-H", "Authorization: Bearer " + kToken,
                         "http://127.0.0.1:" + std::to_string(api_port_) + "/metrics"},
                        20s)
                .out;
        const std::string refused =
            "\nleakwatch_cluster_worker_jobs_refused_total{worker=\"bare\"} ";
        const auto at = metrics.find(refused);
        return metrics.find("\nleakwatch_cluster_workers_seen 1\n") != std::string::npos &&
               at != std::string::npos && metrics.substr(at + refused.size(), 2) != "0\n";
      },
      15s))
      << metrics;
  for (const auto* line :
       {"\nleakwatch_cluster_jobs_published_total 1\n",
        "\nleakwatch_cluster_jobs_given_up_total 1\n",
        "\nleakwatch_cluster_job_publish_failures_total 0\n",
        "\nleakwatch_cluster_results_recorded_total 0\n", "\nleakwatch_cluster_jobs_pending 0\n",
        "\nleakwatch_scans_total{source=\"s0\",status=\"failed\"} 1\n"}) {
    EXPECT_NE(metrics.find(line), std::string::npos) << line << metrics;
  }
  if (const auto promtool = testing::find_program("promtool"); !promtool.empty()) {
    write_file(dir_ / "metrics.prom", metrics);
    const auto lint = run_command(
        {"sh", "-c", "\"$0\" check metrics < \"$1\"", promtool, (dir_ / "metrics.prom").string()});
    EXPECT_EQ(lint.exit_code, 0) << lint.out << lint.err;
    EXPECT_EQ(lint.out + lint.err, "") << "promtool lint findings";
  } else {
    ADD_FAILURE() << "promtool (Debian prometheus) not installed";
  }
  EXPECT_EQ(site_->request_count(), 0u);
  EXPECT_TRUE(!std::filesystem::exists(dir_ / "socks.jsonl") ||
              read_file(dir_ / "socks.jsonl").empty())
      << "the worker without the proxy never used it";
  ::kill(coordinator.pid(), SIGTERM);
  EXPECT_EQ(coordinator.stop(), 0);
}

// A job that cannot be published (here: larger than the server's max_payload, for the wanted
// sizes of a dataset of 500 files; jobs are not chunked) is a failed scan that says so, not a
// store problem: /healthz stays 200.
TEST_F(ClusterTest, AJobThatCannotBePublishedIsAFailedScanNotAStoreError) {
  for (int i = 0; i < 500; ++i) {
    write_file(dir_ / "dataset" / ("f" + std::to_string(i) + ".bin"),
               std::string(static_cast<std::size_t>(100 + i), 'x'));
  }
  write_file(dir_ / "site" / "s0" / "other.bin", "nothing\n");
  site_.emplace(dir_ / "site");
  options_.sources = 1;
  NatsServers nats({.max_payload = 8 * 1024});
  write_coordinator(nats, 1);
  auto coordinator = start_coordinator();
  ASSERT_TRUE(all_recorded(30s)) << read_file(dir_ / "coordinator.log");
  const auto r =
      run_command({"curl", "-sS", "--max-time", "10", "-H", "Authorization: Bearer " + kToken,
                   "http://127.0.0.1:" + std::to_string(api_port_) + "/v1/scans?limit=10"},
                  20s);
  const auto scan = nlohmann::json::parse(r.out).at("scans").at(0);
  EXPECT_EQ(scan.at("status"), "failed");
  EXPECT_NE(scan.at("error").get<std::string>().find("cluster: job not published: "),
            std::string::npos)
      << scan.dump();
  EXPECT_NE(scan.at("error").get<std::string>().find("Maximum Payload"), std::string::npos)
      << scan.dump();
  const auto health = run_command({"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                                   "http://127.0.0.1:" + std::to_string(api_port_) + "/healthz"});
  EXPECT_EQ(health.out, "200");
  const auto log = read_file(dir_ / "coordinator.log");
  EXPECT_EQ(log.find("scan not recorded"), std::string::npos) << log;
  EXPECT_NE(log.find("scan failed source=s0"), std::string::npos) << log;
  ::kill(coordinator.pid(), SIGTERM);
  EXPECT_EQ(coordinator.stop(), 0);
}

// nkey pair made by Python's `cryptography` (see tests/cluster/messages_test.cpp).
constexpr const char* kNkeyPublic = "UAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RLKK";
constexpr const char* kNkeySeed = "SUAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4H776Y";
// A well-formed user seed (checksum right) whose public key the servers do not know.
constexpr const char* kStrangerSeed = "SUALEU7Q6TCTKZF3FKSBUMMJEKT6DHSK2E4KBNJCVG2VNYCQAQWWGXICZU";

// A server with TLS and two users, one with a password and one with an nkey: the coordinator
// logs in with the password, the worker with the nkey, and a job goes round end to end over
// TLS. Wrong passwords, unknown nkeys and an untrusted server certificate are refused.
TEST_F(ClusterTest, OverTlsAPasswordUserAndAnNkeyUserWorkAndWrongCredentialsAreRefused) {
  const auto certs = make_certs();
  make_site({.sources = 2});
  NatsServers nats(
      {.user = "coordinator", .password = "right-password", .nkey = kNkeyPublic, .tls_dir = certs});
  ASSERT_EQ(nats.urls().front().substr(0, 6), "tls://");
  write_file(dir_ / "right.password", "right-password\n");
  write_file(dir_ / "wrong.password", "wrong-password\n");
  write_file(dir_ / "user.nk", std::string(kNkeySeed) + "\n");
  write_file(dir_ / "stranger.nk", std::string(kStrangerSeed) + "\n");
  const std::string ca = "ca_file = \"certs/ca.pem\"\n";

  const auto wrong_password = refused_worker(auth_worker(
      "wrong-password", nats, ca + "user = \"coordinator\"\npassword_file = \"wrong.password\"\n"));
  EXPECT_EQ(wrong_password.exit_code, 1);
  EXPECT_NE(wrong_password.err.find("the server refused the credentials of [cluster]: user "
                                    "'coordinator' with password_file " +
                                    (dir_ / "wrong.password").string()),
            std::string::npos)
      << wrong_password.err;
  EXPECT_NE(wrong_password.err.find("Authorization Violation"), std::string::npos);
  const auto stranger =
      refused_worker(auth_worker("stranger", nats, ca + "nkey_seed_file = \"stranger.nk\"\n"));
  EXPECT_EQ(stranger.exit_code, 1);
  EXPECT_NE(stranger.err.find("the server refused the credentials of [cluster]: nkey_seed_file " +
                              (dir_ / "stranger.nk").string()),
            std::string::npos)
      << stranger.err;
  const auto no_credentials = refused_worker(auth_worker("anonymous", nats, ca));
  EXPECT_EQ(no_credentials.exit_code, 1);
  EXPECT_NE(no_credentials.err.find("refused the credentials of [cluster]: no credentials"),
            std::string::npos)
      << no_credentials.err;
  const auto untrusted = refused_worker(auth_worker(
      "untrusted", nats, "ca_file = \"certs/other-ca.pem\"\nnkey_seed_file = \"user.nk\"\n"));
  EXPECT_EQ(untrusted.exit_code, 1);
  EXPECT_NE(untrusted.err.find("the server's TLS certificate is not trusted by [cluster] ca_file " +
                               (certs / "other-ca.pem").string()),
            std::string::npos)
      << untrusted.err;

  cluster_extra_ = ca + "user = \"coordinator\"\npassword_file = \"right.password\"\n";
  write_coordinator(nats, 1);
  auto coordinator = start_coordinator();
  auto worker =
      BackgroundProcess({LEAKWATCH_BINARY, "-v", "--config",
                         auth_worker("nk", nats, ca + "nkey_seed_file = \"user.nk\"\n").string(),
                         "worker", "--name", "nk"},
                        dir_ / "nk.log");
  ASSERT_TRUE(all_recorded(30s)) << read_file(dir_ / "coordinator.log")
                                 << read_file(dir_ / "nk.log");
  expect_one_scan_per_source();
  EXPECT_EQ(sightings(dir_ / "coord").size(), 1u);  // s0 holds the dataset's file
  EXPECT_NE(read_file(dir_ / "nk.log").find("worker=nk job="), std::string::npos);
  const auto status = run_command(
      {LEAKWATCH_BINARY, "-q", "--config", coordinator_.string(), "cluster", "status"}, 20s);
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("  nk  last heartbeat "), std::string::npos) << status.out;
  ::kill(worker.pid(), SIGTERM);
  EXPECT_EQ(worker.stop(), 0);
  ::kill(coordinator.pid(), SIGTERM);
  EXPECT_EQ(coordinator.stop(), 0);
}

// A server that verifies client certificates (tls { verify: true }): a worker without one, or
// with one signed by another CA, is turned away; coordinator and worker with certificates of
// the server's CA scan end to end.
TEST_F(ClusterTest, AServerThatVerifiesClientCertificatesTakesOnlyCertificatesOfItsCa) {
  const auto certs = make_certs();
  make_site({.sources = 2});
  NatsServers nats({.tls_dir = certs, .verify_clients = true});
  const std::string ca = "ca_file = \"certs/ca.pem\"\n";
  const auto without = refused_worker(auth_worker("without", nats, ca));
  EXPECT_EQ(without.exit_code, 1);
  EXPECT_NE(
      without.err.find("it wants a TLS client certificate ([cluster] cert_file and key_file), "
                       "and none is configured"),
      std::string::npos)
      << without.err;
  const auto stranger = refused_worker(
      auth_worker("stranger", nats,
                  ca + "cert_file = \"certs/stranger.pem\"\nkey_file = \"certs/stranger.key\"\n"));
  EXPECT_EQ(stranger.exit_code, 1);
  EXPECT_NE(stranger.err.find("it does not accept the client certificate cert_file " +
                              (certs / "stranger.pem").string()),
            std::string::npos)
      << stranger.err;

  const std::string client =
      ca + "cert_file = \"certs/client.pem\"\nkey_file = \"certs/client.key\"\n";
  cluster_extra_ = client;
  write_coordinator(nats, 1);
  auto coordinator = start_coordinator();
  auto worker = start_worker(auth_worker("certified", nats, client), "certified", 2);
  ASSERT_TRUE(all_recorded(30s)) << read_file(dir_ / "coordinator.log")
                                 << read_file(dir_ / "certified.log");
  expect_one_scan_per_source();
  EXPECT_EQ(sightings(dir_ / "coord").size(), 1u);
  ::kill(worker.pid(), SIGTERM);
  EXPECT_EQ(worker.stop(), 0);
  ::kill(coordinator.pid(), SIGTERM);
  EXPECT_EQ(coordinator.stop(), 0);
}

TEST_F(ClusterTest, AResultLargerThanMaxPayloadArrivesWhole) {
  // A text dump of 1 MiB of random words with the honeytoken at its very end, through a server
  // whose max_payload is 64 KiB: only the whole text shows the honeytoken.
  const std::string token = "LW-HONEY-7f3a9c2e51";
  std::string text;
  const auto noise = testing::random_bytes(1 << 19, 9);
  for (const auto c : noise)
    text += "abcdefghijklmnopqrstuvwxyz \n"[static_cast<unsigned char>(c) % 28];
  text += "\n" + token + "\n";
  write_file(dir_ / "site" / "paste.txt", text);
  site_.emplace(dir_ / "site");
  write_file(dir_ / "dataset" / "x.bin", "x");
  NatsServers nats({.max_payload = 64 * 1024});
  api_port_ = testing::free_port();
  write_file(coordinator_,
             "data_dir = \"coord\"\n[api]\nlisten = \"127.0.0.1:" + std::to_string(api_port_) +
                 "\"\ntokens = [\"" + kToken + "\"]\n" + cluster_toml(nats, 1) +
                 "[[source]]\nname = \"paste\"\nkind = \"text\"\nurl = \"" +
                 site_->url("/paste.txt") + "\"\nschedule = \"1h\"\n");
  const auto signed_ =
      run_command({LEAKWATCH_BINARY, "-q", "--config", coordinator_.string(), "sign", "--dataset",
                   "plates", "--honeytoken", token, (dir_ / "dataset").string()});
  ASSERT_EQ(signed_.exit_code, 0) << signed_.err;
  options_.sources = 1;
  write_worker(dir_ / "w.toml", nats, 1);
  auto coordinator = start_coordinator();
  auto w = start_worker(dir_ / "w.toml", "w", 1);
  ASSERT_TRUE(all_recorded(30s)) << read_file(dir_ / "coordinator.log");
  const auto log = read_file(dir_ / "w.log");
  const auto at = log.find("chunks=");
  ASSERT_NE(at, std::string::npos) << log;
  EXPECT_GT(std::stoi(log.substr(at + 7)), 1) << log;
  const auto seen = sightings(dir_ / "coord");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_NE(seen.begin()->find("plates|" + site_->url("/paste.txt") + "|confirmed"),
            std::string::npos)
      << *seen.begin();
}

}  // namespace
}  // namespace leakwatch
