#include "daemon/daemon.h"

#include <malloc.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "api/api_listener.h"
#include "api/http_api.h"
#include "daemon/data_dir_lock.h"
#include "daemon/loop_waiter.h"
#include "daemon/scheduler.h"
#include "daemon/systemd_notify.h"
#include "net/fetch_engine.h"
#include "net/http_client.h"
#include "net/proxy_health.h"
#include "scan/source_pass.h"
#include "scan/store_scan.h"

namespace leakwatch::daemon {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How often the housekeeping thread recounts sightings and checks proxies.
constexpr milliseconds kRecountInterval{std::chrono::seconds{15}};
constexpr milliseconds kProxyCheckInterval{std::chrono::seconds{30}};
constexpr milliseconds kAlertInterval{std::chrono::seconds{1}};
constexpr milliseconds kPruneInterval{std::chrono::minutes{1}};

struct ScanDone {
  std::string source;
  Timestamp started{}, ended{};
  ScanRecord record;
  std::size_t sightings = 0;
  std::optional<std::string> record_error;
};

std::string seconds_text(milliseconds d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + "s";
}

class Daemon {
 public:
  // `max_in_flight`: the fetch engine's global cap ([daemon] max_requests_in_flight), fixed for
  // the daemon's life.
  Daemon(const DaemonOptions& options, LoopWaiter& waiter, store::Store& store,
         std::size_t max_in_flight)
      : options_(options),
        waiter_(waiter),
        store_(store),
        scheduler_(SchedulerOptions{}),
        metrics_(options.version),
        engine_(max_in_flight) {}

  Result<void> start(config::Config config);
  void run();
  // Stops new work, waits for scans within the grace; false when some had to be abandoned.
  bool stop();
  std::optional<std::string> health_problem() const;

 private:
  std::vector<PlannedSource> plan(const config::Config& config);
  Result<void> start_api();
  void stop_api();
  void reload();
  void launch_due();
  void launch(const config::SourceConfig& source);
  void reap();
  void housekeeping_loop();
  void alert_pass();
  void count_sightings();
  void check_proxies();
  void prune();
  void kick_housekeeping();
  RemoteScanHooks remote_hooks();

  const DaemonOptions& options_;
  LoopWaiter& waiter_;
  store::Store& store_;
  Scheduler scheduler_;
  Metrics metrics_;
  SystemdNotifier notifier_;

  // Replaced on reload; scans and the API keep the snapshot they started with.
  std::shared_ptr<const config::Config> config_;
  std::shared_ptr<const matcher::FingerprintIndex> index_;
  mutable std::mutex config_mutex_;  // config_ for the housekeeping thread

  // Every scan's fetches run on this one loop (its caps: [daemon] max_requests_in_flight,
  // [[proxy]] max_connections per proxy, fair turns between the scans in flight). Declared
  // before the workers, so it outlives every scan thread.
  crawler::FetchEngine engine_;
  // Parsing, scoring and matching hold one of as many slots as the machine has cores (as in
  // `scan`): 64 sources in flight never mean 64 threads competing for two cores.
  crawler::CpuGate gate_{std::max(1u, std::thread::hardware_concurrency())};

  std::mutex record_mutex_;  // one record_fetch at a time (merging reads what it writes)
  std::mutex done_mutex_;
  std::vector<ScanDone> done_;
  std::map<std::string, std::thread> workers_;  // loop thread only

  std::shared_ptr<const config::Config> api_config_;
  std::unique_ptr<app::ApiServer> api_;
  std::thread api_thread_;

  std::thread housekeeping_;
  std::mutex housekeeping_mutex_;
  std::condition_variable housekeeping_wake_;
  bool housekeeping_stop_ = false;
  bool housekeeping_kicked_ = false;

