// Sources that are single documents, served by nginx: a checksum list, a JSON tree, a text
// dump read up to its cap, a leak post page, and auto-detection of each.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "crawler/crawl.h"
#include "tests/support/nginx_server.h"
#include "tests/support/process.h"

namespace leakwatch::crawler {
namespace {

using testing::NginxServer;
using testing::TempDir;
using testing::write_file;

class DocumentSources : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(site_ / "a.bin", testing::random_bytes(500, 1));
    const auto sums =
        testing::run_command({"sh", "-c", "cd '" + site_.string() + "' && sha256sum a.bin"});
    ASSERT_EQ(sums.exit_code, 0);
    write_file(site_ / "SHA256SUMS", sums.out);
    write_file(site_ / "files.json", R"({"children":[{"name":"x.jpg","size":42}]})");
    write_file(site_ / "paste.txt", std::string(5000, 'p'));
    write_file(site_ / "post.html",
               "<html><body><h1>Perceptics dump</h1><p>Download below. Proof: ABC1234</p>"
               "<a href=\"files/part1.zip\">part 1</a> <a "
               "href=\"http://elsewhere.example/x.zip\">mirror</a>"
               "<script>var hidden='nope';</script></body></html>");
  }
  CrawlResult crawl(const NginxServer& server, const std::string& path,
                    CrawlKind kind = CrawlKind::auto_detect) {
    CrawlOptions o;
    o.source_name = "doc";
    o.url = server.url(path);
    o.kind = kind;
    o.limits.timeout = std::chrono::seconds(10);
    o.limits.max_body_bytes = 1000;
    o.max_archives = 0;
    return crawl_source(client_, o);
  }
  TempDir dir_;
  std::filesystem::path site_ = dir_ / "site";
  HttpClient client_;
};

TEST_F(DocumentSources, ReadsAChecksumListSource) {
  NginxServer server(site_);
  const auto r = crawl(server, "/SHA256SUMS");
  ASSERT_EQ(r.status, ScanStatus::ok) << r.error;
  ASSERT_EQ(r.manifest.entries.size(), 1u);
  EXPECT_EQ(r.manifest.entries[0].path, "a.bin");
  ASSERT_EQ(r.manifest.entries[0].digests.size(), 1u);
  EXPECT_EQ(r.manifest.entries[0].digests[0].kind, DigestKind::sha256);
}

TEST_F(DocumentSources, ReadsAJsonTreeSource) {
  NginxServer server(site_);
  const auto r = crawl(server, "/files.json");
  ASSERT_EQ(r.status, ScanStatus::ok) << r.error;
  ASSERT_EQ(r.manifest.entries.size(), 1u);
  EXPECT_EQ(r.manifest.entries[0].path, "x.jpg");
  EXPECT_EQ(r.manifest.entries[0].size, 42u);
}

TEST_F(DocumentSources, ReadsATextDumpUpToItsCap) {
  NginxServer server(site_);
  const auto r = crawl(server, "/paste.txt");
  EXPECT_EQ(r.status, ScanStatus::partial) << r.error;
  ASSERT_EQ(r.manifest.texts.size(), 1u);
  EXPECT_EQ(r.manifest.texts[0].text.size(), 1000u);
  EXPECT_NE(r.error.find("cap of 1000 bytes"), std::string::npos) << r.error;
}

TEST_F(DocumentSources, ReadsALeakPostPageForLinksAndText) {
  NginxServer server(site_);
  const auto r = crawl(server, "/post.html", CrawlKind::page);
  ASSERT_EQ(r.status, ScanStatus::ok) << r.error;
  ASSERT_EQ(r.manifest.entries.size(), 1u) << "links to other sites are not part of the source";
  EXPECT_EQ(r.manifest.entries[0].path, "files/part1.zip");
  EXPECT_EQ(r.manifest.entries[0].url, server.url("/files/part1.zip"));
  ASSERT_EQ(r.manifest.texts.size(), 1u);
  EXPECT_NE(r.manifest.texts[0].text.find("Proof: ABC1234"), std::string::npos);
  EXPECT_EQ(r.manifest.texts[0].text.find("nope"), std::string::npos)
      << "scripts are not page text";
}

