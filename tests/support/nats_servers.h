// Real nats-server processes with JetStream on 127.0.0.1 (OS-chosen ports) for the cluster
// tests: one server, or three joined by cluster routes, each with its own JetStream folder,
// optionally with a user and password and/or an nkey user, TLS (a client certificate required
// or not) and a smaller max_payload. Servers can be SIGKILLed and
// started again; everything is stopped when the object goes away.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace leakwatch::testing {

struct NatsOptions {
  int servers = 1;  // 1 or 3
  std::string user, password;
  std::optional<std::size_t> max_payload;
  std::string nkey;  // a user's public nkey (U...), allowed beside user/password
  // TLS for clients: the server.pem and server.key that tests/support/make-test-ca.sh made in
  // this folder; with verify_clients, clients must present a certificate signed by its ca.pem.
  std::filesystem::path tls_dir;
  bool verify_clients = false;
};

class NatsServers {
 public:
  // Throws std::runtime_error when nats-server is missing or JetStream does not come up.
  explicit NatsServers(const NatsOptions& options = {});
  ~NatsServers();

  std::vector<std::string> urls() const;  // nats:// (tls:// with tls_dir) 127.0.0.1:PORT of each
  // TOML array text of urls(): ["nats://...", ...]
  std::string toml_servers() const;
  void kill(int i);   // SIGKILL
  void start(int i);  // again, on the same ports and JetStream folder
  // Waits until every running server answers /healthz with JetStream ready.
  bool wait_ready(std::chrono::seconds limit = std::chrono::seconds{30}) const;
  // The index of the server that leads `stream` (from the monitoring endpoint), or -1.
  int stream_leader(const std::string& stream) const;

 private:
  NatsOptions options_;
  TempDir dir_;
  struct Server {
    std::string name;
    int port = 0, cluster_port = 0, http_port = 0;
    std::filesystem::path config;
    BackgroundProcess process;
    bool running = false;
  };
  std::vector<Server> servers_;
};

}  // namespace leakwatch::testing
