// One daemon per data directory: the lock names its holder, survives nothing it should not.
#include "daemon/data_dir_lock.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/temp_dir.h"

namespace leakwatch::daemon {
namespace {

TEST(DataDirLock, ASecondHolderIsRefusedWithThePidOfTheFirst) {
  testing::TempDir dir;
  const auto data = dir.path() / "data";
  auto first = DataDirLock::acquire(data);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(testing::read_file(data / "daemon.pid"), std::to_string(::getpid()) + "\n");
  struct stat st {};
  ASSERT_EQ(::stat((data / "daemon.pid").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(data.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  // Another process (a child) cannot take it while this one holds it.
  const pid_t child = ::fork();
  if (child == 0) {
    auto second = DataDirLock::acquire(data);
    const bool named =
        !second && second.error().message == "data directory " + data.string() +
                                                 " is in use by another leakwatch daemon (pid " +
                                                 std::to_string(::getppid()) + ", lock file " +
                                                 (data / "daemon.pid").string() + ")";
    ::_exit(named ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_FALSE(DataDirLock::acquire(data)) << "nor can a second open in this process";

  first.value().reset();
  EXPECT_EQ(testing::read_file(data / "daemon.pid"), "");
  EXPECT_TRUE(DataDirLock::acquire(data));
}

TEST(DataDirLock, AStaleFileFromAKilledDaemonDoesNotBlock) {
  testing::TempDir dir;
  testing::write_file(dir.path() / "daemon.pid", "999999\n");
  auto lock = DataDirLock::acquire(dir.path());
  ASSERT_TRUE(lock) << lock.error().message;
  EXPECT_EQ(testing::read_file(dir.path() / "daemon.pid"), std::to_string(::getpid()) + "\n");
}

}  // namespace
}  // namespace leakwatch::daemon
