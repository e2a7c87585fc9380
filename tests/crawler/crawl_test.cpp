// Crawling a real nginx site: recursion within the source, limits, content hashing in memory,
// and fail-closed proxy behaviour.
#include "crawler/crawl.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "matcher/file_hasher.h"
#include "tests/support/nginx_server.h"

namespace leakwatch::crawler {
namespace {

using testing::NginxOptions;
using testing::NginxServer;
using testing::TempDir;
using testing::write_file;

std::set<std::string> paths_of(const Manifest& m) {
  std::set<std::string> out;
  for (const auto& e : m.entries) out.insert(e.path);
  return out;
}

class CrawlNginx : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(site_ / "top.txt", "top");
    write_file(site_ / "a" / "one.bin", std::string(100, '1'));
    write_file(site_ / "a" / "b" / "two.bin", std::string(200, '2'));
    write_file(site_ / "a" / "b" / "c" / "three.bin", std::string(300, '3'));
    write_file(dir_ / "outside" / "secret.txt", "not part of the source");
  }
  CrawlOptions options_for(const NginxServer& server, const std::string& path = "/") {
    CrawlOptions o;
    o.source_name = "test";
    o.url = server.url(path);
    o.limits.timeout = std::chrono::seconds(10);
    o.limits.connect_timeout = std::chrono::seconds(5);
    return o;
  }
  TempDir dir_;
  std::filesystem::path site_ = dir_ / "site";
  HttpClient client_;
};

TEST_F(CrawlNginx, FollowsSubfoldersToTheConfiguredDepth) {
  NginxServer server(site_);
  auto o = options_for(server);
  o.depth = 2;
  const auto r = crawl_listing(client_, o);
  EXPECT_EQ(r.status, ScanStatus::ok) << r.error;
  EXPECT_EQ(paths_of(r.manifest), (std::set<std::string>{"top.txt", "a/one.bin", "a/b/two.bin"}));
  EXPECT_EQ(r.pages_fetched, 3u);
  EXPECT_EQ(r.manifest.source, "test");
  for (const auto& e : r.manifest.entries) {
    ASSERT_TRUE(e.size.has_value()) << e.path;
    EXPECT_TRUE(e.url.empty()) << "no URL is kept for a file nothing will fetch: " << e.path;
  }
}

TEST_F(CrawlNginx, StartsBelowTheRootAndNeverLeavesIt) {
  NginxServer server(site_);
  auto o = options_for(server, "/a/b/");
  const auto r = crawl_listing(client_, o);
  EXPECT_EQ(r.status, ScanStatus::ok) << r.error;
  EXPECT_EQ(paths_of(r.manifest), (std::set<std::string>{"two.bin", "c/three.bin"}));
}

TEST_F(CrawlNginx, StopsAtMaxPagesAndReportsPartial) {
  NginxServer server(site_);
  auto o = options_for(server);
  o.max_pages = 2;
  const auto r = crawl_listing(client_, o);
  EXPECT_EQ(r.status, ScanStatus::partial);
  EXPECT_EQ(r.pages_fetched, 2u);
  EXPECT_NE(r.error.find("max_pages=2"), std::string::npos) << r.error;
}

TEST_F(CrawlNginx, StopsAtMaxEntriesAndReportsPartial) {
  NginxServer server(site_);
  auto o = options_for(server);
  o.max_entries = 2;
  const auto r = crawl_listing(client_, o);
  EXPECT_EQ(r.status, ScanStatus::partial);
  EXPECT_EQ(r.manifest.entries.size(), 2u);
}