  std::atomic<bool> stopping_{false};
  std::atomic<std::int64_t> last_tick_ms_{0};  // steady clock, ms
  mutable std::mutex problem_mutex_;
  std::optional<std::string> store_problem_;
};

std::vector<PlannedSource> Daemon::plan(const config::Config& config) {
  std::vector<PlannedSource> out;
  for (const auto& source : config.sources) {
    if (!source.enabled) continue;
    auto schedule = Schedule::parse(source.schedule);
    if (!schedule) {  // the config loader checked it; never skip a source silently
      spdlog::error("source={} schedule not usable: {}", source.name, schedule.error().message);
      continue;
    }
    PlannedSource planned{.name = source.name, .schedule = std::move(schedule).value()};
    if (auto state = store_.get_source_state(source.name); !state) {
      spdlog::warn("source={} last scan unknown ({}); scanning it now", source.name,
                   state.error().message);
    } else if (*state) {
      planned.last_start = (*state)->last_attempt;
      planned.last_end = (*state)->last_attempt;
      planned.consecutive_failures = (*state)->consecutive_failures;
      const bool up =
          !(*state)->history.empty() && (*state)->history.back().status != ScanStatus::failed;
      metrics_.restore_source(source.name, up, (*state)->last_success);
    }
    out.push_back(std::move(planned));
  }
  return out;
}

Result<void> Daemon::start(config::Config config) {
  auto index = app::load_fingerprint_index(store_, options_.data_dir);
  if (!index) return index.error();
  if ((*index)->signatures().empty()) {
    spdlog::warn("no signatures stored: scans record coverage but can find nothing");
  }
  index_ = std::move(index).value();
  config_ = std::make_shared<const config::Config>(std::move(config));
  scheduler_.set_max_concurrent(config_->daemon.max_concurrent_sources);
  app::apply_proxy_caps(engine_, *config_);
  scheduler_.set_sources(plan(*config_), now());
  std::vector<std::string> sources, hooks, proxies;
  for (const auto& s : config_->sources) sources.push_back(s.name);
  for (const auto& h : config_->hooks) hooks.push_back(h.name);
  for (const auto& p : config_->proxies) proxies.push_back(p.name);
  metrics_.retain(sources, hooks, proxies);
  if (auto api = start_api(); !api) return api;
  if (options_.remote) {
    if (auto started = options_.remote->start(remote_hooks()); !started) return started;
  }
  last_tick_ms_ = std::chrono::duration_cast<milliseconds>(Clock::now().time_since_epoch()).count();
  housekeeping_ = std::thread([this] { housekeeping_loop(); });
  spdlog::info(
      "daemon started data_dir={} sources={} max_concurrent_sources={} alert_delivery={} pid={}",
      options_.data_dir.string(), scheduler_.size(), config_->daemon.max_concurrent_sources,
      options_.alert_pass ? "on" : "off", ::getpid());
  notifier_.ready("scheduling " + std::to_string(scheduler_.size()) + " sources");
  return {};
}

Result<void> Daemon::start_api() {
  app::ListenRequest request{
      .who = "api", .listen_flag = options_.listen, .no_auth = options_.no_auth};
  request.extras.metrics = [this] {
    const auto memory = store_.memory();
    metrics_.set_store_memory({{"memtables", memory.memtables},
                               {"block_cache", memory.block_cache},
                               {"table_readers", memory.table_readers}});
    return metrics_.render() + render_process_metrics() +
           (options_.remote ? options_.remote->metrics_text() : "");
  };
  request.extras.health_problem = [this] { return health_problem(); };
  api_config_ = config_;
  auto listening = app::start_api_listener(store_, *api_config_, request);
  if (!listening) return Error{listening.error().message};
  api_ = std::move(listening->server);
  api_thread_ = std::thread([server = api_.get()] { server->run(); });
  // Tests and scripts read this line to learn the port (with --listen 127.0.0.1:0).
  std::printf("leakwatch daemon listening on %s\n", listening->url.c_str());
  std::fflush(stdout);
  return {};
}

void Daemon::stop_api() {
  if (!api_) return;
  api_->stop();
  if (api_thread_.joinable()) api_thread_.join();
  api_.reset();
}

std::optional<std::string> Daemon::health_problem() const {
  if (stopping_) return "stopping";
  const auto now_ms =
      std::chrono::duration_cast<milliseconds>(Clock::now().time_since_epoch()).count();
  const auto stalled = milliseconds{now_ms - last_tick_ms_.load()};
  const auto limit = std::max(milliseconds{std::chrono::seconds{30}}, options_.tick * 3);
  if (stalled > limit) return "scheduler loop stalled for " + seconds_text(stalled);
  const std::lock_guard lock(problem_mutex_);
  if (store_problem_) return "store: " + *store_problem_;
  return std::nullopt;
}

void Daemon::run() {
  auto last_watchdog = Clock::now();
  while (true) {
    reap();
    launch_due();
    auto timeout = options_.tick;
    if (const auto next = scheduler_.next_due()) {
      timeout = std::clamp(std::chrono::duration_cast<milliseconds>(*next - now()), milliseconds{0},
                           options_.tick);
    }
    if (const auto every = notifier_.watchdog_interval()) timeout = std::min(timeout, *every);
    const auto events = waiter_.wait(timeout);
    last_tick_ms_ =
        std::chrono::duration_cast<milliseconds>(Clock::now().time_since_epoch()).count();
    if (const auto every = notifier_.watchdog_interval();
        every && Clock::now() - last_watchdog >= *every) {
      notifier_.watchdog();
      last_watchdog = Clock::now();
    }
    if (events.stop) {
      spdlog::info("daemon stopping signal={} scans_in_flight={}", events.stop_signal,
                   workers_.size());
      return;
    }
    if (events.reload) reload();
  }
}

void Daemon::reload() {
  notifier_.reloading();
  if (options_.config_file.empty()) {
    spdlog::error("reload refused: the daemon was started without a config file");
    notifier_.ready("reload refused");
    return;
  }
  auto loaded = config::load_config(options_.config_file);
  if (!loaded) {
    // The message names file, line and key (config.h); the running config stays.
    spdlog::error("reload refused, keeping the running config: {}", loaded.error().message);
    notifier_.ready("reload refused; running the previous config");
    return;
  }
  auto index = app::load_fingerprint_index(store_, options_.data_dir);
  if (!index) {
    spdlog::error("reload refused, keeping the running config: signatures: {}",
                  index.error().message);
    notifier_.ready("reload refused; running the previous config");
    return;
  }
  auto next = std::make_shared<const config::Config>(std::move(loaded).value());
  {
    const std::lock_guard lock(config_mutex_);
    config_ = next;
    index_ = std::move(index).value();
  }
  scheduler_.set_max_concurrent(next->daemon.max_concurrent_sources);
  if (next->daemon.max_requests_in_flight != engine_.max_in_flight()) {
    spdlog::warn(
        "[daemon] max_requests_in_flight = {} takes effect at the next start; running with {}",
        next->daemon.max_requests_in_flight, engine_.max_in_flight());
  }
  app::apply_proxy_caps(engine_, *next);
  scheduler_.set_sources(plan(*next), now());
  std::vector<std::string> sources, hooks, proxies;
  for (const auto& s : next->sources) sources.push_back(s.name);
  for (const auto& h : next->hooks) hooks.push_back(h.name);
  for (const auto& p : next->proxies) proxies.push_back(p.name);
  metrics_.retain(sources, hooks, proxies);
  // The API reads the config it was started with: start it again on the new one.
  stop_api();
  if (auto api = start_api(); !api) {
    spdlog::error("api not restarted after reload: {}", api.error().message);
  }
  spdlog::info("config reloaded file={} sources={} signatures={}", options_.config_file.string(),
               scheduler_.size(), index_->signatures().size());
  notifier_.ready("scheduling " + std::to_string(scheduler_.size()) + " sources");
}

void Daemon::launch_due() {
  for (const auto& name : scheduler_.take_due(now())) {
    const auto* source = config_->find_source(name);
    if (!source) {  // cannot happen: the plan comes from this config
      scheduler_.finished(name, now(), now(), true);
      continue;
    }
    launch(*source);
  }
}

RemoteScanHooks Daemon::remote_hooks() {
  RemoteScanHooks hooks;
  hooks.store = &store_;
  hooks.config = [this] {
    const std::lock_guard lock(config_mutex_);
    return config_;
  };
  hooks.index = [this] {
    const std::lock_guard lock(config_mutex_);
    return index_;
  };
  hooks.record = [this](app::SourceOutcome& outcome) {
    const std::lock_guard lock(record_mutex_);
    return app::record_outcome(store_, outcome);
  };
  hooks.done = [this](RemoteScanDone remote) {
    {
      const std::lock_guard lock(done_mutex_);
      done_.push_back(ScanDone{.source = std::move(remote.source),
                               .started = remote.started,
                               .ended = remote.ended,
                               .record = std::move(remote.record),
                               .sightings = remote.sightings,
                               .record_error = std::move(remote.record_error)});
    }
    waiter_.wake();
  };
  return hooks;
}

void Daemon::launch(const config::SourceConfig& source) {
  if (options_.remote) {
    spdlog::debug("scan handed to the cluster source={}", source.name);
    options_.remote->submit(source);
    return;
  }
  spdlog::debug("scan starting source={}", source.name);
  workers_.emplace(source.name, std::thread([this, source, config = config_, index = index_] {
                     ScanDone done{.source = source.name, .started = now()};
                     app::SourceOutcome outcome;
                     auto prior = app::load_prior(store_, source);
                     if (!prior) {
                       outcome.record.source = source.name;
                       outcome.record.locator = source.url;
                       outcome.record.started = done.started;
                       outcome.record.ended = now();
                       outcome.record.status = ScanStatus::failed;
                       outcome.record.error = "store: " + prior.error().message;
                     } else {
                       const crawler::CpuGate::Hold working(&gate_);
                       crawler::HttpClient client(engine_, &gate_);
                       outcome = app::scan_source(source, *config, *index, client,
                                                  app::new_scan_id(), *prior, &gate_);
                     }
                     {
                       const std::lock_guard lock(record_mutex_);
                       if (auto recorded = app::record_outcome(store_, outcome); !recorded) {
                         done.record_error = recorded.error().message;
                       }
                     }
                     done.record = std::move(outcome.record);
                     done.sightings = outcome.sightings.size();
                     done.ended = now();
                     {
                       const std::lock_guard lock(done_mutex_);
                       done_.push_back(std::move(done));
                     }
                     waiter_.wake();
                   }));
}

void Daemon::reap() {
  std::vector<ScanDone> finished;
  {
    const std::lock_guard lock(done_mutex_);
    finished.swap(done_);
  }
  bool any_sightings = false;
  for (auto& d : finished) {
    if (auto it = workers_.find(d.source); it != workers_.end()) {
      it->second.join();
      workers_.erase(it);
    }
    const bool ok = d.record.status != ScanStatus::failed && !d.record_error;
    scheduler_.finished(d.source, d.started, d.ended, ok);
    metrics_.record_scan(d.record);
    any_sightings |= d.sightings > 0;
    const auto ms = std::chrono::duration_cast<milliseconds>(d.ended - d.started).count();
    if (d.record_error) {
      spdlog::error("scan not recorded source={} error={}", d.source, *d.record_error);
    } else if (d.record.status == ScanStatus::failed) {
      spdlog::warn("scan failed source={} duration_ms={} error={} next_in={}", d.source, ms,
                   d.record.error,
                   seconds_text(std::chrono::duration_cast<milliseconds>(
                       scheduler_.next_due(d.source).value_or(now()) - now())));
    } else {
      spdlog::info(
          "scan finished source={} status={} entries={} bytes={} sightings={} duration_ms={}",
          d.source, scan_status_name(d.record.status), d.record.entries_seen,
          d.record.bytes_fetched, d.sightings, ms);
    }
    const std::lock_guard lock(problem_mutex_);
    if (d.record_error) {
      store_problem_ = *d.record_error;
    } else {
      store_problem_.reset();
    }
  }
  if (any_sightings) kick_housekeeping();
}

void Daemon::kick_housekeeping() {
  {
    const std::lock_guard lock(housekeeping_mutex_);
    housekeeping_kicked_ = true;
  }
  housekeeping_wake_.notify_one();
}

// Alert delivery, sighting counts and proxy checks, off the loop thread: a slow receiver or a
// large store never delays a scheduled scan.
void Daemon::housekeeping_loop() {
  auto last_count = Clock::time_point{};
  auto last_proxy_check = Clock::time_point{};
  auto last_prune = Clock::time_point{};
  while (true) {
    bool kicked = false;
    {
      std::unique_lock lock(housekeeping_mutex_);
      housekeeping_wake_.wait_for(lock, kAlertInterval,
                                  [this] { return housekeeping_stop_ || housekeeping_kicked_; });
      if (housekeeping_stop_) break;
      kicked = housekeeping_kicked_;
      housekeeping_kicked_ = false;
    }
    // Without delivery, the pass only counts the outbox: as often as the sightings.
    const bool recount = kicked || Clock::now() - last_count >= kRecountInterval;
    if (options_.alert_pass || recount) alert_pass();
    if (recount) {
      count_sightings();
      last_count = Clock::now();
    }
    if (Clock::now() - last_proxy_check >= kProxyCheckInterval) {
      check_proxies();
      last_proxy_check = Clock::now();
    }
    if (Clock::now() - last_prune >= kPruneInterval) {
      prune();
      // Each scan runs on a thread of its own, and glibc keeps what those threads freed in its
      // arenas; give it back, or RSS ratchets up to the busiest minute's peak and stays there.
      ::malloc_trim(0);
      last_prune = Clock::now();
    }
  }
  alert_pass();  // what the last scans raised, once more before exit
}

void Daemon::alert_pass() {
  std::shared_ptr<const config::Config> config;
  {
    const std::lock_guard lock(config_mutex_);
    config = config_;
  }
  if (options_.alert_pass) {
    auto outcome = options_.alert_pass(store_, *config);
    if (!outcome) {
      spdlog::error("alert delivery pass failed: {}", outcome.error().message);
      return;
    }
    metrics_.record_alert_pass(*outcome);
    return;
  }
  // No delivery built in: report what waits for each hook (its min_confidence).
  std::vector<HookDeliveryCounts> counts;
  for (const auto& hook : config->hooks) counts.push_back({.hook = hook.name});
  if (counts.empty()) return;
  auto listed = store_.for_each_outbox_entry([&](const store::OutboxEntry& entry) {
    for (std::size_t i = 0; i < counts.size(); ++i) {
      if (entry.sighting.confidence >= config->hooks[i].min_confidence) ++counts[i].pending;
    }
    return true;
  });
  if (!listed) {
    spdlog::error("outbox not readable: {}", listed.error().message);
    return;
  }
  metrics_.record_alert_pass(counts);
}

void Daemon::count_sightings() {
  std::map<std::string, std::map<Confidence, std::uint64_t>> counts;
  auto listed = store_.for_each_sighting({}, [&](const Sighting& s) {
    ++counts[s.dataset][s.confidence];
    return true;
  });
  if (!listed) {
    spdlog::error("sightings not countable: {}", listed.error().message);
    return;
  }
  metrics_.set_sightings(counts);
}

void Daemon::check_proxies() {
  std::shared_ptr<const config::Config> config;
  {
    const std::lock_guard lock(config_mutex_);
    config = config_;
  }
  for (const auto& proxy : config->proxies) {
    const bool up = crawler::check_proxy_reachable(proxy.parsed, std::chrono::seconds{5}).ok();
    metrics_.set_proxy_up(proxy.name, up);
  }
}

// Retention ([store]): only when the config limits scan records or the age of manifest history
// (the count of manifest history is applied by every recording already).
void Daemon::prune() {
  std::shared_ptr<const config::Config> config;
  {
    const std::lock_guard lock(config_mutex_);
    config = config_;
  }
  if (!config->store.scan_retention && config->store.scans_per_source == 0 &&
      !config->store.manifest_retention) {
    return;
  }
  const auto started = Clock::now();
  auto pruned = store_.prune(retention_from_config(config->store), now());
  if (!pruned) {
    spdlog::error("retention not applied: {}", pruned.error().message);
    return;
  }
  if (pruned->scans_removed || pruned->manifest_changes_removed) {
    spdlog::info(
        "retention applied scans_removed={} scans_kept_for_evidence={} "
        "manifest_changes_removed={} duration_ms={}",
        pruned->scans_removed, pruned->scans_kept_for_evidence, pruned->manifest_changes_removed,
        std::chrono::duration_cast<milliseconds>(Clock::now() - started).count());
  }
}

bool Daemon::stop() {
  stopping_ = true;
  notifier_.stopping();
  // Jobs handed to the cluster stay in its streams: their results are recorded at the next start.
  if (options_.remote) options_.remote->stop();
  const auto grace = config_ ? config_->daemon.grace : milliseconds{0};
  const auto deadline = Clock::now() + grace;
  while (!workers_.empty() && Clock::now() < deadline) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    (void)waiter_.wait(std::min(left, options_.tick));
    reap();
  }
  bool clean = workers_.empty();
  if (!clean) {
    std::string names;
    for (const auto& [name, thread] : workers_) names += (names.empty() ? "" : ",") + name;
    spdlog::warn(
        "grace of {} over: abandoning the scans of {} (nothing of theirs is recorded; they run "
        "again at the next start)",
        seconds_text(grace), names);
  }
  {
    const std::lock_guard lock(housekeeping_mutex_);
    housekeeping_stop_ = true;
  }
  housekeeping_wake_.notify_one();
  if (housekeeping_.joinable()) housekeeping_.join();
  stop_api();
  if (!clean) {
    // Scans still in flight cannot be joined. Holding the record lock, no write is half done;
    // every commit is already synced (store sync = true), so exiting now loses nothing.
    record_mutex_.lock();
    spdlog::info("daemon stopped");
    spdlog::default_logger()->flush();
    std::fflush(stdout);
    std::_Exit(0);
  }
  spdlog::info("daemon stopped");
  return clean;
}

}  // namespace

store::Retention retention_from_config(const config::StoreConfig& store) {
  return store::Retention{.scan_age = store.scan_retention,
                          .scans_per_source = store.scans_per_source,
                          .manifest_history_age = store.manifest_retention,
                          .manifest_history = store.manifest_history};
}

Result<void> run_daemon(config::Config config, const DaemonOptions& options) {
  auto waiter = LoopWaiter::create();
  if (!waiter) return waiter.error();
  auto lock = DataDirLock::acquire(options.data_dir);
  if (!lock) return lock.error();
  store::StoreOptions store_options;
  store_options.sync = config.store.sync;
  store_options.manifest_history_limit = config.store.manifest_history;
  auto store = store::Store::open(options.data_dir, store::OpenMode::read_write, store_options);
  if (!store) return store.error();
  Daemon daemon(options, **waiter, **store, config.daemon.max_requests_in_flight);
  if (auto started = daemon.start(std::move(config)); !started) {
    daemon.stop();
    return started.error();
  }
  daemon.run();
  daemon.stop();
  return {};
}

}  // namespace leakwatch::daemon
