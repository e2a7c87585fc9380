#include "net/fetch_engine.h"

#include <curl/curl.h>

#include <algorithm>
#include <deque>
#include <random>
#include <thread>
#include <unordered_map>
#include <utility>

#include "net/curl_exchange.h"
#include "net/fetch_scheduler.h"

namespace leakwatch::crawler {

using detail::ChunkRelay;
using detail::conclude;
using detail::CurlDeleter;
using detail::Exchange;
using detail::follow_redirect;
using detail::MultiDeleter;
using detail::prepare;
using detail::transient;

CpuGate::CpuGate(std::size_t slots) : slots_(std::max<std::size_t>(1, slots)), free_(slots_) {}

void CpuGate::acquire() {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [&] { return free_ > 0; });
  --free_;
}

void CpuGate::release() {
  {
    const std::lock_guard lock(mutex_);
    ++free_;
  }
  cv_.notify_one();
}

namespace {

// Bytes of a streamed body that may wait for its reader before the transfer pauses.
constexpr std::size_t kRelayBytes = 256u << 10;

// One call of a client (one get() or get_each()): where its answers and chunks go. Shared by
// the caller's thread and the loop, under its mutex.
struct Call {
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<std::pair<std::size_t, Result<HttpResponse>>> done;
  std::deque<std::string> chunks;  // a streamed body, in order
  std::size_t buffered = 0;
  bool paused = false;   // the transfer waits for the reader to drain `chunks`
  bool stopped = false;  // the reader's sink said stop
};

class CallRelay final : public ChunkRelay {
 public:
  explicit CallRelay(Call& call) : call_(call) {}
  Take offer(std::span<const std::uint8_t> chunk) override {
    const std::lock_guard lock(call_.mutex);
    if (call_.stopped) return Take::stop;
    if (call_.buffered >= kRelayBytes) {
      call_.paused = true;
      return Take::pause;
    }
    call_.chunks.emplace_back(reinterpret_cast<const char*>(chunk.data()), chunk.size());
    call_.buffered += chunk.size();
    call_.cv.notify_one();
    return Take::taken;
  }

 private:
  Call& call_;
};

struct Job {
  std::uint64_t id = 0;
  std::uint64_t lane = 0;
  HttpRequest request;
  Concurrency concurrency;
  std::shared_ptr<Call> call;
  std::size_t index = 0;  // in the caller's request list
  bool stream = false;    // chunks go to the caller's sink
  int attempt = 0;
  FetchSlot slot;
};

struct Live {
  std::unique_ptr<CURL, CurlDeleter> handle;
  std::unique_ptr<Exchange> exchange;
  std::unique_ptr<CallRelay> relay;
  Job job;
};

void deliver(Job& job, Result<HttpResponse> result) {
  {
    const std::lock_guard lock(job.call->mutex);
    job.call->done.emplace_back(job.index, std::move(result));
  }
  job.call->cv.notify_all();
}

FetchSlot slot_for(const HttpRequest& request, const Concurrency& concurrency) {
  FetchSlot slot;
  if (const auto url = parse_url(request.url)) slot.host = url->host;
  slot.proxy = FetchEngine::proxy_key(request.proxy_url);
  slot.lane_cap = concurrency.in_flight;
  slot.host_cap = concurrency.per_host;
  slot.interval = concurrency.interval;
  return slot;
}

}  // namespace

struct FetchEngine::Loop {
  explicit Loop(std::size_t max_in_flight) : scheduler(max_in_flight) {
    thread = std::thread([this] { run(); });
  }
  ~Loop() {
    {
      const std::lock_guard lock(mutex);
      stopping = true;
    }
    curl_multi_wakeup(multi.get());
    thread.join();
  }

  void submit(std::vector<Job> jobs) {
    {
      const std::lock_guard lock(mutex);
      if (!stopping) {
        waiting += jobs.size();
        for (auto& j : jobs) incoming.push_back(std::move(j));
        jobs.clear();
      }
    }
    for (auto& j : jobs) deliver(j, Error{j.request.url + ": fetch engine stopped"});
    curl_multi_wakeup(multi.get());
  }

  void post_resume(std::uint64_t id) {
    {
      const std::lock_guard lock(mutex);
      resumes.push_back(id);
    }
    curl_multi_wakeup(multi.get());
  }

  void post_cap(std::string proxy, std::size_t cap) {
    {
      const std::lock_guard lock(mutex);
      caps.emplace_back(std::move(proxy), cap);
    }
    curl_multi_wakeup(multi.get());
  }

  // Set up (or again, for a redirect hop) and hand to the multi handle.
  // Not const, though it changes no member: it changes the multi handle that `multi` owns.
  void add(Live& l) {  // NOLINT(readability-make-member-function-const)
    CURL* h = l.handle.get();
    prepare(h, *l.exchange, nullptr, l.relay.get());
    // Through a proxy nothing of one request may identify another: no TLS session ids reused
    // (a resumed session links two circuits), and FORBID_REUSE from prepare().
    if (!l.job.request.proxy_url.empty()) curl_easy_setopt(h, CURLOPT_SSL_SESSIONID_CACHE, 0L);
    curl_multi_add_handle(multi.get(), h);
  }

