// `leakwatch cluster status [--format text|json]`: workers seen, jobs pending, in flight and
// redelivered, results waiting (cluster/status.h).
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cluster/status.h"

namespace leakwatch::app {

void register_cluster(CLI::App& app, Context& ctx, CommandRun& run) {
  auto* group = app.add_subcommand("cluster", "The scan cluster ([cluster])");
  group->require_subcommand(1);
  auto format = std::make_shared<std::string>("text");
  auto* status = group->add_subcommand(
      "status", "Workers seen, jobs pending, in flight and redelivered, results waiting");
  status->add_option("--format", *format, "text or json (one object)")
      ->check(CLI::IsMember({"text", "json"}));
  status->footer(
      "Workers are listed from their last heartbeat (kept a week): a worker whose heartbeat is\n"
      "older than a few [cluster] heartbeat intervals is gone. jobs_done counts since that\n"
      "worker process started. See docs/CLUSTER.md.");
  status->callback([&ctx, &run, format] {
    run = [&ctx, format]() -> int {
      auto config = ctx.config();
      if (!config) return fail(kExitUsage, config.error().message);
      if (!(*config)->cluster.enabled()) {
        return fail(kExitUsage, "cluster status: the config has no [cluster] table");
      }
      auto got = cluster::cluster_status((*config)->cluster);
      if (!got) return fail(kExitRuntime, got.error().message);
      if (*format == "json") {
        nlohmann::json workers = nlohmann::json::array();
        for (const auto& w : got->workers) {
          workers.push_back({{"name", w.name},
                             {"last_heartbeat", w.last_heartbeat},
                             {"jobs_done", w.jobs_done},
                             {"jobs_running", w.jobs_running},
                             {"jobs_refused", w.jobs_refused},
                             {"proxies", w.proxies}});
        }
        std::cout << nlohmann::json{{"workers", workers},
                                    {"jobs_pending", got->jobs_pending},
                                    {"jobs_in_flight", got->jobs_in_flight},
                                    {"jobs_redelivered", got->jobs_redelivered},
                                    {"results_waiting", got->results_waiting}}
                         .dump()
                  << "\n";
        return kExitOk;
      }
      std::cout << "jobs: " << got->jobs_pending << " pending, " << got->jobs_in_flight
                << " in flight (" << got->jobs_redelivered << " redelivered)\n"
                << "results waiting: " << got->results_waiting << "\n"
                << "workers: " << got->workers.size() << "\n";
      for (const auto& w : got->workers) {
        std::cout << "  " << w.name << "  last heartbeat " << w.last_heartbeat << "  jobs done "
                  << w.jobs_done << "  running " << w.jobs_running << "  refused " << w.jobs_refused
                  << "\n";
      }
      return kExitOk;
    };
  });
}

}  // namespace leakwatch::app
