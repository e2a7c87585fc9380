// Redirects followed by leakwatch itself (issue #14), against real nginx redirects: each hop is
// checked like the configured URL; a direct source never follows one to a .onion, loopback,
// private or link-local address (from a host that is not one), a host name over 255 bytes is
// refused, a proxied source keeps its proxy on every hop (the recording SOCKS5 proxy sees each
// hop's host name), and HEAD answers carry their Content-Length.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netdb.h>
#include <netinet/in.h>
#include <unistd.h>

#include <optional>
#include <sstream>

#include "net/fetch_engine.h"
#include "net/http_client.h"
#include "tests/support/nginx_server.h"
#include "tests/support/process.h"
#include "tests/support/support_files.h"

namespace leakwatch::crawler {
namespace {

using testing::NginxOptions;
using testing::NginxServer;
using testing::TempDir;
using testing::write_file;

// This machine's host name when the system resolver (/etc/hosts) gives a loopback address for it.
std::optional<std::string> host_name_resolving_to_loopback() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return std::nullopt;
  addrinfo hints{};
  hints.ai_family = AF_INET;
  addrinfo* res = nullptr;
  if (::getaddrinfo(name, nullptr, &hints, &res) != 0) return std::nullopt;
  const auto* in = reinterpret_cast<const sockaddr_in*>(res->ai_addr);  // NOLINT: C API
  const bool loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
  ::freeaddrinfo(res);
  return loopback ? std::optional<std::string>(name) : std::nullopt;
}

Url url(const std::string& text) {
  auto u = parse_url(text);
  if (!u) throw std::runtime_error("bad URL " + text);
  return *u;
}

TEST(RedirectRules, EachHopIsCheckedLikeAConfiguredUrl) {
  const auto site = url("http://mirror.example.org/files");
  const auto local = url("http://127.0.0.1:8080/files");
  // Direct: nowhere private, local or onion from a public site.
  for (const auto* to :
       {"http://127.0.0.1/", "http://[::1]/", "http://localhost:631/", "http://10.1.2.3/",
        "http://172.20.0.1/", "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/", "http://[fd00::1]/", "http://0.0.0.0/", "http://[::ffff:127.0.0.1]/",
        "http://exampleleakxyz2abcdefghijklmnopqrstuvwxyz234567abcdefgh.onion/"}) {
    EXPECT_TRUE(redirect_refused(site, url(to), false)) << to;
  }
  const auto onion = redirect_refused(
      site, url("http://exampleleakxyz2abcdefghijklmnopqrstuvwxyz234567abcdefgh.onion/"), false);
  EXPECT_NE(onion->find("resolved locally"), std::string::npos) << *onion;
  const auto metadata = redirect_refused(site, url("http://169.254.169.254/"), false);
  EXPECT_NE(metadata->find("link-local"), std::string::npos) << *metadata;
  // Public places, the same host, and (from a loopback site) loopback are fine.
  EXPECT_FALSE(redirect_refused(site, url("https://cdn.example.net/files/"), false));
  EXPECT_FALSE(redirect_refused(site, url("http://mirror.example.org/files/"), false));
  EXPECT_FALSE(redirect_refused(local, url("http://127.0.0.1:8080/files/"), false));
  EXPECT_FALSE(redirect_refused(local, url("http://localhost:9/x"), false));
  EXPECT_TRUE(redirect_refused(local, url("http://169.254.169.254/"), false));
  // Through a proxy the proxy resolves: an onion is fine, the scheme and length rules stay.
  EXPECT_FALSE(redirect_refused(
      site, url("http://exampleleakxyz2abcdefghijklmnopqrstuvwxyz234567abcdefgh.onion/"), true));
  EXPECT_TRUE(redirect_refused(site, url("ftp://mirror.example.org/x"), true));
  const auto long_name =
      redirect_refused(site, url("http://" + std::string(300, 'a') + ".org/"), true);
  ASSERT_TRUE(long_name);
  EXPECT_NE(long_name->find("255 bytes"), std::string::npos) << *long_name;
}

// Every test runs twice: on a client's own loop, and on a FetchEngine's shared loop (what scan
// and the daemon use), where the same discipline and limits must hold.
class Redirects : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    write_file(dir_ / "site" / "files" / "a.txt", "hello");
    write_file(dir_ / "site" / "dest" / "b.txt", "bee");
  }
  NginxOptions redirects() const {
    return {.extra_server_config =
                "location = /to-metadata { return 302 http://169.254.169.254/latest/meta-data/; }\n"
                "location = /to-private { return 302 http://10.255.0.1/; }\n"
                "location = /to-onion { return 302 "
                "http://exampleleakxyz2abcdefghijklmnopqrstuvwxyz234567abcdefgh.onion/; }\n"
                "location = /to-long { return 302 http://" +
                std::string(300, 'a') +
                ".org/; }\n"
                "location = /relative { return 302 /dest/b.txt; }\n"
                "location = /loop { return 302 /loop; }\n"};
  }
  TempDir dir_;
  FetchEngine engine_{16};
  HttpClient own_;
  HttpClient on_engine_{engine_};
  HttpClient& client_ = GetParam() ? on_engine_ : own_;
};

