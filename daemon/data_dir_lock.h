// One daemon per data directory: an exclusive lock on `<data dir>/daemon.pid`, which holds the
// pid of the daemon that has it. The lock is an open file description lock (flock), so it is
// released by the kernel when the process dies however it dies: a stale file never blocks a
// restart.
#pragma once

#include <filesystem>
#include <memory>

#include "model/result.h"

namespace leakwatch::daemon {

class DataDirLock {
 public:
  // Takes the lock or fails with "data directory DIR is in use by another leakwatch daemon
  // (pid N, lock file FILE)". Creates the data directory (mode 0700) when it is missing.
  static Result<std::unique_ptr<DataDirLock>> acquire(const std::filesystem::path& data_dir);
  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

  const std::filesystem::path& file() const { return file_; }

 private:
  DataDirLock(int fd, std::filesystem::path file) : fd_(fd), file_(std::move(file)) {}
  int fd_;
  std::filesystem::path file_;
};

}  // namespace leakwatch::daemon
