#include "api/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

namespace leakwatch::app {

namespace {

using Clock = std::chrono::steady_clock;

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

std::string json_error_body(std::string_view message) {
  std::string out = "{\"error\":\"";
  for (const char c : message) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"}\n";
}

HttpResponse error_response(int status, std::string_view message) {
  return HttpResponse{.status = status, .body = json_error_body(message)};
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_tchar(char c) {
  // RFC 9110 5.6.2 token characters.
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const auto n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // peer gone or write timeout: nothing more to do for this socket
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

// A HEAD answer has the headers of the GET answer, without the body (RFC 9110 9.3.2).
void write_response(int fd, const HttpResponse& r, bool head_only = false) {
  std::string head =
      "HTTP/1.1 " + std::to_string(r.status) + " " + std::string(reason_phrase(r.status)) + "\r\n";
  head += "Content-Type: " + r.content_type + "\r\n";
  head += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  head += "Connection: close\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n";
  for (const auto& [name, value] : r.headers) head += name + ": " + value + "\r\n";
  head += "\r\n";
  // One write: head and body in separate small segments would meet Nagle and delayed ACK.
  if (!head_only) head += r.body;
  send_all(fd, head);
}

// Reads the request head (up to and including the blank line) within the byte and time limits.
// On failure returns the response to send instead.
std::variant<std::string, HttpResponse> read_head(int fd, const HttpServerLimits& limits) {
  const auto deadline = Clock::now() + limits.head_timeout;
  std::string buf;
  char chunk[4096];
  while (true) {
    const auto end = buf.find("\r\n\r\n");
    const auto head_size = end == std::string::npos ? buf.size() : end + 4;
    if (head_size > limits.max_head_bytes) {
      return error_response(
          431, "request head larger than " + std::to_string(limits.max_head_bytes) + " bytes");
    }
    if (end != std::string::npos) return buf.substr(0, end + 4);
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return error_response(408, "request head not received in time");
    pollfd p{fd, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return error_response(408, "request head not received in time");
    const auto n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return HttpResponse{.status = 0};  // peer closed: nothing to answer
    buf.append(chunk, static_cast<std::size_t>(n));
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return Error{"truncated %-escape"};
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return Error{"bad %-escape"};
      const char decoded = static_cast<char>(hi * 16 + lo);
      if (decoded == '\0') return Error{"%00 is not allowed"};
      out += decoded;
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Half-closes, then reads briefly what the client still sends (a refused body), so that closing
// does not reset the connection before the client has read our answer.
void close_gracefully(int fd) {
  ::shutdown(fd, SHUT_WR);
  char sink[4096];
  std::size_t drained = 0;
  const auto deadline = Clock::now() + std::chrono::milliseconds(500);
  while (drained < (256u << 10) && Clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) break;
    const auto n = ::recv(fd, sink, sizeof sink, 0);
    if (n <= 0) break;
    drained += static_cast<std::size_t>(n);
  }
  ::close(fd);
}

}  // namespace

std::variant<HttpRequest, HttpResponse> parse_request_head(std::string_view head,
                                                           const HttpServerLimits& limits) {
  HttpRequest req;
  // Every line ends in CRLF and the head in an empty line; a bare LF is not a line end.
  if (!head.ends_with("\r\n\r\n")) {
    return error_response(400, "request head must be CRLF lines ending in an empty line");
  }
  auto line_end = head.find("\r\n");
  const auto request_line = head.substr(0, line_end);
  const auto sp1 = request_line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : request_line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || request_line.find(' ', sp2 + 1) != std::string_view::npos) {
    return error_response(400, "malformed request line");
  }
  req.method = std::string(request_line.substr(0, sp1));
  req.target = std::string(request_line.substr(sp1 + 1, sp2 - sp1 - 1));
  const auto version = request_line.substr(sp2 + 1);
  if (req.method.empty() || !std::all_of(req.method.begin(), req.method.end(), is_tchar)) {
    return error_response(400, "malformed method");
  }
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    return version.starts_with("HTTP/") ? error_response(505, "only HTTP/1.1 and HTTP/1.0")
                                        : error_response(400, "malformed request line");
  }
  if (req.target.empty() || req.target[0] != '/' ||
      !std::all_of(req.target.begin(), req.target.end(),
                   [](char c) { return c > 0x20 && c < 0x7f; })) {
    return error_response(400, "request target must be an absolute path of visible ASCII");
  }
  const auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) req.query = req.target.substr(q + 1);

  std::size_t pos = line_end + 2;
  while (pos < head.size()) {
    line_end = head.find("\r\n", pos);
    const auto line = head.substr(pos, line_end - pos);
    pos = line_end + 2;
    if (line.empty()) break;
    if (req.headers.size() >= limits.max_headers) {
      return error_response(431, "more than " + std::to_string(limits.max_headers) + " headers");
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 ||
        !std::all_of(line.begin(), line.begin() + static_cast<std::ptrdiff_t>(colon), is_tchar)) {
      // Also refuses obsolete line folding (a line starting with whitespace).
      return error_response(400, "malformed header line");
    }
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    if (std::any_of(value.begin(), value.end(),
                    [](char c) { return c == '\0' || c == '\r' || c == '\n'; })) {
      return error_response(400, "malformed header value");
    }
    req.headers.emplace_back(ascii_lower(line.substr(0, colon)), std::string(value));
  }
  if (req.header("transfer-encoding")) {
    return error_response(413, "request bodies are not accepted (read-only API)");
  }
  if (const auto length = req.header("content-length"); length && *length != "0") {
    return error_response(413, "request bodies are not accepted (read-only API)");
  }
  return req;
}

std::optional<std::string_view> HttpRequest::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n == name) return std::string_view(v);
  }
  return std::nullopt;
}

