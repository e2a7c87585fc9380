#include "net/http_client.h"

#include <arpa/inet.h>
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <string_view>
#include <thread>
#include <vector>

#include "net/socks_reply.h"

namespace leakwatch::crawler {

namespace {

struct CurlDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// An honest, generic user agent: libcurl's own ("curl/<version>"), the one that matches the
// headers and TLS handshake curl really sends and that countless scripts send. A browser's user
// agent on curl's header set and handshake would be a signature of its own (docs/SECURITY.md).
const std::string& user_agent() {
  static const std::string agent =
      std::string("curl/") + curl_version_info(CURLVERSION_NOW)->version;
  return agent;
}

struct Transfer {
  const ChunkSink* sink = nullptr;
  std::string* body = nullptr;
  std::uint64_t max_body = 0;
  std::uint64_t received = 0;
  std::uint64_t max_ratio = 0;
  CURL* handle = nullptr;
  bool over_limit = false;
  bool over_ratio = false;
  bool sink_stopped = false;
  bool redirect_body = false;  // a 3xx answer: its body is not the document, and is dropped
  HttpResponse* response = nullptr;
};

std::size_t on_write(char* data, std::size_t size, std::size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * nmemb;
  if (t->redirect_body) return n;
  if (t->received + n > t->max_body) {
    t->over_limit = true;
    return 0;  // aborts with CURLE_WRITE_ERROR
  }
  t->received += n;
  if (t->max_ratio && t->received > (1u << 20)) {
    curl_off_t raw = 0;  // bytes as they came off the wire, before content decoding
    curl_easy_getinfo(t->handle, CURLINFO_SIZE_DOWNLOAD_T, &raw);
    if (raw > 0 && t->received / static_cast<std::uint64_t>(raw) > t->max_ratio) {
      t->over_ratio = true;
      return 0;
    }
  }
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

enum class AddressKind { name, public_address, loopback, private_address, link_local, unspecified };

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

}  // namespace

std::string curl_proxy_url(const std::string& configured) {
  if (configured.starts_with("socks5://")) return "socks5h://" + configured.substr(9);
  return configured;
}

// One request on one easy handle: everything libcurl points into lives here, so the exchange
// can sit in a multi handle while others run.
struct Exchange {
  HttpRequest request;
  HttpResponse response;
  Transfer transfer;
  std::string proxy;
  std::string range;
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  char error_buffer[CURL_ERROR_SIZE] = {};
  std::chrono::steady_clock::time_point started;
  // Redirects: the URL first asked for, hops followed so far, time spent on earlier hops, and
  // (direct, after a redirect) the address kind the connection may reach.
  std::string first_url;
  int hop = 0;
  std::chrono::milliseconds earlier{};
  std::optional<AddressKind> allowed_origin;
  std::string refused_address;  // set when prereq refused the connected address
};

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

namespace {

void prepare(CURL* h, Exchange& x, const ChunkSink* sink) {
  curl_easy_reset(h);
  const HttpRequest& request = x.request;
  x.transfer = Transfer{};
  x.transfer.sink = sink;
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

struct MultiDeleter {
  void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};

}  // namespace

struct HttpClient::Impl {
  std::unique_ptr<CURL, CurlDeleter> handle{curl_easy_init()};
  std::unique_ptr<CURLM, MultiDeleter> multi{curl_multi_init()};
  std::mt19937_64 jitter{std::random_device{}()};
};

HttpClient::HttpClient() : impl_(std::make_unique<Impl>()) {}
HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::get(const HttpRequest& request) {
  return get(request, ChunkSink{});
}

Result<HttpResponse> HttpClient::get(const HttpRequest& request, const ChunkSink& sink) {
  CURL* h = impl_->handle.get();
  if (!h) return Error{request.url + ": cannot create a libcurl handle"};
  Exchange x;
  x.request = request;
  x.first_url = request.url;
  while (true) {
    prepare(h, x, sink ? &sink : nullptr);
    const CURLcode rc = curl_easy_perform(h);
    auto result = conclude(h, x, rc);
    if (!result) return result;
    auto next = follow_redirect(x, *result);
    if (!next) return next.error();
    if (!*next) return result;
  }
}

void HttpClient::get_each(const std::vector<HttpRequest>& requests, const Concurrency& concurrency,
                          const ResponseSink& on_done) {
  CURLM* multi = impl_->multi.get();
  curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                    static_cast<long>(concurrency.in_flight));
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(concurrency.per_host));

