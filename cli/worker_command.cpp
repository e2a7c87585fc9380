// `leakwatch worker [--name N] [--jobs N]`: a cluster worker (cluster/worker.h) in the
// foreground, for systemd, a container or a terminal. SIGTERM or SIGINT stop it taking jobs and
// give those in flight [daemon] grace to finish; a job cut off is handed out again.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>

#include "cli/commands.h"
#include "cluster/worker.h"
#include "daemon/loop_waiter.h"

namespace leakwatch::app {

namespace {

constexpr const char* kWorkerFooter =
    "Takes scan jobs from the cluster's work queue ([cluster] servers), crawls each through\n"
    "this machine's own [[proxy]] entries and publishes the result for the coordinator (the\n"
    "`leakwatch daemon` with the same [cluster]), which matches and records it. A job naming a\n"
    "proxy this worker does not have is refused and goes back to the queue; it is never fetched\n"
    "directly. Jobs are acknowledged only after their result is stored in the stream; a worker\n"
    "killed mid-job loses nothing (the job is handed out again after [cluster] ack_wait).\n"
    "All jobs share one fetch engine, as the sources of `leakwatch scan` do: --max-in-flight\n"
    "(or [daemon] max_requests_in_flight) requests at once in all, [[proxy]] max_connections\n"
    "through each proxy.\n"
    "The worker needs no data directory, signatures or [[source]] entries.\n"
    "Signals: SIGTERM or SIGINT stop taking jobs and wait [daemon] grace for those running.\n"
    "See docs/CLUSTER.md.";

std::string default_worker_name() {
  char host[256] = {};
  std::string name = ::gethostname(host, sizeof host - 1) == 0 ? host : "worker";
  for (auto& c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_'))
      c = '-';
  }
  return name.substr(0, 64);
}

}  // namespace

void register_worker(CLI::App& app, Context& ctx, CommandRun& run) {
  struct Args {
    std::string name;
    int jobs = 1;
    std::size_t max_in_flight = 0;  // 0: [daemon] max_requests_in_flight
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("worker", "Take scan jobs from the cluster ([cluster])");
  cmd->add_option("--name", a->name,
                  "this worker's name in heartbeats and logs (letters, digits, - _; default the "
                  "host name)");
  cmd->add_option("--jobs", a->jobs, "jobs worked at once (default 1)")->check(CLI::Range(1, 256));
  cmd->add_option("--max-in-flight", a->max_in_flight,
                  "requests in flight at once across all jobs (default [daemon] "
                  "max_requests_in_flight, 256); [[proxy]] max_connections caps each proxy "
                  "within it")
      ->check(CLI::Range(1, 65536));
  cmd->footer(kWorkerFooter);
  cmd->callback([&ctx, &run, a] {
    run = [&ctx, a]() -> int {
      auto config = ctx.config();
      if (!config) return fail(kExitUsage, config.error().message);
      if (!(*config)->cluster.enabled()) {
        return fail(kExitUsage,
                    "worker: the config has no [cluster] table (servers to take "
                    "jobs from); see docs/CLUSTER.md");
      }
      const std::string name = a->name.empty() ? default_worker_name() : a->name;
      if (!cluster::valid_worker_name(name)) {
        return fail(kExitUsage, "worker: --name '" + name +
                                    "' may use only letters, digits, '-' and '_' (1 to 64)");
      }
      // Before any thread starts: the signals come to the waiter only.
      auto waiter = daemon::LoopWaiter::create();
      if (!waiter) return fail(kExitRuntime, "worker: " + waiter.error().message);
      auto worker = cluster::Worker::start(
          **config,
          {.name = name,
           .jobs = a->jobs,
           .max_in_flight = a->max_in_flight != 0 ? a->max_in_flight
                                                  : (*config)->daemon.max_requests_in_flight});
      if (!worker) return fail(kExitRuntime, worker.error().message);
      std::printf("leakwatch worker %s started\n", name.c_str());
      std::fflush(stdout);
      while (!(*waiter)->wait(std::chrono::seconds{1}).stop) {
      }
      if (!(*worker)->stop((*config)->daemon.grace)) {
        // Jobs still running are not acknowledged: the server hands them out again.
        std::fflush(stdout);
        std::fflush(stderr);
        std::_Exit(0);
      }
      return kExitOk;
    };
  });
}

}  // namespace leakwatch::app
