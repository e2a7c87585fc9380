// Listing parsers against pages produced by a real nginx (autoindex html and json), plus
// hostile and malformed input.
#include "crawler/listing.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "net/http_client.h"
#include "tests/support/nginx_server.h"

namespace leakwatch::crawler {
namespace {

using testing::NginxOptions;
using testing::NginxServer;
using testing::TempDir;
using testing::write_file;

const ListingEntry* find_entry(const Listing& l, const std::string& name) {
  const auto it = std::find_if(l.entries.begin(), l.entries.end(),
                               [&](const auto& e) { return e.name == name; });
  return it == l.entries.end() ? nullptr : &*it;
}

class NginxListing : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    write_file(site_ / "plain.txt", std::string(1234, 'x'));
    write_file(site_ / "with space & amp.jpg", std::string(77, 'y'));
    write_file(site_ / "ünïcode-名前.csv", std::string(5, 'z'));
    write_file(site_ / "a-very-long-file-name-that-nginx-truncates-in-the-display-text.bin",
               std::string(3000000, 'q'));
    write_file(site_ / "sub" / "inner.dat", "1");
  }
  std::string fetch(const NginxServer& server) {
    HttpClient client;
    auto r = client.get({.url = server.url("/")});
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    EXPECT_EQ(r->status, 200);
    content_type_ = r->content_type;
    return r->body;
  }
  TempDir dir_;
  std::filesystem::path site_ = dir_ / "site";
  std::string content_type_;
};

TEST_P(NginxListing, ParsesNamesSizesAndFoldersFromRealServerOutput) {
  NginxServer server(site_, NginxOptions{.autoindex_format = GetParam()});
  const auto body = fetch(server);
  auto listing = parse_listing(body, content_type_, 1000);
  ASSERT_TRUE(listing.ok()) << listing.error().message;
  EXPECT_EQ(listing->format, "nginx-" + GetParam());
  ASSERT_EQ(listing->entries.size(), 5u);
  const auto* plain = find_entry(*listing, "plain.txt");
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(plain->size, 1234u);
  EXPECT_FALSE(plain->is_dir);
  const auto* spaced = find_entry(*listing, "with space & amp.jpg");
  ASSERT_NE(spaced, nullptr);
  EXPECT_EQ(spaced->size, 77u);
  const auto* uni = find_entry(*listing, "ünïcode-名前.csv");
  ASSERT_NE(uni, nullptr);
  EXPECT_EQ(uni->size, 5u);
  const auto* longname =
      find_entry(*listing, "a-very-long-file-name-that-nginx-truncates-in-the-display-text.bin");
  ASSERT_NE(longname, nullptr) << "names come from the href, not the truncated display text";
  EXPECT_EQ(longname->size, 3000000u);
  const auto* sub = find_entry(*listing, "sub");
  ASSERT_NE(sub, nullptr);
  EXPECT_TRUE(sub->is_dir);
  EXPECT_FALSE(sub->size.has_value());
}

INSTANTIATE_TEST_SUITE_P(HtmlJsonAndXml, NginxListing, ::testing::Values("html", "json", "xml"));

TEST_F(NginxListing, ReadsHumanSizesWhenExactSizeIsOff) {
  NginxServer server(site_, NginxOptions{.exact_size = false});
  auto listing = parse_listing(fetch(server), content_type_, 1000);
  ASSERT_TRUE(listing.ok()) << listing.error().message;
  const auto* big =
      find_entry(*listing, "a-very-long-file-name-that-nginx-truncates-in-the-display-text.bin");
  ASSERT_NE(big, nullptr);
  // nginx prints 3000000 bytes as "3M" (rounded to 1024-based units): approximate, never exact.
  EXPECT_EQ(big->size, 3u << 20);
}

TEST(ListingLimits, StopsAtMaxEntriesAndSaysSo) {
  std::string page =
      "<html><head><title>Index of /x/</title></head><body><pre><a href=\"../\">../</a>\n";
  for (int i = 0; i < 5000; ++i) {
    page += "<a href=\"f" + std::to_string(i) + "\">f" + std::to_string(i) +
            "</a>   01-Jan-2026 00:00   10\n";
  }
  page += "</pre></body></html>";
  auto listing = parse_listing(page, "text/html", 100);
  ASSERT_TRUE(listing.ok());
  EXPECT_EQ(listing->entries.size(), 100u);
  EXPECT_TRUE(listing->truncated);
}

TEST(ListingHostileInput, RejectsPagesThatAreNotListings) {
  EXPECT_FALSE(
      parse_listing("<html><body>Welcome to our forum</body></html>", "text/html", 10).ok());
  EXPECT_FALSE(parse_listing("", "", 10).ok());
  EXPECT_FALSE(parse_listing("[{\"name\":", "application/json", 10).ok());
  EXPECT_FALSE(parse_listing("{\"name\":\"x\"}", "application/json", 10).ok());
}

TEST(ListingHostileInput, SurvivesTruncatedAndUnterminatedMarkup) {
  // None of these may crash or hang; what can be read is read, absurd sizes stay unknown.
  const std::string truncated[] = {
      "<title>Index of /</title><pre><a href=\"abc",
      "<title>Index of /</title><hr><pre><a href=\"abc\">abc",
      "<title>Index of /</title><pre>" + std::string(100000, '<'),
  };
  for (const auto& p : truncated) {
    auto listing = parse_listing(p, "text/html", 10);
    if (listing.ok()) {
      EXPECT_LE(listing->entries.size(), 1u);
    }
  }
  auto absurd = parse_listing(
      "<title>Index of /</title><hr><pre><a href=\"x\">x</a> 01-Jan-2026 00:00 "
      "99999999999999999999999999\n",
      "text/html", 10);
  ASSERT_TRUE(absurd.ok()) << absurd.error().message;
  ASSERT_EQ(absurd->entries.size(), 1u);
  EXPECT_FALSE(absurd->entries[0].size.has_value()) << "absurd sizes are unknown, not wrapped";
}

TEST(ListingHostileInput, IgnoresParentAbsoluteAndQueryLinks) {
  const std::string page =
      "<title>Index of /</title><pre><a href=\"../\">../</a>\n<a href=\"/etc/\">etc</a> - \n"
      "<a href=\"http://evil.example/x\">x</a> 1\n<a href=\"?C=N;O=D\">Name</a>\n<a "
      "href=\"ok.txt\">ok.txt</a> 01-Jan-2026 00:00 5\n</pre>";
  auto listing = parse_listing(page, "text/html", 10);
  ASSERT_TRUE(listing.ok());
  ASSERT_EQ(listing->entries.size(), 1u);
  EXPECT_EQ(listing->entries[0].name, "ok.txt");
  EXPECT_EQ(listing->entries[0].size, 5u);
}

TEST(HtmlEntities, DecodesNamedAndNumericEntities) {
  EXPECT_EQ(decode_html_entities("a&amp;b&lt;c&gt;&quot;&#39;&#x41;&#233;"), "a&b<c>\"'Aé");
  EXPECT_EQ(decode_html_entities("&bogus; & &#xZZ;"), "&bogus; & &#xZZ;");
}

}  // namespace
}  // namespace leakwatch::crawler
