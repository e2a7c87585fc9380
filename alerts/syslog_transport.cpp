// Syslog hooks: RFC 5424 messages over UDP (RFC 5426, one per datagram), TCP (RFC 6587
// octet counting) and TLS (RFC 5425: octet counting inside TLS, the certificate checked against
// ca_file and the URL's host name). Syslog never goes through a proxy (docs/CONTRACTS.md: no UDP
// behind a proxy; the config refuses `proxy` on syslog hooks), so it resolves and connects
// directly. This is the only file that includes OpenSSL's SSL API.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "alerts/siem_format.h"
#include "alerts/transport.h"
#include "model/url.h"

namespace leakwatch::alerts {

namespace {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

struct SslCtxDeleter {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslDeleter {
  void operator()(SSL* s) const { SSL_free(s); }
};

std::string errno_text() {
  return std::strerror(errno);
}

std::string openssl_errors() {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    out += (out.empty() ? "" : "; ") + std::string(buf);
  }
  return out.empty() ? "TLS error" : out;
}

// A connected socket (TCP or UDP) to host:port, the connect bounded by `timeout`.
Result<Fd> connect_to(const std::string& host, int port, int type,
                      std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = type;
  addrinfo* found = nullptr;
  const std::string h = host.starts_with('[') ? host.substr(1, host.size() - 2) : host;
  if (const int rc = ::getaddrinfo(h.c_str(), std::to_string(port).c_str(), &hints, &found);
      rc != 0) {
    return Error{"cannot resolve " + h + ": " + gai_strerror(rc)};
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(found, ::freeaddrinfo);
  std::string last = "no address";
  for (const addrinfo* a = found; a; a = a->ai_next) {
    Fd fd(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol));
    if (!fd) {
      last = errno_text();
      continue;
    }
    const int flags = ::fcntl(fd.get(), F_GETFL);
    ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK);
    if (::connect(fd.get(), a->ai_addr, a->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) {
        last = errno_text();
        continue;
      }
      pollfd p{fd.get(), POLLOUT, 0};
      const int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
      int err = 0;
      socklen_t len = sizeof err;
      if (n <= 0) {
        last = n == 0 ? "connect timed out" : errno_text();
        continue;
      }
      ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        last = std::strerror(err);
        continue;
      }
    }
    ::fcntl(fd.get(), F_SETFL, flags);
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (type == SOCK_STREAM) {
      const int one = 1;
      ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
  }
  return Error{"cannot connect to " + h + ":" + std::to_string(port) + ": " + last};
}

// Whether the peer of a stream has closed (or reset) it: it never sends us anything, so
// anything readable is the end.
bool peer_gone(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  if (p.revents & (POLLHUP | POLLERR)) return true;
  char byte;
  return ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) <= 0;
}

class SyslogTransport final : public Transport {
 public:
  SyslogTransport(const config::HookConfig& hook, const TransportContext& context)
      : hook_(hook), header_{context.hostname, context.procid}, version_(context.version) {
    if (hook.format == "rfc5424") {
      payload_ = SyslogPayload::rfc5424_json;
    } else if (hook.format == "leef") {
      payload_ = SyslogPayload::leef;
    } else {
      payload_ = SyslogPayload::cef;
    }
    if (const auto u = parse_url(hook.url)) url_ = *u;
  }

  SendResult send(std::span<const Alert> batch) override {
    SendResult out;
    for (const auto& alert : batch) {
      const std::string message = syslog_message(alert, payload_, header_, version_);
      if (auto r = send_one(message); !r) {
        close();
        out.error = "hook " + hook_.name + " (" + hook_.url + "): " + r.error().message;
        return out;
      }
    }
    out.acknowledged = true;
    return out;
  }

