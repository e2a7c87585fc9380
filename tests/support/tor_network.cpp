#include "tests/support/tor_network.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "tests/support/support_files.h"

namespace leakwatch::testing {

namespace {

std::string hex(const std::string& bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

// Closes a socket descriptor when it goes out of scope.
class Socket {
 public:
  Socket() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

TorNetwork::TorNetwork(int web_port, std::chrono::seconds limit) {
  if (find_program("tor").empty() || find_program("tor-gencert").empty())
    throw std::runtime_error("tor is not installed (deploy/install-deps.sh installs it)");
  const auto ready = work_ / "ready.json";
  process_ = BackgroundProcess(
      {kSystemPython, support_file("tor_network.py"), "--dir", (work_ / "net").string(),
       "--hs-target", "127.0.0.1:" + std::to_string(web_port), "--client-torrc",
       std::string(LEAKWATCH_SOURCE_DIR) + "/deploy/tor/torrc", "--ready-file", ready.string(),
       "--timeout", std::to_string(limit.count())},
      work_ / "tor_network.log");
  // The launcher bounds its own wait; this bound only catches a launcher that hangs.
  const auto deadline = std::chrono::steady_clock::now() + limit + std::chrono::seconds{60};
  while (!std::filesystem::exists(ready)) {
    if (!process_.running()) {
      throw std::runtime_error("tor network launcher exited without a result: " +
                               read_file(work_ / "tor_network.log"));
    }
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("tor network launcher did not answer in time");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  const auto info = nlohmann::json::parse(read_file(ready));
  if (info.contains("error"))
    throw std::runtime_error("private Tor network did not start: " +
                             info["error"].get<std::string>());
  socks_port_ = info["socks_port"].get<int>();
  control_port_ = info["control_port"].get<int>();
  onion_ = info["onion"].get<std::string>();
  auth_onion_ = info["auth_onion"].get<std::string>();
  unpublished_onion_ = info["unpublished_onion"].get<std::string>();
  cookie_file_ = info["control_cookie"].get<std::string>();
  start_seconds_ = info["seconds"].get<double>();
}

std::string TorNetwork::proxy_url() const {
  return "socks5h://127.0.0.1:" + std::to_string(socks_port_);
}

std::string TorNetwork::control(const std::string& command) const {
  const Socket s;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(control_port_));
  if (::connect(s.fd(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error("cannot connect to the Tor ControlPort");
  const std::string request =
      "AUTHENTICATE " + hex(read_file(cookie_file_)) + "\r\n" + command + "\r\nQUIT\r\n";
  if (::send(s.fd(), request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size()))
    throw std::runtime_error("cannot write to the Tor ControlPort");
  std::string reply;
  char buffer[4096];
  for (ssize_t n; (n = ::recv(s.fd(), buffer, sizeof buffer, 0)) > 0;)
    reply.append(buffer, static_cast<std::size_t>(n));
  return reply;
}

}  // namespace leakwatch::testing
