// `leakwatch cluster status`: what the streams say now. Workers seen (each one's last heartbeat,
// jobs done by that process, jobs running, the proxies it has), jobs pending, in flight and
// redelivered, jobs waiting for a proxy that no worker seen has, results waiting for the
// coordinator, and the coordinator's own counters with the jobs it gave up (job_deadline).
// Read-only: it creates nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "model/result.h"

namespace leakwatch::cluster {

class JetStream;

struct WorkerSeen {
  std::string name;
  std::string last_heartbeat;  // RFC 3339
  std::uint64_t jobs_done = 0;
  std::uint64_t jobs_running = 0;
  std::uint64_t jobs_refused = 0;
  std::vector<std::string> proxies;  // [[proxy]] names and pool names
};

// A job in the queue whose proxy no worker seen has (it is refused by every worker).
struct JobWithoutProxy {
  std::string source, job, proxy, published;  // published: RFC 3339
};

// A job the coordinator gave up after [cluster] job_deadline, recorded as a failed scan.
struct JobGivenUp {
  std::string source, job, time, reason;
};

// What the coordinator publishes of itself (the last state it published).
struct CoordinatorState {
  std::string time;  // RFC 3339
  std::uint64_t jobs_published = 0, job_publish_failures = 0, jobs_given_up = 0,
                results_recorded = 0, results_duplicate = 0;
  std::vector<JobGivenUp> given_up;  // the latest, newest last
};

struct ClusterStatus {
  std::vector<WorkerSeen> workers;
  std::uint64_t jobs_pending = 0;      // queued, not yet taken
  std::uint64_t jobs_in_flight = 0;    // taken, not yet acknowledged
  std::uint64_t jobs_redelivered = 0;  // of those in flight, handed out more than once
  std::uint64_t results_waiting = 0;   // chunks stored, not yet recorded by the coordinator
  std::vector<JobWithoutProxy> without_proxy;
  std::optional<CoordinatorState> coordinator;
};

Result<ClusterStatus> cluster_status(const config::ClusterConfig& cluster);

// The workers' last heartbeats.
Result<std::vector<WorkerSeen>> workers_seen(JetStream& js);
bool worker_has_proxy(const WorkerSeen& worker, const std::string& proxy);

std::string encode_coordinator_state(const CoordinatorState& state);
std::optional<CoordinatorState> decode_coordinator_state(const std::string& bytes);

}  // namespace leakwatch::cluster
