#include "net/curl_exchange.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string_view>

#include "net/socks_reply.h"

namespace leakwatch::crawler {

namespace detail {

namespace {

// An honest, generic user agent: libcurl's own ("curl/<version>"), the one that matches the
// headers and TLS handshake curl really sends and that countless scripts send. A browser's user
// agent on curl's header set and handshake would be a signature of its own (docs/SECURITY.md).
const std::string& user_agent() {
  static const std::string agent =
      std::string("curl/") + curl_version_info(CURLVERSION_NOW)->version;
  return agent;
}

std::size_t on_write(char* data, std::size_t size, std::size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * nmemb;
  if (t->redirect_body) return n;
  if (t->received + n > t->max_body) {
    t->over_limit = true;
    return 0;  // aborts with CURLE_WRITE_ERROR
  }
  if (t->max_ratio && t->received + n > (1u << 20)) {
    curl_off_t raw = 0;  // bytes as they came off the wire, before content decoding
    curl_easy_getinfo(t->handle, CURLINFO_SIZE_DOWNLOAD_T, &raw);
    if (raw > 0 && (t->received + n) / static_cast<std::uint64_t>(raw) > t->max_ratio) {
      t->over_ratio = true;
      return 0;
    }
  }
  if (t->relay) {
    switch (t->relay->offer(std::span(reinterpret_cast<const std::uint8_t*>(data), n))) {
      case ChunkRelay::Take::taken:
        t->received += n;
        return n;
      case ChunkRelay::Take::pause:
        return CURL_WRITEFUNC_PAUSE;  // the same bytes come again after the reader caught up
      case ChunkRelay::Take::stop:
        t->sink_stopped = true;
        return 0;
    }
  }
  t->received += n;
  if (t->sink) {
    if (!(*t->sink)(std::span(reinterpret_cast<const std::uint8_t*>(data), n))) {
      t->sink_stopped = true;
      return 0;
    }
  } else {
    t->body->append(data, n);
  }
  return n;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::size_t on_header(char* data, std::size_t size, std::size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * nmemb;
  std::string_view line(data, n);
  // A new status line starts each response of a redirect chain: forget earlier headers.
  if (line.starts_with("HTTP/")) {
    t->response->etag.clear();
    t->response->last_modified.clear();
    t->response->total_size.reset();
    t->response->range_start.reset();
    t->response->retry_after.clear();
    t->response->content_length.reset();
    t->response->location.clear();
    const auto space = line.find(' ');
    const auto code =
        space == std::string_view::npos ? std::string_view{} : line.substr(space + 1, 3);
    t->redirect_body =
        code == "301" || code == "302" || code == "303" || code == "307" || code == "308";
    return n;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string name(line.substr(0, colon));
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto value = trim(line.substr(colon + 1));
  if (name == "etag") t->response->etag = std::string(value);
  if (name == "last-modified") t->response->last_modified = std::string(value);
  if (name == "retry-after") t->response->retry_after = std::string(value);
  if (name == "location") t->response->location = std::string(value);
  if (name == "content-length") {
    unsigned long long length = 0;
    const std::string v(value);
    if (std::sscanf(v.c_str(), "%llu", &length) == 1) t->response->content_length = length;
  }
  if (name == "content-range") {
    // "bytes FIRST-LAST/TOTAL" (RFC 9110 14.4); TOTAL may be "*".
    unsigned long long first = 0, last = 0, total = 0;
    const std::string v(value);
    if (std::sscanf(v.c_str(), "bytes %llu-%llu/%llu", &first, &last, &total) == 3) {
      t->response->range_start = first;
      t->response->total_size = total;
    }
  }
  return n;
}

std::string_view kind_words(AddressKind k) {
  switch (k) {
    case AddressKind::loopback:
      return "a loopback address";
    case AddressKind::private_address:
      return "a private address";
    case AddressKind::link_local:
      return "a link-local address (cloud metadata lives there)";
    case AddressKind::unspecified:
      return "an unspecified address";
    case AddressKind::name:
    case AddressKind::public_address:
      break;
  }
  return "a public address";
}

AddressKind ipv4_kind(const unsigned char* a) {
  if (a[0] == 127) return AddressKind::loopback;
  if (a[0] == 0) return AddressKind::unspecified;
  if (a[0] == 10 || (a[0] == 172 && (a[1] & 0xF0) == 16) || (a[0] == 192 && a[1] == 168) ||
      (a[0] == 100 && (a[1] & 0xC0) == 64))  // RFC 1918 and carrier-grade NAT
    return AddressKind::private_address;
  if (a[0] == 169 && a[1] == 254) return AddressKind::link_local;
  return AddressKind::public_address;
}

// What a host (name, IPv4 literal or bracketed IPv6 literal) or a numeric address is.
AddressKind address_kind(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  const std::string text(host);
  unsigned char a[16];
  if (::inet_pton(AF_INET, text.c_str(), a) == 1) return ipv4_kind(a);
  if (::inet_pton(AF_INET6, text.c_str(), a) == 1) {
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    if (std::equal(a, a + 12, kMapped)) return ipv4_kind(a + 12);
    static constexpr unsigned char kZero[15] = {};
    if (std::equal(a, a + 15, kZero))
      return a[15] == 1 ? AddressKind::loopback : AddressKind::unspecified;
    if ((a[0] & 0xFE) == 0xFC) return AddressKind::private_address;             // fc00::/7
    if (a[0] == 0xFE && (a[1] & 0xC0) == 0x80) return AddressKind::link_local;  // fe80::/10
    return AddressKind::public_address;
  }
  if (host == "localhost" || host.ends_with(".localhost")) return AddressKind::loopback;
  return AddressKind::name;
}

// An address a direct request may reach after a redirect from a URL whose host is `origin`.
bool reachable_after_redirect(AddressKind target, AddressKind origin) {
  return target == AddressKind::name || target == AddressKind::public_address || target == origin;
}

std::string redact(const std::string& proxy) {
  // Never print proxy credentials.
  const auto scheme_end = proxy.find("://");
  const auto at = proxy.rfind('@');
  if (scheme_end == std::string::npos || at == std::string::npos || at < scheme_end) return proxy;
  return proxy.substr(0, scheme_end + 3) + "***@" + proxy.substr(at + 1);
}

// Direct requests after a redirect: the address actually connected to (a host name resolved
// by the system) must be one the configured URL's kind allows.
int on_prereq(void* user, char* primary_ip, char*, int, int) {
  auto* x = static_cast<Exchange*>(user);
  if (!x->allowed_origin) return CURL_PREREQFUNC_OK;
  if (reachable_after_redirect(address_kind(primary_ip), *x->allowed_origin))
    return CURL_PREREQFUNC_OK;
  x->refused_address = primary_ip;
  return CURL_PREREQFUNC_ABORT;
}

}  // namespace

void prepare(CURL* h, Exchange& x, const ChunkSink* sink, ChunkRelay* relay) {
  curl_easy_reset(h);
  const HttpRequest& request = x.request;
  x.transfer = Transfer{};
  x.transfer.sink = sink;
  x.transfer.relay = relay;
  x.transfer.body = &x.response.body;
  x.transfer.max_body = request.limits.max_body_bytes;
  x.transfer.response = &x.response;
  x.transfer.max_ratio = request.limits.max_decompression_ratio;
  x.transfer.handle = h;

  curl_easy_setopt(h, CURLOPT_PRIVATE, &x);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x.error_buffer);
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  // Redirects are followed here, hop by hop, with leakwatch's own checks (follow_redirect).
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  if (request.head) curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  if (x.allowed_origin) {
    curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, on_prereq);
    curl_easy_setopt(h, CURLOPT_PREREQDATA, &x);
  }
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.limits.timeout.count()));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(request.limits.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, request.limits.low_speed_bytes);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME,
                   static_cast<long>(request.limits.low_speed_time.count()));
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
                   static_cast<curl_off_t>(request.limits.max_body_bytes));
  curl_easy_setopt(h, CURLOPT_USERAGENT, user_agent().c_str());
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // every encoding curl can decode
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &x.transfer);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &x.transfer);

  // Proxy discipline. An explicit empty CURLOPT_PROXY ignores *_proxy environment variables,
  // and an empty CURLOPT_NOPROXY makes NO_PROXY unable to route any host around the proxy.
  x.proxy = curl_proxy_url(request.proxy_url);
  curl_easy_setopt(h, CURLOPT_PROXY, x.proxy.c_str());
  curl_easy_setopt(h, CURLOPT_NOPROXY, "");
  if (!x.proxy.empty()) {
    // No connection reuse through a proxy: each request its own proxied connection.
    curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
  }
  // No TLS session resumption through a proxy: a resumed session ties together connections
  // that stream isolation keeps on separate circuits. (Handles are reused: set both ways.)
  curl_easy_setopt(h, CURLOPT_SSL_SESSIONID_CACHE, x.proxy.empty() ? 1L : 0L);

  x.headers.reset();
  auto add_header = [&](const std::string& line) {
    x.headers.reset(curl_slist_append(x.headers.release(), line.c_str()));
  };
  if (!request.if_none_match.empty()) add_header("If-None-Match: " + request.if_none_match);
  if (!request.if_modified_since.empty()) {
    add_header("If-Modified-Since: " + request.if_modified_since);
  }
  if (x.headers) curl_easy_setopt(h, CURLOPT_HTTPHEADER, x.headers.get());
  if (request.range) {
    x.range = std::to_string(request.range->first) + "-" + std::to_string(request.range->second);
    curl_easy_setopt(h, CURLOPT_RANGE, x.range.c_str());
  } else if (request.tail_bytes) {
    x.range = "-" + std::to_string(*request.tail_bytes);
    curl_easy_setopt(h, CURLOPT_RANGE, x.range.c_str());
  }
  x.started = std::chrono::steady_clock::now();
}

