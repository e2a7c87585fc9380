#include "scan/source_pass.h"

#include <pthread.h>

#include <algorithm>
#include <stdexcept>
#include <thread>

namespace leakwatch::app {

namespace {

// A source's thread mostly waits for the engine; its own work (HTML and JSON parsing,
// Hyperscan, RocksDB writes) needs far less than the 8 MiB default. ASan's red zones make frames
// several times larger.
#if defined(__SANITIZE_ADDRESS__)
constexpr std::size_t kSourceStack = 8u << 20;
#else
constexpr std::size_t kSourceStack = 1u << 20;
#endif

struct ThreadStart {
  const std::function<void(std::size_t)>* body;
  std::size_t index;
};

void* thread_entry(void* arg) {
  const auto* start = static_cast<const ThreadStart*>(arg);
  (*start->body)(start->index);
  return nullptr;
}

}  // namespace

void run_on_small_stacks(std::size_t threads, std::size_t stack_bytes,
                         const std::function<void(std::size_t)>& body) {
  std::vector<ThreadStart> starts(threads);
  std::vector<pthread_t> ids;
  ids.reserve(threads);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr,
                            std::max(stack_bytes, static_cast<std::size_t>(PTHREAD_STACK_MIN)));
  for (std::size_t i = 0; i < threads; ++i) {
    starts[i] = {&body, i};
    pthread_t id;
    if (pthread_create(&id, &attr, thread_entry, &starts[i]) != 0) {
      // Out of threads: run this share on the ones already started (or here, if none).
      if (ids.empty()) body(i);
      break;
    }
    ids.push_back(id);
  }
  pthread_attr_destroy(&attr);
  for (const auto id : ids) pthread_join(id, nullptr);
}

void apply_proxy_caps(crawler::FetchEngine& engine, const config::Config& config) {
  for (const auto& p : config.proxies) {
    engine.set_proxy_cap(p.url, p.max_connections);
  }
}

SourcePass::SourcePass(crawler::FetchEngine& engine, PassOptions options)
    : engine_(engine),
      options_(options),
      gate_(options.cpu_slots ? options.cpu_slots
                              : std::max(1u, std::thread::hardware_concurrency())) {}

void SourcePass::run(const std::vector<const config::SourceConfig*>& sources,
                     const std::vector<SourcePrior>& priors, const config::Config& config,
                     const matcher::FingerprintIndex& index, const std::string& scan_id,
                     const OnDone& on_done) {
  // Never more source threads than requests the engine lets fly: the rest would only wait.
  const std::size_t threads = std::min({std::max<std::size_t>(1, options_.sources_in_flight),
                                        sources.size(), engine_.max_in_flight()});
  {
    const std::lock_guard lock(mutex_);
    sources_ = &sources;
    running_.assign(threads, Running{});
    next_ = 0;
    done_ = 0;
  }
  std::mutex done_mutex;
  run_on_small_stacks(threads, kSourceStack, [&](std::size_t slot) {
    while (true) {
      std::size_t i = 0;
      {
        const std::lock_guard lock(mutex_);
        if (next_ >= sources.size()) {
          running_[slot].busy = false;
          return;
        }
        i = next_++;
        running_[slot] = {i, std::chrono::steady_clock::now(), true};
      }
      SourceOutcome outcome;
      {
        const crawler::CpuGate::Hold working(&gate_);
        crawler::HttpClient client(engine_, &gate_);
        outcome = scan_source(*sources[i], config, index, client, scan_id, priors[i], &gate_);
      }
      {
        // Recording is one at a time and mostly waits for its fsync: it holds no CPU slot, so
        // the other sources' parsing goes on meanwhile.
        const std::lock_guard lock(done_mutex);
        on_done(i, outcome);
      }
      const std::lock_guard lock(mutex_);
      ++done_;
      running_[slot].busy = false;
    }
  });
  const std::lock_guard lock(mutex_);
  sources_ = nullptr;
}

PassProgress SourcePass::progress() const {
  PassProgress p;
  const auto stats = engine_.stats();
  p.requests_done = stats.requests_done;
  p.requests_in_flight = stats.in_flight;
  const auto now = std::chrono::steady_clock::now();
  const std::lock_guard lock(mutex_);
  if (!sources_) return p;
  p.total = sources_->size();
  p.done = done_;
  std::vector<const Running*> busy;
  for (const auto& r : running_) {
    if (r.busy) busy.push_back(&r);
  }
  p.in_flight = busy.size();
  p.waiting = p.total - p.done - p.in_flight;
  std::sort(busy.begin(), busy.end(),
            [](const Running* a, const Running* b) { return a->since < b->since; });
  for (std::size_t k = 0; k < busy.size() && k < 3; ++k) {
    p.slowest.emplace_back((*sources_)[busy[k]->source]->name,
                           std::chrono::duration_cast<std::chrono::seconds>(now - busy[k]->since));
  }
  return p;
}

}  // namespace leakwatch::app