  std::vector<std::size_t> todo(requests.size());
  for (std::size_t i = 0; i < todo.size(); ++i) todo[i] = i;
  for (int attempt = 0; !todo.empty(); ++attempt) {
    if (attempt > 0) {
      // Exponential backoff with jitter before each retry round.
      const auto cap = concurrency.backoff * (1 << std::min(attempt - 1, 6));
      std::uniform_int_distribution<long> pick(cap.count() / 2, cap.count());
      std::this_thread::sleep_for(std::chrono::milliseconds(pick(impl_->jitter)));
    }
    const bool last_attempt = attempt >= concurrency.retries;
    std::vector<std::size_t> retry;
    struct Live {
      std::unique_ptr<CURL, CurlDeleter> handle;
      std::unique_ptr<Exchange> exchange;
      std::size_t index = 0;
    };
    std::map<CURL*, Live> live;
    std::size_t next = 0;
    auto next_start = std::chrono::steady_clock::now();
    auto start_more = [&] {
      // A bounded number of handles queued in curl; curl enforces the connection limits.
      while (next < todo.size() && live.size() < 2 * concurrency.in_flight) {
        if (concurrency.interval.count() > 0) {
          const auto t = std::chrono::steady_clock::now();
          if (t < next_start) return;
          next_start = t + concurrency.interval;
        }
        Live l{std::unique_ptr<CURL, CurlDeleter>(curl_easy_init()), std::make_unique<Exchange>(),
               todo[next++]};
        l.exchange->request = requests[l.index];
        l.exchange->first_url = requests[l.index].url;
        prepare(l.handle.get(), *l.exchange, nullptr);
        curl_multi_add_handle(multi, l.handle.get());
        CURL* key = l.handle.get();
        live.emplace(key, std::move(l));
      }
    };
    start_more();
    while (!live.empty() || next < todo.size()) {
      int still_running = 0;
      curl_multi_perform(multi, &still_running);
      int queued = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
        if (msg->msg != CURLMSG_DONE) continue;
        CURL* h = msg->easy_handle;
        const CURLcode code = msg->data.result;
        auto node = live.extract(h);
        curl_multi_remove_handle(multi, h);
        auto result = conclude(h, *node.mapped().exchange, code);
        if (result) {
          // A redirect: the same exchange goes on to its next hop, on the same handle.
          auto next = follow_redirect(*node.mapped().exchange, *result);
          if (!next) {
            result = next.error();
          } else if (*next) {
            prepare(h, *node.mapped().exchange, nullptr);
            curl_multi_add_handle(multi, h);
            live.insert(std::move(node));
            continue;
          }
        }
        if (!last_attempt && transient(result)) {
          retry.push_back(node.mapped().index);
        } else {
          on_done(node.mapped().index, std::move(result));
        }
      }
      start_more();
      int wait_ms = 100;
      if (next < todo.size() && concurrency.interval.count() > 0) {
        const auto until = std::chrono::duration_cast<std::chrono::milliseconds>(
            next_start - std::chrono::steady_clock::now());
        wait_ms = static_cast<int>(std::clamp<long>(until.count(), 1, 100));
      }
      curl_multi_poll(multi, nullptr, 0, wait_ms, nullptr);
    }
    todo = std::move(retry);
  }
}

