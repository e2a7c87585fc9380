// Generic HTML listings: real lighttpd and Python http.server output, Apache mod_autoindex
// layouts (generated here in the exact shapes Apache 2.4 prints), and hostile markup.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "crawler/listing.h"
#include "net/http_client.h"
#include "tests/support/temp_dir.h"
#include "tests/support/web_servers.h"

namespace leakwatch::crawler {
namespace {

using testing::TempDir;
using testing::write_file;

const ListingEntry* find_entry(const Listing& l, const std::string& name) {
  const auto it = std::find_if(l.entries.begin(), l.entries.end(),
                               [&](const auto& e) { return e.name == name; });
  return it == l.entries.end() ? nullptr : &*it;
}

Listing fetch_and_parse(const std::string& url) {
  HttpClient client;
  auto r = client.get({.url = url});
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  EXPECT_EQ(r->status, 200);
  auto listing = parse_listing(r->body, r->content_type, 1000);
  EXPECT_TRUE(listing.ok()) << (listing.ok() ? "" : listing.error().message) << "\n" << r->body;
  return listing.ok() ? std::move(listing).value() : Listing{};
}

class RealServers : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(site_ / "small.txt", std::string(3, 's'));
    write_file(site_ / "with space.jpg", std::string(2048, 'y'));
    write_file(site_ / "sub" / "inner.dat", "1");
  }
  TempDir dir_;
  std::filesystem::path site_ = dir_ / "site";
};

TEST_F(RealServers, LighttpdListingGivesNamesFoldersAndRoundedSizes) {
  testing::LighttpdServer server(site_);
  const auto listing = fetch_and_parse(server.url("/"));
  EXPECT_EQ(listing.format, "lighttpd");
  ASSERT_EQ(listing.entries.size(), 3u);
  const auto* sub = find_entry(listing, "sub");
  ASSERT_NE(sub, nullptr);
  EXPECT_TRUE(sub->is_dir);
  const auto* spaced = find_entry(listing, "with space.jpg");
  ASSERT_NE(spaced, nullptr);
  // lighttpd prints "2.0K": a rounded size, kept as an estimate only.
  EXPECT_EQ(spaced->size, 2048u);
  EXPECT_FALSE(spaced->size_exact);
}

TEST_F(RealServers, PythonHttpServerListingGivesNamesAndFolders) {
  testing::PythonHttpServer server(site_);
  const auto listing = fetch_and_parse(server.url("/"));
  EXPECT_EQ(listing.format, "python");
  ASSERT_EQ(listing.entries.size(), 3u);
  ASSERT_NE(find_entry(listing, "with space.jpg"), nullptr);
  EXPECT_FALSE(find_entry(listing, "with space.jpg")->size.has_value())
      << "http.server shows no sizes";
  ASSERT_NE(find_entry(listing, "sub"), nullptr);
  EXPECT_TRUE(find_entry(listing, "sub")->is_dir);
}

TEST(ApacheListing, ReadsTheFancyTableLayout) {
  const std::string page =
      "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n<html><head><title>Index of "
      "/leak</title></head>"
      "<body><h1>Index of /leak</h1><table>\n"
      "<tr><th valign=\"top\"><img src=\"/icons/blank.gif\" alt=\"[ICO]\"></th><th><a "
      "href=\"?C=N;O=D\">Name</a></th>"
      "<th><a href=\"?C=M;O=A\">Last modified</a></th><th><a href=\"?C=S;O=A\">Size</a></th></tr>\n"
      "<tr><td valign=\"top\"><img src=\"/icons/back.gif\" alt=\"[PARENTDIR]\"></td><td><a "
      "href=\"/\">Parent "
      "Directory</a></td><td>&nbsp;</td><td align=\"right\">  - </td><td>&nbsp;</td></tr>\n"
      "<tr><td valign=\"top\"><img src=\"/icons/folder.gif\" alt=\"[DIR]\"></td><td><a "
      "href=\"images/\">images/</a></td>"
      "<td align=\"right\">2026-11-23 14:00  </td><td align=\"right\">  - "
      "</td><td>&nbsp;</td></tr>\n"
      "<tr><td valign=\"top\"><img src=\"/icons/unknown.gif\" alt=\"[   ]\"></td><td><a "
      "href=\"plates%20A%26B.csv\">plates "
      "A&amp;B.csv</a></td><td align=\"right\">2026-11-23 14:00  </td><td "
      "align=\"right\">1.2M</td><td>&nbsp;</td></tr>\n"
      "<tr><td valign=\"top\"><img src=\"/icons/unknown.gif\" alt=\"[   ]\"></td><td><a "
      "href=\"tiny.txt\">tiny.txt</a>"
      "</td><td align=\"right\">2026-11-23 14:00  </td><td align=\"right\">512 "
      "</td><td>&nbsp;</td></tr>\n"
      "</table><address>Apache/2.4.57 (Debian) Server at x Port 80</address></body></html>";
  auto listing = parse_listing(page, "text/html", 100);
  ASSERT_TRUE(listing.ok()) << listing.error().message;
  EXPECT_EQ(listing->format, "apache");
  ASSERT_EQ(listing->entries.size(), 3u) << "sort links and the parent link are not entries";
  const auto* csv = find_entry(*listing, "plates A&B.csv");
  ASSERT_NE(csv, nullptr);
  EXPECT_EQ(csv->size, static_cast<std::uint64_t>(std::llround(1.2 * 1024 * 1024)));
  EXPECT_FALSE(csv->size_exact);
  const auto* tiny = find_entry(*listing, "tiny.txt");
  ASSERT_NE(tiny, nullptr);
  EXPECT_EQ(tiny->size, 512u);
  EXPECT_TRUE(tiny->size_exact);
  ASSERT_NE(find_entry(*listing, "images"), nullptr);
  EXPECT_TRUE(find_entry(*listing, "images")->is_dir);
}

