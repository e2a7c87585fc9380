// The transport on libmicrohttpd 0.9.75 (the only includer of microhttpd.h). Who does what:
// - the accept loop (run(), one thread, epoll) owns the listening socket: accept4, the limits on
//   connections in total and per address (counted at accept), and the deadlines from accept.
//   When the file table is full (EMFILE/ENFILE) it drops the oldest waiting client through a
//   spare descriptor and pauses accepting for a moment instead of spinning (libmicrohttpd's own
//   accept busy-waits when that happens with no connection open).
// - plain HTTP: the loop screens each request head before libmicrohttpd sees it. It peeks
//   (MSG_PEEK, nothing consumed) until the head is complete and checks the raw bytes with
//   parse_request_head: a bare LF, a request line without spaces and the like get leakwatch's
//   400 here (libmicrohttpd 0.9.75 takes a bare LF for a line end and closes silently on some
//   malformed lines). A head that passes goes to libmicrohttpd with MHD_add_connection, which
//   reads the same bytes. TLS connections go to libmicrohttpd at once (the bytes are
//   encrypted); there its head is checked again after parsing (on_request).
// - libmicrohttpd's thread pool (epoll) reads heads, calls on_request, writes answers, within
//   its memory limit per connection and its own connection limits (a backstop above ours).
//   A quick request is answered there at once. A long one (is_long) is suspended and queued
//   for the builders, `workers` threads of our own, in arrival order; the builder that takes it
//   calls the handler, keeps the answer in the request's state and resumes the connection,
//   whose I/O thread then queues the answer. So no I/O thread ever waits for a handler, and a
//   connection sharing its I/O thread with one whose answer takes seconds is not held up.
// - deadlines: libmicrohttpd's timeout is an idle timeout, reset by every byte. When a deadline
//   from accept passes, the loop closes a connection it still screens, or shuts down the socket
//   of one libmicrohttpd holds, which then closes it on its next event.
#include "api/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace leakwatch::app {

namespace {

using Clock = std::chrono::steady_clock;

std::string json_error(std::string_view message) {
  std::string out = "{\"error\":\"";
  for (const char c : message) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"}\n";
}

// One request's state, from its request line (the URI log callback) to its completion.
struct RequestState {
  std::string target;     // the request-target exactly as sent
  bool answered = false;  // handled (answered, or queued for a builder): the I/O thread's
  HttpRequest request;    // for the builder
  HttpResponse response;  // the builder's, once built is set
  std::atomic<bool> built{false};
};

// A long request waiting for a builder: its connection is suspended until the answer is built.
struct Job {
  MHD_Connection* connection = nullptr;
  RequestState* state = nullptr;  // libmicrohttpd's until completion, which waits for the resume
};

// An accepted connection, with its deadlines: screened by the accept loop, then held by
// libmicrohttpd.
struct Connection {
  ino_t inode = 0;      // the socket's: a reused descriptor number is never mistaken for it
  std::string address;  // the client's, for the per-address limit
  sockaddr_storage peer{};
  socklen_t peer_len = 0;
  Clock::time_point head_deadline;
  Clock::time_point deadline;
  bool screening = false;  // plain HTTP, head not complete yet: the accept loop's
  bool head_received = false;
  bool shut = false;
};

std::string address_of(const sockaddr_storage& peer) {
  char text[INET6_ADDRSTRLEN] = "";
  if (peer.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(peer).sin_addr, text, sizeof text);
  } else if (peer.ss_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(peer).sin6_addr, text,
                sizeof text);
  }
  return text;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 408:
      return "Request Timeout";
    case 413:
      return "Content Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Error";
  }
}

ino_t socket_inode(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 ? st.st_ino : 0;
}

}  // namespace

struct HttpServer::Impl {
  HttpServerLimits limits;
  Handler handler;
  bool tls = false;
  int listen_fd = -1;
  int wake_fd = -1;       // eventfd: stop() makes it readable for good, so no wake-up is missed
  int spare_fd = -1;      // held open to be given up when the file table is full
  int epoll_fd = -1;      // the accept loop's: wake, listen, and the connections it screens
  bool listening = true;  // listen_fd armed in epoll_fd
  int port = 0;
  MHD_Daemon* daemon = nullptr;

  std::mutex mutex;
  std::unordered_map<int, Connection> connections;  // by descriptor, under mutex

