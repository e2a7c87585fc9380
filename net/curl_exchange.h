// The libcurl side of one HTTP exchange, shared by HttpClient (one-off requests) and the
// FetchEngine (every fetch of a pass on one multi loop): setting up an easy handle with the
// proxy discipline and limits, reading its answer, and following redirects hop by hop with
// leakwatch's own checks. Private to net/: the only files that include it (and libcurl) are
// net/curl_exchange.cpp, net/http_client.cpp and net/fetch_engine.cpp.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "net/http_client.h"

namespace leakwatch::crawler::detail {

struct CurlDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct MultiDeleter {
  void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};

// A streamed body read on another thread than the transfer's (the fetch engine): chunks are
// offered to the relay, which takes them, asks for a pause (too many bytes wait for the reader;
// curl offers the same bytes again after curl_easy_pause(CONT)) or stops the transfer (the
// reader is done).
class ChunkRelay {
 public:
  enum class Take { taken, pause, stop };
  virtual ~ChunkRelay() = default;
  virtual Take offer(std::span<const std::uint8_t> chunk) = 0;
};

struct Transfer {
  const ChunkSink* sink = nullptr;
  ChunkRelay* relay = nullptr;  // instead of sink: the reader is on another thread
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

enum class AddressKind { name, public_address, loopback, private_address, link_local, unspecified };

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

// Sets up `h` for the exchange's current hop (its request, limits and proxy); `sink` or
// `relay` receives the body as it arrives, else it is kept in the response.
void prepare(CURL* h, Exchange& x, const ChunkSink* sink, ChunkRelay* relay = nullptr);
// The exchange's answer (or the error naming URL and proxy) once curl finished with `rc`.
Result<HttpResponse> conclude(CURL* h, Exchange& x, CURLcode rc);
// Failures worth another try: the network, not the content (RFC 9110 429/502/503/504).
bool transient(const Result<HttpResponse>& r);
// After an answer: the next hop's URL when it is a redirect that may be followed (the exchange
// is set up for it), nullopt when the answer is final, or why the redirect is refused.
Result<std::optional<std::string>> follow_redirect(Exchange& x, const HttpResponse& answer);

}  // namespace leakwatch::crawler::detail
