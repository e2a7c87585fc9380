// Leak sites as they are (issue #14), on real servers: an `auto` source is fetched exactly as
// written and read as what the answer is (never what its name suggests), a folder URL without
// its slash follows the server's redirect, and an empty folder of nginx, Apache httpd, lighttpd
// or python's http.server is a listing with no entries.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "crawler/crawl.h"
#include "tests/support/nginx_server.h"
#include "tests/support/process.h"
#include "tests/support/web_servers.h"

namespace leakwatch::crawler {
namespace {

using testing::NginxServer;
using testing::TempDir;
using testing::write_file;

CrawlOptions options_for(const std::string& url) {
  CrawlOptions o;
  o.source_name = "site";
  o.url = url;
  o.limits.timeout = std::chrono::seconds(10);
  o.limits.connect_timeout = std::chrono::seconds(5);
  return o;
}

std::set<std::string> paths_of(const CrawlResult& r) {
  std::set<std::string> out;
  for (const auto& e : r.manifest.entries) out.insert(e.path);
  return out;
}

// Extension-less URLs as paste sites and forums have them; nginx serves them all as
// application/octet-stream, so only the bytes say what they are.
class AutoKind : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(site_ / "raw" / "p7Kx2", "plate,state\nABC1234,CA\nXYZ9876,TX\n");
    write_file(site_ / "sums" / "latest",
               std::string(64, 'a') + "  plate_1.jpg\n" + std::string(64, 'b') + "  plate_2.jpg\n");
    write_file(site_ / "tree" / "index", R"({"children":[{"name":"x.jpg","size":42}]})");
    write_file(site_ / "forum" / "thread" / "42",
               "<!DOCTYPE html><html><head><title>Perceptics dump</title></head><body>"
               "<p>Proof below</p><a href=\"../../files/\">the files</a></body></html>");
    write_file(site_ / "files" / "a.bin", testing::random_bytes(1234, 3));
    write_file(dir_ / "zipwork" / "inner.txt", "inside the archive");
    const auto zip = testing::run_command({"sh", "-c",
                                           "cd '" + (dir_ / "zipwork").string() +
                                               "' && zip -q ../bundle inner.txt && mkdir -p '" +
                                               (site_ / "dl").string() + "' && mv ../bundle.zip '" +
                                               (site_ / "dl" / "bundle").string() + "'"});
    ASSERT_EQ(zip.exit_code, 0) << zip.err;
    write_file(dir_ / "torrentwork" / "seed.bin", testing::random_bytes(40000, 9));
    std::filesystem::create_directories(site_ / "t");
    const auto torrent = testing::run_command({"mktorrent", "-a", "http://127.0.0.1:1/announce",
                                               "-o", (site_ / "t" / "release").string(),
                                               (dir_ / "torrentwork" / "seed.bin").string()});
    ASSERT_EQ(torrent.exit_code, 0) << torrent.err << torrent.out;
  }
  TempDir dir_;
  std::filesystem::path site_ = dir_ / "site";
  HttpClient client_;
};

