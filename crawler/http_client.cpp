#include "crawler/http_client.h"

#include <curl/curl.h>

#include <cctype>
#include <cstdio>
#include <string_view>

namespace leakwatch::crawler {

namespace {

struct CurlDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// A user agent shared with Tor Browser, so requests do not single leakwatch out.
constexpr const char* kUserAgent =
    "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0";

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
  HttpResponse* response = nullptr;
};

std::size_t on_write(char* data, std::size_t size, std::size_t nmemb, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * nmemb;
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
    return n;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string name(line.substr(0, colon));
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto value = trim(line.substr(colon + 1));
  if (name == "etag") t->response->etag = std::string(value);
  if (name == "last-modified") t->response->last_modified = std::string(value);
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

struct HttpClient::Impl {
  std::unique_ptr<CURL, CurlDeleter> handle{curl_easy_init()};
};

HttpClient::HttpClient() : impl_(std::make_unique<Impl>()) {}
HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::get(const HttpRequest& request) {
  return get(request, ChunkSink{});
}

Result<HttpResponse> HttpClient::get(const HttpRequest& request, const ChunkSink& sink) {
  CURL* h = impl_->handle.get();
  if (!h) return Error{request.url + ": cannot create a libcurl handle"};
  curl_easy_reset(h);

  HttpResponse response;
  Transfer transfer;
  transfer.sink = sink ? &sink : nullptr;
  transfer.body = &response.body;
  transfer.max_body = request.limits.max_body_bytes;
  transfer.response = &response;
  transfer.max_ratio = request.limits.max_decompression_ratio;
  transfer.handle = h;

  char error_buffer[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, static_cast<long>(request.limits.max_redirects));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.limits.timeout.count()));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(request.limits.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, request.limits.low_speed_bytes);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME,
                   static_cast<long>(request.limits.low_speed_time.count()));
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
                   static_cast<curl_off_t>(request.limits.max_body_bytes));
  curl_easy_setopt(h, CURLOPT_USERAGENT, kUserAgent);
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // every encoding curl can decode
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &transfer);

  // Proxy discipline. An explicit empty CURLOPT_PROXY ignores *_proxy environment variables,
  // and an empty CURLOPT_NOPROXY makes NO_PROXY unable to route any host around the proxy.
  const std::string proxy = curl_proxy_url(request.proxy_url);
  curl_easy_setopt(h, CURLOPT_PROXY, proxy.c_str());
  curl_easy_setopt(h, CURLOPT_NOPROXY, "");
  if (!proxy.empty()) {
    // No HTTP/2 upgrade games or connection reuse across proxies: one request, one path.
    curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
  }

  std::unique_ptr<curl_slist, SlistDeleter> headers;
  auto add_header = [&](const std::string& line) {
    headers.reset(curl_slist_append(headers.release(), line.c_str()));
  };
  if (!request.if_none_match.empty()) add_header("If-None-Match: " + request.if_none_match);
  if (!request.if_modified_since.empty())
    add_header("If-Modified-Since: " + request.if_modified_since);
  if (headers) curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  std::string range;
  if (request.range) {
    range = std::to_string(request.range->first) + "-" + std::to_string(request.range->second);
    curl_easy_setopt(h, CURLOPT_RANGE, range.c_str());
  } else if (request.tail_bytes) {
    range = "-" + std::to_string(*request.tail_bytes);
    curl_easy_setopt(h, CURLOPT_RANGE, range.c_str());
  }

  const auto started = std::chrono::steady_clock::now();
  const CURLcode rc = curl_easy_perform(h);
  response.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  response.body_bytes = transfer.received;

  const std::string via = proxy.empty() ? "" : " via proxy " + redact(proxy);
  if (rc != CURLE_OK) {
    if (transfer.over_limit || rc == CURLE_FILESIZE_EXCEEDED) {
      return Error{request.url + via + ": response body exceeds the limit of " +
                   std::to_string(request.limits.max_body_bytes) + " bytes"};
    }
    if (transfer.over_ratio) {
      return Error{request.url + via + ": decompression ratio above " +
                   std::to_string(request.limits.max_decompression_ratio) +
                   ":1 (a compression bomb?); stopped after " + std::to_string(transfer.received) +
                   " bytes"};
    }
    if (transfer.sink_stopped) return Error{request.url + via + ": transfer stopped by the reader"};
    std::string detail = error_buffer[0] ? error_buffer : curl_easy_strerror(rc);
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
  return response;
}

CurlGlobal::CurlGlobal() {
  curl_global_init(CURL_GLOBAL_DEFAULT);
}
CurlGlobal::~CurlGlobal() {
  curl_global_cleanup();
}

}  // namespace leakwatch::crawler