  HttpServer::IsLong is_long;
  std::mutex jobs_mutex;
  std::condition_variable jobs_ready;
  std::deque<Job> jobs;   // under jobs_mutex
  bool stopping = false;  // under jobs_mutex: builders answer what waits 503 and exit
  std::vector<std::thread> builders;

  ~Impl() {
    stop_builders();
    if (daemon) MHD_stop_daemon(daemon);
    for (const auto& [fd, c] : connections) {
      if (c.screening) ::close(fd);
    }
    for (const int fd : {listen_fd, wake_fd, spare_fd, epoll_fd}) {
      if (fd >= 0) ::close(fd);
    }
  }

  enum class Accepted { one, none, pause };
  void accept_loop();
  Accepted accept_one();
  void screen(int fd, std::uint32_t events);
  void refuse(int fd, const HttpResponse& response);
  void hand_over(int fd);
  void arm_listen(bool on);
  Clock::time_point enforce_deadlines();
  void head_received(MHD_Connection* connection);
  void build_loop();
  void stop_builders();
  void closed(MHD_Connection* connection);
  MHD_Result on_request(MHD_Connection* connection, const char* method, const char* version,
                        size_t* upload_data_size, void** request_cls);
};

namespace {

int connection_fd(MHD_Connection* connection) {
  const auto* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
  return info ? info->connect_fd : -1;
}

MHD_Result queue(MHD_Connection* connection, const HttpResponse& r) {
  // MUST_COPY: the body lives in `r`, which is gone once this returns.
  MHD_Response* response = MHD_create_response_from_buffer(
      r.body.size(), const_cast<char*>(r.body.data()), MHD_RESPMEM_MUST_COPY);
  if (!response) return MHD_NO;
  MHD_add_response_header(response, "Content-Type", r.content_type.c_str());
  MHD_add_response_header(response, "Cache-Control", "no-store");
  MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
  // One request per connection: the deadlines are per connection, and no request can be
  // smuggled behind another.
  MHD_add_response_header(response, "Connection", "close");
  for (const auto& [name, value] : r.headers) {
    MHD_add_response_header(response, name.c_str(), value.c_str());
  }
  const auto result = MHD_queue_response(connection, static_cast<unsigned>(r.status), response);
  MHD_destroy_response(response);
  return result;
}

extern "C" void* on_request_line(void* /*cls*/, const char* uri, MHD_Connection* /*connection*/) {
  auto state = std::make_unique<RequestState>();
  state->target = uri ? uri : "";
  return state.release();  // owned by libmicrohttpd until on_completed
}

extern "C" void on_completed(void* /*cls*/, MHD_Connection* /*connection*/, void** request_cls,
                             MHD_RequestTerminationCode /*toe*/) {
  std::unique_ptr<RequestState> state(static_cast<RequestState*>(*request_cls));
  *request_cls = nullptr;
}

extern "C" void on_connection(void* cls, MHD_Connection* connection, void** /*socket_context*/,
                              MHD_ConnectionNotificationCode code) {
  if (code == MHD_CONNECTION_NOTIFY_CLOSED) static_cast<HttpServer::Impl*>(cls)->closed(connection);
}

// Keeps the target as sent: the routes compare raw paths ("/v1/%73ightings" is not a route)
// and decode the query themselves.
extern "C" size_t keep_escapes(void* /*cls*/, MHD_Connection* /*connection*/, char* s) {
  return std::strlen(s);
}

extern "C" MHD_Result on_access(void* cls, MHD_Connection* connection, const char* /*url*/,
                                const char* method, const char* version,
                                const char* /*upload_data*/, size_t* upload_data_size,
                                void** request_cls) {
  return static_cast<HttpServer::Impl*>(cls)->on_request(connection, method, version,
                                                         upload_data_size, request_cls);
}

extern "C" void on_mhd_log(void* /*cls*/, const char* format, va_list args) {
  char line[512];
  std::vsnprintf(line, sizeof line, format, args);
  std::string_view text(line);
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  spdlog::debug("http: {}", text);
}

struct HeaderCollector {
  std::string head;
};

// The answer to a long request that arrives, or still waits for a builder, while the server stops.
HttpResponse shutting_down() {
  return HttpResponse{.status = 503, .body = json_error("shutting down")};
}

HttpResponse call_handler(const HttpServer::Handler& handler, const HttpRequest& request) {
  try {
    return handler(request);
  } catch (const std::exception& e) {
    return HttpResponse{.status = 500,
                        .body = json_error(std::string("internal error: ") + e.what())};
  }
}

extern "C" MHD_Result collect_header(void* cls, MHD_ValueKind /*kind*/, const char* key,
                                     size_t key_size, const char* value, size_t value_size) {
  auto& head = static_cast<HeaderCollector*>(cls)->head;
  head.append(key, key_size).append(": ").append(value ? value : "", value ? value_size : 0);
  head += "\r\n";
  return MHD_YES;
}

}  // namespace

