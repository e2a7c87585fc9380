#include "cluster/status.h"

#include <nlohmann/json.hpp>

#include "cluster/jetstream.h"

namespace leakwatch::cluster {

Result<ClusterStatus> cluster_status(const config::ClusterConfig& cluster) {
  auto js = JetStream::connect(cluster, "leakwatch-cluster-status");
  if (!js) return js.error();
  const auto& n = (*js)->names();
  ClusterStatus out;
  auto jobs = (*js)->consumer_counts(n.jobs_stream, n.workers_consumer);
  if (!jobs) return Error{jobs.error().message + " (has a daemon or worker created the streams?)"};
  out.jobs_pending = jobs->pending;
  out.jobs_in_flight = jobs->in_flight;
  out.jobs_redelivered = jobs->redelivered;
  auto results = (*js)->consumer_counts(n.results_stream, n.coordinator_consumer);
  if (!results) return results.error();
  out.results_waiting = results->pending + results->in_flight;
  auto subjects = (*js)->subjects_with_messages(n.heartbeats_stream, n.prefix + ".heartbeats.>");
  if (!subjects) return subjects.error();
  for (const auto& subject : *subjects) {
    auto last = (*js)->last_message(n.heartbeats_stream, subject);
    if (!last) return last.error();
    if (!*last) continue;
    try {
      const auto j = nlohmann::json::parse(**last);
      out.workers.push_back(WorkerSeen{.name = j.at("worker").get<std::string>(),
                                       .last_heartbeat = j.at("time").get<std::string>(),
                                       .jobs_done = j.at("jobs_done").get<std::uint64_t>(),
                                       .jobs_running = j.at("jobs_running").get<std::uint64_t>(),
                                       .jobs_refused = j.value("jobs_refused", std::uint64_t{0}),
                                       .proxies = j.value("proxies", std::vector<std::string>{})});
    } catch (const std::exception&) {
      continue;  // not a leakwatch heartbeat
    }
  }
  return out;
}

}  // namespace leakwatch::cluster