 private:
  Result<void> send_one(const std::string& message) {
    if (url_.scheme == "udp") {
      if (message.size() > 65000)
        return Error{"message of " + std::to_string(message.size()) +
                     " bytes is too large for one UDP datagram"};
      if (!fd_) {
        auto fd = connect_to(url_.host, url_.port, SOCK_DGRAM, hook_.timeout);
        if (!fd) return fd.error();
        fd_ = std::move(fd).value();
      }
      if (::send(fd_.get(), message.data(), message.size(), MSG_NOSIGNAL) !=
          static_cast<ssize_t>(message.size())) {
        return Error{"send: " + errno_text()};
      }
      return {};
    }
    if (fd_ && peer_gone(fd_.get())) close();
    if (!fd_) {
      if (auto c = open_stream(); !c) return c;
    }
    const std::string frame = octet_frame(message);
    if (ssl_) {
      std::size_t written = 0;
      if (SSL_write_ex(ssl_.get(), frame.data(), frame.size(), &written) != 1 ||
          written != frame.size()) {
        return Error{"TLS write: " + openssl_errors()};
      }
      return {};
    }
    std::size_t done = 0;
    while (done < frame.size()) {
      const ssize_t n = ::send(fd_.get(), frame.data() + done, frame.size() - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Error{"write: " + errno_text()};
      done += static_cast<std::size_t>(n);
    }
    return {};
  }

  Result<void> open_stream() {
    auto fd = connect_to(url_.host, url_.port, SOCK_STREAM, hook_.timeout);
    if (!fd) return fd.error();
    if (url_.scheme != "tls") {
      fd_ = std::move(fd).value();
      return {};
    }
    std::unique_ptr<SSL_CTX, SslCtxDeleter> ctx(SSL_CTX_new(TLS_client_method()));
    if (!ctx) return Error{openssl_errors()};
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    const int loaded = hook_.ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx.get())
                                             : SSL_CTX_load_verify_locations(
                                                   ctx.get(), hook_.ca_file.c_str(), nullptr);
    if (loaded != 1) {
      return Error{"cannot load trust anchors " +
                   (hook_.ca_file.empty() ? std::string("(system)") : hook_.ca_file.string()) +
                   ": " + openssl_errors()};
    }
    std::unique_ptr<SSL, SslDeleter> ssl(SSL_new(ctx.get()));
    if (!ssl) return Error{openssl_errors()};
    SSL_set_mode(ssl.get(), SSL_MODE_AUTO_RETRY);
    const std::string host =
        url_.host.starts_with('[') ? url_.host.substr(1, url_.host.size() - 2) : url_.host;
    in6_addr ip6{};
    in_addr ip4{};
    const bool is_ip = ::inet_pton(AF_INET, host.c_str(), &ip4) == 1 ||
                       ::inet_pton(AF_INET6, host.c_str(), &ip6) == 1;
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
    if (is_ip) {
      X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl.get(), host.c_str());
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
    }
    SSL_set_fd(ssl.get(), fd->get());
    if (SSL_connect(ssl.get()) != 1) {
      const long verify = SSL_get_verify_result(ssl.get());
      std::string why = openssl_errors();
      if (verify != X509_V_OK) {
        why = "certificate check failed: " + std::string(X509_verify_cert_error_string(verify));
      }
      return Error{"TLS handshake with " + host + ": " + why};
    }
    fd_ = std::move(fd).value();
    ctx_ = std::move(ctx);
    ssl_ = std::move(ssl);
    return {};
  }

  void close() {
    if (ssl_) SSL_shutdown(ssl_.get());
    ssl_.reset();
    ctx_.reset();
    fd_.reset();
  }

  config::HookConfig hook_;
  SyslogHeader header_;
  std::string version_;
  SyslogPayload payload_ = SyslogPayload::cef;
  Url url_;
  Fd fd_;
  std::unique_ptr<SSL_CTX, SslCtxDeleter> ctx_;
  std::unique_ptr<SSL, SslDeleter> ssl_;

 public:
  ~SyslogTransport() override { close(); }
  SyslogTransport(const SyslogTransport&) = delete;
  SyslogTransport& operator=(const SyslogTransport&) = delete;
};

}  // namespace

std::unique_ptr<Transport> make_syslog_transport(const config::HookConfig& hook,
                                                 const TransportContext& context) {
  return std::make_unique<SyslogTransport>(hook, context);
}

}  // namespace leakwatch::alerts
