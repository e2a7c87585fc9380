// Sources that are single documents, served by nginx: a checksum list, a JSON tree, a text
// dump read up to its cap, a leak post page, and auto-detection of each.
#include <gtest/gtest.h>

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
  EXPECT_EQ(r.manifest.entries[0].path, "part1.zip");
  EXPECT_EQ(r.manifest.entries[0].url, server.url("/files/part1.zip"));
  ASSERT_EQ(r.manifest.texts.size(), 1u);
  EXPECT_NE(r.manifest.texts[0].text.find("Proof: ABC1234"), std::string::npos);
  EXPECT_EQ(r.manifest.texts[0].text.find("nope"), std::string::npos)
      << "scripts are not page text";
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
