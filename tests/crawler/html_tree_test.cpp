// HTML trees (crawler/html_tree.h): libxml2 stops at 256 open elements, so a page nested deeper
// is refused in linear time and no tree is ever deeper than that; sloppy but flat pages
// (unclosed <p>, <li>, <td>, tags inside scripts and comments) are read; any bytes are read as
// UTF-8 without the parser switching to Latin-1 halfway.
#include "crawler/html_tree.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "crawler/crawl.h"
#include "crawler/listing.h"

namespace leakwatch::crawler {
namespace {

using namespace std::string_view_literals;

std::string repeat(std::string_view piece, std::size_t times) {
  std::string out;
  out.reserve(piece.size() * times);
  for (std::size_t i = 0; i < times; ++i) out += piece;
  return out;
}

// The deepest element of the tree, counted from the document (its <html> is 1), without
// recursion.
std::size_t tree_depth(const xmlNode* root) {
  std::size_t deepest = 0;
  for (const xmlNode* n = root; n; n = next_node(n, root)) {
    std::size_t depth = 0;
    for (const xmlNode* p = n; p && p != root; p = p->parent) ++depth;
    if (n->type == XML_ELEMENT_NODE) deepest = std::max(deepest, depth);
  }
  return deepest;
}

TEST(HtmlTree, RefusesAMegabyteOfNestedDivsInLinearTime) {
  // gumbo, the parser before, freed its tree recursively (this page overflowed the stack and
  // ended the process) and checked scopes by walking its stack (20,000 divs: 24 s).
  const std::string page =
      "<html><body>" + repeat("<div>", 200'000) + "<a href=\"deep.txt\">deep.txt</a>";
  ASSERT_GT(page.size(), 1'000'000u);
  const auto start = std::chrono::steady_clock::now();
  const auto doc = parse_html(page);
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start);
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.error().message.find("HTML nests deeper than 256 elements (line 1)"),
            std::string::npos)
      << doc.error().message;
  EXPECT_LT(seconds.count(), 10.0);  // a hang guard, not a benchmark: it takes milliseconds
  const auto listing = parse_listing(page, "text/html", 100);
  ASSERT_FALSE(listing.ok());
  EXPECT_NE(listing.error().message.find("nests deeper"), std::string::npos);
  const auto post = parse_post_page(page);
  ASSERT_FALSE(post.ok());
  EXPECT_NE(post.error().message.find("nests deeper"), std::string::npos);
}

TEST(HtmlTree, ReadsAPageNestedToTheLimit) {
  // <html><body> and 254 divs: 256 open elements, the most libxml2 keeps.
  const std::string page =
      "<html><body>" + repeat("<div>", 254) + "<a href=\"deep.txt\">deep.txt</a>";
  const auto doc = parse_html(page);
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  EXPECT_EQ(tree_depth(reinterpret_cast<const xmlNode*>(doc->get())), 257u);
  const auto listing = parse_listing(page, "text/html", 100);
  ASSERT_TRUE(listing.ok()) << listing.error().message;
  ASSERT_EQ(listing->entries.size(), 1u);
  EXPECT_EQ(listing->entries[0].name, "deep.txt");
  EXPECT_FALSE(parse_html("<html><body>" + repeat("<div>", 256)).ok());
}

TEST(HtmlTree, ReadsSloppyFlatPages) {
  // Unclosed paragraphs, list items, cells and rows close each other; raw text and comments
  // hold no tags; void elements never nest.
  for (const auto& page :
       {repeat("<p>para", 20'000), "<ul>" + repeat("<li>item", 20'000),
        "<table>" + repeat("<tr><td><font size=2>x<td>-", 20'000),
        "<script>" + repeat("'<div>'", 20'000) + "</SCRIPT>",
        "<!--" + repeat("<div>", 20'000) + "-->", repeat("<br><img src=x><input>", 20'000),
        repeat("<a title=\"<div>\" href=x>y</a>", 20'000),
        "<svg>" + repeat("<path d=\"M0\"/>", 20'000) + "</svg>",
        repeat("<div><span>x</div>", 20'000), repeat("<option>x", 20'000),
        "<dl>" + repeat("<dt>x<dd>y", 20'000),
        "<table>" + repeat("<tr><td><a href=x>y</a>", 20'000)}) {
    const auto doc = parse_html(page);
    ASSERT_TRUE(doc.ok()) << page.substr(0, 40) << ": " << doc.error().message;
    EXPECT_LE(tree_depth(reinterpret_cast<const xmlNode*>(doc->get())), 8u) << page.substr(0, 40);
  }
}

TEST(HtmlTree, NoTreeIsDeeperThanTheLimitWhateverTheMarkup) {
  // Patterns that nest in libxml2's HTML 4 model (and some in browsers too): each is either
  // refused or read at most 256 elements deep, never deeper.
  for (const auto& piece :
       {"<span>x", "<b>x</b><i>y", "<font>x<p>y", "<a href=x>y<p>z", "<tr><td><b>x",
        "<tr><td><a href=x>y", "<table><tr><td>", "<li><ul>", "<b><div></b>", "<div></i>", "<div/>",
        "<span><div></span>", "<center>x"}) {
    const auto doc = parse_html(repeat(piece, 5'000));
    if (doc) {
      EXPECT_LE(tree_depth(reinterpret_cast<const xmlNode*>(doc->get())), kMaxHtmlDepth + 1)
          << piece;
    } else {
      EXPECT_NE(doc.error().message.find("nests deeper than 256"), std::string::npos)
          << piece << ": " << doc.error().message;
    }
  }
}

TEST(HtmlTree, ReadsAnyBytesAsUtf8) {
  // A Latin-1 byte and a NUL early in the page: libxml2 alone would switch the rest of the page
  // to Latin-1 (é read as Ã©) or stop at the NUL; both become U+FFFD instead.
  const std::string page =
      std::string("<p>caf\xE9 \0 <a href=\"r\xC3\xA9sum\xC3\xA9.txt\">x</a>"sv) +
      "<a href=\"after.txt\">after</a>";
  const auto post = parse_post_page(page);
  ASSERT_TRUE(post.ok()) << post.error().message;
  ASSERT_EQ(post->hrefs.size(), 2u);
  EXPECT_EQ(post->hrefs[0], "r\xC3\xA9sum\xC3\xA9.txt");
  EXPECT_EQ(post->hrefs[1], "after.txt");
  EXPECT_NE(post->text.find("caf\xEF\xBF\xBD \xEF\xBF\xBD"), std::string::npos) << post->text;
  // The page's own charset is not followed either: the bytes are UTF-8.
  const auto declared =
      parse_post_page("<meta charset=\"iso-8859-1\"><a href=\"r\xC3\xA9sum\xC3\xA9.txt\">x</a>");
  ASSERT_TRUE(declared.ok());
  ASSERT_EQ(declared->hrefs.size(), 1u);
  EXPECT_EQ(declared->hrefs[0], "r\xC3\xA9sum\xC3\xA9.txt");
}

TEST(HtmlTree, PostTextLeavesOutScriptsStylesAndBlankNodes) {
  const auto post = parse_post_page(
      "<html><head><style>p{}</style><script>var s='SECRET';</script></head><body>\n"
      "<p>first &amp; line</p>\n  <p>second</p><a href=\"a&amp;b.txt\">a</a></body></html>");
  ASSERT_TRUE(post.ok());
  EXPECT_EQ(post->text, "first & line\nsecond\na\n");
  ASSERT_EQ(post->hrefs.size(), 1u);
  EXPECT_EQ(post->hrefs[0], "a&b.txt");
  EXPECT_TRUE(parse_post_page("").ok());
}

}  // namespace
}  // namespace leakwatch::crawler
