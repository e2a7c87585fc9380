// The cluster side of `leakwatch daemon` with [cluster] (docs/CLUSTER.md): due scans become
// jobs on the work-queue stream (id = the scan id of the record they make, also the
// Nats-Msg-Id, so a retried publish is stored once); results from workers are put together from
// their chunks, scored against the signatures here, recorded through the daemon, and
// acknowledged only after that. Recording is idempotent per job: a result whose scan id is
// already in the store (a redelivery after a crash, a second worker's late result) is
// acknowledged and dropped. A source whose job or result is still in the streams at start (the
// coordinator was restarted) gets no second job. A job whose result is not recorded within
// [cluster] job_deadline is taken off the queue and recorded as a failed scan that says why
// (naming the proxy when no worker seen has it); a job that cannot be published is recorded as
// a failed scan too.
#pragma once

#include <memory>

#include "config/config.h"
#include "daemon/daemon.h"
#include "model/result.h"

namespace leakwatch::cluster {

class Coordinator final : public daemon::RemoteScanner {
 public:
  struct Impl;
  explicit Coordinator(config::ClusterConfig cluster);
  ~Coordinator() override;
  Result<void> start(daemon::RemoteScanHooks hooks) override;
  void submit(const config::SourceConfig& source) override;
  void stop() override;
  // leakwatch_cluster_* (docs/CLUSTER.md "Metrics").
  std::string metrics_text() const override;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace leakwatch::cluster
