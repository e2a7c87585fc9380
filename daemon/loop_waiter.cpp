#include "daemon/loop_waiter.h"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

namespace leakwatch::daemon {

Result<std::unique_ptr<LoopWaiter>> LoopWaiter::create() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  if (const int rc = pthread_sigmask(SIG_BLOCK, &set, nullptr); rc != 0) {
    return Error{std::string("cannot block signals: ") + std::strerror(rc)};
  }
  const int sfd = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) return Error{std::string("signalfd: ") + std::strerror(errno)};
  const int efd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (efd < 0) {
    const int err = errno;
    ::close(sfd);
    return Error{std::string("eventfd: ") + std::strerror(err)};
  }
  return std::unique_ptr<LoopWaiter>(new LoopWaiter(sfd, efd));
}

LoopWaiter::~LoopWaiter() {
  ::close(signal_fd_);
  ::close(event_fd_);
}

LoopEvents LoopWaiter::wait(std::chrono::milliseconds timeout) {
  LoopEvents events;
  pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {event_fd_, POLLIN, 0}};
  const auto ms = std::clamp<std::int64_t>(timeout.count(), 0, 24 * 3600 * 1000);
  if (::poll(fds, 2, static_cast<int>(ms)) <= 0) return events;  // timeout or EINTR
  signalfd_siginfo info{};
  while (::read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    if (info.ssi_signo == SIGHUP) {
      events.reload = true;
    } else {
      events.stop = true;
      events.stop_signal = static_cast<int>(info.ssi_signo);
    }
  }
  std::uint64_t count = 0;
  if (::read(event_fd_, &count, sizeof count) == static_cast<ssize_t>(sizeof count)) {
    events.woken = true;
  }
  return events;
}

// Not const, though it changes no member: it changes what the next wait() returns.
void LoopWaiter::wake() {  // NOLINT(readability-make-member-function-const)
  const std::uint64_t one = 1;
  // A full counter (2^64 - 2 wakes unread) still wakes the loop: the write may fail harmlessly.
  (void)!::write(event_fd_, &one, sizeof one);
}

}  // namespace leakwatch::daemon