TEST_F(AutoKind, AUrlIsFetchedAsWrittenAndReadAsWhatTheAnswerIs) {
  NginxServer server(site_);
  // A paste's raw URL: text, requested as written (no slash appended).
  auto r = crawl_source(client_, options_for(server.url("/raw/p7Kx2")));
  ASSERT_EQ(r.status, ScanStatus::ok) << r.error;
  ASSERT_EQ(r.manifest.texts.size(), 1u);
  EXPECT_NE(r.manifest.texts[0].text.find("ABC1234,CA"), std::string::npos);
  EXPECT_NE(server.access_log().find("\"GET /raw/p7Kx2 HTTP/1.1\" 200"), std::string::npos)
      << server.access_log();
  // A checksum list without a checksum file's name.
  r = crawl_source(client_, options_for(server.url("/sums/latest")));
  ASSERT_EQ(r.status, ScanStatus::ok) << r.error;
  EXPECT_EQ(paths_of(r), (std::set<std::string>{"plate_1.jpg", "plate_2.jpg"}));
  ASSERT_EQ(r.manifest.entries[0].digests.size(), 1u);
  EXPECT_EQ(r.manifest.entries[0].digests[0].kind, DigestKind::sha256);
  // A JSON file tree.
  r = crawl_source(client_, options_for(server.url("/tree/index")));
  ASSERT_EQ(r.status, ScanStatus::ok) << r.error;
  EXPECT_EQ(paths_of(r), (std::set<std::string>{"x.jpg"}));
  // A zip, known by its signature: its directory is read by ranges, not the archive.
  r = crawl_source(client_, options_for(server.url("/dl/bundle")));
  ASSERT_EQ(r.status, ScanStatus::ok) << r.error;
  EXPECT_EQ(paths_of(r), (std::set<std::string>{"bundle!inner.txt"}));
  EXPECT_EQ(r.archives_listed, 1u);
  // A bencoded torrent.
  r = crawl_source(client_, options_for(server.url("/t/release")));
  ASSERT_EQ(r.status, ScanStatus::ok) << r.error;
  ASSERT_EQ(r.torrents.size() + (r.manifest.torrent ? 1u : 0u), 1u);
  // A forum thread: an HTML page that is no listing is a leak post; its link is followed.
  r = crawl_source(client_, options_for(server.url("/forum/thread/42")));
  ASSERT_NE(r.status, ScanStatus::failed) << r.error;
  ASSERT_FALSE(r.manifest.texts.empty());
  EXPECT_NE(r.manifest.texts[0].text.find("Proof below"), std::string::npos);
}

TEST_F(AutoKind, AFolderUrlWithoutItsSlashFollowsTheServersRedirect) {
  NginxServer server(site_);
  const auto r = crawl_source(client_, options_for(server.url("/files")));
  ASSERT_EQ(r.status, ScanStatus::ok) << r.error;
  EXPECT_EQ(paths_of(r), (std::set<std::string>{"a.bin"}));
  ASSERT_EQ(r.manifest.entries.size(), 1u);
  EXPECT_EQ(r.manifest.entries[0].size, 1234u);
  const auto log = server.access_log();
  EXPECT_NE(log.find("\"GET /files HTTP/1.1\" 301"), std::string::npos) << log;
  EXPECT_NE(log.find("\"GET /files/ HTTP/1.1\" 200"), std::string::npos) << log;
  // The listing read from the answer of the detection request: no second fetch of it.
  EXPECT_EQ(server.request_count(), 2u) << log;
}