TEST_P(Redirects, AreFollowedByLeakwatchWithItsOwnChecks) {
  NginxServer server(dir_ / "site", redirects());
  // A folder without its slash: the server's redirect is followed, and the answer says where.
  auto r = client_.get({.url = server.url("/files")});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->effective_url, server.url("/files/"));
  EXPECT_EQ(r->redirects, 1);
  EXPECT_NE(r->body.find("a.txt"), std::string::npos) << r->body;
  EXPECT_EQ(r->body.find("301"), std::string::npos) << "the redirect's own body is dropped";
  r = client_.get({.url = server.url("/relative")});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body, "bee");
  // Refused, before any connection: the error names the URL and the reason.
  for (const auto& [path, why] :
       std::vector<std::pair<std::string, std::string>>{{"/to-metadata", "link-local"},
                                                        {"/to-private", "private address"},
                                                        {"/to-onion", ".onion"},
                                                        {"/to-long", "255 bytes"},
                                                        {"/loop", "more than 5 redirects"}}) {
    for (const bool many : {false, true}) {
      const HttpRequest request{.url = server.url(path)};
      const auto got =
          many ? std::move(client_.get_many({request}, Concurrency{})[0]) : client_.get(request);
      ASSERT_FALSE(got) << path;
      EXPECT_NE(got.error().message.find(server.url(path)), std::string::npos)
          << got.error().message;
      EXPECT_NE(got.error().message.find(why), std::string::npos) << got.error().message;
    }
  }
  // Many at once follow redirects too.
  const auto many = client_.get_many(
      {{.url = server.url("/files")}, {.url = server.url("/relative")}}, Concurrency{});
  ASSERT_TRUE(many[0]) << many[0].error().message;
  EXPECT_EQ(many[0]->effective_url, server.url("/files/"));
  ASSERT_TRUE(many[1]);
  EXPECT_EQ(many[1]->body, "bee");
}

TEST_P(Redirects, HeadGivesTheSizeWithoutTheBody) {
  write_file(dir_ / "site" / "big.bin", std::string(123456, 'z'));
  NginxServer server(dir_ / "site");
  const auto r = client_.get({.url = server.url("/big.bin"), .head = true});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->content_length, 123456u);
  EXPECT_EQ(r->body_bytes, 0u);
  EXPECT_NE(server.access_log().find("\"HEAD /big.bin HTTP/1.1\" 200"), std::string::npos);
}

// Through a SOCKS5 proxy every hop goes through it, each named by its host name for the proxy
// to resolve (the recording proxy relays any name to loopback).
TEST_P(Redirects, AProxiedSourceKeepsItsProxyOnEveryHop) {
  NginxServer server(dir_ / "site",
                     {.extra_server_config = "location = /hop { return 302 "
                                             "http://second.leak.invalid:$server_port/dest/b.txt; "
                                             "}\n"});
  const int proxy_port = testing::free_port();
  testing::BackgroundProcess proxy(
      {"python3", testing::support_file("socks5_recorder.py"), std::to_string(proxy_port),
       (dir_ / "socks.jsonl").string(), "--relay-any"},
      dir_ / "socks.log");
  ASSERT_TRUE(testing::wait_for_port(proxy_port));
  const auto port = std::to_string(server.port());
  const auto r = client_.get({.url = "http://first.leak.invalid:" + port + "/hop",
                              .proxy_url = "socks5h://127.0.0.1:" + std::to_string(proxy_port)});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->body, "bee");
  const auto log = testing::read_file(dir_ / "socks.jsonl");
  EXPECT_NE(log.find("\"host\": \"first.leak.invalid\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"host\": \"second.leak.invalid\""), std::string::npos) << log;
}

// A redirect to a host name is checked again once the system has resolved it: from a site on a
// non-loopback address, a redirect to this machine's own host name (which /etc/hosts maps to
// 127.0.0.1 on Debian) is refused after the connection and before any request is sent to it.
TEST_P(Redirects, ANameResolvedToLoopbackIsRefusedBeforeTheRequest) {
  const auto address = testing::interface_ipv4();
  const auto name = host_name_resolving_to_loopback();
  if (!address || !name) {
    GTEST_SKIP() << "needs a non-loopback IPv4 interface and a host name that resolves to 127.x";
  }
  const int port = testing::free_port();
  const auto p = std::to_string(port);
  NginxServer server(
      dir_ / "site",
      {.extra_server_config = "listen " + p + ";\nlocation = /to-own-name { return 302 http://" +
                              *name + ":" + p + "/files/; }\n"});
  const auto origin = "http://" + *address + ":" + p + "/to-own-name";
  const auto got = client_.get({.url = origin});
  ASSERT_FALSE(got) << "followed to " << got->effective_url;
  EXPECT_NE(got.error().message.find(origin), std::string::npos) << got.error().message;
  EXPECT_NE(got.error().message.find("it resolved to 127."), std::string::npos)
      << got.error().message;
  EXPECT_NE(got.error().message.find("loopback"), std::string::npos) << got.error().message;
  const auto log = server.access_log();
  EXPECT_NE(log.find("GET /to-own-name"), std::string::npos) << log;
  EXPECT_EQ(log.find("GET /files/"), std::string::npos)
      << "the refused hop sent a request: " << log;
  // The same name from a loopback site is allowed (loopback to loopback), so the refusal above
  // is the resolved address's, not the name's.
  const auto allowed = client_.get({.url = server.url("/to-own-name")});
  ASSERT_TRUE(allowed) << allowed.error().message;
  EXPECT_EQ(allowed->status, 200);
}

INSTANTIATE_TEST_SUITE_P(Loops, Redirects, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "FetchEngine" : "OwnLoop";
                         });

}  // namespace
}  // namespace leakwatch::crawler
