// What the daemon tests share: HTTP GETs with curl, Prometheus samples, polling, and waiting for
// a daemon process to exit by itself.
#pragma once

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/process.h"

namespace leakwatch::testing {

inline const std::string kDaemonToken = "daemon-test-token-0123456789";

struct Http {
  int status = 0;
  std::string body;
};

// GET http://127.0.0.1:port/path with the bearer token (none when empty).
inline Http http_get(int port, const std::string& path, const std::string& token = kDaemonToken) {
  std::vector<std::string> argv = {"curl", "-sS", "--max-time", "10",
                                   "-o",   "-",   "-w",         "\n%{http_code}"};
  if (!token.empty()) argv.insert(argv.end(), {"-H", "Authorization: Bearer " + token});
  argv.push_back("http://127.0.0.1:" + std::to_string(port) + path);
  const auto r = run_command(argv, std::chrono::seconds{20});
  Http out;
  const auto nl = r.out.rfind('\n');
  if (nl == std::string::npos) return out;
  out.body = r.out.substr(0, nl);
  out.status = std::atoi(r.out.c_str() + nl + 1);
  return out;
}

// The value of one sample line of a Prometheus exposition (-1 when absent).
inline double sample(const std::string& metrics, const std::string& series) {
  const auto at = metrics.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(metrics.substr(at + series.size() + 2));
}

// Polls `done` every 100 ms for up to `limit`.
template <typename F>
bool eventually(F done, std::chrono::milliseconds limit = std::chrono::seconds{20}) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
  return done();
}

// Waits for a process to exit by itself; its exit code, or -1 after `limit`.
inline int wait_exit(BackgroundProcess& p, std::chrono::milliseconds limit) {
  if (!eventually([&] { return !p.running(); }, limit)) return -1;
  return p.stop();
}

}  // namespace leakwatch::testing