Result<HttpResponse> conclude(CURL* h, Exchange& x, CURLcode rc) {
  const HttpRequest& request = x.request;
  HttpResponse& response = x.response;
  response.elapsed = x.earlier + std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now() - x.started);
  response.body_bytes = x.transfer.received;
  response.redirects = x.hop;
  const std::string via = x.proxy.empty() ? "" : " via proxy " + redact(x.proxy);
  if (rc != CURLE_OK && !x.refused_address.empty()) {
    return Error{x.first_url + ": redirect to " + request.url + " refused: it resolved to " +
                 x.refused_address + ", " +
                 std::string(kind_words(address_kind(x.refused_address))) +
                 ", which a direct source never follows a redirect to"};
  }
  if (rc != CURLE_OK) {
    if (x.transfer.over_limit || rc == CURLE_FILESIZE_EXCEEDED) {
      return Error{request.url + via + ": response body exceeds the limit of " +
                   std::to_string(request.limits.max_body_bytes) + " bytes"};
    }
    if (x.transfer.over_ratio) {
      return Error{request.url + via + ": decompression ratio above " +
                   std::to_string(request.limits.max_decompression_ratio) +
                   ":1 (a compression bomb?); stopped after " +
                   std::to_string(x.transfer.received) + " bytes"};
    }
    if (x.transfer.sink_stopped) {
      return Error{request.url + via + ": transfer stopped by the reader"};
    }
    std::string detail = x.error_buffer[0] ? x.error_buffer : curl_easy_strerror(rc);
    // Tor's (and RFC 1928's) SOCKS reply codes in words.
    if (auto words = explain_socks_failure(detail)) detail = std::move(*words);
    if (rc == CURLE_OPERATION_TIMEDOUT) detail = "timed out (" + detail + ")";
    if (rc == CURLE_TOO_MANY_REDIRECTS) {
      detail = "more than " + std::to_string(request.limits.max_redirects) + " redirects";
    }
    return Error{request.url + via + ": " + detail};
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  if (const char* eff = nullptr;
      curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff) {
    response.effective_url = eff;
  }
  if (const char* ct = nullptr;
      curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct) {
    response.content_type = ct;
  }
  return std::move(response);
}

