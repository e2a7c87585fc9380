#include "cluster/status.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cluster/jetstream.h"
#include "cluster/messages.h"

namespace leakwatch::cluster {

Result<std::vector<WorkerSeen>> workers_seen(JetStream& js) {
  const auto& n = js.names();
  auto subjects = js.subjects_with_messages(n.heartbeats_stream, n.prefix + ".heartbeats.>");
  if (!subjects) return subjects.error();
  std::vector<WorkerSeen> out;
  for (const auto& subject : *subjects) {
    auto last = js.last_message(n.heartbeats_stream, subject);
    if (!last) return last.error();
    if (!*last) continue;
    try {
      const auto j = nlohmann::json::parse((*last)->data);
      out.push_back(WorkerSeen{.name = j.at("worker").get<std::string>(),
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

bool worker_has_proxy(const WorkerSeen& worker, const std::string& proxy) {
  return std::find(worker.proxies.begin(), worker.proxies.end(), proxy) != worker.proxies.end();
}

std::string encode_coordinator_state(const CoordinatorState& s) {
  nlohmann::json given_up = nlohmann::json::array();
  for (const auto& g : s.given_up) {
    given_up.push_back(
        {{"source", g.source}, {"job", g.job}, {"time", g.time}, {"reason", g.reason}});
  }
  return nlohmann::json{{"time", s.time},
                        {"jobs_published", s.jobs_published},
                        {"job_publish_failures", s.job_publish_failures},
                        {"jobs_given_up", s.jobs_given_up},
                        {"results_recorded", s.results_recorded},
                        {"results_duplicate", s.results_duplicate},
                        {"given_up", given_up}}
      .dump();
}

std::optional<CoordinatorState> decode_coordinator_state(const std::string& bytes) {
  try {
    const auto j = nlohmann::json::parse(bytes);
    CoordinatorState s{.time = j.at("time").get<std::string>(),
                       .jobs_published = j.value("jobs_published", std::uint64_t{0}),
                       .job_publish_failures = j.value("job_publish_failures", std::uint64_t{0}),
                       .jobs_given_up = j.value("jobs_given_up", std::uint64_t{0}),
                       .results_recorded = j.value("results_recorded", std::uint64_t{0}),
                       .results_duplicate = j.value("results_duplicate", std::uint64_t{0})};
    for (const auto& g : j.value("given_up", nlohmann::json::array())) {
      s.given_up.push_back(JobGivenUp{.source = g.value("source", ""),
                                      .job = g.value("job", ""),
                                      .time = g.value("time", ""),
                                      .reason = g.value("reason", "")});
    }
    return s;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

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
  auto workers = workers_seen(**js);
  if (!workers) return workers.error();
  out.workers = std::move(workers).value();
  // Jobs that name a proxy no worker seen has: every worker refuses them.
  auto queued = (*js)->subjects_with_messages(n.jobs_stream, n.prefix + ".jobs.>");
  if (!queued) return queued.error();
  for (const auto& subject : *queued) {
    auto last = (*js)->last_message(n.jobs_stream, subject);
    if (!last) return last.error();
    if (!*last) continue;
    const auto job = decode_job((*last)->data);
    if (!job || !job->source.proxy) continue;
    const auto& proxy = *job->source.proxy;
    if (std::none_of(out.workers.begin(), out.workers.end(),
                     [&](const WorkerSeen& w) { return worker_has_proxy(w, proxy); })) {
      out.without_proxy.push_back(JobWithoutProxy{.source = job->source.name,
                                                  .job = job->id,
                                                  .proxy = proxy,
                                                  .published = format_rfc3339(job->created)});
    }
  }
  auto state = (*js)->last_message(n.heartbeats_stream, n.state_subject());
  if (!state) return state.error();
  if (*state) out.coordinator = decode_coordinator_state((*state)->data);
  return out;
}

}  // namespace leakwatch::cluster