MHD_Result HttpServer::Impl::on_request(MHD_Connection* connection, const char* method,
                                        const char* version, size_t* upload_data_size,
                                        void** request_cls) {
  auto* state = static_cast<RequestState*>(*request_cls);
  if (!state) return MHD_NO;  // no request line seen: cannot happen, close
  if (state->answered) {
    // Resumed by the builder: its answer is ready. Or a body after the 413: discard.
    if (state->built.exchange(false, std::memory_order_acquire)) {
      return queue(connection, state->response);
    }
    *upload_data_size = 0;
    return MHD_YES;
  }
  state->answered = true;
  head_received(connection);
  // The head again as parse_request_head reads it: the request line as sent, the header lines
  // as libmicrohttpd split them, in order.
  HeaderCollector collector;
  collector.head = std::string(method) + " " + state->target + " " + version + "\r\n";
  MHD_get_connection_values_n(connection, MHD_HEADER_KIND, collect_header, &collector);
  collector.head += "\r\n";
  auto parsed = parse_request_head(collector.head, limits);
  if (auto* refused = std::get_if<HttpResponse>(&parsed)) return queue(connection, *refused);
  auto& request = std::get<HttpRequest>(parsed);
  if (!is_long || is_long(request)) {
    state->request = std::move(request);
    {
      const std::lock_guard lock(jobs_mutex);
      if (!stopping) {
        MHD_suspend_connection(connection);
        jobs.push_back(Job{connection, state});
        jobs_ready.notify_one();
        return MHD_YES;
      }
    }
    return queue(connection, shutting_down());
  }
  return queue(connection, call_handler(handler, request));
}

void HttpServer::Impl::build_loop() {
  while (true) {
    Job job;
    bool answer = true;
    {
      std::unique_lock lock(jobs_mutex);
      jobs_ready.wait(lock, [&] { return stopping || !jobs.empty(); });
      if (jobs.empty()) return;
      job = jobs.front();
      jobs.pop_front();
      answer = !stopping;
    }
    job.state->response = answer ? call_handler(handler, job.state->request) : shutting_down();
    job.state->built.store(true, std::memory_order_release);
    // From here the state is libmicrohttpd's again (it may complete and free it at once).
    MHD_resume_connection(job.connection);
  }
}

// Every builder finishes the answer it is building; what still waits is answered 503. All
// connections are resumed before this returns, as MHD_stop_daemon needs.
void HttpServer::Impl::stop_builders() {
  {
    const std::lock_guard lock(jobs_mutex);
    stopping = true;
  }
  jobs_ready.notify_all();
  for (auto& t : builders) t.join();
  builders.clear();
}

void HttpServer::Impl::head_received(MHD_Connection* connection) {
  const int fd = connection_fd(connection);
  const std::lock_guard lock(mutex);
  if (auto it = connections.find(fd); it != connections.end()) it->second.head_received = true;
}

void HttpServer::Impl::closed(MHD_Connection* connection) {
  // libmicrohttpd calls this before it closes the descriptor, so the number is still ours.
  const int fd = connection_fd(connection);
  const std::lock_guard lock(mutex);
  connections.erase(fd);
}

