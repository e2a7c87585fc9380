#include "net/fetch_scheduler.h"

#include <algorithm>

namespace leakwatch::crawler {

namespace {

// How deep into a lane's queue a turn looks for a startable fetch: far enough to pass a few
// fetches to a host at its cap, near enough that a turn stays cheap.
constexpr std::size_t kLookahead = 8;

}  // namespace

FetchScheduler::FetchScheduler(std::size_t max_in_flight)
    : max_in_flight_(std::max<std::size_t>(1, max_in_flight)) {}

void FetchScheduler::set_proxy_cap(const std::string& proxy, std::size_t cap) {
  if (cap == 0) {
    proxy_caps_.erase(proxy);
  } else {
    proxy_caps_[proxy] = cap;
  }
}

void FetchScheduler::enqueue(LaneId lane_id, FetchId id, FetchSlot slot) {
  auto& lane = lanes_[lane_id];
  lane.queue.push_back({id, std::move(slot)});
  ++waiting_;
  if (!lane.in_ring) {
    lane.in_ring = true;
    ring_.push_back(lane_id);
  }
}

std::optional<FetchScheduler::FetchId> FetchScheduler::start_one(LaneId id, Lane& lane,
                                                                 Clock::time_point now) {
  const auto due = [&](Clock::time_point t) {
    if (!next_due_ || t < *next_due_) next_due_ = t;
  };
  const std::size_t depth = std::min(lane.queue.size(), kLookahead);
  for (std::size_t i = 0; i < depth; ++i) {
    const auto& w = lane.queue[i];
    const FetchSlot& s = w.slot;
    if (lane.in_flight >= std::max<std::size_t>(1, s.lane_cap)) continue;
    auto host = lane.per_host.find(s.host);
    if (host != lane.per_host.end() && host->second >= std::max<std::size_t>(1, s.host_cap))
      continue;
    if (!s.proxy.empty()) {
      const auto cap = proxy_caps_.find(s.proxy);
      if (cap != proxy_caps_.end()) {
        const auto used = proxy_in_flight_.find(s.proxy);
        if (used != proxy_in_flight_.end() && used->second >= cap->second) continue;
      }
    }
    if (now < s.not_before) {
      due(s.not_before);
      continue;
    }
    if (s.interval.count() > 0 && now < lane.next_start) {
      due(lane.next_start);
      continue;
    }
    const FetchId started = w.id;
    if (s.interval.count() > 0) lane.next_start = now + s.interval;
    ++lane.in_flight;
    ++lane.per_host[s.host];
    if (!s.proxy.empty()) ++proxy_in_flight_[s.proxy];
    running_.emplace(started, Running{id, s.host, s.proxy});
    lane.queue.erase(lane.queue.begin() + static_cast<std::ptrdiff_t>(i));
    --waiting_;
    ++in_flight_;
    return started;
  }
  return std::nullopt;
}

std::vector<FetchScheduler::FetchId> FetchScheduler::start(Clock::time_point now) {
  std::vector<FetchId> out;
  next_due_.reset();
  // One turn per lane in ring order; stop at the global cap or after a whole round of lanes
  // that could start nothing.
  std::size_t idle_turns = 0;
  while (in_flight_ < max_in_flight_ && !ring_.empty() && idle_turns < ring_.size()) {
    const LaneId id = ring_.front();
    ring_.pop_front();
    auto& lane = lanes_.at(id);
    const auto started = start_one(id, lane, now);
    if (lane.queue.empty()) {
      lane.in_ring = false;
    } else {
      ring_.push_back(id);
    }
    if (started) {
      out.push_back(*started);
      idle_turns = 0;
    } else {
      ++idle_turns;
    }
  }
  return out;
}

void FetchScheduler::finished(FetchId id) {
  const auto it = running_.find(id);
  if (it == running_.end()) return;
  const Running r = std::move(it->second);
  running_.erase(it);
  --in_flight_;
  if (!r.proxy.empty()) {
    if (auto p = proxy_in_flight_.find(r.proxy); p != proxy_in_flight_.end() && --p->second == 0)
      proxy_in_flight_.erase(p);
  }
  auto& lane = lanes_.at(r.lane);
  --lane.in_flight;
  if (auto h = lane.per_host.find(r.host); h != lane.per_host.end() && --h->second == 0)
    lane.per_host.erase(h);
  drop_if_idle(r.lane);
}

bool FetchScheduler::cancel(FetchId id) {
  for (auto& [lane_id, lane] : lanes_) {
    const auto it = std::find_if(lane.queue.begin(), lane.queue.end(),
                                 [&](const Waiting& w) { return w.id == id; });
    if (it == lane.queue.end()) continue;
    lane.queue.erase(it);
    --waiting_;
    if (lane.queue.empty() && lane.in_ring) {
      lane.in_ring = false;
      ring_.erase(std::find(ring_.begin(), ring_.end(), lane_id));
    }
    drop_if_idle(lane_id);
    return true;
  }
  return false;
}

void FetchScheduler::drop_if_idle(LaneId id) {
  const auto it = lanes_.find(id);
  if (it != lanes_.end() && it->second.queue.empty() && it->second.in_flight == 0 &&
      !it->second.in_ring)
    lanes_.erase(it);
}

std::size_t FetchScheduler::in_flight_via(const std::string& proxy) const {
  const auto it = proxy_in_flight_.find(proxy);
  return it == proxy_in_flight_.end() ? 0 : it->second;
}

}  // namespace leakwatch::crawler
