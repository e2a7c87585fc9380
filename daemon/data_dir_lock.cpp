#include "daemon/data_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

namespace leakwatch::daemon {

namespace {

std::string read_pid(int fd) {
  char buffer[32] = {};
  const auto n = ::pread(fd, buffer, sizeof buffer - 1, 0);
  std::string text(buffer, n > 0 ? static_cast<std::size_t>(n) : 0);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text.empty() ? "unknown" : text;
}

}  // namespace

Result<std::unique_ptr<DataDirLock>> DataDirLock::acquire(const std::filesystem::path& data_dir) {
  std::error_code ec;
  if (!std::filesystem::exists(data_dir, ec)) {
    std::filesystem::create_directories(data_dir, ec);
    if (ec) return Error{"cannot create data directory " + data_dir.string() + ": " + ec.message()};
    std::filesystem::permissions(data_dir, std::filesystem::perms::owner_all, ec);
  }
  auto file = data_dir / "daemon.pid";
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Error{"cannot open lock file " + file.string() + ": " + std::strerror(errno)};
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    const auto pid = read_pid(fd);
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Error{"data directory " + data_dir.string() +
                   " is in use by another leakwatch daemon (pid " + pid + ", lock file " +
                   file.string() + ")"};
    }
    return Error{"cannot lock " + file.string() + ": " + std::strerror(err)};
  }
  const auto text = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    const int err = errno;
    ::close(fd);
    return Error{"cannot write lock file " + file.string() + ": " + std::strerror(err)};
  }
  return std::unique_ptr<DataDirLock>(new DataDirLock(fd, std::move(file)));
}

DataDirLock::~DataDirLock() {
  // Emptied first, so a reader never sees a pid that no longer holds the lock.
  if (::ftruncate(fd_, 0) != 0) {
    // Nothing to do: the lock goes with the descriptor either way.
  }
  ::close(fd_);
}

}  // namespace leakwatch::daemon
