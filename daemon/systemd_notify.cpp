#include "daemon/systemd_notify.h"

#include <systemd/sd-daemon.h>

#include <string>

namespace leakwatch::daemon {

SystemdNotifier::SystemdNotifier() {
  std::uint64_t usec = 0;
  // sd_watchdog_enabled checks $WATCHDOG_PID against our pid, so a child never pings for us.
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    watchdog_every_ = std::chrono::milliseconds{std::max<std::uint64_t>(usec / 2000, 1)};
  }
}

void SystemdNotifier::send(std::string_view state) {
  // Failures are not ours to handle: without a reachable manager there is nobody to tell.
  (void)sd_notify(0, std::string(state).c_str());
}

void SystemdNotifier::ready(std::string_view status) {
  send("READY=1\nSTATUS=" + std::string(status));
}

void SystemdNotifier::watchdog() {
  if (watchdog_every_) send("WATCHDOG=1");
}

void SystemdNotifier::stopping() {
  send("STOPPING=1");
}

void SystemdNotifier::reloading() {
  send("RELOADING=1");
}

void SystemdNotifier::status(std::string_view status) {
  send("STATUS=" + std::string(status));
}

}  // namespace leakwatch::daemon
