// URLs as leak indexes use them: absolute http(s) URLs, relative hrefs resolved against the page
// they came from, and percent-encoded names. A small RFC 3986 subset, strict where it matters
// for safety (scheme and host), lenient in paths because real listings are messy.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace leakwatch {

struct Url {
  std::string scheme;    // lower case
  std::string userinfo;  // may be empty
  std::string host;      // lower case; IPv6 literals keep their brackets
  int port = 0;          // 0 = scheme default
  std::string path;      // starts with '/', percent-encoding kept as given
  std::string query;     // without '?', may be empty

  int effective_port() const;
  // scheme://host[:port] (no userinfo)
  std::string origin() const;
  // Full text without the fragment; userinfo is kept only when `with_userinfo`.
  std::string str(bool with_userinfo = false) const;
  bool is_onion() const;
};

// Absolute URL with a scheme and (for hierarchical schemes) a host; nullopt otherwise.
std::optional<Url> parse_url(std::string_view text);
// RFC 3986 section 5.2 reference resolution (with dot-segment removal); nullopt when `ref` has a
// scheme that cannot be parsed.
std::optional<Url> resolve_url(const Url& base, std::string_view ref);
// Percent-decoding; malformed escapes are kept literally.
std::string percent_decode(std::string_view text);

}  // namespace leakwatch