// A post that links its rows one click away: documents on the same site that are text (by
// their bytes, not their names) join the post's texts, within the linked text budget.
TEST(LinkedText, TextLinkedFromAPostIsReadWithinTheBudget) {
  TempDir dir;
  const auto site = dir / "site";
  write_file(site / "forum" / "thread" / "42",
             "<html><head><title>Perceptics dump</title></head><body><p>rows below</p>"
             "<a href='plates.txt'>plates</a> <a href='/raw/abc'>paste</a>"
             "<a href='/raw/login'>log in</a> <a href='/raw/blob'>blob</a>"
             "<a href='/dump.csv'>csv</a> <a href='/logo.png'>logo</a></body></html>");
  write_file(site / "forum" / "thread" / "plates.txt", "ABC1234,CA\nXYZ9876,TX\n");
  write_file(site / "raw" / "abc", "paste: DEF5555,NV\n");
  write_file(site / "dump.csv", "plate,state\nGHI7777,OR\n" + std::string(20000, 'x'));
  write_file(site / "raw" / "login", "<!DOCTYPE html><html><body>" + std::string(9000, ' ') +
                                         "<form>log in</form></body></html>");
  write_file(site / "raw" / "blob", testing::random_bytes(9000, 4));
  write_file(site / "logo.png", "not fetched");
  NginxServer server(site);
  HttpClient client;
  auto o = options_for(server.url("/forum/thread/42"));
  o.linked_text_budget = 10000;
  const auto r = crawl_source(client, o);
  ASSERT_NE(r.status, ScanStatus::failed) << r.error;
  std::map<std::string, std::string> texts;
  for (const auto& t : r.manifest.texts) texts[t.origin] = t.text;
  EXPECT_EQ(texts[server.url("/forum/thread/plates.txt")], "ABC1234,CA\nXYZ9876,TX\n");
  EXPECT_EQ(texts[server.url("/raw/abc")], "paste: DEF5555,NV\n");
  // The CSV is read up to what is left of the budget, and that is said.
  const auto csv = texts[server.url("/dump.csv")];
  EXPECT_TRUE(csv.starts_with("plate,state\nGHI7777,OR\n")) << csv.substr(0, 40);
  EXPECT_LE(csv.size(), 10000u);
  EXPECT_NE(r.error.find("linked text budget"), std::string::npos) << r.error;
  // Not text: an HTML page and binary bytes are dropped; a .png is not fetched at all.
  EXPECT_FALSE(texts.contains(server.url("/raw/login")));
  EXPECT_FALSE(texts.contains(server.url("/raw/blob")));
  EXPECT_EQ(server.access_log().find("/logo.png"), std::string::npos) << server.access_log();

  // With no budget nothing linked is read.
  o.linked_text_budget = 0;
  const auto none = crawl_source(client, o);
  EXPECT_EQ(none.manifest.texts.size(), 1u) << "the post's own text only";
}

// python's http.server ignores Range: the whole archive would come back, so the zip is not
// listed, and the error says why (not just "exceeds the limit").
TEST(RemoteZipError, SaysWhenTheServerIgnoresRangeRequests) {
  TempDir dir;
  write_file(dir / "zipwork" / "big.bin", testing::random_bytes(200000, 5));
  const auto zip = testing::run_command({"sh", "-c",
                                         "cd '" + (dir / "zipwork").string() +
                                             "' && mkdir -p ../site && zip -q -0 ../site/a.zip "
                                             "big.bin"});
  ASSERT_EQ(zip.exit_code, 0) << zip.err;
  testing::PythonHttpServer python(dir / "site");
  HttpClient client;
  const auto r = crawl_source(client, options_for(python.url("/a.zip")));
  EXPECT_EQ(r.status, ScanStatus::failed);
  EXPECT_NE(r.error.find("the server ignores Range requests"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find(python.url("/a.zip")), std::string::npos) << r.error;
}

TEST(EmptyFolders, AreListingsWithNoEntriesOnEveryServer) {
  TempDir dir;
  std::filesystem::create_directories(dir / "site" / "empty");
  write_file(dir / "site" / "full" / "a.bin", "a");
  NginxServer nginx(dir / "site");
  testing::ApacheServer apache(dir / "site");
  testing::LighttpdServer lighttpd(dir / "site");
  testing::PythonHttpServer python(dir / "site");
  HttpClient client;
  const std::vector<std::pair<std::string, std::string>> servers = {
      {"nginx", nginx.url("/empty/")},
      {"apache", apache.url("/empty/")},
      {"lighttpd", lighttpd.url("/empty/")},
      {"python", python.url("/empty/")}};
  for (const auto& [name, url] : servers) {
    const auto r = crawl_source(client, options_for(url));
    EXPECT_EQ(r.status, ScanStatus::ok) << name << ": " << r.error;
    EXPECT_TRUE(r.manifest.entries.empty()) << name;
    EXPECT_TRUE(r.manifest.texts.empty()) << name << ": read as a listing, not a post";
    EXPECT_EQ(r.http_status, 200) << name;
    // The same server's non-empty folder still lists its file.
    auto full = url;
    full.replace(full.find("/empty/"), 7, "/full/");
    const auto f = crawl_source(client, options_for(full));
    EXPECT_EQ(paths_of(f), (std::set<std::string>{"a.bin"})) << name << ": " << f.error;
  }
}

}  // namespace
}  // namespace leakwatch::crawler
