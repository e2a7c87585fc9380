// The HTTP/1.1 transport of the read-only API, on libmicrohttpd (Debian 12: 0.9.75; its header
// stays in http_server.cpp). It knows nothing of leakwatch: it accepts connections itself (so an
// exhausted file table backs off instead of spinning), hands them to libmicrohttpd's thread pool
// (epoll: a slow client costs a socket and a buffer, never a worker), checks every request head
// with parse_request_head, calls the handler, writes the answer and closes. Answers that may take
// long are built on a pool of their own while libmicrohttpd's threads go on with other
// connections, so a quick request (a health probe) is answered beside any number of long ones.
// Limits are counted from accept: total and per-address connections, the request deadline (head,
// TLS handshake included) and the connection deadline (the answer included: a slow reader is cut
// off), head size and header count. Optional TLS through libmicrohttpd's GnuTLS support.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "model/result.h"

namespace leakwatch::app {

struct HttpRequest {
  std::string method;  // as sent (methods are case-sensitive, RFC 9110 9.1)
  std::string target;  // request-target as sent: "/v1/sightings?dataset=x"
  std::string path;    // target before '?', not decoded
  std::string query;   // target after '?', not decoded
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased

  // The first header of that (lower-case) name.
  std::optional<std::string_view> header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

struct HttpServerLimits {
  std::size_t max_head_bytes = 16 * 1024;  // request line + headers
  std::size_t max_headers = 64;
  // From accept: the whole request head (and the TLS handshake) must have arrived by then.
  std::chrono::milliseconds head_timeout{10'000};
  // From accept: the connection is closed by then, whatever it is doing (a slow reader of the
  // answer included).
  std::chrono::milliseconds connection_timeout{60'000};
  std::size_t workers = 4;            // long answers built at once (more wait their turn in order)
  std::size_t io_threads = 2;         // libmicrohttpd's thread pool: reads heads, writes answers
  std::size_t max_connections = 256;  // open at once; more wait in the listen backlog
  std::size_t max_per_address = 32;   // open at once from one client address; more are closed
};

// PEM text of the server certificate (chain) and its private key.
struct HttpTls {
  std::string cert_pem;
  std::string key_pem;
};

// Decodes an application/x-www-form-urlencoded query ("a=1&b=x%20y", '+' is a space). Error on a
// bad %-escape, an empty name, or more than `max_params` parameters.
Result<std::vector<std::pair<std::string, std::string>>> parse_query(std::string_view query,
                                                                     std::size_t max_params = 32);

// Parses a request head (request line, headers, the blank line; RFC 9112 2-5) within `limits`:
// the request, or the error response to send instead (400 malformed line, method, target or
// header; 431 a head larger than max_head_bytes or too many headers; 505 another HTTP version;
// 413 any request body, since the API is read-only). Needs no socket; the server calls it on
// the head libmicrohttpd received (request line as sent, header lines as it split them).
std::variant<HttpRequest, HttpResponse> parse_request_head(std::string_view head,
                                                           const HttpServerLimits& limits);

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  // True for a request whose answer may take long (a store query): the handler runs for it on
  // the pool of `workers`. The rest are answered at once on the I/O thread. Unset: every
  // request is long.
  using IsLong = std::function<bool(const HttpRequest&)>;

  // Binds and listens on host:port (port 0: the OS picks one; see port()). host is an IP
  // literal or "localhost". With `tls`, serves HTTPS only.
  static Result<std::unique_ptr<HttpServer>> listen(const std::string& host, int port,
                                                    HttpServerLimits limits, Handler handler,
                                                    std::optional<HttpTls> tls = std::nullopt,
                                                    IsLong is_long = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const;
  // Accepts and serves until stop(); returns after every connection is closed and every
  // handler has returned.
  void run();
  // Thread-safe, also before run(); makes run() return. Answers being built finish first; long
  // requests still waiting for a worker are answered 503.
  void stop();

  struct Impl;  // libmicrohttpd's daemon and the connection deadlines (http_server.cpp)

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace leakwatch::app