// A post the server redirects (a short link, a moved thread): its links resolve against the URL
// that answered, and what is below the source is judged from that URL's folder.
TEST_F(DocumentSources, ARedirectedPostIsReadWhereItAnswered) {
  write_file(site_ / "forum" / "t9" / "post.html",
             "<html><body><p>Proof inside</p><a href=\"files/p1.zip\">part 1</a>"
             "<a href=\"page2.html\">next</a><a href=\"../../other/x.zip\">x</a></body></html>");
  write_file(site_ / "forum" / "t9" / "page2.html",
             "<html><body><a href=\"files/p2.zip\">part 2</a></body></html>");
  write_file(site_ / "page2.html", "<html><body><a href=\"wrong.zip\">wrong</a></body></html>");
  NginxServer server(
      site_, {.extra_server_config = "location = /t9 { return 301 /forum/t9/post.html; }\n"});
  CrawlOptions o;
  o.source_name = "post";
  o.url = server.url("/t9");
  o.kind = CrawlKind::page;
  o.depth = 1;
  o.limits.timeout = std::chrono::seconds(10);
  o.max_archives = 0;
  const auto r = crawl_source(client_, o);
  ASSERT_EQ(r.status, ScanStatus::ok) << r.error;
  std::vector<std::string> urls;
  std::vector<std::string> paths;
  for (const auto& e : r.manifest.entries) {
    urls.push_back(e.url);
    paths.push_back(e.path);
  }
  std::sort(urls.begin(), urls.end());
  std::sort(paths.begin(), paths.end());
  EXPECT_EQ(urls, (std::vector<std::string>{server.url("/forum/t9/files/p1.zip"),
                                            server.url("/forum/t9/files/p2.zip"),
                                            server.url("/other/x.zip")}));
  EXPECT_EQ(paths, (std::vector<std::string>{"files/p1.zip", "files/p2.zip", "other/x.zip"}))
      << "paths are relative to the folder that answered";
  const auto log = server.access_log();
  EXPECT_NE(log.find("GET /forum/t9/page2.html"), std::string::npos) << log;
  EXPECT_EQ(log.find("GET /page2.html"), std::string::npos) << log;
}

TEST_F(DocumentSources, FailsWithTheUrlWhenTheDocumentIsMissingOrWrong) {
  NginxServer server(site_);
  auto r = crawl(server, "/missing.json");
  EXPECT_EQ(r.status, ScanStatus::failed);
  EXPECT_NE(r.error.find("HTTP 404"), std::string::npos);
  r = crawl(server, "/paste.txt", CrawlKind::checksums);
  EXPECT_EQ(r.status, ScanStatus::failed);
  EXPECT_NE(r.error.find(server.url("/paste.txt")), std::string::npos) << r.error;
}

}  // namespace
}  // namespace leakwatch::crawler

namespace leakwatch::crawler {
namespace {

TEST_F(DocumentSources, AnUnchangedDocumentCostsOneConditionalRequest) {
  NginxServer server(site_);
  CrawlOptions o;
  o.source_name = "doc";
  o.url = server.url("/SHA256SUMS");
  o.limits.timeout = std::chrono::seconds(10);
  const auto first = crawl_source(client_, o);
  ASSERT_EQ(first.status, ScanStatus::ok) << first.error;
  ASSERT_FALSE(first.etag.empty()) << "nginx sends an ETag for static files";
  o.etag = first.etag;
  o.last_modified = first.last_modified;
  const auto second = crawl_source(client_, o);
  EXPECT_EQ(second.status, ScanStatus::ok);
  EXPECT_TRUE(second.not_modified);
  EXPECT_TRUE(second.manifest.entries.empty());
  EXPECT_EQ(second.bytes_fetched, 0u);
  EXPECT_NE(server.access_log().find("\"GET /SHA256SUMS HTTP/1.1\" 304"), std::string::npos)
      << server.access_log();
  // A changed document is read again.
  write_file(site_ / "SHA256SUMS", std::string(64, 'b') + "  other.bin\n");
  const auto third = crawl_source(client_, o);
  EXPECT_FALSE(third.not_modified);
  ASSERT_EQ(third.manifest.entries.size(), 1u);
  EXPECT_EQ(third.manifest.entries[0].path, "other.bin");
}

}  // namespace
}  // namespace leakwatch::crawler

