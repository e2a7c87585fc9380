#include "cluster/worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>
#include <vector>

#include "cluster/jetstream.h"
#include "cluster/messages.h"
#include "model/digest.h"
#include "net/fetch_engine.h"
#include "net/http_client.h"
#include "scan/source_pass.h"

namespace leakwatch::cluster {

namespace {

using std::chrono::milliseconds;

// Room left in a message for its headers (Nats-Msg-Id, the Leakwatch-* ones): headers count
// toward max_payload.
constexpr std::size_t kHeaderRoom = 4096;
constexpr milliseconds kPublishGiveUp{std::chrono::minutes{2}};

std::string random_hex(std::size_t bytes) {
  std::random_device rd;
  std::vector<std::uint8_t> b(bytes);
  for (auto& x : b) x = static_cast<std::uint8_t>(rd());
  return to_hex(b);
}

// Calls in_progress() on a job until stopped, so the ack wait never passes while it works.
class KeepAlive {
 public:
  KeepAlive(Delivery& job, milliseconds every) {
    thread_ = std::thread([this, &job, every] {
      std::unique_lock lock(mutex_);
      while (!wake_.wait_for(lock, every, [this] { return stop_; })) {
        if (auto r = job.in_progress(); !r) spdlog::debug("job keep-alive: {}", r.error().message);
      }
    });
  }
  ~KeepAlive() { stop(); }
  void stop() {
    {
      const std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace

bool valid_worker_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

struct Worker::Impl {
  explicit Impl(const WorkerOptions& o)
      : options(o),
        engine(o.max_in_flight),
        gate(std::max(1u, std::thread::hardware_concurrency())) {}
  config::Config config;
  WorkerOptions options;
  // Every job's fetches on one loop, with the caps of `scan`; CPU work (parsing, hashing) of
  // the jobs holds a slot of the gate, a job waiting for the network none. Declared before the
  // slots, so it outlives every job.
  crawler::FetchEngine engine;
  crawler::CpuGate gate;
  std::unique_ptr<JetStream> js;
  std::vector<std::thread> slots;
  std::thread heartbeat;
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> jobs_done{0}, jobs_refused{0};
  std::atomic<int> jobs_running{0};
  std::mutex stop_mutex;
  std::condition_variable stop_wake;
  int slots_left = 0;  // guarded by stop_mutex

  void slot_loop(std::unique_ptr<PullConsumer> consumer);
  void work(Delivery& delivery);
  void heartbeat_loop();
  void publish_heartbeat();
};

void Worker::Impl::slot_loop(std::unique_ptr<PullConsumer> consumer) {
  while (!stopping) {
    auto got = consumer->fetch(1, milliseconds{1000});
    if (!got) {
      spdlog::debug("worker={} {}", options.name, got.error().message);
      std::this_thread::sleep_for(milliseconds{500});
      continue;
    }
    for (auto& delivery : *got) {
      ++jobs_running;
      work(delivery);
      --jobs_running;
    }
  }
  const std::lock_guard lock(stop_mutex);
  --slots_left;
  stop_wake.notify_all();
}

void Worker::Impl::work(Delivery& delivery) {
  auto job = decode_job(delivery.data());
  if (!job) {
    spdlog::error("worker={} job on {} not readable, dropped: {}", options.name, delivery.subject(),
                  job.error().message);
    (void)delivery.term();
    return;
  }
  const auto& source = job->source;
  if (source.proxy && config.proxies_for(*source.proxy).empty()) {
    // Never fetched without its proxy: handed back for a worker that has it.
    ++jobs_refused;
    spdlog::warn(
        "worker={} refuses job={} source={}: proxy '{}' is not configured on this worker (its "
        "[[proxy]] entries); the job goes back to the queue",
        options.name, job->id, source.name, *source.proxy);
    (void)delivery.nak(config.cluster.ack_wait);
    return;
  }
  spdlog::info("worker={} job={} source={} attempt={}", options.name, job->id, source.name,
               delivery.times_delivered());
  KeepAlive alive(delivery, std::max(milliseconds{1000}, config.cluster.ack_wait / 4));
  ScanResult result{.job_id = job->id, .worker = options.name};
  {
    const crawler::CpuGate::Hold working(&gate);
    crawler::HttpClient client(engine, &gate);
    result.crawled =
        app::crawl_for_scan(source, config, crawl_wants(job->wanted), client, job->id, {}, &gate);
  }
  auto bytes = encode_result(result, config.cluster.max_result_bytes);
  if (!bytes) {
    // Too big to carry: the coordinator records a failed scan that says why.
    auto& rec = result.crawled.record;
    rec.status = ScanStatus::failed;
    rec.error = "source '" + source.name + "': " + bytes.error().message;
    result.crawled.manifest.entries.clear();
    result.crawled.manifest.texts.clear();
    result.crawled.torrents.clear();
    bytes = encode_result(result, config.cluster.max_result_bytes);
    if (!bytes) {
      spdlog::error("worker={} job={} result not encodable: {}", options.name, job->id,
                    bytes.error().message);
      return;
    }
  }
  const std::size_t room =
      js->max_payload() > 2 * kHeaderRoom ? js->max_payload() - kHeaderRoom : js->max_payload() / 2;
  const auto chunks = split_chunks(*bytes, room);
  // Each try of a job publishes under its own attempt id, so chunks of two tries never mix.
  const std::string attempt = random_hex(6);
  const std::string count = std::to_string(chunks.size());
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    const std::vector<Header> headers = {{kJobHeader, job->id},
                                         {kSourceHeader, source.name},
                                         {kAttemptHeader, attempt},
                                         {kWorkerHeader, options.name},
                                         {kChunkHeader, std::to_string(i) + "/" + count}};
    auto published =
        js->publish(js->names().result_subject(source.name), chunks[i],
                    job->id + "." + attempt + "." + std::to_string(i), headers, kPublishGiveUp);
    if (!published) {
      // Not acknowledged: the job is handed out again after the ack wait.
      spdlog::error("worker={} job={} result not stored: {}", options.name, job->id,
                    published.error().message);
      return;
    }
  }
  alive.stop();
  if (auto acked = delivery.ack(); !acked) {
    spdlog::warn(
        "worker={} job={} result stored, ack failed ({}): it will be redelivered and "
        "recorded once",
        options.name, job->id, acked.error().message);
  }
  ++jobs_done;
  spdlog::info("worker={} job={} source={} done status={} entries={} chunks={} bytes={}",
               options.name, job->id, source.name, scan_status_name(result.crawled.record.status),
               result.crawled.record.entries_seen, chunks.size(), bytes->size());
  publish_heartbeat();
}

void Worker::Impl::publish_heartbeat() {
  // What a job's `proxy` may name: a [[proxy]] or a pool of them.
  std::vector<std::string> proxies;
  for (const auto& p : config.proxies) {
    for (const auto& name : {p.name, p.pool}) {
      if (!name.empty() && std::find(proxies.begin(), proxies.end(), name) == proxies.end()) {
        proxies.push_back(name);
      }
    }
  }
  const nlohmann::json beat = {{"worker", options.name},
                               {"time", format_rfc3339(now())},
                               {"jobs_done", jobs_done.load()},
                               {"jobs_running", jobs_running.load()},
                               {"jobs_refused", jobs_refused.load()},
                               {"slots", options.jobs},
                               {"proxies", proxies}};
  auto published = js->publish(js->names().heartbeat_subject(options.name), beat.dump(),
                               options.name + "." + random_hex(6), {}, milliseconds{2000});
  if (!published) spdlog::debug("worker={} heartbeat: {}", options.name, published.error().message);
}

void Worker::Impl::heartbeat_loop() {
  std::unique_lock lock(stop_mutex);
  while (true) {
    lock.unlock();
    publish_heartbeat();
    lock.lock();
    if (stop_wake.wait_for(lock, config.cluster.heartbeat, [this] { return slots_left == 0; })) {
      break;
    }
  }
}

Result<std::unique_ptr<Worker>> Worker::start(const config::Config& config,
                                              const WorkerOptions& options) {
  if (!config.cluster.enabled()) {
    return Error{"worker: no [cluster] in the config (servers to take jobs from)"};
  }
  auto impl = std::make_unique<Impl>(options);
  impl->config = config;
  app::apply_proxy_caps(impl->engine, config);
  auto js = JetStream::connect(config.cluster, "leakwatch-worker-" + options.name);
  if (!js) return js.error();
  impl->js = std::move(js).value();
  if (auto ensured = impl->js->ensure_streams(); !ensured) return ensured.error();
  std::vector<std::unique_ptr<PullConsumer>> consumers;
  for (int i = 0; i < options.jobs; ++i) {
    auto consumer =
        impl->js->pull(impl->js->names().jobs_stream, impl->js->names().workers_consumer);
    if (!consumer) return consumer.error();
    consumers.push_back(std::move(consumer).value());
  }
  impl->slots_left = options.jobs;
  auto* self = impl.get();
  for (auto& consumer : consumers) {
    impl->slots.emplace_back(
        [self, c = std::move(consumer)]() mutable { self->slot_loop(std::move(c)); });
  }
  impl->heartbeat = std::thread([self] { self->heartbeat_loop(); });
  std::vector<std::string> proxies;
  for (const auto& p : config.proxies) proxies.push_back(p.name);
  std::string proxy_list;
  for (const auto& p : proxies) proxy_list += (proxy_list.empty() ? "" : ",") + p;
  spdlog::info("worker started name={} jobs={} max_in_flight={} proxies={}", options.name,
               options.jobs, options.max_in_flight, proxy_list.empty() ? "none" : proxy_list);
  return std::make_unique<Worker>(std::move(impl));
}

Worker::Worker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Worker::~Worker() {
  // The command stops it with its grace first (and exits at once when that runs out).
  if (impl_) (void)stop(std::chrono::hours{24});
}

bool Worker::stop(milliseconds grace) {
  if (!impl_) return true;
  impl_->stopping = true;
  bool clean = false;
  {
    std::unique_lock lock(impl_->stop_mutex);
    clean = impl_->stop_wake.wait_for(lock, grace + milliseconds{1500},
                                      [this] { return impl_->slots_left == 0; });
  }
  if (!clean) return false;  // the caller exits; unacknowledged jobs are redelivered
  for (auto& t : impl_->slots) t.join();
  if (impl_->heartbeat.joinable()) impl_->heartbeat.join();
  impl_->slots.clear();
  impl_.reset();
  return true;
}

}  // namespace leakwatch::cluster
