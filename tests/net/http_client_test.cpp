// HttpClient limits and proxy discipline against real servers: compression bombs, slow drips,
// redirects to other schemes, byte ranges, and proxy settings from the environment.
#include "net/http_client.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <stdexcept>

#include "net/fetch_engine.h"
#include "tests/support/nginx_server.h"
#include "tests/support/process.h"
#include "tests/support/support_files.h"

namespace leakwatch::crawler {
namespace {

using testing::NginxOptions;
using testing::NginxServer;
using testing::TempDir;
using testing::write_file;

// Every test runs twice: on a client's own loop, and on a FetchEngine's shared loop (what scan
// and the daemon use), where the same discipline and limits must hold.
class HttpLimits : public ::testing::TestWithParam<bool> {
 protected:
  TempDir dir_;
  FetchEngine engine_{16};
  HttpClient own_;
  HttpClient on_engine_{engine_};
  HttpClient& client_ = GetParam() ? on_engine_ : own_;
};

TEST_P(HttpLimits, StopsAGzipBombByItsDecompressionRatio) {
  // 64 MiB of zeros gzip to ~64 KiB; served with Content-Encoding: gzip.
  const auto made = testing::run_command(
      {"sh", "-c", "head -c 67108864 /dev/zero | gzip -9 > '" + (dir_ / "bomb.gz").string() + "'"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  write_file(dir_ / "site" / "index.html", "ok");
  NginxServer server(dir_ / "site",
                     NginxOptions{.extra_server_config =
                                      "location = /bomb.html { add_header Content-Encoding gzip; "
                                      "default_type text/html; alias " +
                                      (dir_ / "bomb.gz").string() + "; }"});
  HttpRequest request{.url = server.url("/bomb.html")};
  request.limits.max_body_bytes = 1ull << 30;  // the ratio, not the size, must stop it
  const auto r = client_.get(request);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("decompression ratio above 200:1"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find(server.url("/bomb.html")), std::string::npos);
}

TEST_P(HttpLimits, AbortsASlowDripResponse) {
  const int port = testing::free_port();
  // Headers at once, then one byte per second for a minute.
  testing::BackgroundProcess drip(
      {"python3", "-c",
       "import "
       "socket,time\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
       "s.bind(('127.0.0.1'," +
           std::to_string(port) +
           "))\ns.listen(5)\nwhile True:\n  c,_=s.accept()\n  c.recv(4096)\n"
           "  c.sendall(b'HTTP/1.1 200 OK\\r\\nContent-Length: 100000\\r\\n\\r\\n')\n"
           "  try:\n    for i in range(60):\n      c.sendall(b'x'); time.sleep(1)\n  except "
           "OSError: pass\n  c.close()\n"},
      dir_ / "drip.log");
  ASSERT_TRUE(testing::wait_for_port(port));
  HttpRequest request{.url = "http://127.0.0.1:" + std::to_string(port) + "/"};
  request.limits.low_speed_bytes = 100;
  request.limits.low_speed_time = std::chrono::seconds(2);
  const auto started = std::chrono::steady_clock::now();
  const auto r = client_.get(request);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("timed out"), std::string::npos) << r.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20));
}

TEST_P(HttpLimits, NeverFollowsARedirectOutOfHttp) {
  write_file(dir_ / "site" / "x", "x");
  NginxServer server(
      dir_ / "site",
      NginxOptions{.extra_server_config = "location = /to-file { return 302 file:///etc/passwd; }\n"
                                          "location = /to-ftp { return 302 ftp://127.0.0.1/x; }"});
  for (const auto* path : {"/to-file", "/to-ftp"}) {
    const auto r = client_.get({.url = server.url(path)});
    // Either refused outright or answered with the 302 itself: never the other scheme's content.
    if (r.ok()) {
      EXPECT_EQ(r->status, 302) << path;
      EXPECT_EQ(r->body.find("root:"), std::string::npos);
    } else {
      EXPECT_NE(r.error().message.find(server.url(path)), std::string::npos) << r.error().message;
    }
  }
}

TEST_P(HttpLimits, ReadsTheTotalSizeOfARangeAnswer) {
  write_file(dir_ / "site" / "f.bin", std::string(1000, 'a') + "TAIL");
  NginxServer server(dir_ / "site");
  HttpRequest request{.url = server.url("/f.bin")};
  request.tail_bytes = 4;
  auto r = client_.get(request);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 206);
  EXPECT_EQ(r->body, "TAIL");
  EXPECT_EQ(r->total_size, 1004u);
  EXPECT_EQ(r->range_start, 1000u);
  request.tail_bytes.reset();
  request.range = {{0, 9}};
  r = client_.get(request);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, std::string(10, 'a'));
}

// A Tor Browser user agent on curl's header set and TLS handshake was a signature of its own:
// the agent is curl's, which matches what curl really sends.
TEST_P(HttpLimits, SendsCurlsOwnUserAgent) {
  write_file(dir_ / "site" / "f.txt", "hello");
  NginxServer server(dir_ / "site");
  ASSERT_TRUE(client_.get({.url = server.url("/f.txt")}).ok());
  const auto log = server.access_log();
  EXPECT_NE(log.find("\"curl/"), std::string::npos) << log;
  EXPECT_EQ(log.find("Firefox"), std::string::npos) << log;
}

