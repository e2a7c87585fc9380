#include "daemon/scheduler.h"

#include <algorithm>

namespace leakwatch::daemon {

Scheduler::Scheduler(SchedulerOptions options, std::uint64_t seed)
    : options_(options), random_(seed) {}

std::chrono::milliseconds Scheduler::backoff(std::uint64_t failures) const {
  if (failures == 0) return std::chrono::milliseconds{0};
  auto delay = options_.retry_base;
  for (std::uint64_t i = 1; i < failures && delay < options_.retry_max; ++i) delay *= 2;
  return std::min(delay, options_.retry_max);
}

Timestamp Scheduler::plan_next(const Slot& slot, std::optional<Timestamp> last_start,
                               std::optional<Timestamp> last_end, Timestamp now) {
  if (!last_start) return now;  // never scanned: at once
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  auto next = slot.schedule.next_after(*last_start, unit(random_));
  if (slot.consecutive_failures > 0) {
    next = std::max(next, last_end.value_or(*last_start) + backoff(slot.consecutive_failures));
  }
  // Missed while down: a time in the past is due at once, and only once, because the run after
  // it is planned from that run's start. `now` only matters for sources never scanned.
  return next;
}

void Scheduler::set_sources(std::vector<PlannedSource> sources, Timestamp now) {
  std::map<std::string, Slot, std::less<>> next_slots;
  for (auto& source : sources) {
    const auto old = slots_.find(source.name);
    if (old != slots_.end() && old->second.schedule.text() == source.schedule.text()) {
      Slot kept = old->second;
      kept.removed = false;
      next_slots.emplace(source.name, std::move(kept));
      continue;
    }
    Slot slot{.schedule = std::move(source.schedule),
              .consecutive_failures = source.consecutive_failures};
    if (old != slots_.end()) {
      // A changed schedule: the running state and failure count carry over.
      slot.running = old->second.running;
      slot.consecutive_failures = old->second.consecutive_failures;
    }
    slot.next = plan_next(slot, source.last_start, source.last_end, now);
    next_slots.emplace(source.name, std::move(slot));
  }
  // Sources dropped while running stay until they finish, so they are not started twice.
  for (auto& [name, slot] : slots_) {
    if (slot.running && !next_slots.contains(name)) {
      slot.removed = true;
      next_slots.emplace(name, slot);
    }
  }
  slots_ = std::move(next_slots);
}

std::vector<std::string> Scheduler::take_due(Timestamp now) {
  std::vector<std::pair<Timestamp, std::string>> due;
  for (const auto& [name, slot] : slots_) {
    if (!slot.running && !slot.removed && slot.next <= now) due.emplace_back(slot.next, name);
  }
  std::sort(due.begin(), due.end());
  const auto in_flight = running();
  const auto room = options_.max_concurrent > in_flight ? options_.max_concurrent - in_flight : 0;
  std::vector<std::string> out;
  for (auto& [when, name] : due) {
    if (out.size() >= room) break;
    slots_.find(name)->second.running = true;
    out.push_back(std::move(name));
  }
  return out;
}

void Scheduler::finished(std::string_view name, Timestamp started, Timestamp ended, bool ok) {
  const auto it = slots_.find(name);
  if (it == slots_.end()) return;
  auto& slot = it->second;
  slot.running = false;
  if (slot.removed) {
    slots_.erase(it);
    return;
  }
  slot.consecutive_failures = ok ? 0 : slot.consecutive_failures + 1;
  slot.next = plan_next(slot, started, ended, ended);
}

std::optional<Timestamp> Scheduler::next_due() const {
  std::optional<Timestamp> best;
  for (const auto& [name, slot] : slots_) {
    if (slot.running || slot.removed) continue;
    if (!best || slot.next < *best) best = slot.next;
  }
  return best;
}

std::optional<Timestamp> Scheduler::next_due(std::string_view name) const {
  const auto it = slots_.find(name);
  if (it == slots_.end() || it->second.removed) return std::nullopt;
  return it->second.next;
}

std::size_t Scheduler::running() const {
  return static_cast<std::size_t>(std::count_if(
      slots_.begin(), slots_.end(), [](const auto& entry) { return entry.second.running; }));
}

bool Scheduler::is_running(std::string_view name) const {
  const auto it = slots_.find(name);
  return it != slots_.end() && it->second.running;
}

}  // namespace leakwatch::daemon
