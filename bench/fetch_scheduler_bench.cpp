// FetchScheduler's cost per fetch (issue #18): how much of the fetch loop's time goes to deciding
// what starts, with many lanes (sources in flight) and a full global or per-proxy cap.
//   build-bench/bench/fetch_scheduler_bench
#include <benchmark/benchmark.h>

#include "net/fetch_scheduler.h"

namespace {

using leakwatch::crawler::FetchScheduler;
using leakwatch::crawler::FetchSlot;

// `lanes` sources with `per_lane` waiting fetches each, all through one proxy; every round
// finishes what is in flight and starts the next (as the loop does after each completion batch).
void BM_StartFinishRounds(benchmark::State& state) {
  const auto lanes = static_cast<std::uint64_t>(state.range(0));
  const auto cap = static_cast<std::size_t>(state.range(1));
  constexpr std::uint64_t per_lane = 32;
  std::uint64_t fetches = 0;
  for (auto _ : state) {
    state.PauseTiming();
    FetchScheduler s(cap);
    s.set_proxy_cap("127.0.0.1:9050", cap);
    std::uint64_t id = 0;
    for (std::uint64_t lane = 0; lane < lanes; ++lane)
      for (std::uint64_t i = 0; i < per_lane; ++i)
        s.enqueue(lane, id++,
                  FetchSlot{.host = "h" + std::to_string(lane), .proxy = "127.0.0.1:9050"});
    state.ResumeTiming();
    const auto now = FetchScheduler::Clock::now();
    while (s.waiting() + s.in_flight() > 0) {
      for (const auto started : s.start(now)) s.finished(started);
    }
    fetches += id;
  }
  state.counters["fetches/s"] =
      benchmark::Counter(static_cast<double>(fetches), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_StartFinishRounds)->Args({64, 256})->Args({1024, 256})->Args({64, 16});

}  // namespace

BENCHMARK_MAIN();