std::vector<Result<HttpResponse>> HttpClient::get_many(const std::vector<HttpRequest>& requests,
                                                       const Concurrency& concurrency) {
  std::vector<std::optional<Result<HttpResponse>>> results(requests.size());
  get_each(requests, concurrency,
           [&](std::size_t i, Result<HttpResponse> r) { results[i] = std::move(r); });
  std::vector<Result<HttpResponse>> out;
  out.reserve(results.size());
  for (auto& r : results) out.push_back(std::move(*r));
  return out;
}

Result<HttpResponse> HttpClient::post(const HttpPost& request) {
  std::unique_ptr<CURL, CurlDeleter> handle(curl_easy_init());
  CURL* h = handle.get();
  if (!h) return Error{request.url + ": cannot create a libcurl handle"};
  Exchange x;
  x.request.url = request.url;
  x.request.proxy_url = request.proxy_url;
  x.request.limits = request.limits;
  prepare(h, x, nullptr);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, nullptr);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "leakwatch");
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  if (!request.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, request.ca_file.c_str());
  x.headers.reset();
  auto add_header = [&](const std::string& line) {
    x.headers.reset(curl_slist_append(x.headers.release(), line.c_str()));
  };
  add_header("Expect:");  // no 100-continue round trip
  for (const auto& [name, value] : request.headers) add_header(name + ": " + value);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, x.headers.get());
  const CURLcode rc = curl_easy_perform(h);
  return conclude(h, x, rc);
}

namespace {

struct MailBody {
  std::string_view rest;
};

std::size_t on_mail_read(char* buffer, std::size_t size, std::size_t nitems, void* user) {
  auto* body = static_cast<MailBody*>(user);
  const std::size_t n = std::min(size * nitems, body->rest.size());
  std::memcpy(buffer, body->rest.data(), n);
  body->rest.remove_prefix(n);
  return n;
}

}  // namespace

Result<void> HttpClient::send_mail(const MailRequest& request) {
  std::unique_ptr<CURL, CurlDeleter> handle(curl_easy_init());
  CURL* h = handle.get();
  if (!h) return Error{request.url + ": cannot create a libcurl handle"};
  char error_buffer[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(h, CURLOPT_PROXY, "");  // never a proxy from the environment
  curl_easy_setopt(h, CURLOPT_NOPROXY, "");
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.timeout.count()));
  // STARTTLS where offered; required when credentials would otherwise cross in the clear.
  const bool credentials = request.url.find('@') != std::string::npos;
  curl_easy_setopt(
      h, CURLOPT_USE_SSL,
      static_cast<long>(request.url.starts_with("smtps://") || credentials ? CURLUSESSL_ALL
                                                                           : CURLUSESSL_TRY));
  if (!request.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, request.ca_file.c_str());
  const std::string from = "<" + request.from + ">";
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
  std::unique_ptr<curl_slist, SlistDeleter> rcpt;
  for (const auto& to : request.to) {
    rcpt.reset(curl_slist_append(rcpt.release(), ("<" + to + ">").c_str()));
  }
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt.get());
  MailBody body{request.message};
  curl_easy_setopt(h, CURLOPT_READFUNCTION, on_mail_read);
  curl_easy_setopt(h, CURLOPT_READDATA, &body);
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  const CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    return Error{request.url.substr(0, request.url.find("://") + 3) +
                 "...: " + (error_buffer[0] ? std::string(error_buffer) : curl_easy_strerror(rc))};
  }
  return {};
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
  const auto kind = address_kind(to.host);
  if (!reachable_after_redirect(kind, address_kind(from.host)))
    return std::string(kind_words(kind)) + ", which a direct source never follows a redirect to";
  return std::nullopt;
}

CurlGlobal::CurlGlobal() {
  curl_global_init(CURL_GLOBAL_DEFAULT);
}
CurlGlobal::~CurlGlobal() {
  curl_global_cleanup();
}

}  // namespace leakwatch::crawler
