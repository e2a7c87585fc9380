// A small HTTP/1.1 server for the read-only API, on POSIX sockets. It knows nothing of leakwatch:
// it parses one request per connection within hard limits (request head bytes, header count,
// one deadline for the whole head, no request bodies, a bounded number of connections) and hands
// it to a handler, then writes the response and closes. Hostile clients get a 4xx/5xx and a
// closed socket, never a stuck worker.
//
// Why not cpp-httplib: Debian 12's libcpp-httplib 0.11 is a prebuilt library whose limits are
// compiled in; it caps each header line but not their number, its read timeout is per recv (a
// slow drip keeps a worker forever) and its task queue cannot refuse a connection.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
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
  std::chrono::milliseconds head_timeout{10'000};   // whole request head, not per read
  std::chrono::milliseconds write_timeout{30'000};  // per send
  std::size_t workers = 4;                          // requests handled at once
  std::size_t max_pending = 64;                     // accepted, waiting for a worker
};

// Decodes an application/x-www-form-urlencoded query ("a=1&b=x%20y", '+' is a space). Error on a
// bad %-escape, an empty name, or more than `max_params` parameters.
Result<std::vector<std::pair<std::string, std::string>>> parse_query(std::string_view query,
                                                                     std::size_t max_params = 32);

// Parses a request head (request line, headers, the blank line; RFC 9112 2-5) within `limits`:
// the request, or the error response to send instead (400 malformed line, method, target or
// header; 431 too many headers; 505 another HTTP version; 413 any request body, since the API is
// read-only). Needs no socket; the server calls it on what it read.
std::variant<HttpRequest, HttpResponse> parse_request_head(std::string_view head,
                                                           const HttpServerLimits& limits);

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  // Binds and listens on host:port (port 0: the OS picks one; see port()). host is an IP
  // literal or "localhost".
  static Result<std::unique_ptr<HttpServer>> listen(const std::string& host, int port,
                                                    HttpServerLimits limits, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const { return port_; }
  // Accepts and serves until stop(); returns after every worker has finished.
  void run();
  // Thread-safe; makes run() return. Requests being handled finish first.
  void stop();

 private:
  HttpServer(int listen_fd, int wake_read, int wake_write, int port, HttpServerLimits limits,
             Handler handler);
  void worker_loop();
  void serve_connection(int fd);

  int listen_fd_;
  int wake_read_, wake_write_;  // self-pipe: stop() wakes the accept loop
  int port_;
  HttpServerLimits limits_;
  Handler handler_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<int> pending_;  // accepted sockets waiting for a worker
};

}  // namespace leakwatch::app