TEST(ApacheListing, ReadsThePreLayoutAndThePlainList) {
  const std::string pre =
      "<html><head><title>Index of /x</title></head><body><h1>Index of /x</h1><pre><img "
      "src=\"/icons/blank.gif\" "
      "alt=\"Icon \"> <a href=\"?C=N;O=D\">Name</a>  <a href=\"?C=M;O=A\">Last "
      "modified</a>\n<hr><img "
      "src=\"/icons/unknown.gif\" alt=\"[   ]\"> <a href=\"dump.zip\">dump.zip</a>   2026-11-23 "
      "14:00  4.0K\n"
      "<img src=\"/icons/unknown.gif\" alt=\"[   ]\"> <a href=\"exact.bin\">exact.bin</a>  "
      "2026-11-23 14:00  "
      "977\n<hr></pre></body></html>";
  auto listing = parse_listing(pre, "text/html", 100);
  ASSERT_TRUE(listing.ok()) << listing.error().message;
  ASSERT_EQ(listing->entries.size(), 2u);
  EXPECT_EQ(find_entry(*listing, "dump.zip")->size, 4096u);
  EXPECT_EQ(find_entry(*listing, "exact.bin")->size, 977u);
  EXPECT_TRUE(find_entry(*listing, "exact.bin")->size_exact);

  const std::string plain =
      "<html><head><title>Index of /y</title></head><body><h1>Index of /y</h1><ul><li><a "
      "href=\"/\"> Parent "
      "Directory</a></li><li><a href=\"a.txt\"> a.txt</a></li><li><a href=\"d/\"> "
      "d/</a></li></ul></body></html>";
  listing = parse_listing(plain, "text/html", 100);
  ASSERT_TRUE(listing.ok()) << listing.error().message;
  ASSERT_EQ(listing->entries.size(), 2u);
  EXPECT_NE(find_entry(*listing, "a.txt"), nullptr);
  EXPECT_TRUE(find_entry(*listing, "d")->is_dir);
}

TEST(GenericListing, IgnoresSchemeLinksAndRejectsPagesWithoutEntries) {
  const std::string page =
      "<html><body><a href=\"mailto:x@y\">mail</a><a href=\"javascript:void(0)\">js</a>"
      "<a href=\"magnet:?xt=urn:btih:abc\">m</a><a href=\"#top\">top</a></body></html>";
  EXPECT_FALSE(parse_listing(page, "text/html", 100).ok());
}

TEST(GenericListing, SurvivesDeeplyNestedMarkup) {
  std::string page = "<html><body>";
  for (int i = 0; i < 20000; ++i) page += "<div>";
  page += "<a href=\"deep.txt\">deep.txt</a>";
  page += "<a href=\"top.txt\">top.txt</a>";
  auto listing = parse_html_listing(page, 100);
  // The walk stops descending past its depth limit instead of overflowing the stack.
  EXPECT_FALSE(listing.ok() && listing->entries.size() > 2);
}

TEST(SizeTokens, TellExactBytesFromRoundedUnits) {
  EXPECT_EQ(parse_size_token("12345")->bytes, 12345u);
  EXPECT_TRUE(parse_size_token("12345")->exact);
  EXPECT_EQ(parse_size_token("3 KiB")->bytes, 3072u);
  EXPECT_FALSE(parse_size_token("1.2M")->exact);
  EXPECT_FALSE(parse_size_token("-").has_value());
  EXPECT_FALSE(parse_size_token("2026-11-23").has_value());
  EXPECT_FALSE(parse_size_token("14:00").has_value());
  EXPECT_FALSE(parse_size_token("99999999999999999999999").has_value());
}

}  // namespace
}  // namespace leakwatch::crawler