// Environment proxy variables must neither add a proxy to a direct source nor let NO_PROXY take
// a proxied request around its proxy.
TEST_P(HttpLimits, IgnoresProxyEnvironmentVariables) {
  write_file(dir_ / "site" / "f.txt", "hello");
  NginxServer server(dir_ / "site");
  const auto dead = "http://127.0.0.1:" + std::to_string(testing::free_port());
  ::setenv("http_proxy", dead.c_str(), 1);
  ::setenv("ALL_PROXY", dead.c_str(), 1);
  ::setenv("NO_PROXY", "127.0.0.1,localhost", 1);
  ::setenv("no_proxy", "127.0.0.1,localhost", 1);
  const auto direct = client_.get({.url = server.url("/f.txt")});
  const auto proxied =
      client_.get({.url = server.url("/f.txt"),
                   .proxy_url = "socks5h://127.0.0.1:" + std::to_string(testing::free_port())});
  for (const auto* v : {"http_proxy", "ALL_PROXY", "NO_PROXY", "no_proxy"}) ::unsetenv(v);
  ASSERT_TRUE(direct.ok()) << direct.error().message;
  EXPECT_EQ(direct->body, "hello");
  EXPECT_FALSE(proxied.ok()) << "NO_PROXY routed a proxied request around its dead proxy";
  EXPECT_EQ(server.request_count(), 1u) << server.access_log();
}

INSTANTIATE_TEST_SUITE_P(Loops, HttpLimits, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "FetchEngine" : "OwnLoop";
                         });

}  // namespace
}  // namespace leakwatch::crawler

namespace leakwatch::crawler {
namespace {

// A threaded Python server that holds each request 300 ms, answers 503 to the first request for
// every path ending in "flaky", and reports the most requests it ever held at once.
class CountingServer {
 public:
  explicit CountingServer(const std::filesystem::path& log)
      : port_(testing::free_port()),
        process_({"python3", testing::support_file("holding_server.py"), std::to_string(port_),
                  "300", "--flaky", "flaky"},
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

TEST(HttpGetMany, RunsRequestsConcurrentlyWithinTheLimits) {
  TempDir dir;
  CountingServer server(dir / "server.log");
  std::vector<HttpRequest> requests;
  for (int i = 0; i < 12; ++i) requests.push_back({.url = server.url("/p" + std::to_string(i))});
  HttpClient client;
  const auto results = client.get_many(requests, {.in_flight = 4, .per_host = 4, .retries = 0});
  ASSERT_EQ(results.size(), 12u);
  std::uint64_t max_seen = 0;
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->status, 200);
    max_seen = std::max<std::uint64_t>(max_seen, std::stoull(r->body));
  }
  EXPECT_GE(max_seen, 2u) << "requests ran one at a time";
  EXPECT_LE(max_seen, 4u) << "more requests at once than allowed";
}

TEST(HttpGetMany, RetriesTransientFailuresOnlyAndKeepsTheOrder) {
  TempDir dir;
  CountingServer server(dir / "server.log");
  HttpClient client;
  const std::vector<HttpRequest> requests = {
      {.url = server.url("/a")},
      {.url = server.url("/b-flaky")},
      {.url = "http://127.0.0.1:" + std::to_string(testing::free_port()) + "/"}};
  auto results = client.get_many(
      requests,
      {.in_flight = 4, .per_host = 4, .retries = 2, .backoff = std::chrono::milliseconds(50)});
  ASSERT_EQ(results.size(), 3u);
  ASSERT_TRUE(results[0].ok());
  EXPECT_EQ(results[0]->status, 200);
  ASSERT_TRUE(results[1].ok()) << results[1].error().message;
  EXPECT_EQ(results[1]->status, 200) << "the 503 was retried";
  EXPECT_FALSE(results[2].ok()) << "a closed port stays an error after its retries";
  // Without retries the 503 is reported as it came.
  results = client.get_many({{.url = server.url("/c-flaky")}}, {.retries = 0});
  ASSERT_TRUE(results[0].ok());
  EXPECT_EQ(results[0]->status, 503);
}

}  // namespace
}  // namespace leakwatch::crawler

namespace leakwatch::crawler {
namespace {

TEST(HttpGetMany, SpacesRequestStartsByTheConfiguredInterval) {
  TempDir dir;
  write_file(dir / "site" / "f", "x");
  NginxServer server(dir / "site");
  std::vector<HttpRequest> requests(6, HttpRequest{.url = server.url("/f")});
  HttpClient client;
  const auto started = std::chrono::steady_clock::now();
  const auto results = client.get_many(
      requests, {.in_flight = 6, .per_host = 6, .interval = std::chrono::milliseconds(100)});
  const auto took = std::chrono::steady_clock::now() - started;
  for (const auto& r : results) ASSERT_TRUE(r.ok());
  // Six starts 100 ms apart cannot all begin within half a second.
  EXPECT_GE(took, std::chrono::milliseconds(500));
}

}  // namespace
}  // namespace leakwatch::crawler
