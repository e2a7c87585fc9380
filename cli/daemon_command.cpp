// `leakwatch daemon`: scheduled scans, alert delivery and the HTTP service (daemon/daemon.h) in
// the foreground, for systemd (Type=notify), a container or a terminal.
#include <CLI/CLI.hpp>

#include "cli/alert_delivery.h"
#include "cli/commands.h"
#include "cluster/coordinator.h"
#include "daemon/daemon.h"

namespace leakwatch::app {

namespace {

constexpr const char* kDaemonFooter =
    "Scans every enabled source on its schedule (a duration such as \"6h\", repeated with up to\n"
    "10% jitter, or a 5-field cron expression in UTC), at most [daemon] max_concurrent_sources\n"
    "at once, never one source twice at once; runs missed while it was down are made up once;\n"
    "failing sources back off (30s doubling to 1h). Serves the read API, GET /metrics (bearer\n"
    "token) and GET /healthz (no token) on [api] listen, HTTPS with [api] cert_file and\n"
    "key_file; the same server and [api] limits as `serve` (see `leakwatch serve --help`).\n"
    "Signals: SIGHUP reloads the config and signatures (a bad config is refused, the old one\n"
    "stays); SIGTERM or SIGINT stop new scans and wait [daemon] grace (default 30s) for those\n"
    "running, then exit 0. One daemon per data directory (lock file <data dir>/daemon.pid).\n"
    "Delivers alerts from the outbox to the [[hook]]s continuously (about once a second and\n"
    "right after a scan that recorded sightings), exactly once per alert and hook; a receiver\n"
    "that fails is retried with the hook's backoff, across restarts. Applies the [store]\n"
    "retention (scan_retention, scans_per_source, manifest_retention) every minute.\n"
    "With [cluster], due scans are published as jobs for `leakwatch worker` processes and their\n"
    "results are matched and recorded here (docs/CLUSTER.md).\n"
    "See docs/DAEMON.md.";

// The daemon's delivery pass: the dispatcher `scan` and `alerts retry` use, except that a pass
// never waits for a retry to come due (the next pass, a second later, takes it), so a receiver
// in backoff never holds up SIGTERM or the sighting counts on the same thread.
daemon::AlertPass make_alert_pass() {
  return [](store::Store& store,
            const config::Config& config) -> Result<std::vector<daemon::HookDeliveryCounts>> {
    alerts::DispatchOptions options;
    options.max_wait = std::chrono::milliseconds{0};
    auto outcomes = deliver_alerts(store, config, options, DeliveryLog::changes_only);
    if (!outcomes) return outcomes.error();
    std::vector<daemon::HookDeliveryCounts> counts;
    for (const auto& o : *outcomes) {
      counts.push_back({.hook = o.hook,
                        .pending = o.waiting,
                        .delivered = o.delivered,
                        .failures = o.failed_attempts});
    }
    return counts;
  };
}

}  // namespace

void register_daemon(CLI::App& app, Context& ctx, CommandRun& run) {
  struct Args {
    std::string listen;
    bool no_auth = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("daemon", "Run scheduled scans and the HTTP API with /metrics");
  cmd->add_option("--listen", a->listen,
                  "HOST:PORT for the HTTP service (default [api] listen, else 127.0.0.1:8765; a "
                  "non-loopback address must be given here explicitly)");
  cmd->add_flag("--no-auth", a->no_auth,
                "serve the API and /metrics without tokens (only on a loopback address)");
  cmd->footer(kDaemonFooter);
  cmd->callback([&ctx, &run, a] {
    run = [&ctx, a]() -> int {
      auto config = ctx.config();
      if (!config) return fail(kExitUsage, config.error().message);
      daemon::DaemonOptions options;
      options.config_file = (*config)->file;
      auto data_dir = ctx.data_dir();
      if (!data_dir) return fail(kExitUsage, data_dir.error().message);
      options.data_dir = std::move(data_dir).value();
      options.listen = a->listen;
      options.no_auth = a->no_auth;
      options.version = "0.1.0";
      options.alert_pass = make_alert_pass();
      // With [cluster], scans run on workers and this daemon coordinates (docs/CLUSTER.md).
      if ((*config)->cluster.enabled()) {
        options.remote = std::make_shared<cluster::Coordinator>((*config)->cluster);
      }
      if (auto ran = daemon::run_daemon(**config, options); !ran) {
        return fail(kExitRuntime, "daemon: " + ran.error().message);
      }
      return kExitOk;
    };
  });
}

}  // namespace leakwatch::app