Result<std::vector<std::pair<std::string, std::string>>> parse_query(std::string_view query,
                                                                     std::size_t max_params) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (part.empty()) continue;
    if (out.size() >= max_params) {
      return Error{"more than " + std::to_string(max_params) + " query parameters"};
    }
    const auto eq = part.find('=');
    auto name = percent_decode(part.substr(0, eq));
    auto value =
        percent_decode(eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1));
    if (!name) return Error{"query parameter name: " + name.error().message};
    if (!value) return Error{"query parameter '" + *name + "': " + value.error().message};
    if (name->empty()) return Error{"query parameter without a name"};
    out.emplace_back(std::move(name).value(), std::move(value).value());
  }
  return out;
}

Result<std::unique_ptr<HttpServer>> HttpServer::listen(const std::string& host, int port,
                                                       HttpServerLimits limits, Handler handler) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV | (host == "localhost" ? 0 : AI_NUMERICHOST);
  addrinfo* found = nullptr;
  const std::string where = host + ":" + std::to_string(port);
  if (const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
      rc != 0) {
    return Error{"listen " + where + ": " + ::gai_strerror(rc) + " (use an IP address)"};
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addrs(found, &::freeaddrinfo);
  int fd = -1;
  std::string last_error = "no address";
  for (auto* a = found; a; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 64) == 0) break;
    last_error = std::strerror(errno);
    ::close(fd);
    fd = -1;
  }
  if (fd < 0) return Error{"listen " + where + ": " + last_error};
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  const int bound_port =
      ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                        : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  int wake[2];
  if (::pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) {
    ::close(fd);
    return Error{"listen " + where + ": pipe: " + std::strerror(errno)};
  }
  return std::unique_ptr<HttpServer>(
      new HttpServer(fd, wake[0], wake[1], bound_port, limits, std::move(handler)));
}

HttpServer::HttpServer(int listen_fd, int wake_read, int wake_write, int port,
                       HttpServerLimits limits, Handler handler)
    : listen_fd_(listen_fd),
      wake_read_(wake_read),
      wake_write_(wake_write),
      port_(port),
      limits_(limits),
      handler_(std::move(handler)) {}

HttpServer::~HttpServer() {
  for (const int fd : pending_) ::close(fd);
  ::close(listen_fd_);
  ::close(wake_read_);
  ::close(wake_write_);
}

void HttpServer::stop() {
  stopping_ = true;
  const char byte = 1;
  [[maybe_unused]] const auto n = ::write(wake_write_, &byte, 1);
  ready_.notify_all();
}

void HttpServer::run() {
  std::vector<std::jthread> workers;
  for (std::size_t i = 0; i < std::max<std::size_t>(1, limits_.workers); ++i) {
    workers.emplace_back([this] { worker_loop(); });
  }
  while (!stopping_) {
    pollfd p[2] = {{listen_fd_, POLLIN, 0}, {wake_read_, POLLIN, 0}};
    if (::poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (p[1].revents || stopping_) break;
    if (!(p[0].revents & POLLIN)) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;  // EMFILE, ECONNABORTED...: the client retries
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(limits_.write_timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((limits_.write_timeout.count() % 1000) * 1000);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    std::unique_lock lock(mutex_);
    if (pending_.size() >= limits_.max_pending) {
      lock.unlock();
      write_response(fd, error_response(503, "too many connections; retry later"));
      ::close(fd);
      continue;
    }
    pending_.push_back(fd);
    lock.unlock();
    ready_.notify_one();
  }
  stopping_ = true;
  ready_.notify_all();
  // jthreads join here.
}

void HttpServer::worker_loop() {
  while (true) {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    if (stopping_) return;
    const int fd = pending_.front();
    pending_.pop_front();
    lock.unlock();
    serve_connection(fd);
    close_gracefully(fd);
  }
}

void HttpServer::serve_connection(int fd) {
  auto head = read_head(fd, limits_);
  if (auto* early = std::get_if<HttpResponse>(&head)) {
    if (early->status != 0) write_response(fd, *early);
    return;
  }
  auto parsed = parse_request_head(std::get<std::string>(head), limits_);
  if (auto* bad = std::get_if<HttpResponse>(&parsed)) {
    write_response(fd, *bad);
    return;
  }
  const auto& request = std::get<HttpRequest>(parsed);
  HttpResponse response;
  try {
    response = handler_(request);
  } catch (const std::exception& e) {
    response = error_response(500, std::string("internal error: ") + e.what());
  }
  write_response(fd, response, request.method == "HEAD");
}

}  // namespace leakwatch::app
