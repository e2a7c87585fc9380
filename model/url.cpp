#include "model/url.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

#include "model/text.h"

namespace leakwatch {

namespace {

int default_port(std::string_view scheme) {
  if (scheme == "http") return 80;
  if (scheme == "https") return 443;
  if (scheme == "socks5" || scheme == "socks5h" || scheme == "socks4" || scheme == "socks4a") {
    return 1080;
  }
  return 0;
}

// RFC 3986 5.2.4
std::string remove_dot_segments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  const bool absolute = !path.empty() && path[0] == '/';
  while (pos <= path.size()) {
    const auto next = path.find('/', pos);
    const auto end = next == std::string_view::npos ? path.size() : next;
    const auto seg = path.substr(pos, end - pos);
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
    } else if (seg != "." && !(seg.empty() && pos == 0 && absolute)) {
      out.push_back(seg);
    }
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }
  std::string result = absolute ? "/" : "";
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i) result += '/';
    result += out[i];
  }
  // A trailing "." or ".." names a directory.
  if ((path.ends_with("/.") || path.ends_with("/..")) && !result.ends_with('/')) result += '/';
  return result;
}

}  // namespace

int Url::effective_port() const {
  return port ? port : default_port(scheme);
}

std::string Url::origin() const {
  std::string out = scheme + "://" + host;
  if (port) out += ":" + std::to_string(port);
  return out;
}

std::string Url::str(bool with_userinfo) const {
  std::string out = scheme + "://";
  if (with_userinfo && !userinfo.empty()) out += userinfo + "@";
  out += host;
  if (port) out += ":" + std::to_string(port);
  out += path.empty() ? "/" : path;
  if (!query.empty()) out += "?" + query;
  return out;
}

bool Url::is_onion() const {
  // "x.onion." is the same name as "x.onion" (a fully qualified name); it must not slip past the
  // proxy rules.
  const std::string_view h = host.ends_with('.') ? std::string_view(host).substr(0, host.size() - 1)
                                                 : std::string_view(host);
  return h == "onion" || h.ends_with(".onion");
}

std::optional<Url> parse_url(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  Url url;
  url.scheme = ascii_lower(text.substr(0, colon));
  if (!std::isalpha(static_cast<unsigned char>(url.scheme[0])) ||
      !std::all_of(url.scheme.begin(), url.scheme.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '+' || c == '-' || c == '.';
      })) {
    return std::nullopt;
  }
  auto rest = text.substr(colon + 1);
  if (!rest.starts_with("//")) return std::nullopt;
  rest.remove_prefix(2);
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  const auto auth_end = rest.find_first_of("/?");
  auto authority = rest.substr(0, auth_end);
  auto tail = auth_end == std::string_view::npos ? std::string_view{} : rest.substr(auth_end);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    url.userinfo = std::string(authority.substr(0, at));
    authority.remove_prefix(at + 1);
  }
  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(0, close + 1);
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return std::nullopt;
      port = after.substr(1);
    }
  } else if (const auto c = authority.rfind(':'); c != std::string_view::npos) {
    host = authority.substr(0, c);
    port = authority.substr(c + 1);
  }
  if (host.empty()) return std::nullopt;
  // A colon outside brackets ends the host ("a:b:" is not a host with a port): a host kept
  // with a colon in it reads back as another URL, so what was checked is not what is fetched.
  if (!host.starts_with('[') && host.find(':') != std::string_view::npos) return std::nullopt;
  for (const unsigned char c : host) {
    if (c <= ' ' || c == '<' || c == '>' || c == '"' || c == '\\' || c == '%' || c >= 0x7f) {
      return std::nullopt;
    }
  }
  url.host = ascii_lower(host);
  if (!port.empty()) {
    int p = 0;
    const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc{} || ptr != port.data() + port.size() || p <= 0 || p > 65535) {
      return std::nullopt;
    }
    url.port = p;
  }
  if (const auto q = tail.find('?'); q != std::string_view::npos) {
    url.query = std::string(tail.substr(q + 1));
    tail = tail.substr(0, q);
  }
  url.path = tail.empty() ? "/" : std::string(tail);
  return url;
}

std::optional<Url> resolve_url(const Url& base, std::string_view ref) {
  if (const auto hash = ref.find('#'); hash != std::string_view::npos) ref = ref.substr(0, hash);
  // A reference with its own scheme is absolute.
  const auto colon = ref.find(':');
  const auto slash = ref.find_first_of("/?");
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon < slash)) {
    // RFC 3986 5.2.2, non-strict: "http:g" against an http base is the relative "g" (the
    // backward-compatible reading of section 5.4.2, which browsers also use).
    if (ascii_lower(ref.substr(0, colon)) == base.scheme &&
        !ref.substr(colon + 1).starts_with("//")) {
      ref.remove_prefix(colon + 1);
    } else {
      auto parsed = parse_url(ref);
      if (parsed) parsed->path = remove_dot_segments(parsed->path);
      return parsed;
    }
  }
  Url out = base;
  if (ref.starts_with("//")) {
    // RFC 3986 5.2.2: a network-path reference also has its dot segments removed.
    auto parsed = parse_url(base.scheme + ":" + std::string(ref));
    if (parsed) parsed->path = remove_dot_segments(parsed->path);
    return parsed;
  }
  std::string_view path = ref;
  std::string query;
  if (const auto q = ref.find('?'); q != std::string_view::npos) {
    query = std::string(ref.substr(q + 1));
    path = ref.substr(0, q);
  }
  if (path.empty()) {
    if (!query.empty() || ref.find('?') != std::string_view::npos) out.query = query;
    return out;
  }
  if (path.starts_with('/')) {
    out.path = remove_dot_segments(path);
  } else {
    const auto last = base.path.rfind('/');
    const std::string merged =
        (last == std::string::npos ? std::string("/") : base.path.substr(0, last + 1)) +
        std::string(path);
    out.path = remove_dot_segments(merged);
  }
  out.query = query;
  return out;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int hi = hex(text[i + 1]);
      const int lo = hex(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi << 4 | lo);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

}  // namespace leakwatch
