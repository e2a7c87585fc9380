// Directory listings as web servers produce them, parsed into entries. Pure functions from bytes
// to entries with an entry limit: no I/O, no recursion (the crawl decides what to follow).
// Formats: nginx autoindex (html, json), Apache mod_autoindex (fancy table, fancy pre, plain
// list), lighttpd mod_dirlisting, Python http.server, and generic "Index of" pages.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/result.h"

namespace leakwatch::crawler {

struct ListingEntry {
  std::string href;  // as written in the page (relative), HTML entities decoded
  std::string name;  // percent-decoded, without a trailing '/'
  bool is_dir = false;
  std::optional<std::uint64_t> size;
  bool size_exact = true;  // false for rounded sizes ("1.2M", "0.1K")
};

struct Listing {
  std::string format;  // "nginx-html", "nginx-json", "apache", "lighttpd", "python", "generic"
  std::vector<ListingEntry> entries;
  bool truncated = false;  // stopped at max_entries
};

// Recognises the format and parses it; an error when the bytes are not a listing we understand.
Result<Listing> parse_listing(std::string_view body, std::string_view content_type,
                              std::size_t max_entries);
Result<Listing> parse_nginx_html_listing(std::string_view body, std::size_t max_entries);
Result<Listing> parse_nginx_json_listing(std::string_view body, std::size_t max_entries);
// autoindex_format xml: <list><directory ...>NAME</directory><file ... size="N">NAME</file></list>
Result<Listing> parse_nginx_xml_listing(std::string_view body, std::size_t max_entries);
// Any HTML listing (parsed with libxml2, html_tree.h): each relative link is an entry; its size is
// read from the table row or the <pre> line it sits in. Pages with no entry links are an error.
Result<Listing> parse_html_listing(std::string_view body, std::size_t max_entries);

// A size column token: exact when it is a plain number, an estimate when it has a unit.
// nullopt for "-", dates and anything else.
struct SizeToken {
  std::uint64_t bytes = 0;
  bool exact = true;
};
std::optional<SizeToken> parse_size_token(std::string_view token);

// &amp; &lt; &gt; &quot; &#39; &#NN; &#xHH; — enough for hrefs and names in listings.
std::string decode_html_entities(std::string_view text);

}  // namespace leakwatch::crawler
