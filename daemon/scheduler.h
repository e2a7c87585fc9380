// Which sources the daemon scans when (docs/CONTRACTS.md "Daemon and metrics"). Pure bookkeeping
// over times it is given: no clock, no threads, no I/O, so every rule is tested with made-up times.
//
// - A source is never handed out while it is still running.
// - At most `max_concurrent` sources run at once; the longest overdue go first.
// - A source whose last run (from the store) is older than its schedule allows is due at once,
//   and only once however many runs were missed while the daemon was down.
// - After n failed scans in a row a source waits at least min(retry_base * 2^(n-1), retry_max)
//   after the failed scan ended, on top of its schedule: failing sites are not hammered.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "model/schedule.h"
#include "model/time.h"

namespace leakwatch::daemon {

struct SchedulerOptions {
  std::size_t max_concurrent = 64;
  std::chrono::milliseconds retry_base{std::chrono::seconds{30}};
  std::chrono::milliseconds retry_max{std::chrono::hours{1}};
};

// One enabled source as the config and the store know it.
struct PlannedSource {
  std::string name;
  Schedule schedule;
  std::optional<Timestamp> last_start;  // the store's last attempt; none: never scanned
  std::optional<Timestamp> last_end;    // when that attempt ended (backoff counts from here)
  std::uint64_t consecutive_failures = 0;
};

class Scheduler {
 public:
  explicit Scheduler(SchedulerOptions options, std::uint64_t seed = std::random_device{}());

  // Replaces the plan (start and config reload). A source that was already planned keeps its
  // next run unless its schedule text changed; a new one is due per its last run; a removed one
  // is dropped (if it is running, when it finishes).
  void set_sources(std::vector<PlannedSource> sources, Timestamp now);
  void set_max_concurrent(std::size_t n) { options_.max_concurrent = n; }

  // The sources due at `now`, as many as the concurrency limit allows, longest overdue first;
  // each is marked running until finished() is called for it.
  std::vector<std::string> take_due(Timestamp now);
  // A run handed out by take_due ended; plans its next run.
  void finished(std::string_view name, Timestamp started, Timestamp ended, bool ok);

  // The earliest next run of a source that is not running (nullopt: nothing planned).
  std::optional<Timestamp> next_due() const;
  std::optional<Timestamp> next_due(std::string_view name) const;
  std::size_t running() const;
  bool is_running(std::string_view name) const;
  std::size_t size() const { return slots_.size(); }

  // How long a source waits after its n-th failure in a row (n >= 1).
  std::chrono::milliseconds backoff(std::uint64_t failures) const;

 private:
  struct Slot {
    Schedule schedule;
    Timestamp next{};
    bool running = false;
    bool removed = false;  // dropped from the config while running
    std::uint64_t consecutive_failures = 0;
  };
  Timestamp plan_next(const Slot& slot, std::optional<Timestamp> last_start,
                      std::optional<Timestamp> last_end, Timestamp now);

  SchedulerOptions options_;
  std::mt19937_64 random_;
  std::map<std::string, Slot, std::less<>> slots_;
};

}  // namespace leakwatch::daemon
