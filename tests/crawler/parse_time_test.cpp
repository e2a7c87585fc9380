// Parse time is linear in the page: each pathological page (the worst case of one parser's loop)
// is parsed in about the time per MiB of an ordinary page of the same size. A ratio of two
// timings on the same machine, not a fixed time: a quadratic loop gives a ratio in the
// thousands at this size, a linear one stays near 1.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>

#include "crawler/html_tree.h"
#include "crawler/listing.h"

namespace leakwatch::crawler {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr std::size_t kPageBytes = 4u << 20;  // ASan makes the HTML parser ~10 times slower
#else
constexpr std::size_t kPageBytes = 32u << 20;
#endif
constexpr double kMaxRatio = 6.0;

// `piece` repeated to kPageBytes, between `head` and `tail`.
std::string page_of(std::string_view head, const std::function<std::string(std::size_t)>& piece,
                    std::string_view tail = "") {
  std::string out(head);
  for (std::size_t i = 0; out.size() + tail.size() < kPageBytes; ++i) out += piece(i);
  out += tail;
  return out;
}

double seconds_to(const std::function<void()>& work) {
  const auto start = std::chrono::steady_clock::now();
  work();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void expect_linear(const std::string& name, const std::string& pathological,
                   const std::string& ordinary,
                   const std::function<void(const std::string&)>& parse) {
  const double mib = 1.0 / (1 << 20);
  const double bad =
      seconds_to([&] { parse(pathological); }) / (static_cast<double>(pathological.size()) * mib);
  const double good =
      seconds_to([&] { parse(ordinary); }) / (static_cast<double>(ordinary.size()) * mib);
  // Below a millisecond per MiB, timer noise dominates: both are fast.
  const double ratio = bad / std::max(good, 1e-3);
  ::testing::Test::RecordProperty(name + "_ratio", std::to_string(ratio));
  EXPECT_LT(ratio, kMaxRatio) << name << ": " << bad * 1e3 << " ms/MiB against " << good * 1e3
                              << " ms/MiB for an ordinary page";
}

std::string nginx_head() {
  return "<html><head><title>Index of /d/</title></head><body><h1>Index of /d/</h1><hr><pre>"
         "<a href=\"../\">../</a>\n";
}

std::string nginx_line(std::size_t i) {
  const auto n = std::to_string(i);
  return "<a href=\"file" + n + ".jpg\">file" + n + ".jpg</a>   12-Nov-2026 10:00   " + n + "\n";
}

TEST(ParseTime, EntityDecodingIsLinearInAmpersands) {
  // Every '&' searched to the end of the text for its ';'.
  const std::string ampersands(kPageBytes, '&');
  const std::string text = page_of("", [](std::size_t) { return "plain text &amp; more "; });
  expect_linear("entities", ampersands, text,
                [](const std::string& s) { (void)decode_html_entities(s); });
}

TEST(ParseTime, NginxListingOfOneHugeAmpersandHrefIsLinear) {
  std::string page = nginx_head() + "<a href=\"";
  page.append(kPageBytes - page.size() - 64, '&');
  page += "\">x</a> 12-Nov-2026 10:00 1\n</pre><hr></body></html>";
  const auto ordinary = page_of(nginx_head(), nginx_line, "</pre><hr></body></html>");
  expect_linear("nginx_entities", page, ordinary,
                [](const std::string& s) { (void)parse_listing(s, "text/html", 1u << 30); });
}

TEST(ParseTime, TableRowOfManyLinkedCellsIsLinear) {
  // Each link's size was looked for in every later cell of its row.
  const auto cell = [](std::size_t i) {
    const auto n = std::to_string(i);
    return "<td><a href=\"f" + n + ".jpg\">f" + n + ".jpg</a></td><td>" + n + "</td>";
  };
  const auto one_row = page_of("<html><body><table><tr>", cell, "</tr></table></body></html>");
  const auto many_rows = page_of(
      "<html><body><table>", [&](std::size_t i) { return "<tr>" + cell(i) + "</tr>"; },
      "</table></body></html>");
  expect_linear("table_row", one_row, many_rows,
                [](const std::string& s) { (void)parse_listing(s, "text/html", 1u << 30); });
}

TEST(ParseTime, LinksAtTheNestingLimitAreLinear) {
  // HTML parsers check element scopes by walking their stack of open elements: the deepest
  // page libxml2 reads (html_tree.h), full of links, costs at most a constant factor more.
  std::string deep = "<html><body>";
  for (std::size_t i = 0; i + 3 < kMaxHtmlDepth; ++i) deep += "<div>";
  const auto link = [](std::size_t i) {
    const auto n = std::to_string(i);
    return "<a href=\"f" + n + ".jpg\">f" + n + ".jpg</a><br>";
  };
  const auto deep_page = page_of(deep, link);
  const auto flat_page = page_of("<html><body><div>", link);
  expect_linear("deep_links", deep_page, flat_page,
                [](const std::string& s) { (void)parse_listing(s, "text/html", 1u << 30); });
}

}  // namespace
}  // namespace leakwatch::crawler