// Failures worth another try: the network, not the content (RFC 9110 429/502/503/504), nor an
// answer that will not change (a refused redirect, an onion address that cannot be).
bool transient(const Result<HttpResponse>& r) {
  if (!r) {
    const auto& m = r.error().message;
    return m.find("exceeds the limit") == std::string::npos &&
           m.find("decompression ratio") == std::string::npos &&
           m.find("redirect") == std::string::npos &&
           m.find("invalid onion address") == std::string::npos &&
           m.find("client authorisation") == std::string::npos;
  }
  return r->status == 429 || r->status == 502 || r->status == 503 || r->status == 504;
}

bool is_redirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// After an answer: the next hop's URL when it is a redirect that may be followed (the exchange
// is set up for it), nullopt when the answer is final, or why the redirect is refused.
Result<std::optional<std::string>> follow_redirect(Exchange& x, const HttpResponse& answer) {
  if (!is_redirect(answer.status) || answer.location.empty()) return std::optional<std::string>{};
  const auto& limits = x.request.limits;
  if (x.hop >= limits.max_redirects)
    return Error{x.first_url + ": more than " + std::to_string(limits.max_redirects) +
                 " redirects"};
  const auto current = parse_url(x.request.url);
  const auto first = parse_url(x.first_url);
  const auto next = current ? resolve_url(*current, answer.location) : std::nullopt;
  if (!current || !first || !next)
    return Error{x.request.url + ": redirect to an unusable Location '" +
                 answer.location.substr(0, 300) + "'"};
  const bool proxied = !x.request.proxy_url.empty();
  if (auto why = redirect_refused(*first, *next, proxied))
    return Error{x.request.url + ": redirect to " + next->str().substr(0, 300) +
                 " refused: " + *why};
  x.earlier = answer.elapsed;
  ++x.hop;
  x.request.url = next->str(true);
  x.response = HttpResponse{};
  // A name other than the configured one is checked again once resolved (on_prereq).
  if (!proxied && next->host != first->host) {
    x.allowed_origin = address_kind(first->host);
  } else {
    x.allowed_origin.reset();
  }
  return std::optional<std::string>{x.request.url};
}

}  // namespace detail

std::string curl_proxy_url(const std::string& configured) {
  if (configured.starts_with("socks5://")) return "socks5h://" + configured.substr(9);
  return configured;
}

std::optional<std::string> redirect_refused(const Url& from, const Url& to, bool proxied) {
  if (to.scheme != "http" && to.scheme != "https")
    return "only http and https are followed, not " + to.scheme.substr(0, 20);
  if (to.host.empty()) return std::string("no host");
  if (to.host.size() > 255) return std::string("host name longer than 255 bytes");
  // The proxy resolves and connects, as for the first hop; the configured host is the
  // operator's choice.
  if (proxied || to.host == from.host) return std::nullopt;
  if (to.is_onion())
    return std::string(
        "a .onion address, which a direct source never follows (it would be resolved locally); "
        "give the source a socks5h:// proxy");
  const auto kind = detail::address_kind(to.host);
  if (!detail::reachable_after_redirect(kind, detail::address_kind(from.host)))
    return std::string(detail::kind_words(kind)) +
           ", which a direct source never follows a redirect to";
  return std::nullopt;
}

}  // namespace leakwatch::crawler
