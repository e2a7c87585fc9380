// HttpClient: the one owner of libcurl handles. Every fetch has limits (body bytes, total and
// connect time, slow-drip detection, redirects), and a request with a proxy goes through that
// proxy or fails: never a direct connection, and with socks5h or an HTTP proxy the proxy
// resolves the hostname, never the local resolver.
//
// Redirects are followed by leakwatch itself (never by libcurl), each hop checked like the
// configured URL (redirect_refused): http/https only, host names of at most 255 bytes, the same
// proxy on every hop; a direct request never follows one to a .onion (it would be resolved
// locally) nor to a loopback, private, link-local or unspecified address unless the configured
// URL's own host is of that kind, and a host name on a redirected hop is checked again once it
// is resolved, against the address actually connected to.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "model/result.h"
#include "model/url.h"

namespace leakwatch::crawler {

struct FetchLimits {
  std::uint64_t max_body_bytes = 32ull << 20;
  std::chrono::milliseconds timeout{std::chrono::seconds{120}};
  std::chrono::milliseconds connect_timeout{std::chrono::seconds{60}};  // Tor circuits are slow
  // A transfer slower than this many bytes/s for `low_speed_time` is a slow drip: aborted.
  long low_speed_bytes = 16;
  std::chrono::seconds low_speed_time{30};
  int max_redirects = 5;
  // Decoded bytes per received byte (gzip/brotli/zstd bombs); checked once 1 MiB is decoded.
  std::uint64_t max_decompression_ratio = 200;
};

struct HttpRequest {
  std::string url;
  std::string proxy_url;  // empty: direct (only where the operator configured no proxy)
  FetchLimits limits;
  std::optional<std::pair<std::uint64_t, std::uint64_t>> range;  // inclusive byte range
  std::optional<std::uint64_t> tail_bytes;  // suffix range: the last N bytes ("bytes=-N")
  std::string if_none_match;                // ETag for a conditional GET
  std::string if_modified_since;
  bool head = false;  // HEAD: the headers only (size probes)
};

struct HttpResponse {
  long status = 0;
  std::string body;  // empty when streamed to a callback
  std::string effective_url;
  std::string content_type;
  std::string etag;
  std::string last_modified;
  // From Content-Range ("bytes 10-20/12345") of a 206 answer: the full size of the resource.
  std::optional<std::uint64_t> total_size;
  std::optional<std::uint64_t> range_start;
  std::string retry_after;                      // Retry-After as sent (seconds or an HTTP date)
  std::optional<std::uint64_t> content_length;  // the Content-Length header (HEAD's size)
  int redirects = 0;                            // hops followed to get here
  std::string location;                         // a 3xx answer's Location (internal)
  std::uint64_t body_bytes = 0;                 // decoded bytes delivered
  std::chrono::milliseconds elapsed{};
};

// A POST (alert webhooks, Splunk HEC) under the same proxy discipline as GET. Redirects are
// not followed: a 3xx is the receiver's answer, never an acknowledgement.
struct HttpPost {
  std::string url;
  std::string proxy_url;  // empty: direct (only where the operator configured no proxy)
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string ca_file;  // trust anchor for https; empty: the system's
  FetchLimits limits;
};

// One mail over SMTP: smtp:// upgrades with STARTTLS where the server offers it (and requires
// it when the URL carries credentials), smtps:// is TLS from the start; certificate and host
// name are checked. Never through a proxy, and never a proxy from the environment.
struct MailRequest {
  std::string url;  // smtp://[user:pass@]host[:port] or smtps://...
  std::string from;
  std::vector<std::string> to;
  std::string message;  // RFC 5322 text with CRLF line ends; dot-stuffing is done here
  std::string ca_file;
  std::chrono::milliseconds timeout{std::chrono::seconds{60}};
};

// How many requests run at once in get_many, and how transient failures are retried.
struct Concurrency {
  std::size_t in_flight = 8;
  std::size_t per_host = 4;
  int retries = 2;  // extra attempts for connection errors, timeouts, 429/502/503/504
  std::chrono::milliseconds backoff{500};  // first retry waits 250..500 ms, then doubling
  // Rate limit: at least this long between two request starts (0: none). Leak sites ban
  // crawlers that hammer them, and Tor circuits suffer too.
  std::chrono::milliseconds interval{0};
};

// Receives body chunks as they arrive; returning false aborts the transfer.
using ChunkSink = std::function<bool(std::span<const std::uint8_t>)>;

class FetchEngine;
class CpuGate;

class HttpClient {
 public:
  // A client with its own loop (one-off fetches: check, alert hooks, tests).
  HttpClient();
  // A client whose GETs run on `engine`'s shared loop, as one fair-share queue of it (one per
  // source), blocking this thread until they are answered; the engine must outlive it. With a
  // `gate`, the calling thread holds one of its slots while it works and gives it back while it
  // waits for the network. POST and mail run on the client itself.
  explicit HttpClient(FetchEngine& engine, CpuGate* gate = nullptr);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // GET into memory. Errors (connection, proxy, timeout, limit) name the URL and the proxy.
  // HTTP error statuses are not errors here: callers decide what a 404 means.
  Result<HttpResponse> get(const HttpRequest& request);
  // GET streamed to `sink` (file content hashed in memory, never stored).
  Result<HttpResponse> get(const HttpRequest& request, const ChunkSink& sink);
  // Many GETs at once on libcurl's multi interface (one result per request, same order), with
  // connection limits in total and per host, and retries with exponential backoff and jitter
  // for transient failures only.
  std::vector<Result<HttpResponse>> get_many(const std::vector<HttpRequest>& requests,
                                             const Concurrency& concurrency);
  // The same, handing each result to `on_done(index, result)` as soon as it is final, so a
  // caller can parse and drop each body while the others are still in flight.
  using ResponseSink = std::function<void(std::size_t, Result<HttpResponse>)>;
  void get_each(const std::vector<HttpRequest>& requests, const Concurrency& concurrency,
                const ResponseSink& on_done);

  // POST; HTTP error statuses are not errors here (a 503 with Retry-After is an answer).
  Result<HttpResponse> post(const HttpPost& request);
  // Sends one mail; ok only when the server accepted it (250 after DATA).
  Result<void> send_mail(const MailRequest& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// libcurl's process-wide set-up, owned by main() for the life of the program.
class CurlGlobal {
 public:
  CurlGlobal();
  ~CurlGlobal();
  CurlGlobal(const CurlGlobal&) = delete;
  CurlGlobal& operator=(const CurlGlobal&) = delete;
};

// Why a redirect from `from` (the configured URL of the request) to `to` is not followed, or
// nullopt when it may be. `proxied`: the request goes through a proxy (which keeps resolving).
std::optional<std::string> redirect_refused(const Url& from, const Url& to, bool proxied);

// The proxy URL curl is given. socks5:// is upgraded to socks5h:// so that no hostname is ever
// resolved locally (for IP-literal targets the two are the same).
std::string curl_proxy_url(const std::string& configured);

}  // namespace leakwatch::crawler
