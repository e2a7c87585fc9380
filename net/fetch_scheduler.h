// FetchScheduler: which waiting fetches of a pass may start now. Pure bookkeeping over given
// times (no sockets, no threads), so the fetch engine's rules are tested on their own:
// - a global cap on fetches in flight, and a cap per proxy (its address: host and port);
// - per lane (one source's client) the caps it asked for: in flight in all, and per host;
// - per lane a request interval: two starts of its fetches that carry one are at least that far
//   apart (a leak site bans crawlers that hammer it), and retries wait for their backoff;
// - fair turns: lanes with waiting fetches are served round-robin, one start per lane per turn,
//   so one lane with 5,000 waiting pages cannot delay the first page of 9,999 others.
// A lane exists while it has fetches waiting or in flight.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace leakwatch::crawler {

// What the scheduler knows of one fetch.
struct FetchSlot {
  std::string host;          // the target's host (per-host cap within the lane)
  std::string proxy;         // the proxy's host:port; empty when direct (no proxy cap)
  std::size_t lane_cap = 8;  // the lane's fetches in flight at most (Concurrency::in_flight)
  std::size_t host_cap = 4;  // the lane's fetches to one host in flight at most
  std::chrono::milliseconds interval{0};  // between starts of the lane's fetches (0: none)
  std::chrono::steady_clock::time_point not_before{};  // a retry waits for its backoff
};

class FetchScheduler {
 public:
  using Clock = std::chrono::steady_clock;
  using FetchId = std::uint64_t;
  using LaneId = std::uint64_t;

  explicit FetchScheduler(std::size_t max_in_flight);

  // Caps fetches in flight through `proxy` (host:port); 0 removes the cap.
  void set_proxy_cap(const std::string& proxy, std::size_t cap);
  void enqueue(LaneId lane, FetchId id, FetchSlot slot);
  // The fetches to start now, in the order to start them; each is in flight from here on.
  std::vector<FetchId> start(Clock::time_point now);
  // An in-flight fetch is over: its slots are free.
  void finished(FetchId id);
  // Drops a waiting fetch (never started); false when it is not waiting.
  bool cancel(FetchId id);
  // When a fetch that waits only for time (an interval, a backoff) may start, after the last
  // start(); nullopt when none waits for time.
  std::optional<Clock::time_point> next_due() const { return next_due_; }

  std::size_t in_flight() const { return in_flight_; }
  std::size_t waiting() const { return waiting_; }
  std::size_t in_flight_via(const std::string& proxy) const;
  std::size_t lanes() const { return lanes_.size(); }

 private:
  struct Waiting {
    FetchId id;
    FetchSlot slot;
  };
  struct Lane {
    std::deque<Waiting> queue;
    std::size_t in_flight = 0;
    std::map<std::string, std::size_t> per_host;
    Clock::time_point next_start{};  // of a fetch with an interval
    bool in_ring = false;
  };
  struct Running {
    LaneId lane;
    std::string host;
    std::string proxy;
  };
  // Starts the first startable fetch of `lane` (looking a few deep), or none.
  std::optional<FetchId> start_one(LaneId id, Lane& lane, Clock::time_point now);
  void drop_if_idle(LaneId id);

  std::size_t max_in_flight_;
  std::size_t in_flight_ = 0;
  std::size_t waiting_ = 0;
  std::unordered_map<LaneId, Lane> lanes_;
  std::deque<LaneId> ring_;  // lanes with waiting fetches, in turn order
  std::unordered_map<FetchId, Running> running_;
  std::unordered_map<std::string, std::size_t> proxy_caps_;
  std::unordered_map<std::string, std::size_t> proxy_in_flight_;
  std::optional<Clock::time_point> next_due_;
};

}  // namespace leakwatch::crawler
