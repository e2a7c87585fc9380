// `leakwatch cluster status [--format text|json]`: workers seen, jobs pending, in flight and
// redelivered, jobs waiting for a proxy no worker has, results waiting, the coordinator's
// counters and the jobs it gave up (cluster/status.h).
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
      "worker process started. Jobs naming a proxy that no worker seen has are listed: every\n"
      "worker refuses them, and the coordinator gives them up after [cluster] job_deadline,\n"
      "recording the scan as failed. The coordinator's counters are those it last published\n"
      "(every few seconds while it runs). See docs/CLUSTER.md.");
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
        nlohmann::json without = nlohmann::json::array();
        for (const auto& j : got->without_proxy) {
          without.push_back({{"source", j.source},
                             {"job", j.job},
                             {"proxy", j.proxy},
                             {"published", j.published}});
        }
        nlohmann::json out{{"workers", workers},
                           {"jobs_pending", got->jobs_pending},
                           {"jobs_in_flight", got->jobs_in_flight},
                           {"jobs_redelivered", got->jobs_redelivered},
                           {"results_waiting", got->results_waiting},
                           {"jobs_without_proxy", without},
                           {"coordinator", nullptr}};
        if (const auto& c = got->coordinator) {
          nlohmann::json given_up = nlohmann::json::array();
          for (const auto& g : c->given_up) {
            given_up.push_back(
                {{"source", g.source}, {"job", g.job}, {"time", g.time}, {"reason", g.reason}});
          }
          out["coordinator"] = {{"time", c->time},
                                {"jobs_published", c->jobs_published},
                                {"job_publish_failures", c->job_publish_failures},
                                {"jobs_given_up", c->jobs_given_up},
                                {"results_recorded", c->results_recorded},
                                {"results_duplicate", c->results_duplicate},
                                {"given_up", given_up}};
        }
        std::cout << out.dump() << "\n";
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
      if (!got->without_proxy.empty()) {
        std::cout << "jobs waiting for a proxy no worker has: " << got->without_proxy.size()
                  << "\n";
        for (const auto& j : got->without_proxy) {
          std::cout << "  " << j.source << "  proxy '" << j.proxy << "'  published " << j.published
                    << "\n";
        }
      }
      if (const auto& c = got->coordinator) {
        std::cout << "coordinator (" << c->time << "): " << c->jobs_published << " jobs published, "
                  << c->results_recorded << " results recorded, " << c->jobs_given_up
                  << " jobs given up, " << c->job_publish_failures << " publish failures\n";
        for (const auto& g : c->given_up) {
          std::cout << "  given up " << g.time << "  " << g.source << "  " << g.reason << "\n";
        }
      }
      return kExitOk;
    };
  });
}

}  // namespace leakwatch::app