// Closes every connection past a deadline; returns when the next deadline falls.
Clock::time_point HttpServer::Impl::enforce_deadlines() {
  const auto now = Clock::now();
  auto next = now + std::chrono::seconds{1};
  std::vector<int> expired;  // screened by this loop: answered 408 and closed below
  {
    const std::lock_guard lock(mutex);
    for (auto& [fd, c] : connections) {
      if (c.shut) continue;
      const auto due = c.head_received ? c.deadline : std::min(c.head_deadline, c.deadline);
      if (due > now) {
        next = std::min(next, due);
        continue;
      }
      if (c.screening) {
        expired.push_back(fd);
      } else if (socket_inode(fd) == c.inode) {
        spdlog::debug("http: closing connection fd={}: {} deadline passed", fd,
                      c.head_received ? "connection" : "request");
        // Linger 0: when libmicrohttpd closes it, the socket resets and drops what is still
        // queued for the client (a slow reader would otherwise get megabytes after the FIN).
        const linger reset{1, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
        ::shutdown(fd, SHUT_RDWR);
      }
      c.shut = true;
    }
  }
  for (const int fd : expired) {
    refuse(fd,
           HttpResponse{.status = 408, .body = json_error("request head not received in time")});
  }
  return next;
}

// Answers a screened connection from here (a small answer: it fits the socket buffer) and
// closes it. What the client sent is read first, so the close does not reset the connection
// before the client has read the answer.
void HttpServer::Impl::refuse(int fd, const HttpResponse& r) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " +
                    std::string(reason_phrase(r.status)) + "\r\nContent-Type: " + r.content_type +
                    "\r\nContent-Length: " + std::to_string(r.body.size()) +
                    "\r\nConnection: close\r\nCache-Control: no-store\r\n"
                    "X-Content-Type-Options: nosniff\r\n\r\n" +
                    r.body;
  char sink[4096];
  for (int i = 0; i < 64 && ::recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0; ++i) {
  }
  [[maybe_unused]] const auto sent =
      ::send(fd, out.data(), out.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  ::shutdown(fd, SHUT_WR);
  {
    const std::lock_guard lock(mutex);
    connections.erase(fd);
  }
  ::close(fd);
}

// Peeks at what a plain-HTTP client has sent so far; once the head is complete, refuses it or
// hands the connection to libmicrohttpd.
void HttpServer::Impl::screen(int fd, std::uint32_t events) {
  std::string buf(limits.max_head_bytes + 1, '\0');
  const auto n = ::recv(fd, buf.data(), buf.size(), MSG_PEEK | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n <= 0) {  // closed before a whole head: nothing to answer
    {
      const std::lock_guard lock(mutex);
      connections.erase(fd);
    }
    ::close(fd);
    return;
  }
  buf.resize(static_cast<std::size_t>(n));
  // The head ends at the first empty line, CRLF or (refused below) a bare LF.
  auto end = buf.find("\r\n\r\n");
  if (end != std::string::npos) end += 4;
  if (const auto lf = buf.find("\n\n"); lf != std::string::npos && lf + 2 < end) end = lf + 2;
  if (const auto lf = buf.find("\n\r\n"); lf != std::string::npos && lf + 3 < end) end = lf + 3;
  if (end == std::string::npos) {
    if (buf.size() > limits.max_head_bytes) {
      refuse(fd,
             HttpResponse{.status = 431,
                          .body = json_error("request head larger than " +
                                             std::to_string(limits.max_head_bytes) + " bytes")});
    } else if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
      // The client stopped sending half-way and will send no more.
      const std::lock_guard lock(mutex);
      connections.erase(fd);
      ::close(fd);
    }
    return;  // more to come (edge-triggered: the next bytes wake the loop again)
  }
  auto parsed = parse_request_head(std::string_view(buf).substr(0, end), limits);
  if (auto* refused = std::get_if<HttpResponse>(&parsed)) {
    refuse(fd, *refused);
    return;
  }
  hand_over(fd);
}

void HttpServer::Impl::hand_over(int fd) {
  ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
  sockaddr_storage peer{};
  socklen_t peer_len = 0;
  {
    const std::lock_guard lock(mutex);
    auto& c = connections[fd];
    c.screening = false;
    peer = c.peer;
    peer_len = c.peer_len;
  }
  if (MHD_add_connection(daemon, fd, reinterpret_cast<sockaddr*>(&peer), peer_len) != MHD_YES) {
    // libmicrohttpd closed it (its own limits, out of memory).
    const std::lock_guard lock(mutex);
    connections.erase(fd);
  }
}

void HttpServer::Impl::arm_listen(bool on) {
  if (on == listening) return;
  epoll_event ev{};
  ev.events = on ? static_cast<std::uint32_t>(EPOLLIN) : 0u;
  ev.data.fd = listen_fd;
  ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, listen_fd, &ev);
  listening = on;
}

