// Running real programs from tests: one-shot commands with captured output, and background
// servers that are stopped (SIGTERM, then SIGKILL) when the handle goes away.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace leakwatch::testing {

struct CommandResult {
  int exit_code = -1;  // 128+signal when killed by a signal
  std::string out;
  std::string err;
};

// Runs argv[0] (PATH lookup) with a time limit; kills it when the limit passes.
CommandResult run_command(const std::vector<std::string>& argv,
                          std::chrono::seconds limit = std::chrono::seconds{120},
                          const std::vector<std::string>& extra_env = {});

class BackgroundProcess {
 public:
  BackgroundProcess() = default;
  // Starts argv; stdout and stderr go to `log_file`.
  BackgroundProcess(const std::vector<std::string>& argv, const std::filesystem::path& log_file);
  ~BackgroundProcess();
  BackgroundProcess(BackgroundProcess&& other) noexcept;
  BackgroundProcess& operator=(BackgroundProcess&& other) noexcept;
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Whether it has not exited yet (an exited process keeps its exit code for stop()).
  bool running() const;
  // SIGTERM (SIGKILL after a second); returns the exit code (128+signal when killed by one), also
  // of a process that had exited by itself.
  int stop();

 private:
  pid_t pid_ = -1;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
int free_port();
// Waits until something accepts connections on 127.0.0.1:port.
bool wait_for_port(int port, std::chrono::milliseconds limit = std::chrono::seconds{10});
// The first IPv4 address of a non-loopback interface, if any (a site there is not on
// loopback: what redirect tests point at).
std::optional<std::string> interface_ipv4();
// Full path of a program, or empty when it is not installed (looks in PATH and sbin folders).
std::string find_program(const std::string& name);

}  // namespace leakwatch::testing