TEST_F(CrawlNginx, RefusesAPageLargerThanTheBodyLimit) {
  for (int i = 0; i < 200; ++i) write_file(site_ / ("f" + std::to_string(i) + ".txt"), "x");
  NginxServer server(site_);
  auto o = options_for(server);
  o.limits.max_body_bytes = 1024;
  const auto r = crawl_listing(client_, o);
  EXPECT_EQ(r.status, ScanStatus::failed);
  EXPECT_NE(r.error.find("exceeds the limit of 1024 bytes"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find(server.url("/")), std::string::npos)
      << "the error names the URL: " << r.error;
}

TEST_F(CrawlNginx, StopsAnEndlessRedirect) {
  NginxServer server(site_,
                     NginxOptions{.extra_server_config = "location /loop/ { return 302 /loop/; }"});
  auto o = options_for(server, "/loop/");
  const auto r = crawl_listing(client_, o);
  EXPECT_EQ(r.status, ScanStatus::failed);
  EXPECT_NE(r.error.find("redirects"), std::string::npos) << r.error;
}

TEST_F(CrawlNginx, ReportsAMissingIndexAsFailed) {
  NginxServer server(site_);
  const auto r = crawl_listing(client_, options_for(server, "/nope/"));
  EXPECT_EQ(r.status, ScanStatus::failed);
  EXPECT_NE(r.error.find("HTTP 404"), std::string::npos) << r.error;
}

TEST_F(CrawlNginx, HashesOnlyCandidateContentWithinTheBudget) {
  NginxServer server(site_);
  auto o = options_for(server);
  o.wants_content = [](const FileEntry& e) { return e.size == 100u || e.size == 300u; };
  o.make_digester = [] { return std::make_unique<matcher::MultiHasher>(); };
  o.content_budget = 150;  // room for the 100-byte file, not for the 300-byte one
  const auto r = crawl_listing(client_, o);
  EXPECT_EQ(r.files_hashed, 1u);
  EXPECT_EQ(r.content_bytes, 100u);
  for (const auto& e : r.manifest.entries) {
    if (e.path == "a/one.bin") {
      ASSERT_FALSE(e.digests.empty());
      matcher::MultiHasher local;
      const std::string content(100, '1');
      local.update({reinterpret_cast<const std::uint8_t*>(content.data()), content.size()});
      EXPECT_EQ(e.digests, local.finish())
          << "digests of the fetched bytes equal those of the file";
    } else {
      EXPECT_TRUE(e.digests.empty()) << e.path << " must not be fetched";
    }
  }
  EXPECT_NE(r.error.find("content budget"), std::string::npos) << r.error;
  // The access log shows which files were downloaded: only one.bin.
  const auto log = server.access_log();
  EXPECT_NE(log.find("GET /a/one.bin"), std::string::npos);
  EXPECT_EQ(log.find("GET /a/b/c/three.bin"), std::string::npos);
  EXPECT_EQ(log.find("GET /top.txt"), std::string::npos);
}

TEST_F(CrawlNginx, AttachesDigestsFromAPublishedChecksumListWithoutFetchingTheFiles) {
  // The leak poster's own SHA256SUMS, written by the real tool, names one file that the
  // listing does not show (its folder is hidden).
  write_file(dir_ / "hidden" / "unlisted.bin", "secret");
  const auto sums =
      testing::run_command({"sh", "-c",
                            "cd '" + site_.string() + "/a' && sha256sum one.bin b/two.bin && cd '" +
                                (dir_ / "hidden").string() + "' && sha256sum unlisted.bin"});
  ASSERT_EQ(sums.exit_code, 0) << sums.err;
  write_file(site_ / "a" / "SHA256SUMS", sums.out);
  NginxServer server(site_);
  auto o = options_for(server);
  o.depth = 1;  // a/b/ is not crawled, but the list still proves two.bin
  const auto r = crawl_listing(client_, o);
  EXPECT_EQ(r.status, ScanStatus::ok) << r.error;
  std::map<std::string, std::string> sha;
  for (const auto& e : r.manifest.entries) {
    for (const auto& d : e.digests) {
      if (d.kind == DigestKind::sha256) sha[e.path] = d.hex();
    }
  }
  ASSERT_EQ(sha.size(), 3u) << testing::read_file(site_ / "a" / "SHA256SUMS");
  EXPECT_EQ(sums.out.substr(0, 64), sha["a/one.bin"]);
  EXPECT_TRUE(sha.contains("a/b/two.bin"));
  EXPECT_TRUE(sha.contains("a/unlisted.bin"));
  const auto log = server.access_log();
  EXPECT_NE(log.find("GET /a/SHA256SUMS"), std::string::npos);
  EXPECT_EQ(log.find("GET /a/one.bin"), std::string::npos) << "content is never fetched for this";
}

TEST_F(CrawlNginx, NeverFallsBackToADirectConnectionWhenTheProxyIsDown) {
  NginxServer server(site_);
  auto o = options_for(server);
  o.proxy_url = "socks5h://127.0.0.1:" + std::to_string(testing::free_port());  // nothing listens
  o.proxy_name = "dead";
  const auto r = crawl_listing(client_, o);
  EXPECT_EQ(r.status, ScanStatus::failed);
  EXPECT_NE(r.error.find("via proxy socks5h://127.0.0.1"), std::string::npos) << r.error;
  EXPECT_EQ(server.request_count(), 0u) << "the site saw a direct connection:\n"
                                        << server.access_log();
}

}  // namespace
}  // namespace leakwatch::crawler
