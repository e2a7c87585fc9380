// The HTML nesting pre-scan (crawler/nesting.h): pages nested past the limit are refused before
// gumbo sees them, sloppy but flat pages (unclosed <p>, <li>, <td>, tags inside scripts and
// comments) are not, and the HTML5 rules an attacker could use to hide depth are followed.
#include "crawler/nesting.h"

#include <gtest/gtest.h>

#include <string>

#include "crawler/listing.h"

namespace leakwatch::crawler {
namespace {

std::string repeat(std::string_view piece, std::size_t times) {
  std::string out;
  out.reserve(piece.size() * times);
  for (std::size_t i = 0; i < times; ++i) out += piece;
  return out;
}

TEST(HtmlNesting, RefusesAMegabyteOfNestedDivsBeforeGumboSeesIt) {
  // gumbo 0.10.1 frees its tree recursively: this page used to overflow the stack and end the
  // process (and with it every source of the scan).
  const std::string page =
      "<html><body>" + repeat("<div>", 200'000) + "<a href=\"deep.txt\">deep.txt</a>";
  ASSERT_GT(page.size(), 1'000'000u);
  const auto checked = check_html_nesting(page);
  ASSERT_FALSE(checked.ok());
  EXPECT_NE(checked.error().message.find("nests deeper than 512"), std::string::npos)
      << checked.error().message;
  const auto listing = parse_listing(page, "text/html", 100);
  ASSERT_FALSE(listing.ok());
  EXPECT_NE(listing.error().message.find("nests deeper"), std::string::npos);
}

TEST(HtmlNesting, AcceptsSloppyFlatPages) {
  // Unclosed paragraphs, list items, cells and rows close each other; raw text and comments
  // hold no tags; void elements never nest.
  EXPECT_TRUE(check_html_nesting(repeat("<p>para", 20'000)).ok());
  EXPECT_TRUE(check_html_nesting("<ul>" + repeat("<li>item", 20'000) + "</ul>").ok());
  EXPECT_TRUE(check_html_nesting("<table>" + repeat("<tr><td><font size=2>x<td>-", 20'000)).ok());
  EXPECT_TRUE(check_html_nesting("<script>" + repeat("'<div>'", 20'000) + "</SCRIPT>").ok());
  EXPECT_TRUE(check_html_nesting("<!--" + repeat("<div>", 20'000) + "-->").ok());
  EXPECT_TRUE(check_html_nesting(repeat("<br><img src=x><input>", 20'000)).ok());
  EXPECT_TRUE(check_html_nesting(repeat("<a title=\"<div>\" href=x>y</a>", 20'000)).ok());
  EXPECT_TRUE(check_html_nesting("<svg>" + repeat("<path d=\"M0\"/>", 20'000) + "</svg>").ok());
  EXPECT_TRUE(check_html_nesting(repeat("<div><span>x</div>", 20'000)).ok());
}

TEST(HtmlNesting, SeesDepthThatAutoClosingAndStrayEndTagsCannotHide) {
  // Nested lists: an <li> never closes one outside its list.
  EXPECT_FALSE(check_html_nesting(repeat("<li><ul>", 1'000)).ok());
  // A stray end tag does not close a special element above its match.
  EXPECT_FALSE(check_html_nesting(repeat("<span><div></span>", 1'000)).ok());
  // A formatting end tag leaves the block inside it open (adoption agency).
  EXPECT_FALSE(check_html_nesting(repeat("<b><div></b>", 1'000)).ok());
  // Nested tables: a <td> closes cells of its own table only.
  EXPECT_FALSE(check_html_nesting(repeat("<table><tr><td>", 1'000)).ok());
  // End tags of elements that are not open close nothing.
  EXPECT_FALSE(check_html_nesting(repeat("<div></i>", 1'000)).ok());
  // <div/> opens a div in HTML.
  EXPECT_FALSE(check_html_nesting(repeat("<div/>", 1'000)).ok());
}

TEST(HtmlNesting, NamesWhereTheLimitWasPassed) {
  const auto checked = check_html_nesting("<p>" + repeat("<i>", 10), 5);
  ASSERT_FALSE(checked.ok());
  // The sixth element (the fifth <i>) starts at byte 3 + 4 * 3.
  EXPECT_NE(checked.error().message.find("at byte 15"), std::string::npos)
      << checked.error().message;
}

}  // namespace
}  // namespace leakwatch::crawler