namespace leakwatch::crawler {
namespace {

// A leak post as criminals publish them: a thread whose first page links a second page, a folder
// listing (served by nginx autoindex), a checksum list, a .torrent and a magnet, plus links that
// are not part of the source (another site, a page above the post's folder). The crawl follows
// what is within the source and within depth, and nothing else.
class LeakPost : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto post = site_ / "forum" / "t42";
    write_file(post / "files" / "plate_1.jpg", testing::random_bytes(1000, 7));
    write_file(post / "files" / "deep" / "plate_2.jpg", testing::random_bytes(2000, 8));
    write_file(post / "sums" / "SHA256SUMS", std::string(64, 'a') + "  plate_9.jpg\n");
    write_file(post / "index.html",
               "<html><body><p>Perceptics proof: ABC1234</p>"
               "<a href='page2.html'>next page</a>"
               "<a href='/forum/t41/index.html'>older thread</a>"
               "<a href='http://mirror.example/t42/x.zip'>mirror</a>"
               "<a href='index.html'>self</a>"
               "<a href='magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&amp;dn=x'>"
               "magnet</a></body></html>");
    write_file(post / "page2.html",
               "<html><body><p>second page: XYZ987</p><a href='files/'>browse</a>"
               "<a href='sums/SHA256SUMS'>checksums</a>"
               "<a href='index.html'>back</a><a href='page3.html'>more</a></body></html>");
    write_file(post / "page3.html", "<html><body>third page DEEP-SECRET</body></html>");
    write_file(site_ / "forum" / "t41" / "index.html", "<html><body>other thread</body></html>");
  }
  CrawlResult crawl(const NginxServer& server, int depth,
                    std::uint64_t text_budget = CrawlOptions{}.text_budget) {
    CrawlOptions o;
    o.source_name = "post";
    o.url = server.url("/forum/t42/index.html");
    o.kind = CrawlKind::page;
    o.depth = depth;
    o.text_budget = text_budget;
    o.limits.timeout = std::chrono::seconds(10);
    return crawl_source(client_, o);
  }
  TempDir dir_;
  std::filesystem::path site_ = dir_ / "site";
  HttpClient client_;
};

std::vector<std::string> paths_of(const CrawlResult& r) {
  std::vector<std::string> out;
  for (const auto& e : r.manifest.entries) out.push_back(e.path);
  return out;
}

TEST_F(LeakPost, FollowsPagesListingsAndChecksumListsWithinTheSource) {
  NginxServer server(site_);
  const auto r = crawl(server, 3);
  ASSERT_EQ(r.status, ScanStatus::ok) << r.error;
  EXPECT_EQ(paths_of(r), (std::vector<std::string>{"files/deep/plate_2.jpg", "files/plate_1.jpg",
                                                   "sums/SHA256SUMS", "sums/plate_9.jpg"}));
  for (const auto& e : r.manifest.entries) {
    if (e.path == "files/plate_1.jpg") {
      EXPECT_EQ(e.size, 1000u);
    }
    if (e.path == "sums/plate_9.jpg") {
      EXPECT_EQ(e.digests.size(), 1u);
    }
  }
  ASSERT_EQ(r.magnets.size(), 1u);
  EXPECT_TRUE(r.magnets[0].starts_with("magnet:?xt=urn:btih:0123456789abcdef"));
  EXPECT_NE(r.magnets[0].find("&dn=x"), std::string::npos) << "entities decoded";
  std::string text;
  for (const auto& t : r.manifest.texts) text += t.text;
  EXPECT_NE(text.find("ABC1234"), std::string::npos);
  EXPECT_NE(text.find("XYZ987"), std::string::npos);
  EXPECT_NE(text.find("DEEP-SECRET"), std::string::npos) << "page3 is two links away";
  const auto log = server.access_log();
  EXPECT_EQ(log.find("/forum/t41/"), std::string::npos) << "a page above the post is not followed";
  EXPECT_EQ(log.find("/forum/t42/index.html HTTP/1.1\" 200", log.find("page2.html")),
            std::string::npos)
      << "a page is fetched once, however often it is linked\n"
      << log;
}

