// systemd service notification (sd_notify(3)): READY=1 once the daemon serves, WATCHDOG=1 while
// its loop is alive, STOPPING=1 on the way out, STATUS= for `systemctl status`. Outside systemd
// (no $NOTIFY_SOCKET) every call does nothing. The only file that includes libsystemd.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace leakwatch::daemon {

class SystemdNotifier {
 public:
  SystemdNotifier();

  void ready(std::string_view status);
  void watchdog();
  void stopping();
  void status(std::string_view status);
  void reloading();
  // How often to send WATCHDOG=1: half of the service's WatchdogSec (nullopt: no watchdog).
  std::optional<std::chrono::milliseconds> watchdog_interval() const { return watchdog_every_; }

 private:
  void send(std::string_view state);
  std::optional<std::chrono::milliseconds> watchdog_every_;
};

}  // namespace leakwatch::daemon