  void start(std::uint64_t id) {
    auto node = pending.extract(id);
    if (node.empty()) return;
    Live l;
    l.job = std::move(node.mapped());
    l.handle.reset(curl_easy_init());
    l.exchange = std::make_unique<Exchange>();
    l.exchange->request = l.job.request;
    l.exchange->first_url = l.job.request.url;
    if (l.job.stream) l.relay = std::make_unique<CallRelay>(*l.job.call);
    if (!l.handle) {
      scheduler.finished(id);
      deliver(l.job, Error{l.job.request.url + ": cannot create a libcurl handle"});
      return;
    }
    CURL* h = l.handle.get();
    auto [it, _] = live.emplace(id, std::move(l));
    id_of.emplace(h, id);
    add(it->second);
  }

  void finish(CURL* h, CURLcode code) {
    const auto found = id_of.find(h);
    if (found == id_of.end()) return;
    const std::uint64_t id = found->second;
    Live& l = live.at(id);
    curl_multi_remove_handle(multi.get(), h);
    auto result = conclude(h, *l.exchange, code);
    if (result) {
      // A redirect: the same exchange goes on to its next hop on the same handle and slot.
      auto next = follow_redirect(*l.exchange, *result);
      if (!next) {
        result = next.error();
      } else if (*next) {
        add(l);
        return;
      }
    }
    scheduler.finished(id);
    Job job = std::move(l.job);
    id_of.erase(found);
    live.erase(id);
    if (!job.stream && job.attempt < job.concurrency.retries && transient(result)) {
      // Exponential backoff with jitter: 1/2..1 of backoff, doubling per attempt.
      ++job.attempt;
      const auto cap = job.concurrency.backoff * (1 << std::min(job.attempt - 1, 6));
      std::uniform_int_distribution<long> pick(cap.count() / 2, cap.count());
      job.slot.not_before =
          std::chrono::steady_clock::now() + std::chrono::milliseconds(pick(jitter));
      scheduler.enqueue(job.lane, id, job.slot);
      pending.emplace(id, std::move(job));
      ++retries;
      ++waiting;
      return;
    }
    ++done;
    deliver(job, std::move(result));
  }

  void run() {
    while (true) {
      std::vector<Job> jobs;
      std::vector<std::uint64_t> resume;
      std::vector<std::pair<std::string, std::size_t>> new_caps;
      bool stop = false;
      {
        const std::lock_guard lock(mutex);
        jobs.swap(incoming);
        resume.swap(resumes);
        new_caps.swap(caps);
        stop = stopping;
      }
      for (auto& [proxy, cap] : new_caps) scheduler.set_proxy_cap(proxy, cap);
      for (auto& j : jobs) {
        const auto id = j.id;
        scheduler.enqueue(j.lane, id, j.slot);
        pending.emplace(id, std::move(j));
      }
      if (stop) break;
      for (const auto id : resume) {
        if (const auto it = live.find(id); it != live.end())
          curl_easy_pause(it->second.handle.get(), CURLPAUSE_CONT);
      }
      start_due();
      int running = 0;
      curl_multi_perform(multi.get(), &running);
      int queued = 0;
      bool finished_any = false;
      while (CURLMsg* msg = curl_multi_info_read(multi.get(), &queued)) {
        if (msg->msg != CURLMSG_DONE) continue;
        finish(msg->easy_handle, msg->data.result);
        finished_any = true;
      }
      if (finished_any) start_due();
      int wait_ms = 100;
      if (const auto due = scheduler.next_due()) {
        const auto until = std::chrono::duration_cast<std::chrono::milliseconds>(
            *due - std::chrono::steady_clock::now());
        wait_ms = static_cast<int>(std::clamp<long>(until.count() + 1, 0, 100));
      }
      curl_multi_poll(multi.get(), nullptr, 0, wait_ms, nullptr);
    }
    // Stopping: nothing more starts; what waits or runs fails.
    for (auto& [id, l] : live) {
      curl_multi_remove_handle(multi.get(), l.handle.get());
      deliver(l.job, Error{l.job.request.url + ": fetch engine stopped"});
    }
    live.clear();
    for (auto& [id, j] : pending) deliver(j, Error{j.request.url + ": fetch engine stopped"});
    pending.clear();
  }

  void start_due() {
    for (const auto id : scheduler.start(std::chrono::steady_clock::now())) start(id);
    in_flight = scheduler.in_flight();
    waiting = scheduler.waiting();
    max_seen = std::max<std::size_t>(max_seen, scheduler.in_flight());
  }

  // Shared with the callers, under `mutex`.
  std::mutex mutex;
  std::vector<Job> incoming;
  std::vector<std::uint64_t> resumes;
  std::vector<std::pair<std::string, std::size_t>> caps;
  bool stopping = false;
  std::atomic<std::uint64_t> next_id{1};
  std::atomic<std::uint64_t> next_lane{1};
  // Figures for progress lines.
  std::atomic<std::size_t> in_flight{0};
  std::atomic<std::size_t> waiting{0};
  std::atomic<std::size_t> max_seen{0};
  std::atomic<std::uint64_t> done{0};
  std::atomic<std::uint64_t> retries{0};

