// TorNetwork: a private Tor network on 127.0.0.1 (Debian's tor in TestingTorNetwork mode: three
// directory authorities that are also relays, one more relay, a v3 onion service in front of a
// local web server, a second one that requires client authorisation, and a client run with
// deploy/tor/torrc), started by
// tests/support/tor_network.py. It takes 20 to 90 s to come up, so a test binary starts one and
// shares it between its tests (see tests/integration/tor_test.cpp).
#pragma once

#include <chrono>
#include <string>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace leakwatch::testing {

class TorNetwork {
 public:
  // Starts the network with the onion service's port 80 forwarding to 127.0.0.1:`web_port` and
  // waits until an HTTP GET of the onion through the client's SOCKS port is answered. Throws
  // std::runtime_error naming the cause (tor missing, bootstrap phase reached, last SOCKS error,
  // the tors' last log lines) when that does not happen within `limit`.
  explicit TorNetwork(int web_port, std::chrono::seconds limit = std::chrono::seconds{150});
  ~TorNetwork() = default;
  TorNetwork(const TorNetwork&) = delete;
  TorNetwork& operator=(const TorNetwork&) = delete;

  int socks_port() const { return socks_port_; }
  int control_port() const { return control_port_; }
  // The onion service's host name ("<56 base32>.onion").
  const std::string& onion() const { return onion_; }
  // An onion service that needs client authorisation nobody has (Tor answers 0xF4).
  const std::string& auth_onion() const { return auth_onion_; }
  // A valid onion address whose descriptor was never published (Tor answers 0xF0).
  const std::string& unpublished_onion() const { return unpublished_onion_; }
  // "socks5h://127.0.0.1:PORT": the client's SOCKS port as a leakwatch proxy URL.
  std::string proxy_url() const;
  // Seconds from start to the first answered onion fetch.
  double start_seconds() const { return start_seconds_; }
  // One ControlPort command (cookie-authenticated); Tor's whole reply.
  std::string control(const std::string& command) const;

 private:
  TempDir work_;
  BackgroundProcess process_;
  int socks_port_ = 0;
  int control_port_ = 0;
  std::string onion_;
  std::string auth_onion_;
  std::string unpublished_onion_;
  std::string cookie_file_;
  double start_seconds_ = 0;
};

}  // namespace leakwatch::testing
