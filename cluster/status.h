// `leakwatch cluster status`: what the streams say now. Workers seen (each one's last heartbeat,
// jobs done by that process, jobs running), jobs pending, in flight and redelivered, results
// waiting for the coordinator. Read-only: it creates nothing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "model/result.h"

namespace leakwatch::cluster {

struct WorkerSeen {
  std::string name;
  std::string last_heartbeat;  // RFC 3339
  std::uint64_t jobs_done = 0;
  std::uint64_t jobs_running = 0;
  std::uint64_t jobs_refused = 0;
  std::vector<std::string> proxies;
};

struct ClusterStatus {
  std::vector<WorkerSeen> workers;
  std::uint64_t jobs_pending = 0;      // queued, not yet taken
  std::uint64_t jobs_in_flight = 0;    // taken, not yet acknowledged
  std::uint64_t jobs_redelivered = 0;  // of those in flight, handed out more than once
  std::uint64_t results_waiting = 0;   // chunks stored, not yet recorded by the coordinator
};

Result<ClusterStatus> cluster_status(const config::ClusterConfig& cluster);

}  // namespace leakwatch::cluster
