// FetchEngine against real servers on 127.0.0.1: the global cap across clients (a threaded
// Python server counts the requests it holds at once), the per-proxy cap (the recording SOCKS5
// proxy counts its open tunnels), fair turns between a big client and small ones, and streamed
// bodies handed to the caller's thread (paused while the reader is slow, stopped when it says).
#include "net/fetch_engine.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "net/http_client.h"
#include "tests/support/nginx_server.h"
#include "tests/support/process.h"
#include "tests/support/support_files.h"

namespace leakwatch::crawler {
namespace {

using testing::TempDir;
using testing::write_file;

// Holds each request `hold_ms`, and answers with the most requests it ever held at once.
class HoldingServer {
 public:
  HoldingServer(const std::filesystem::path& log, int hold_ms)
      : port_(testing::free_port()),
        process_({"python3", testing::support_file("holding_server.py"), std::to_string(port_),
                  std::to_string(hold_ms)},
                 log) {
    if (!testing::wait_for_port(port_)) throw std::runtime_error("python server did not start");
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  int port_;
  testing::BackgroundProcess process_;
};

std::vector<HttpRequest> requests_for(const HoldingServer& server, const std::string& prefix, int n,
                                      const std::string& proxy = "") {
  std::vector<HttpRequest> out;
  for (int i = 0; i < n; ++i)
    out.push_back({.url = server.url("/" + prefix + std::to_string(i)), .proxy_url = proxy});
  return out;
}

TEST(FetchEngine, HoldsTheGlobalCapAcrossEveryClient) {
  TempDir dir;
  HoldingServer server(dir / "server.log", 200);
  FetchEngine engine(5);
  std::atomic<std::uint64_t> max_seen{0};
  std::atomic<int> failures{0};
  {
    std::vector<std::jthread> sources;
    for (int c = 0; c < 6; ++c) {
      sources.emplace_back([&, c] {
        HttpClient client(engine);
        const auto results = client.get_many(requests_for(server, "c" + std::to_string(c), 4),
                                             {.in_flight = 4, .per_host = 4, .retries = 0});
        for (const auto& r : results) {
          if (!r || r->status != 200) {
            ++failures;
            continue;
          }
          max_seen = std::max<std::uint64_t>(max_seen, std::stoull(r->body));
        }
      });
    }
  }
  EXPECT_EQ(failures, 0);
  EXPECT_LE(max_seen, 5u) << "the server held more requests at once than the engine's cap";
  EXPECT_GE(max_seen, 4u) << "the clients did not share the slots";
  EXPECT_LE(engine.stats().max_in_flight_seen, 5u);
  EXPECT_EQ(engine.stats().requests_done, 24u);
}

TEST(FetchEngine, HoldsEachProxyToItsMaxConnections) {
  TempDir dir;
  write_file(dir / "site" / "f.txt", "through the proxy");
  testing::NginxServer server(dir / "site");
  const int proxy_port = testing::free_port();
  testing::BackgroundProcess proxy({"python3", testing::support_file("socks5_recorder.py"),
                                    std::to_string(proxy_port), (dir / "socks.jsonl").string(),
                                    "--delay-ms", "150", "--stats", (dir / "stats.json").string()},
                                   dir / "socks.log");
  ASSERT_TRUE(testing::wait_for_port(proxy_port));
  FetchEngine engine(64);
  // Two sources with isolating credentials use the same proxy: one cap for both.
  engine.set_proxy_cap("socks5h://127.0.0.1:" + std::to_string(proxy_port), 3);
  std::atomic<int> ok{0};
  {
    std::vector<std::jthread> sources;
    for (int c = 0; c < 4; ++c) {
      sources.emplace_back([&, c] {
        HttpClient client(engine);
        std::vector<HttpRequest> requests(
            5, HttpRequest{.url = "http://leak" + std::to_string(c) +
                                  ".onion:" + std::to_string(server.port()) + "/f.txt",
                           .proxy_url = "socks5h://source" + std::to_string(c) +
                                        ":x@127.0.0.1:" + std::to_string(proxy_port)});
        for (const auto& r : client.get_many(requests, {.in_flight = 5, .per_host = 5}))
          ok += r && r->body == "through the proxy";
      });
    }
  }
  EXPECT_EQ(ok, 20);
  const auto stats = nlohmann::json::parse(testing::read_file(dir / "stats.json"));
  EXPECT_LE(stats["max_open"].get<int>(), 3) << "more tunnels open at once than max_connections";
  EXPECT_GE(stats["max_open"].get<int>(), 2) << "the proxy's slots were not used in parallel";
  EXPECT_EQ(testing::read_file(dir / "socks.jsonl").find("\"host\": \"127.0.0.1\""),
            std::string::npos)
      << "every name went to the proxy to resolve";
}

TEST(FetchEngine, SmallClientsFinishWhileABigOneIsStillFetching) {
  TempDir dir;
  HoldingServer server(dir / "server.log", 100);
  FetchEngine engine(8);
  using Clock = std::chrono::steady_clock;
  Clock::time_point big_done, last_small_done;
  std::atomic<int> failures{0};
  std::mutex m;
  {
    std::jthread big([&] {
      HttpClient client(engine);
      for (const auto& r : client.get_many(requests_for(server, "big", 160),
                                           {.in_flight = 8, .per_host = 8, .retries = 0}))
        failures += !r;
      big_done = Clock::now();
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(150));  // the big one queued first
    std::vector<std::jthread> small;
    for (int c = 0; c < 16; ++c) {
      small.emplace_back([&, c] {
        HttpClient client(engine);
        failures += !client.get({.url = server.url("/small" + std::to_string(c))});
        const std::lock_guard lock(m);
        last_small_done = std::max(last_small_done, Clock::now());
      });
    }
  }
  EXPECT_EQ(failures, 0);
  // 160 pages at 8 at a time take 2 s; each small page waits a turn, not for the big client.
  EXPECT_LT(last_small_done, big_done) << "a small client waited for the big one to finish";
}

TEST(FetchEngine, StreamsABodyToTheCallersSinkAndStopsWhenItSaysSo) {
  TempDir dir;
  std::string content(3u << 20, '\0');
  for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7 % 251);
  write_file(dir / "site" / "big.bin", content);
  testing::NginxServer server(dir / "site");
  FetchEngine engine(4);
  CpuGate gate(1);
  const CpuGate::Hold working(&gate);  // this thread works, as a source's does
  HttpClient client(engine, &gate);
  std::string got;
  const auto caller = std::this_thread::get_id();
  bool on_caller = true;
  auto r = client.get({.url = server.url("/big.bin")}, [&](std::span<const std::uint8_t> chunk) {
    on_caller &= std::this_thread::get_id() == caller;
    got.append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
    if (got.size() < (1u << 20)) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return true;
  });
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body_bytes, content.size());
  EXPECT_TRUE(got == content) << "a slow reader paused the transfer; nothing was lost or reordered";
  EXPECT_TRUE(on_caller) << "the sink ran on the fetch loop";
  std::size_t read = 0;
  r = client.get({.url = server.url("/big.bin")}, [&](std::span<const std::uint8_t> chunk) {
    read += chunk.size();
    return read < 100'000;
  });
  EXPECT_FALSE(r.ok());
  if (!r) {
    EXPECT_NE(r.error().message.find("stopped by the reader"), std::string::npos);
  }
  EXPECT_LT(read, content.size());
}

}  // namespace
}  // namespace leakwatch::crawler
