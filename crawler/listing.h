// Directory listings as web servers produce them, parsed into entries. Pure functions from bytes
// to entries with an entry limit: no I/O, no recursion (the crawl decides what to follow).
// Formats so far: nginx autoindex (html and json). The crawler issue adds Apache, lighttpd,
// Python http.server and generic "Index of" pages behind the same parse_listing().
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
};

struct Listing {
  std::string format;  // "nginx-html", "nginx-json"
  std::vector<ListingEntry> entries;
  bool truncated = false;  // stopped at max_entries
};

// Recognises the format and parses it; an error when the bytes are not a listing we understand.
Result<Listing> parse_listing(std::string_view body, std::string_view content_type,
                              std::size_t max_entries);
Result<Listing> parse_nginx_html_listing(std::string_view body, std::size_t max_entries);
Result<Listing> parse_nginx_json_listing(std::string_view body, std::size_t max_entries);

// &amp; &lt; &gt; &quot; &#39; &#NN; &#xHH; — enough for hrefs and names in listings.
std::string decode_html_entities(std::string_view text);

}  // namespace leakwatch::crawler
