// One pass over many sources on one FetchEngine (net/fetch_engine.h): `sources_in_flight`
// sources at once, each on its own small-stack thread with its own fair-share queue of the
// engine, so thousands of sources share one fetch loop and its caps. CPU work (parsing,
// scoring, recording) holds a slot of a CpuGate sized to the cores; a thread waiting for the
// network holds none. Each outcome is handed to the caller the moment its source is done (to be
// recorded) and then dropped: a pass of 10,000 sources never holds 10,000 manifests.
// The pass never records by itself and never prints.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.h"
#include "matcher/fingerprint_index.h"
#include "net/fetch_engine.h"
#include "scan/scan_pipeline.h"

namespace leakwatch::app {

struct PassOptions {
  std::size_t sources_in_flight = 64;
  std::size_t cpu_slots = 0;  // 0: the machine's cores
};

// A snapshot of a running pass, for progress lines.
struct PassProgress {
  std::size_t total = 0;
  std::size_t done = 0;
  std::size_t in_flight = 0;
  std::size_t waiting = 0;
  std::uint64_t requests_done = 0;
  std::size_t requests_in_flight = 0;
  // The sources in flight longest, longest first (at most three).
  std::vector<std::pair<std::string, std::chrono::seconds>> slowest;
};

// Every [[proxy]] max_connections of `config` as the engine's cap for that proxy.
void apply_proxy_caps(crawler::FetchEngine& engine, const config::Config& config);

class SourcePass {
 public:
  SourcePass(crawler::FetchEngine& engine, PassOptions options);

  // Scans sources[i] (with priors[i]) for every i; `on_done(i, outcome)` runs as each finishes,
  // one at a time (under one lock), on the thread that scanned it.
  using OnDone = std::function<void(std::size_t, SourceOutcome&)>;
  void run(const std::vector<const config::SourceConfig*>& sources,
           const std::vector<SourcePrior>& priors, const config::Config& config,
           const matcher::FingerprintIndex& index, const std::string& scan_id,
           const OnDone& on_done);

  // Safe to call from another thread while run() is going (empty before and after).
  PassProgress progress() const;

 private:
  struct Running {
    std::size_t source = 0;
    std::chrono::steady_clock::time_point since;
    bool busy = false;
  };
  crawler::FetchEngine& engine_;
  PassOptions options_;
  crawler::CpuGate gate_;
  mutable std::mutex mutex_;
  std::vector<Running> running_;  // one per thread
  const std::vector<const config::SourceConfig*>* sources_ = nullptr;
  std::size_t next_ = 0;
  std::size_t done_ = 0;
};

// Runs `body` on `threads` threads with `stack_bytes` stacks each (pthread attributes), and
// returns once all are done; the calling thread only waits.
void run_on_small_stacks(std::size_t threads, std::size_t stack_bytes,
                         const std::function<void(std::size_t)>& body);

}  // namespace leakwatch::app
