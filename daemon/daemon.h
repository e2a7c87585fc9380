// `leakwatch daemon` (docs/CONTRACTS.md "Daemon and metrics"): runs every enabled source on its
// schedule through the same engine as `scan` (scan/store_scan.h), delivers alerts from the outbox
// continuously (a pass the caller supplies), and serves the HTTP API with /metrics and /healthz.
// One loop thread decides; each scan runs on a thread of its own with its own HTTP client;
// recording is serialised. SIGHUP reloads the config (a bad one is refused and the old one stays),
// SIGTERM and SIGINT stop new work and give scans in flight `[daemon] grace` to finish.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "daemon/metrics.h"
#include "model/result.h"
#include "scan/scan_pipeline.h"
#include "store/store.h"

namespace leakwatch::daemon {

// One alert delivery pass over the outbox (the alerts room's dispatcher, supplied by the command
// so the daemon room does not depend on the transports): sends what is due and reports per hook.
// Called from the daemon's delivery thread, about once a second and right after a scan recorded
// sightings. An error is a store error; it is logged and the pass is tried again.
using AlertPass = std::function<Result<std::vector<HookDeliveryCounts>>(store::Store& store,
                                                                        const config::Config&)>;

// A scan that ran elsewhere (a cluster worker) and was recorded, or could not be.
struct RemoteScanDone {
  std::string source;
  Timestamp started{}, ended{};
  ScanRecord record;
  std::size_t sightings = 0;
  std::optional<std::string> record_error;
};

// What the daemon lends a remote scanner: the config and signatures of the moment, recording
// (serialised with the daemon's own), and the way back into the scheduler.
struct RemoteScanHooks {
  store::Store* store = nullptr;
  std::function<std::shared_ptr<const config::Config>()> config;
  std::function<std::shared_ptr<const matcher::FingerprintIndex>()> index;
  std::function<Result<void>(app::SourceOutcome&)> record;
  std::function<void(RemoteScanDone)> done;  // from any thread
};

// Where due scans run when not on this daemon's threads (`[cluster]`: jobs for workers, see
// cluster/coordinator.h). submit() must not block; done() is called once per submitted scan
// (and for scans handed out before a restart whose results arrive now).
class RemoteScanner {
 public:
  virtual ~RemoteScanner() = default;
  virtual Result<void> start(RemoteScanHooks hooks) = 0;
  virtual void submit(const config::SourceConfig& source) = 0;
  virtual void stop() = 0;
  // Its own metric families in the Prometheus text format, appended to GET /metrics.
  virtual std::string metrics_text() const { return {}; }
};

struct DaemonOptions {
  std::filesystem::path config_file;  // re-read on SIGHUP (empty: reload is refused)
  std::filesystem::path data_dir;     // fixed for the daemon's life (--data-dir or data_dir)
  std::string listen;                 // overrides [api] listen when set (--listen)
  bool no_auth = false;               // the API without tokens (loopback only)
  std::string version;
  // Alert delivery; unset: alerts stay in the outbox for `leakwatch alerts retry`, and
  // leakwatch_alerts_pending counts what each hook would take.
  AlertPass alert_pass;
  // Scans elsewhere (the cluster coordinator); unset: every scan runs on a thread here.
  std::shared_ptr<RemoteScanner> remote;
  // How often the loop looks at the clock at least (tests shorten it).
  std::chrono::milliseconds tick{std::chrono::seconds{1}};
};

// The retention of [store] as the store applies it (the daemon every minute, `db prune`).
store::Retention retention_from_config(const config::StoreConfig& store);

// Runs until SIGTERM or SIGINT and returns after a clean stop; an error when it could not start
// (the data directory is locked by another daemon, the store cannot be opened, the API cannot
// listen). Scans still running when the grace is over are abandoned: the process exits 0 at
// once (holding the record lock, so no write is half done). Call before any other thread
// starts: it blocks the signals it handles.
Result<void> run_daemon(config::Config config, const DaemonOptions& options);

}  // namespace leakwatch::daemon