// Accepts one waiting connection and hands it to libmicrohttpd.
HttpServer::Impl::Accepted HttpServer::Impl::accept_one() {
  sockaddr_storage peer{};
  socklen_t peer_len = sizeof peer;
  const int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&peer), &peer_len, SOCK_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    if (error == EAGAIN || error == EWOULDBLOCK || error == EINTR || error == ECONNABORTED) {
      return Accepted::none;
    }
    if (error == EMFILE || error == ENFILE) {
      // Out of descriptors: give up the spare one to take the first waiting client off the
      // backlog and close it (it sees a closed connection rather than hanging), then pause.
      spdlog::warn("http: out of file descriptors ({}); refusing connections for a moment",
                   std::strerror(error));
      if (spare_fd >= 0) {
        ::close(spare_fd);
        if (const int dropped = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
            dropped >= 0) {
          ::close(dropped);
        }
        spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      }
    } else {
      spdlog::warn("http: accept: {}; pausing", std::strerror(error));
    }
    return Accepted::pause;
  }
  const auto now = Clock::now();
  const auto address = address_of(peer);
  {
    const std::lock_guard lock(mutex);
    const auto same = std::count_if(connections.begin(), connections.end(),
                                    [&](const auto& c) { return c.second.address == address; });
    if (static_cast<std::size_t>(same) >= limits.max_per_address) {
      spdlog::debug("http: closing a connection from {}: {} open from there", address, same);
      ::close(fd);
      return Accepted::one;
    }
    connections[fd] = Connection{.inode = socket_inode(fd),
                                 .address = address,
                                 .peer = peer,
                                 .peer_len = peer_len,
                                 .head_deadline = now + limits.head_timeout,
                                 .deadline = now + limits.connection_timeout,
                                 .screening = !tls};
  }
  if (tls) {
    hand_over(fd);
  } else {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
    ev.data.fd = fd;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);  // reports what has arrived already
  }
  return Accepted::one;
}

void HttpServer::Impl::accept_loop() {
  auto paused_until = Clock::time_point{};
  std::array<epoll_event, 64> events{};
  while (true) {
    const auto next = enforce_deadlines();
    const auto now = Clock::now();
    const bool paused = now < paused_until;
    std::size_t open = 0;
    {
      const std::lock_guard lock(mutex);
      open = connections.size();
    }
    // Above the total limit, new clients wait in the listen backlog until one closes.
    const bool full = open >= limits.max_connections;
    arm_listen(!paused && !full);
    auto wait_until = next;
    if (paused) wait_until = std::min(wait_until, paused_until);
    if (full) wait_until = std::min(wait_until, now + std::chrono::milliseconds{50});
    const auto timeout = std::max<long>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(wait_until - now).count() + 1);
    const int n = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()),
                               static_cast<int>(timeout));
    if (n < 0 && errno != EINTR) {
      spdlog::error("http: epoll_wait: {}", std::strerror(errno));
      return;
    }
    for (int i = 0; i < n; ++i) {
      const int fd = events[static_cast<std::size_t>(i)].data.fd;
      if (fd == wake_fd) return;
      if (fd != listen_fd) {
        screen(fd, events[static_cast<std::size_t>(i)].events);
        continue;
      }
      for (int k = 0; k < 64; ++k) {
        const auto accepted = accept_one();
        if (accepted == Accepted::one) continue;
        // Out of descriptors or memory: wait before the next try rather than spin on it.
        if (accepted == Accepted::pause) {
          paused_until = Clock::now() + std::chrono::milliseconds{100};
        }
        break;
      }
    }
  }
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() = default;

int HttpServer::port() const {
  return impl_->port;
}

void HttpServer::stop() {
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(impl_->wake_fd, &one, sizeof one);
}

void HttpServer::run() {
  impl_->accept_loop();
  impl_->stop_builders();
  // Closes every connection and joins the I/O threads.
  if (impl_->daemon) MHD_stop_daemon(impl_->daemon);
  impl_->daemon = nullptr;
}