  // The loop's own.
  FetchScheduler scheduler;
  std::unique_ptr<CURLM, MultiDeleter> multi{curl_multi_init()};
  std::unordered_map<std::uint64_t, Job> pending;
  std::unordered_map<std::uint64_t, Live> live;
  std::unordered_map<CURL*, std::uint64_t> id_of;
  std::mt19937_64 jitter{std::random_device{}()};
  std::thread thread;  // last: started once everything above exists
};

FetchEngine::FetchEngine(std::size_t max_in_flight)
    : max_in_flight_(std::max<std::size_t>(1, max_in_flight)),
      loop_(std::make_unique<Loop>(max_in_flight_)) {}

FetchEngine::~FetchEngine() = default;

std::string FetchEngine::proxy_key(const std::string& proxy_url) {
  if (proxy_url.empty()) return {};
  const auto url = parse_url(proxy_url);
  if (!url) return proxy_url;
  const int port = url->effective_port();
  return url->host + ":" + std::to_string(port ? port : 1080);
}

void FetchEngine::set_proxy_cap(const std::string& proxy_url, std::size_t max_connections) {
  loop_->post_cap(proxy_key(proxy_url), max_connections);
}

FetchEngineStats FetchEngine::stats() const {
  return {.in_flight = loop_->in_flight.load(),
          .waiting = loop_->waiting.load(),
          .requests_done = loop_->done.load(),
          .retries = loop_->retries.load(),
          .max_in_flight_seen = loop_->max_seen.load()};
}

std::uint64_t FetchEngine::new_lane() {
  return loop_->next_lane++;
}

void FetchEngine::fetch_each(std::uint64_t lane, const std::vector<HttpRequest>& requests,
                             const Concurrency& concurrency,
                             const HttpClient::ResponseSink& on_done, CpuGate* gate) {
  if (requests.empty()) return;
  auto call = std::make_shared<Call>();
  std::vector<Job> jobs;
  jobs.reserve(requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) {
    jobs.push_back(Job{.id = loop_->next_id++,
                       .lane = lane,
                       .request = requests[i],
                       .concurrency = concurrency,
                       .call = call,
                       .index = i,
                       .slot = slot_for(requests[i], concurrency)});
  }
  loop_->submit(std::move(jobs));
  if (gate) gate->release();  // waiting is not CPU work
  for (std::size_t remaining = requests.size(); remaining > 0;) {
    std::deque<std::pair<std::size_t, Result<HttpResponse>>> batch;
    {
      std::unique_lock lock(call->mutex);
      call->cv.wait(lock, [&] { return !call->done.empty(); });
      batch.swap(call->done);
    }
    const CpuGate::Hold hold(gate);
    for (auto& [index, result] : batch) {
      on_done(index, std::move(result));
      --remaining;
    }
  }
  if (gate) gate->acquire();
}

Result<HttpResponse> FetchEngine::fetch(std::uint64_t lane, const HttpRequest& request,
                                        const ChunkSink& sink, CpuGate* gate) {
  auto call = std::make_shared<Call>();
  // One request on its own: no retries (as a one-off get), and never held back by the caps of
  // a get_each of the same client running around it.
  const Concurrency one{
      .in_flight = std::size_t{1} << 20, .per_host = std::size_t{1} << 20, .retries = 0};
  const std::uint64_t id = loop_->next_id++;
  std::vector<Job> jobs;
  jobs.push_back(Job{.id = id,
                     .lane = lane,
                     .request = request,
                     .concurrency = one,
                     .call = call,
                     .stream = static_cast<bool>(sink),
                     .slot = slot_for(request, one)});
  loop_->submit(std::move(jobs));
  if (gate) gate->release();
  std::optional<Result<HttpResponse>> result;
  while (!result) {
    std::deque<std::string> chunks;
    bool resume = false;
    {
      std::unique_lock lock(call->mutex);
      call->cv.wait(lock, [&] { return !call->chunks.empty() || !call->done.empty(); });
      if (!call->chunks.empty()) {
        chunks.swap(call->chunks);
        call->buffered = 0;
        resume = std::exchange(call->paused, false);
      } else {
        result = std::move(call->done.front().second);
      }
    }
    if (resume) loop_->post_resume(id);  // the next bytes arrive while these are read
    if (chunks.empty()) continue;
    const CpuGate::Hold hold(gate);
    for (const auto& chunk : chunks) {
      if (sink(std::span(reinterpret_cast<const std::uint8_t*>(chunk.data()), chunk.size())))
        continue;
      bool paused = false;
      {
        const std::lock_guard lock(call->mutex);
        call->stopped = true;
        call->chunks.clear();
        paused = std::exchange(call->paused, false);
      }
      if (paused) loop_->post_resume(id);  // to be told to stop
      break;
    }
    {
      const std::lock_guard lock(call->mutex);
      if (call->stopped) call->chunks.clear();
    }
  }
  if (gate) gate->acquire();
  return std::move(*result);
}

}  // namespace leakwatch::crawler