// Every link followed is one level: post (0) -> page2 (1) -> page3 and files/ (2) -> deep/ (3).
TEST_F(LeakPost, StopsAtTheConfiguredDepth) {
  NginxServer server(site_);
  const auto two = crawl(server, 2);
  ASSERT_EQ(two.status, ScanStatus::ok) << two.error;
  std::string text;
  for (const auto& t : two.manifest.texts) text += t.text;
  EXPECT_NE(text.find("DEEP-SECRET"), std::string::npos);
  auto paths = paths_of(two);
  EXPECT_NE(std::find(paths.begin(), paths.end(), "files/plate_1.jpg"), paths.end());
  EXPECT_EQ(std::find(paths.begin(), paths.end(), "files/deep/plate_2.jpg"), paths.end());

  const auto one = crawl(server, 1);
  ASSERT_EQ(one.status, ScanStatus::ok) << one.error;
  text.clear();
  for (const auto& t : one.manifest.texts) text += t.text;
  EXPECT_NE(text.find("XYZ987"), std::string::npos);
  EXPECT_EQ(text.find("DEEP-SECRET"), std::string::npos);
  paths = paths_of(one);
  EXPECT_EQ(std::find(paths.begin(), paths.end(), "files/plate_1.jpg"), paths.end());
  EXPECT_NE(std::find(paths.begin(), paths.end(), "sums/SHA256SUMS"), paths.end())
      << "files linked from a followed page are entries whatever the depth";
}

TEST_F(LeakPost, AMissingLinkedPageMakesThePostPartialNotFailed) {
  write_file(site_ / "forum" / "t42" / "page2.html",
             "<html><body><a href='gone.html'>gone</a></body></html>");
  NginxServer server(site_);
  const auto r = crawl(server, 3);
  EXPECT_EQ(r.status, ScanStatus::partial);
  EXPECT_NE(r.error.find("gone.html: HTTP 404"), std::string::npos) << r.error;
}

TEST_F(LeakPost, APageNestedTooDeepIsAProblemNamedByItsUrlAndTheRestIsRead) {
  // gumbo, the parser before libxml2, overflowed its stack freeing this page, ending the scan.
  std::string deep = "<html><body>";
  for (int i = 0; i < 200'000; ++i) deep += "<div>";
  write_file(site_ / "forum" / "t42" / "page3.html", deep + "DEEP-SECRET");
  NginxServer server(site_);
  const auto r = crawl(server, 3);
  EXPECT_EQ(r.status, ScanStatus::partial);
  bool named = false;
  for (const auto& p : r.problems)
    named |= p.find("page3.html: HTML nests deeper than 256") != std::string::npos;
  EXPECT_TRUE(named) << r.error;
  std::string text;
  for (const auto& t : r.manifest.texts) text += t.text;
  EXPECT_NE(text.find("XYZ987"), std::string::npos);
  EXPECT_EQ(paths_of(r).size(), 4u) << "the other pages' links are all read";
}

TEST_F(LeakPost, PageTextPastTheSourcesBudgetIsDroppedAndSaid) {
  NginxServer server(site_);
  const auto r = crawl(server, 3, 80);  // the first page's 68 bytes of text fit, no more
  EXPECT_EQ(r.status, ScanStatus::partial);
  std::uint64_t kept = 0;
  for (const auto& t : r.manifest.texts) kept += t.text.size();
  EXPECT_LE(kept, 80u);
  EXPECT_EQ(r.manifest.texts.size(), 1u);
  EXPECT_NE(r.error.find("text_budget=80"), std::string::npos) << r.error;
  EXPECT_EQ(paths_of(r).size(), 4u) << "links are still followed";
}

}  // namespace
}  // namespace leakwatch::crawler
