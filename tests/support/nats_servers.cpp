#include "tests/support/nats_servers.h"

#include <signal.h>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

namespace leakwatch::testing {

NatsServers::NatsServers(const NatsOptions& options) : options_(options) {
  const auto binary = find_program("nats-server");
  if (binary.empty()) throw std::runtime_error("nats-server (Debian nats-server) is not installed");
  servers_.resize(static_cast<std::size_t>(options.servers));
  for (std::size_t i = 0; i < servers_.size(); ++i) {
    auto& s = servers_[i];
    s.name = "n" + std::to_string(i + 1);
    s.port = free_port();
    s.cluster_port = free_port();
    s.http_port = free_port();
    s.config = dir_ / (s.name + ".conf");
  }
  for (auto& s : servers_) {
    std::string text = "server_name: " + s.name + "\nlisten: 127.0.0.1:" + std::to_string(s.port) +
                       "\nhttp: 127.0.0.1:" + std::to_string(s.http_port) +
                       "\njetstream { store_dir: \"" + (dir_ / s.name).string() + "\" }\n";
    if (options.max_payload) text += "max_payload: " + std::to_string(*options.max_payload) + "\n";
    if (!options.user.empty() || !options.nkey.empty()) {
      text += "authorization { users: [";
      if (!options.user.empty()) {
        text += " { user: \"" + options.user + "\", password: \"" + options.password + "\" }";
      }
      if (!options.nkey.empty()) {
        text += std::string(options.user.empty() ? "" : ",") + " { nkey: " + options.nkey + " }";
      }
      text += " ] }\n";
    }
    if (!options.tls_dir.empty()) {
      const auto& d = options.tls_dir;
      text += "tls { cert_file: \"" + (d / "server.pem").string() + "\"\n key_file: \"" +
              (d / "server.key").string() + "\"\n";
      if (options.verify_clients) {
        text += " ca_file: \"" + (d / "ca.pem").string() + "\"\n verify: true\n";
      }
      text += " timeout: 5 }\n";
    }
    if (servers_.size() > 1) {
      text +=
          "cluster { name: leakwatch-test\n listen: 127.0.0.1:" + std::to_string(s.cluster_port) +
          "\n routes: [";
      for (const auto& other : servers_) {
        if (other.name == s.name) continue;
        text += "\n  nats-route://127.0.0.1:" + std::to_string(other.cluster_port);
      }
      text += "\n ] }\n";
    }
    write_file(s.config, text);
  }
  for (int i = 0; i < options.servers; ++i) start(i);
  if (!wait_ready()) throw std::runtime_error("nats-server: JetStream did not come up");
}

NatsServers::~NatsServers() {
  for (auto& s : servers_) {
    if (s.running) s.process.stop();
  }
}

void NatsServers::start(int i) {
  auto& s = servers_.at(static_cast<std::size_t>(i));
  s.process = BackgroundProcess({find_program("nats-server"), "-c", s.config.string()},
                                dir_ / (s.name + ".log"));
  s.running = true;
  if (!wait_for_port(s.port)) {
    throw std::runtime_error("nats-server " + s.name + " did not start:\n" + read_file(s.config) +
                             read_file(dir_ / (s.name + ".log")));
  }
}

void NatsServers::kill(int i) {
  auto& s = servers_.at(static_cast<std::size_t>(i));
  ::kill(s.process.pid(), SIGKILL);
  s.process.stop();
  s.running = false;
}

std::vector<std::string> NatsServers::urls() const {
  std::vector<std::string> out;
  const std::string scheme = options_.tls_dir.empty() ? "nats://" : "tls://";
  for (const auto& s : servers_) out.push_back(scheme + "127.0.0.1:" + std::to_string(s.port));
  return out;
}

std::string NatsServers::toml_servers() const {
  std::string out = "[";
  for (const auto& url : urls()) out += (out.size() > 1 ? ", \"" : "\"") + url + "\"";
  return out + "]";
}

bool NatsServers::wait_ready(std::chrono::seconds limit) const {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (const auto& s : servers_) {
    if (!s.running) continue;
    while (true) {
      const auto r = run_command({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                  "http://127.0.0.1:" + std::to_string(s.http_port) + "/healthz"},
                                 std::chrono::seconds{5});
      if (r.out == "200") break;
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds{200});
    }
  }
  return true;
}

int NatsServers::stream_leader(const std::string& stream) const {
  for (const auto& s : servers_) {
    if (!s.running) continue;
    const auto r = run_command(
        {"curl", "-s",
         "http://127.0.0.1:" + std::to_string(s.http_port) + "/jsz?accounts=true&streams=true"},
        std::chrono::seconds{5});
    try {
      const auto j = nlohmann::json::parse(r.out);
      for (const auto& account : j.value("account_details", nlohmann::json::array())) {
        for (const auto& st : account.value("stream_detail", nlohmann::json::array())) {
          if (st.value("name", "") != stream || !st.contains("cluster")) continue;
          const auto leader = st["cluster"].value("leader", "");
          for (std::size_t i = 0; i < servers_.size(); ++i) {
            if (servers_[i].name == leader) return static_cast<int>(i);
          }
        }
      }
    } catch (const std::exception&) {
      continue;
    }
  }
  return -1;
}

}  // namespace leakwatch::testing
