// A cluster worker (`leakwatch worker`, docs/CLUSTER.md): takes scan jobs from the jobs stream,
// crawls each through this machine's own [[proxy]] entries (a job whose proxy this worker lacks
// is refused and handed back, never fetched directly) on one fetch engine, the one `scan` and
// the daemon use (net/fetch_engine.h: max_in_flight requests in all, [[proxy]] max_connections
// per proxy, fair turns between the jobs), publishes the crawl's result in chunks
// and acknowledges the job only once every chunk is stored. While it works it keeps the job
// alive with in-progress acks, and it publishes a heartbeat. A worker never sees signatures or
// the store: matching and recording stay with the coordinator.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "config/config.h"
#include "model/result.h"

namespace leakwatch::cluster {

struct WorkerOptions {
  std::string name;                 // letters, digits, '-', '_'
  int jobs = 1;                     // jobs worked at once
  std::size_t max_in_flight = 256;  // requests on the wire at once, across every job
};

class Worker {
 public:
  struct Impl;
  // Connects, creates or updates the streams, and starts taking jobs.
  static Result<std::unique_ptr<Worker>> start(const config::Config& config,
                                               const WorkerOptions& options);
  explicit Worker(std::unique_ptr<Impl> impl);
  ~Worker();
  // Takes no more jobs and waits up to `grace` for those in flight; false when some are still
  // running (they are not acknowledged, so the server hands them out again).
  bool stop(std::chrono::milliseconds grace);

 private:
  std::unique_ptr<Impl> impl_;
};

// Whether `name` can be a worker name (it becomes a subject token).
bool valid_worker_name(std::string_view name);

}  // namespace leakwatch::cluster
