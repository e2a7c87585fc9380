// FetchEngine: one libcurl multi loop, on one thread, carrying every fetch of a pass (every
// source of a `scan`, every scan of the daemon). Callers stay synchronous: an HttpClient made on
// an engine (HttpClient(FetchEngine&)) submits its requests here and blocks its own thread until
// the answers come, so the crawler code reads top to bottom while thousands of requests of
// hundreds of sources share one loop.
//
// What starts when is FetchScheduler's (fetch_scheduler.h): a global cap on requests in flight,
// a cap per proxy ([[proxy]] max_connections), each client's own caps in all and per host, its
// request interval, retry backoff, and round-robin turns between clients. Every request keeps
// the proxy discipline of HttpClient (the same easy-handle set-up: explicit proxy, socks5h, no
// environment proxies, redirects checked per hop, limits), plus: through a proxy, no TLS session
// is reused and no connection is kept.
//
// A streamed GET (a sink) has its chunks handed to the caller's thread, so hashing never runs
// on the loop; the transfer pauses while 256 KiB wait for the reader.
//
// CpuGate bounds the threads that do CPU work (parsing, scoring, recording) at once to about the
// cores, while many more threads wait for the network: a client made with a gate gives its slot
// back while it waits for an answer and takes it again before it returns.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "net/http_client.h"

namespace leakwatch::crawler {

class CpuGate {
 public:
  explicit CpuGate(std::size_t slots);
  void acquire();
  void release();
  std::size_t slots() const { return slots_; }

  // Holds one slot for its life.
  class Hold {
   public:
    explicit Hold(CpuGate* gate) : gate_(gate) {
      if (gate_) gate_->acquire();
    }
    ~Hold() {
      if (gate_) gate_->release();
    }
    Hold(const Hold&) = delete;
    Hold& operator=(const Hold&) = delete;

   private:
    CpuGate* gate_;
  };

 private:
  std::size_t slots_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::size_t free_;
};

struct FetchEngineStats {
  std::size_t in_flight = 0;        // requests on the wire
  std::size_t waiting = 0;          // requests queued for a slot
  std::uint64_t requests_done = 0;  // final answers (or errors) handed back
  std::uint64_t retries = 0;
  std::size_t max_in_flight_seen = 0;
};

class FetchEngine {
 public:
  // At most `max_in_flight` requests on the wire at once, across every client.
  explicit FetchEngine(std::size_t max_in_flight = 256);
  // Stops the loop; requests still waiting or in flight fail ("fetch engine stopped"). Clients
  // must not be used after this.
  ~FetchEngine();
  FetchEngine(const FetchEngine&) = delete;
  FetchEngine& operator=(const FetchEngine&) = delete;

  // Caps requests in flight through the proxy at `proxy_url` (its host and port: the
  // credentials that isolate sources do not make it another proxy); 0 removes the cap.
  void set_proxy_cap(const std::string& proxy_url, std::size_t max_connections);
  std::size_t max_in_flight() const { return max_in_flight_; }
  FetchEngineStats stats() const;

  // What HttpClient(FetchEngine&) calls: `lane` is the client's own queue (new_lane()).
  std::uint64_t new_lane();
  Result<HttpResponse> fetch(std::uint64_t lane, const HttpRequest& request, const ChunkSink& sink,
                             CpuGate* gate);
  void fetch_each(std::uint64_t lane, const std::vector<HttpRequest>& requests,
                  const Concurrency& concurrency, const HttpClient::ResponseSink& on_done,
                  CpuGate* gate);

  // The proxy's host:port as the engine counts it ("" for a direct request).
  static std::string proxy_key(const std::string& proxy_url);

 private:
  struct Loop;
  std::size_t max_in_flight_;
  std::unique_ptr<Loop> loop_;
};

}  // namespace leakwatch::crawler
