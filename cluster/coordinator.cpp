#include "cluster/coordinator.h"

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
#include "scan/store_scan.h"

namespace leakwatch::cluster {

namespace {

using std::chrono::milliseconds;

constexpr milliseconds kJobPublishGiveUp{std::chrono::seconds{60}};
constexpr std::size_t kRecentJobs = 10'000;  // job ids recorded lately, remembered in memory

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
  std::map<std::string, std::string> outstanding;  // source -> job id ("" if from before start)

  std::map<std::string, Assembly> assemblies;  // receiver thread only; key job/attempt
  std::set<std::string> recent;                // receiver thread only
  std::deque<std::string> recent_order;

  const matcher::FingerprintIndex* wanted_for = nullptr;  // publisher thread only
  std::shared_ptr<const matcher::FingerprintIndex> wanted_index;
  WantedFiles wanted;

  void publish_loop();
  void publish_job(const config::SourceConfig& source);
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
      if (auto source = n.source_of_job_subject(job_subject)) {
        impl_->outstanding.emplace(*source, "");
      }
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

void Coordinator::Impl::publish_loop() {
  while (true) {
    config::SourceConfig source;
    {
      std::unique_lock lock(mutex);
      queue_wake.wait(lock, [this] { return stopping || !queue.empty(); });
      if (stopping) return;
      source = std::move(queue.front());
      queue.pop_front();
      if (outstanding.contains(source.name)) {
        // Handed out before a restart: its result finishes this run.
        spdlog::info("source={} has a job in the cluster already; not publishing another",
                     source.name);
        continue;
      }
    }
    publish_job(source);
  }
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
  {
    const std::lock_guard lock(mutex);
    outstanding[source.name] = job.id;
  }
  auto published =
      js->publish(js->names().job_subject(source.name), bytes, job.id,
                  {{kJobHeader, job.id}, {kSourceHeader, source.name}}, kJobPublishGiveUp);
  if (!published) {
    {
      const std::lock_guard lock(mutex);
      outstanding.erase(source.name);
    }
    spdlog::error("source={} job not published: {}", source.name, published.error().message);
    daemon::RemoteScanDone d{.source = source.name, .started = job.created, .ended = now()};
    d.record.source = source.name;
    d.record.status = ScanStatus::failed;
    d.record_error = "cluster: job not published: " + published.error().message;
    hooks.done(std::move(d));
    return;
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
    (void)delivery.ack();
    return;
  }
  const auto [index, count] = *chunk;
  const std::string key = *job + "/" + *attempt;
  if (!assemblies.contains(key) && already_recorded(*source, *job, std::nullopt)) {
    // Another try of a job recorded before this coordinator started (its chunks were never
    // completed, or its result came twice): nothing to record.
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
    if (it != outstanding.end() && (it->second.empty() || it->second == job)) outstanding.erase(it);
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
  if (already_recorded(a.source, a.job, crawled.record.started)) {
    spdlog::info("job={} source={} result already recorded (a redelivery): acknowledged", a.job,
                 a.source);
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
  if (auto recorded = hooks.record(outcome); !recorded) {
    // Not acknowledged: the chunks come again after the ack wait and recording is retried.
    spdlog::error("job={} source={} result not recorded: {}", a.job, a.source,
                  recorded.error().message);
    for (auto& c : a.chunks) (void)c->nak(milliseconds{5000});
    d.record = outcome.record;
    d.record_error = recorded.error().message;
    hooks.done(std::move(d));
    return;
  }
  ack_all();
  remember(a.job);
  spdlog::info("job={} source={} worker={} recorded status={} sightings={}", a.job, a.source,
               result->worker, scan_status_name(outcome.record.status), outcome.sightings.size());
  d.sightings = outcome.sightings.size();
  d.record = std::move(outcome.record);
  done(a.source, a.job, std::move(d));
}

}  // namespace leakwatch::cluster
