#include "cluster/coordinator.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "cluster/jetstream.h"
#include "cluster/messages.h"
#include "cluster/status.h"
#include "daemon/metrics.h"
#include "scan/store_scan.h"

namespace leakwatch::cluster {

namespace {

using std::chrono::milliseconds;

constexpr milliseconds kJobPublishGiveUp{std::chrono::seconds{60}};
constexpr std::size_t kRecentJobs = 10'000;  // job ids recorded lately, remembered in memory
constexpr milliseconds kDeadlineCheck{std::chrono::seconds{1}};
constexpr milliseconds kGaugeRefresh{std::chrono::seconds{5}};
constexpr std::size_t kGivenUpKept = 20;  // jobs given up that `cluster status` shows

// A job in the cluster whose result is not recorded yet.
struct Outstanding {
  std::string job;  // "" when only its result was found at start (no deadline then)
  Timestamp published{};
  std::uint64_t seq = 0;  // in the jobs stream (0: not known)
  std::optional<std::string> proxy;
  std::string locator;
};

std::string duration_text(milliseconds d) {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

// One worker's try of one job, chunk by chunk.
struct Assembly {
  std::string job, source;
  std::vector<std::optional<Delivery>> chunks;
  std::size_t received = 0;
};

std::optional<std::pair<std::size_t, std::size_t>> parse_chunk(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  try {
    const auto index = std::stoull(text.substr(0, slash));
    const auto count = std::stoull(text.substr(slash + 1));
    if (count == 0 || count > 1'000'000 || index >= count) return std::nullopt;
    return std::pair{static_cast<std::size_t>(index), static_cast<std::size_t>(count)};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

struct Coordinator::Impl {
  config::ClusterConfig cluster;
  daemon::RemoteScanHooks hooks;
  std::unique_ptr<JetStream> js;
  std::thread publisher, receiver;
  std::atomic<bool> stopping{false};

  std::mutex mutex;  // queue, outstanding
  std::condition_variable queue_wake;
  std::deque<config::SourceConfig> queue;
  // Sources with a job or a result in the streams: no second job until its result is recorded.
  std::map<std::string, Outstanding> outstanding;

  // A result and the job_deadline of its job are recorded one at a time: whichever comes first
  // makes the scan record, the other finds it and records nothing.
  std::mutex record_mutex;

  std::map<std::string, Assembly> assemblies;  // receiver thread only; key job/attempt
  std::set<std::string> recent;                // receiver thread only
  std::deque<std::string> recent_order;

  // For /metrics and `cluster status` (the state message).
  std::atomic<std::uint64_t> jobs_published{0}, job_publish_failures{0}, jobs_given_up{0},
      results_recorded{0}, results_duplicate{0}, results_unreadable{0};
  mutable std::mutex gauges_mutex;  // what follows
  std::optional<ConsumerCounts> jobs_counts, results_counts;
  std::vector<WorkerSeen> workers;
  std::deque<JobGivenUp> given_up;
  bool state_changed = true;

  const matcher::FingerprintIndex* wanted_for = nullptr;  // publisher thread only
  std::shared_ptr<const matcher::FingerprintIndex> wanted_index;
  WantedFiles wanted;

  void publish_loop();
  void publish_job(const config::SourceConfig& source);
  void check_deadlines();
  void give_up(const std::string& source, const Outstanding& o);
  std::string give_up_reason(const Outstanding& o) const;
  void refresh_gauges();
  void publish_state();
  std::string metrics_text() const;
  // A scan that made no result (its job could not be published, or was given up), recorded as
  // failed with `reason`, unless its record exists already.
  void record_failure(const std::string& source, const Outstanding& o, const std::string& reason);
  void receive_loop();
  void take(Delivery delivery);
  void complete(Assembly& assembly);
  bool already_recorded(const std::string& source, const std::string& job,
                        std::optional<Timestamp> started) const;
  void remember(const std::string& job);
  void done(const std::string& source, const std::string& job, daemon::RemoteScanDone d);
};

Coordinator::Coordinator(config::ClusterConfig cluster) : impl_(std::make_unique<Impl>()) {
  impl_->cluster = std::move(cluster);
}

Coordinator::~Coordinator() {
  stop();
}

Result<void> Coordinator::start(daemon::RemoteScanHooks hooks) {
  impl_->hooks = std::move(hooks);
  auto js = JetStream::connect(impl_->cluster, "leakwatch-coordinator");
  if (!js) return js.error();
  impl_->js = std::move(js).value();
  if (auto ensured = impl_->js->ensure_streams(); !ensured) return ensured;
  const auto& n = impl_->js->names();
  // Jobs still queued or in flight, and results not yet recorded, from before this start.
  for (const auto& [stream, filter] : {std::pair{n.jobs_stream, n.prefix + ".jobs.>"},
                                       std::pair{n.results_stream, n.prefix + ".results.>"}}) {
    auto subjects = impl_->js->subjects_with_messages(stream, filter);
    if (!subjects) return subjects.error();
    for (const auto& subject : *subjects) {
      auto job_subject = subject;
      if (stream == n.results_stream) {
        job_subject = n.prefix + ".jobs." + subject.substr(n.prefix.size() + 9);
      }
      const auto source = n.source_of_job_subject(job_subject);
      if (!source) continue;
      Outstanding o;
      if (stream == n.jobs_stream) {
        // The job itself: its id, when it was published and what proxy it needs, for its
        // job_deadline.
        auto last = impl_->js->last_message(stream, subject);
        if (!last) return last.error();
        if (*last) {
          if (auto job = decode_job((*last)->data)) {
            o = Outstanding{.job = job->id,
                            .published = job->created,
                            .seq = (*last)->seq,
                            .proxy = job->source.proxy,
                            .locator = job->source.url};
          }
        }
      }
      impl_->outstanding.emplace(*source, std::move(o));
    }
  }
  auto consumer = impl_->js->pull(n.results_stream, n.coordinator_consumer);
  if (!consumer) return consumer.error();
  spdlog::info("cluster coordinator started outstanding_from_before={}", impl_->outstanding.size());
  auto* self = impl_.get();
  impl_->publisher = std::thread([self] { self->publish_loop(); });
  impl_->receiver = std::thread([self, c = std::move(consumer).value()]() mutable {
    while (!self->stopping) {
      auto got = c->fetch(64, milliseconds{500});
      if (!got) {
        spdlog::debug("cluster results: {}", got.error().message);
        std::this_thread::sleep_for(milliseconds{250});
        continue;
      }
      for (auto& d : *got) self->take(std::move(d));
    }
  });
  return {};
}

void Coordinator::submit(const config::SourceConfig& source) {
  {
    const std::lock_guard lock(impl_->mutex);
    impl_->queue.push_back(source);
  }
  impl_->queue_wake.notify_one();
}

void Coordinator::stop() {
  if (!impl_) return;
  impl_->stopping = true;
  impl_->queue_wake.notify_all();
  if (impl_->publisher.joinable()) impl_->publisher.join();
  if (impl_->receiver.joinable()) impl_->receiver.join();
}

std::string Coordinator::metrics_text() const {
  return impl_->metrics_text();
}

void Coordinator::Impl::publish_loop() {
  auto last_deadline_check = std::chrono::steady_clock::time_point{};
  auto last_gauges = std::chrono::steady_clock::time_point{};
  while (true) {
    std::optional<config::SourceConfig> source;
    {
      std::unique_lock lock(mutex);
      queue_wake.wait_for(lock, kDeadlineCheck, [this] { return stopping || !queue.empty(); });
      if (stopping) return;
      if (!queue.empty()) {
        source = std::move(queue.front());
        queue.pop_front();
        if (outstanding.contains(source->name)) {
          // Handed out before a restart: its result finishes this run.
          spdlog::info("source={} has a job in the cluster already; not publishing another",
                       source->name);
          source.reset();
        }
      }
    }
    if (source) publish_job(*source);
    const auto clock = std::chrono::steady_clock::now();
    if (clock - last_deadline_check >= kDeadlineCheck) {
      check_deadlines();
      last_deadline_check = clock;
    }
    if (clock - last_gauges >= kGaugeRefresh) {
      refresh_gauges();
      publish_state();
      last_gauges = clock;
    }
  }
}

void Coordinator::Impl::check_deadlines() {
  std::vector<std::pair<std::string, Outstanding>> late;
  {
    const std::lock_guard lock(mutex);
    const auto limit = now() - cluster.job_deadline;
    for (const auto& [source, o] : outstanding) {
      if (!o.job.empty() && o.published < limit) late.emplace_back(source, o);
    }
  }
  for (const auto& [source, o] : late) give_up(source, o);
}

std::string Coordinator::Impl::give_up_reason(const Outstanding& o) const {
  auto seen = workers_seen(*js);
  std::string names;
  bool with_proxy = false;
  if (seen) {
    for (const auto& w : *seen) {
      names += (names.empty() ? "" : ", ") + w.name;
      if (o.proxy && worker_has_proxy(w, *o.proxy)) with_proxy = true;
    }
  }
  if (names.empty()) names = seen ? "none" : "unknown: " + seen.error().message;
  const std::string waited =
      "no result within [cluster] job_deadline " + duration_text(cluster.job_deadline);
  if (o.proxy && !with_proxy) {
    return "cluster: no worker has proxy '" + *o.proxy + "' (workers seen: " + names +
           "), so every worker refused the job; " + waited +
           ", given up (a source with a proxy is never fetched without it)";
  }
  return "cluster: " + waited + ", given up (workers seen: " + names + ")";
}

void Coordinator::Impl::give_up(const std::string& source, const Outstanding& o) {
  const auto reason = give_up_reason(o);
  // Off the queue first, so no worker starts it now; one in flight may still finish, and its
  // result then finds this record and is dropped.
  if (o.seq != 0) {
    if (auto deleted = js->delete_message(js->names().jobs_stream, o.seq); !deleted) {
      spdlog::warn("job={} source={} not taken off the queue: {}", o.job, source,
                   deleted.error().message);
    }
  }
  spdlog::error("job={} source={} given up: {}", o.job, source, reason);
  ++jobs_given_up;
  {
    const std::lock_guard lock(gauges_mutex);
    given_up.push_back(JobGivenUp{
        .source = source, .job = o.job, .time = format_rfc3339(now()), .reason = reason});
    while (given_up.size() > kGivenUpKept) given_up.pop_front();
    state_changed = true;
  }
  record_failure(source, o, reason);
  publish_state();
}

void Coordinator::Impl::record_failure(const std::string& source, const Outstanding& o,
                                       const std::string& reason) {
  app::SourceOutcome outcome;
  auto& rec = outcome.record;
  rec.scan_id = o.job;
  rec.source = source;
  rec.locator = o.locator;
  rec.started = o.published;
  rec.ended = now();
  rec.status = ScanStatus::failed;
  rec.error = reason;
  daemon::RemoteScanDone d{.source = source, .started = rec.started, .ended = rec.ended};
  {
    const std::lock_guard lock(record_mutex);
    if (already_recorded(source, o.job, o.published)) {
      // Its result came first after all.
      const std::lock_guard olock(mutex);
      if (const auto it = outstanding.find(source);
          it != outstanding.end() && it->second.job == o.job)
        outstanding.erase(it);
      return;
    }
    if (auto state = hooks.store->get_source_state(source); state && *state) {
      if ((*state)->consecutive_failures + 1 >= app::kDownAfterFailures) rec.marked_down = true;
    }
    if (auto recorded = hooks.record(outcome); !recorded) {
      d.record_error = recorded.error().message;
    }
  }
  d.record = outcome.record;
  done(source, o.job, std::move(d));
}

void Coordinator::Impl::refresh_gauges() {
  const auto& n = js->names();
  auto jobs = js->consumer_counts(n.jobs_stream, n.workers_consumer);
  auto results = js->consumer_counts(n.results_stream, n.coordinator_consumer);
  auto seen = workers_seen(*js);
  const std::lock_guard lock(gauges_mutex);
  jobs_counts = jobs ? std::optional<ConsumerCounts>(*jobs) : std::nullopt;
  results_counts = results ? std::optional<ConsumerCounts>(*results) : std::nullopt;
  if (seen) workers = std::move(seen).value();
}

void Coordinator::Impl::publish_state() {
  CoordinatorState state{.time = format_rfc3339(now()),
                         .jobs_published = jobs_published,
                         .job_publish_failures = job_publish_failures,
                         .jobs_given_up = jobs_given_up,
                         .results_recorded = results_recorded,
                         .results_duplicate = results_duplicate};
  {
    const std::lock_guard lock(gauges_mutex);
    state.given_up.assign(given_up.begin(), given_up.end());
  }
  auto published = js->publish(js->names().state_subject(), encode_coordinator_state(state),
                               "state." + app::new_scan_id(), {}, milliseconds{2000});
  if (!published) spdlog::debug("cluster state: {}", published.error().message);
}

std::string Coordinator::Impl::metrics_text() const {
  std::string out;
  const auto family = [&](std::string_view name, std::string_view type, std::string_view help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  const auto sample = [&](std::string_view name, const std::string& labels, std::uint64_t value) {
    out += name;
    if (!labels.empty()) out += "{" + labels + "}";
    out += " " + std::to_string(value) + "\n";
  };
  const auto counter = [&](std::string_view name, std::string_view help, std::uint64_t value) {
    family(name, "counter", help);
    sample(name, "", value);
  };
  counter("leakwatch_cluster_jobs_published_total", "Scan jobs published to the jobs stream.",
          jobs_published);
  counter("leakwatch_cluster_job_publish_failures_total",
          "Scan jobs that could not be published (recorded as failed scans).",
          job_publish_failures);
  counter("leakwatch_cluster_jobs_given_up_total",
          "Scan jobs given up after [cluster] job_deadline (recorded as failed scans).",
          jobs_given_up);
  counter("leakwatch_cluster_results_recorded_total", "Worker results recorded in the store.",
          results_recorded);
  counter("leakwatch_cluster_results_duplicate_total",
          "Worker results dropped because their scan was recorded already (redeliveries).",
          results_duplicate);
  counter("leakwatch_cluster_results_unreadable_total",
          "Worker results dropped because they could not be read.", results_unreadable);
  const std::lock_guard lock(gauges_mutex);
  const auto gauge = [&](std::string_view name, std::string_view help,
                         const std::optional<ConsumerCounts>& counts,
                         std::uint64_t ConsumerCounts::*field) {
    family(name, "gauge", help);
    if (counts) sample(name, "", (*counts).*field);
  };
  gauge("leakwatch_cluster_jobs_pending", "Jobs queued, not yet taken by a worker.", jobs_counts,
        &ConsumerCounts::pending);
  gauge("leakwatch_cluster_jobs_in_flight", "Jobs taken by a worker, not yet acknowledged.",
        jobs_counts, &ConsumerCounts::in_flight);
  gauge("leakwatch_cluster_jobs_redelivered", "Jobs in flight that were handed out more than once.",
        jobs_counts, &ConsumerCounts::redelivered);
  family("leakwatch_cluster_results_waiting", "gauge",
         "Result chunks stored, not yet recorded by the coordinator.");
  if (results_counts) {
    sample("leakwatch_cluster_results_waiting", "",
           results_counts->pending + results_counts->in_flight);
  }
  family("leakwatch_cluster_workers_seen", "gauge", "Workers with a heartbeat in the stream.");
  sample("leakwatch_cluster_workers_seen", "", workers.size());
  family("leakwatch_cluster_worker_jobs_done_total", "counter",
         "Jobs a worker process finished (from its last heartbeat).");
  for (const auto& w : workers) {
    sample("leakwatch_cluster_worker_jobs_done_total",
           "worker=\"" + daemon::escape_label_value(w.name) + "\"", w.jobs_done);
  }
  family("leakwatch_cluster_worker_jobs_refused_total", "counter",
         "Jobs a worker process refused for want of their proxy (from its last heartbeat).");
  for (const auto& w : workers) {
    sample("leakwatch_cluster_worker_jobs_refused_total",
           "worker=\"" + daemon::escape_label_value(w.name) + "\"", w.jobs_refused);
  }
  family("leakwatch_cluster_worker_last_heartbeat_timestamp_seconds", "gauge",
         "Unix time of a worker's last heartbeat.");
  for (const auto& w : workers) {
    if (const auto t = parse_rfc3339(w.last_heartbeat)) {
      sample("leakwatch_cluster_worker_last_heartbeat_timestamp_seconds",
             "worker=\"" + daemon::escape_label_value(w.name) + "\"",
             static_cast<std::uint64_t>(to_unix_ms(*t) / 1000));
    }
  }
  return out;
}

void Coordinator::Impl::publish_job(const config::SourceConfig& source) {
  auto index = hooks.index();
  if (index.get() != wanted_for) {
    wanted = wanted_files(*index);
    wanted_for = index.get();
    wanted_index = index;
  }
  Job job{.id = app::new_scan_id(), .created = now(), .source = source, .wanted = wanted};
  const auto bytes = encode_job(job);
  const Outstanding o{
      .job = job.id, .published = job.created, .proxy = source.proxy, .locator = source.url};
  {
    const std::lock_guard lock(mutex);
    outstanding[source.name] = o;
  }
  auto published =
      js->publish(js->names().job_subject(source.name), bytes, job.id,
                  {{kJobHeader, job.id}, {kSourceHeader, source.name}}, kJobPublishGiveUp);
  if (!published) {
    // The scan failed in the cluster, not in the store: a failed scan record that says so.
    ++job_publish_failures;
    const auto reason = "cluster: job not published: " + published.error().message;
    spdlog::error("source={} {}", source.name, reason);
    record_failure(source.name, o, reason);
    return;
  }
  ++jobs_published;
  {
    const std::lock_guard lock(mutex);
    if (const auto it = outstanding.find(source.name);
        it != outstanding.end() && it->second.job == job.id) {
      it->second.seq = *published;
    }
  }
  spdlog::info("job published job={} source={} bytes={}", job.id, source.name, bytes.size());
}

void Coordinator::Impl::take(Delivery delivery) {
  const auto job = delivery.header(kJobHeader);
  const auto source = delivery.header(kSourceHeader);
  const auto attempt = delivery.header(kAttemptHeader);
  const auto chunk_text = delivery.header(kChunkHeader);
  const auto chunk = chunk_text ? parse_chunk(*chunk_text) : std::nullopt;
  if (!job || !source || !attempt || !chunk) {
    spdlog::error("cluster result on {} without its headers: dropped", delivery.subject());
    (void)delivery.term();
    return;
  }
  if (recent.contains(*job)) {  // another try of a job already recorded
    if (*chunk == std::pair<std::size_t, std::size_t>{0, chunk->second}) ++results_duplicate;
    (void)delivery.ack();
    return;
  }
  const auto [index, count] = *chunk;
  const std::string key = *job + "/" + *attempt;
  if (!assemblies.contains(key) && already_recorded(*source, *job, std::nullopt)) {
    // Another try of a job recorded before this coordinator started (its chunks were never
    // completed, or its result came twice), or given up: nothing to record.
    ++results_duplicate;
    remember(*job);
    (void)delivery.ack();
    return;
  }
  auto& a = assemblies[key];
  if (a.chunks.empty()) {
    a.job = *job;
    a.source = *source;
    a.chunks.resize(count);
  }
  if (a.chunks.size() != count) {
    spdlog::error("job={} attempt={} chunk counts disagree: dropped", *job, *attempt);
    (void)delivery.term();
    return;
  }
  if (!a.chunks[index]) ++a.received;
  a.chunks[index] = std::move(delivery);  // a redelivered chunk replaces the copy held
  if (a.received == count) {
    complete(a);
    assemblies.erase(key);
  }
}

bool Coordinator::Impl::already_recorded(const std::string& source, const std::string& job,
                                         std::optional<Timestamp> started) const {
  bool found = false;
  store::ScanFilter filter{.source = source};
  if (started) filter.since = *started - std::chrono::hours{1};
  auto listed = hooks.store->for_each_scan(filter, [&](const ScanRecord& r) {
    if (r.scan_id == job) found = true;
    return !found;
  });
  if (!listed) spdlog::warn("source={} scans not readable: {}", source, listed.error().message);
  return found;
}

void Coordinator::Impl::remember(const std::string& job) {
  // Chunks held of other tries of this job (a worker that died while publishing) are done with.
  for (auto it = assemblies.begin(); it != assemblies.end();) {
    if (it->second.job == job && it->second.received < it->second.chunks.size()) {
      for (auto& c : it->second.chunks) {
        if (c) (void)c->ack();
      }
      it = assemblies.erase(it);
    } else {
      ++it;
    }
  }
  if (recent.insert(job).second) recent_order.push_back(job);
  while (recent_order.size() > kRecentJobs) {
    recent.erase(recent_order.front());
    recent_order.pop_front();
  }
}

void Coordinator::Impl::done(const std::string& source, const std::string& job,
                             daemon::RemoteScanDone d) {
  {
    const std::lock_guard lock(mutex);
    const auto it = outstanding.find(source);
    if (it != outstanding.end() && (it->second.job.empty() || it->second.job == job)) {
      outstanding.erase(it);
    }
    // A scan of this source asked for before this result was recorded is answered by it: the
    // daemon takes this as the end of that scan. Published as well, it would scan the source
    // twice (a restarted coordinator's first due sources, whose jobs from before the restart
    // finish while they wait here).
    if (std::erase_if(queue, [&](const config::SourceConfig& s) { return s.name == source; }) > 0) {
      spdlog::info("source={} job={} recorded while a scan of it waited: not publishing another",
                   source, job);
    }
  }
  hooks.done(std::move(d));
}

void Coordinator::Impl::complete(Assembly& a) {
  const auto ack_all = [&] {
    for (auto& c : a.chunks) {
      if (auto acked = c->ack(); !acked) {
        spdlog::warn("job={} result chunk ack: {}", a.job, acked.error().message);
      }
    }
  };
  std::string bytes;
  for (const auto& c : a.chunks) bytes.append(c->data());
  auto result = decode_result(bytes, cluster.max_result_bytes);
  if (!result) {
    spdlog::error("job={} source={} result not readable, dropped: {}", a.job, a.source,
                  result.error().message);
    ++results_unreadable;
    for (auto& c : a.chunks) (void)c->term();
    return;
  }
  auto& crawled = result->crawled;
  if (crawled.record.scan_id != a.job || crawled.record.source != a.source) {
    spdlog::error("job={} result names job={} source={}: dropped", a.job, crawled.record.scan_id,
                  crawled.record.source);
    for (auto& c : a.chunks) (void)c->term();
    return;
  }
  std::unique_lock record_lock(record_mutex);  // against a job_deadline running out now
  if (already_recorded(a.source, a.job, crawled.record.started)) {
    record_lock.unlock();
    spdlog::info(
        "job={} source={} result already recorded (a redelivery, or given up): acknowledged", a.job,
        a.source);
    ++results_duplicate;
    ack_all();
    remember(a.job);
    return;
  }
  if (auto state = hooks.store->get_source_state(a.source); state && *state) {
    if (crawled.record.status == ScanStatus::failed &&
        (*state)->consecutive_failures + 1 >= app::kDownAfterFailures) {
      crawled.record.marked_down = true;
    }
  }
  const auto config = hooks.config();
  const auto index = hooks.index();
  auto outcome = app::score_crawled(std::move(crawled), *config, *index);
  daemon::RemoteScanDone d{
      .source = a.source, .started = outcome.record.started, .ended = outcome.record.ended};
  auto recorded = hooks.record(outcome);
  record_lock.unlock();
  if (!recorded) {
    // Not acknowledged: the chunks come again after the ack wait and recording is retried.
    spdlog::error("job={} source={} result not recorded: {}", a.job, a.source,
                  recorded.error().message);
    for (auto& c : a.chunks) (void)c->nak(milliseconds{5000});
    d.record = outcome.record;
    d.record_error = recorded.error().message;
    hooks.done(std::move(d));
    return;
  }
  ++results_recorded;
  ack_all();
  remember(a.job);
  spdlog::info("job={} source={} worker={} recorded status={} sightings={}", a.job, a.source,
               result->worker, scan_status_name(outcome.record.status), outcome.sightings.size());
  d.sightings = outcome.sightings.size();
  d.record = std::move(outcome.record);
  done(a.source, a.job, std::move(d));
}

}  // namespace leakwatch::cluster
