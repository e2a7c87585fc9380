// Alert delivery rate per hook kind (issue #16): an outbox of N alerts (default 10,000) in a
// fresh store, delivered by the real Dispatcher and transports to a receiver on 127.0.0.1 in
// this process (a TCP or UDP socket reader, a minimal HTTP server answering 204 / HEC's 200, a
// jsonl file). Prints alerts/s and the peak RSS. Every delivery is recorded with a synced store
// write, as in production. A plain program, not Google Benchmark: one whole workload per run.
//   alerts_bench jsonl|syslog-tcp|syslog-udp|webhook|splunk-hec [N]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

#include "alerts/dispatcher.h"

namespace {

using namespace leakwatch;
namespace fs = std::filesystem;

int listen_on(int type, int& port) {
  const int fd = ::socket(AF_INET, type, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return -1;
  if (type == SOCK_STREAM) ::listen(fd, 64);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

// Reads everything from each accepted connection (syslog over TCP).
void drain_streams(int fd, const std::atomic<bool>& stop) {
  while (!stop) {
    const int c = ::accept(fd, nullptr, nullptr);
    if (c < 0) return;
    std::thread([c] {
      char buf[65536];
      while (::read(c, buf, sizeof buf) > 0) {
      }
      ::close(c);
    }).detach();
  }
}

// A minimal HTTP/1.1 server: reads a request (headers + Content-Length body), answers `reply`.
void serve_http(int fd, const std::string& reply) {
  for (;;) {
    const int c = ::accept(fd, nullptr, nullptr);
    if (c < 0) return;
    std::thread([c, reply] {
      std::string in;
      char buf[65536];
      for (;;) {
        const auto head_end = in.find("\r\n\r\n");
        if (head_end != std::string::npos) {
          std::size_t length = 0;
          const auto cl = in.find("Content-Length: ");
          if (cl != std::string::npos && cl < head_end) length = std::stoul(in.substr(cl + 16));
          if (in.size() >= head_end + 4 + length) {
            in.erase(0, head_end + 4 + length);
            if (::write(c, reply.data(), reply.size()) < 0) break;
            continue;
          }
        }
        const auto n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        in.append(buf, static_cast<std::size_t>(n));
      }
      ::close(c);
    }).detach();
  }
}

long peak_rss_kib() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: alerts_bench jsonl|syslog-tcp|syslog-udp|webhook|splunk-hec [N]\n");
    return 2;
  }
  const std::string kind = argv[1];
  const int n = argc > 2 ? std::stoi(argv[2]) : 10'000;
  const fs::path dir = fs::temp_directory_path() / ("alerts-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto opened = store::Store::open(dir / "data", store::OpenMode::read_write);
  if (!opened) {
    std::fprintf(stderr, "%s\n", opened.error().message.c_str());
    return 1;
  }
  auto& db = **opened;

  // The outbox: N sightings (one per dataset), recorded in batches of 1,000 as scans would.
  for (int done = 0; done < n;) {
    ScanRecord scan;
    scan.scan_id = "bench";
    scan.source = "dump";
    scan.locator = "http://dump.example/";
    scan.started = scan.ended = now();
    scan.status = ScanStatus::ok;
    std::vector<Sighting> batch;
    for (int i = 0; i < 1000 && done < n; ++i, ++done) {
      Sighting s;
      s.dataset = "dataset-" + std::to_string(done);
      s.source = "dump";
      s.locator = "http://dump.example/" + std::to_string(done) + "/";
      s.confidence = Confidence::confirmed;
      s.evidence = {{"sha256", "staff.csv", "leak/staff|" + std::to_string(done) + ".csv",
                     std::string(64, 'a')}};
      s.files_matched = 1;
      s.dataset_files = 3;
      s.first_seen = s.last_seen = now();
      batch.push_back(std::move(s));
    }
    if (!db.record_fetch(scan, batch)) return 1;
  }

  config::Config config;
  config::HookConfig hook;
  hook.name = "bench";
  hook.min_confidence = Confidence::likely;
  std::atomic<bool> stop{false};
  int port = 0;
  int fd = -1;
  std::thread receiver;
  if (kind == "jsonl") {
    hook.kind = config::HookKind::jsonl;
    hook.path = dir / "alerts.jsonl";
    hook.url = hook.path.string();
  } else if (kind == "syslog-tcp") {
    fd = listen_on(SOCK_STREAM, port);
    receiver = std::thread(drain_streams, fd, std::cref(stop));
    hook.kind = config::HookKind::syslog;
    hook.url = "tcp://127.0.0.1:" + std::to_string(port);
    hook.format = "cef";
  } else if (kind == "syslog-udp") {
    fd = listen_on(SOCK_DGRAM, port);
    receiver = std::thread([fd] {
      char buf[65536];
      while (::recv(fd, buf, sizeof buf, 0) > 0) {
      }
    });
    hook.kind = config::HookKind::syslog;
    hook.url = "udp://127.0.0.1:" + std::to_string(port);
    hook.format = "cef";
  } else if (kind == "webhook" || kind == "splunk-hec") {
    fd = listen_on(SOCK_STREAM, port);
    const bool hec = kind == "splunk-hec";
    receiver = std::thread(serve_http, fd,
                           hec ? std::string("HTTP/1.1 200 OK\r\nContent-Length: 27\r\n\r\n"
                                             "{\"text\":\"Success\",\"code\":0}")
                               : std::string("HTTP/1.1 204 No Content\r\n\r\n"));
    hook.kind = hec ? config::HookKind::splunk_hec : config::HookKind::webhook;
    hook.url = "http://127.0.0.1:" + std::to_string(port) + "/";
    (hec ? hook.token : hook.secret) = "bench-secret";
  } else {
    std::fprintf(stderr, "unknown kind %s\n", kind.c_str());
    return 2;
  }
  config.hooks = {hook};

  alerts::Dispatcher dispatcher(
      db, config, alerts::TransportContext{.hostname = "bench", .procid = "1", .version = "0.1.0"});
  const long rss_before = peak_rss_kib();
  const auto start = std::chrono::steady_clock::now();
  auto outcomes = dispatcher.run(alerts::DispatchOptions{.max_wait = std::chrono::seconds{0}});
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!outcomes || outcomes->empty()) {
    std::fprintf(stderr, "dispatch failed\n");
    return 1;
  }
  const auto& o = outcomes->front();
  std::printf(
      "%-11s %6llu alerts delivered in %6.2f s: %8.0f alerts/s; %llu failed attempts; "
      "peak RSS %ld MiB (%ld MiB before delivery)\n",
      kind.c_str(), static_cast<unsigned long long>(o.delivered), secs,
      static_cast<double>(o.delivered) / secs, static_cast<unsigned long long>(o.failed_attempts),
      peak_rss_kib() / 1024, rss_before / 1024);
  stop = true;
  if (fd >= 0) ::shutdown(fd, SHUT_RDWR), ::close(fd);
  if (receiver.joinable()) receiver.join();
  opened->reset();
  fs::remove_all(dir);
  return o.delivered == static_cast<std::uint64_t>(n) ? 0 : 1;
}
