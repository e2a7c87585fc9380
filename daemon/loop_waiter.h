// The daemon loop's one blocking point: it sleeps until a signal arrives (SIGTERM/SIGINT: stop,
// SIGHUP: reload), another thread calls wake() (a scan finished), or the timeout passes. Signals
// are read from a signalfd, so nothing runs in a signal handler.
#pragma once

#include <chrono>
#include <memory>

#include "model/result.h"

namespace leakwatch::daemon {

struct LoopEvents {
  bool stop = false;    // SIGTERM or SIGINT
  int stop_signal = 0;  // which one
  bool reload = false;  // SIGHUP
  bool woken = false;   // wake() was called
};

class LoopWaiter {
 public:
  // Blocks SIGHUP, SIGINT and SIGTERM in the calling thread: call it before any other thread
  // starts (RocksDB's, the HTTP server's), so that they inherit the mask and the signals come
  // here only.
  static Result<std::unique_ptr<LoopWaiter>> create();
  ~LoopWaiter();
  LoopWaiter(const LoopWaiter&) = delete;
  LoopWaiter& operator=(const LoopWaiter&) = delete;

  // Waits at most `timeout` for events and returns all that arrived (several may at once).
  LoopEvents wait(std::chrono::milliseconds timeout);
  // Thread-safe and async-signal-safe.
  void wake();

 private:
  LoopWaiter(int signal_fd, int event_fd) : signal_fd_(signal_fd), event_fd_(event_fd) {}
  int signal_fd_;
  int event_fd_;
};

}  // namespace leakwatch::daemon