Result<std::unique_ptr<HttpServer>> HttpServer::listen(const std::string& host, int port,
                                                       HttpServerLimits limits, Handler handler,
                                                       std::optional<HttpTls> tls, IsLong is_long) {
  const std::string where = host + ":" + std::to_string(port);
  if (tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
    return Error{"listen " + where + ": this libmicrohttpd has no TLS support"};
  }
  auto impl = std::make_unique<Impl>();
  impl->limits = limits;
  impl->handler = std::move(handler);
  impl->is_long = std::move(is_long);
  impl->tls = tls.has_value();

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV | (host == "localhost" ? 0 : AI_NUMERICHOST);
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
      rc != 0) {
    return Error{"listen " + where + ": " + ::gai_strerror(rc) + " (use an IP address)"};
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addrs(found, &::freeaddrinfo);
  std::string last_error = "no address";
  for (auto* a = found; a; a = a->ai_next) {
    const int fd =
        ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, SOMAXCONN) == 0) {
      impl->listen_fd = fd;
      break;
    }
    last_error = std::strerror(errno);
    ::close(fd);
  }
  if (impl->listen_fd < 0) return Error{"listen " + where + ": " + last_error};
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(impl->listen_fd, reinterpret_cast<sockaddr*>(&bound), &len);
  impl->port =
      ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                        : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  impl->wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  impl->spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  impl->epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (impl->wake_fd < 0 || impl->spare_fd < 0 || impl->epoll_fd < 0) {
    return Error{"listen " + where + ": " + std::strerror(errno)};
  }
  for (const int fd : {impl->wake_fd, impl->listen_fd}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (::epoll_ctl(impl->epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
      return Error{"listen " + where + ": epoll: " + std::strerror(errno)};
    }
  }

  // Per connection: the read buffer holds the largest head we accept (so an oversized one gets
  // our 431, not a cut), plus room for the answer's headers.
  const auto memory = static_cast<size_t>(2 * limits.max_head_bytes + 16 * 1024);
  const auto io_threads = static_cast<unsigned>(std::max<std::size_t>(1, limits.io_threads));
  // libmicrohttpd's own idle timeout, a backstop behind the deadlines from accept.
  const auto idle = static_cast<unsigned>(std::max<long>(
      1, std::chrono::ceil<std::chrono::seconds>(limits.connection_timeout).count()));
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_NO_LISTEN_SOCKET |
                   MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
  if (tls) flags |= MHD_USE_TLS;
  std::vector<MHD_OptionItem> options = {
      {MHD_OPTION_THREAD_POOL_SIZE, io_threads, nullptr},
      // Backstops: the accept loop counts at accept, and a connection closing is off its books
      // a moment before it is off libmicrohttpd's.
      {MHD_OPTION_CONNECTION_LIMIT, static_cast<intptr_t>(limits.max_connections + 16), nullptr},
      {MHD_OPTION_PER_IP_CONNECTION_LIMIT, static_cast<intptr_t>(limits.max_per_address + 16),
       nullptr},
      {MHD_OPTION_CONNECTION_TIMEOUT, idle, nullptr},
      {MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<intptr_t>(memory), nullptr},
      {MHD_OPTION_URI_LOG_CALLBACK, reinterpret_cast<intptr_t>(&on_request_line), nullptr},
      {MHD_OPTION_NOTIFY_COMPLETED, reinterpret_cast<intptr_t>(&on_completed), nullptr},
      {MHD_OPTION_NOTIFY_CONNECTION, reinterpret_cast<intptr_t>(&on_connection), impl.get()},
      {MHD_OPTION_UNESCAPE_CALLBACK, reinterpret_cast<intptr_t>(&keep_escapes), nullptr},
      {MHD_OPTION_EXTERNAL_LOGGER, reinterpret_cast<intptr_t>(&on_mhd_log), nullptr},
  };
  if (tls) {
    options.push_back({MHD_OPTION_HTTPS_MEM_CERT, 0, tls->cert_pem.data()});
    options.push_back({MHD_OPTION_HTTPS_MEM_KEY, 0, tls->key_pem.data()});
  }
  options.push_back({MHD_OPTION_END, 0, nullptr});
  impl->daemon = MHD_start_daemon(flags, 0, nullptr, nullptr, &on_access, impl.get(),
                                  MHD_OPTION_ARRAY, options.data(), MHD_OPTION_END);
  if (!impl->daemon) {
    return Error{
        "listen " + where + ": libmicrohttpd did not start" +
        (tls ? " (is cert_file a PEM certificate and key_file its PEM private key?)" : "")};
  }
  for (std::size_t i = 0; i < std::max<std::size_t>(1, limits.workers); ++i) {
    impl->builders.emplace_back([raw = impl.get()] { raw->build_loop(); });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

}  // namespace leakwatch::app
