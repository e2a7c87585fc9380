// The store across processes: a writer killed with SIGKILL mid-run loses no acknowledged
// sighting and leaves consistent indexes; readers (in-process and the CLI) work while a writer
// process holds the database. The writer is tests/store/store_writer.cpp.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace leakwatch::store {
namespace {

using leakwatch::testing::read_file;
using leakwatch::testing::run_command;
using leakwatch::testing::TempDir;

// A store_writer child with stdout in a file; SIGKILLed on destruction if still alive.
class Writer {
 public:
  Writer(const std::filesystem::path& data_dir, const std::filesystem::path& out,
         const std::vector<std::string>& args)
      : out_(out) {
    std::vector<std::string> argv = {STORE_WRITER_BINARY, data_dir.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd < 0 || ::dup2(fd, STDOUT_FILENO) < 0) ::_exit(127);
      std::vector<char*> cargv;
      for (auto& a : argv) cargv.push_back(a.data());
      cargv.push_back(nullptr);
      ::execv(cargv[0], cargv.data());
      ::_exit(127);
    }
  }
  ~Writer() { kill(); }

  // Complete lines printed so far.
  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    std::error_code ec;
    if (!std::filesystem::exists(out_, ec)) return out;  // the child has not opened it yet
    const auto text = read_file(out_);
    std::size_t start = 0;
    for (auto end = text.find('\n'); end != std::string::npos; end = text.find('\n', start)) {
      out.push_back(text.substr(start, end - start));
      start = end + 1;
    }
    return out;
  }

  bool alive() const {
    int status = 0;
    return pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == 0;
  }

  // Waits until `done(lines)` holds; false if the writer exits or the limit passes first.
  template <typename Done>
  bool wait_for(Done done, std::chrono::seconds limit = std::chrono::seconds{120}) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done(lines())) return true;
      if (!alive()) return done(lines());
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
    return false;
  }

  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  pid_t pid() const { return pid_; }

 private:
  std::filesystem::path out_;
  pid_t pid_ = -1;
};

TEST(Crash, EveryAcknowledgedSightingSurvivesASigkillMidRun) {
  TempDir dir;
  const auto data = dir / "data";
  Writer writer(data, dir / "acked.txt", {"1000000", "25"});
  ASSERT_GT(writer.pid(), 0);
  ASSERT_TRUE(writer.wait_for([](const auto& lines) { return lines.size() >= 3000; }))
      << "the writer did not get going";
  ASSERT_TRUE(writer.alive()) << "the writer finished before it could be killed";
  writer.kill();
  const auto acked = writer.lines();
  ASSERT_GE(acked.size(), 3000u);
  ASSERT_LT(acked.size(), 1000000u);

  auto opened = Store::open(data, OpenMode::read_write);
  ASSERT_TRUE(opened) << opened.error().message;
  auto& store = **opened;
  std::size_t missing = 0;
  for (const auto& line : acked) {
    const auto tab = line.find('\t');
    ASSERT_NE(tab, std::string::npos) << line;
    const auto got = store.get_sighting(line.substr(0, tab), line.substr(tab + 1));
    ASSERT_TRUE(got) << got.error().message;
    if (!*got) ++missing;
  }
  EXPECT_EQ(missing, 0u) << "acknowledged sightings lost";
  const auto checked = store.check_consistency();
  EXPECT_TRUE(checked) << checked.error().message;

  // A fetch is all or nothing: at most one unacknowledged batch beyond what was printed.
  std::size_t stored = 0;
  ASSERT_TRUE(store.for_each_sighting({}, [&](const Sighting&) {
    ++stored;
    return true;
  }));
  EXPECT_GE(stored, acked.size());
  EXPECT_EQ(stored % 25, 0u) << "a partial fetch was recorded";
  EXPECT_LE(stored, acked.size() + 25);
}

// A replaced signature and its kept version are one batch: killed mid-run, the store holds every
// acknowledged replacement, and the history has exactly one version per replacement (the newest
// kSignatureHistoryLimit), each the one just before the next.
TEST(Crash, EveryAcknowledgedSignatureReplacementKeepsItsVersion) {
  TempDir dir;
  const auto data = dir / "data";
  Writer writer(data, dir / "acked.txt", {"--replace-signatures", "1000000"});
  ASSERT_GT(writer.pid(), 0);
  ASSERT_TRUE(writer.wait_for([](const auto& lines) { return lines.size() >= 150; }))
      << "the writer did not get going";
  ASSERT_TRUE(writer.alive()) << "the writer finished before it could be killed";
  writer.kill();
  const auto acked = writer.lines();
  ASSERT_GE(acked.size(), 150u);

  auto opened = Store::open(data, OpenMode::read_only);
  ASSERT_TRUE(opened) << opened.error().message;
  const auto current = (*opened)->get_signature("ds");
  ASSERT_TRUE(current && *current);
  const auto n = std::stoul((*current)->description.substr(1));
  EXPECT_GE(n + 1, acked.size()) << "an acknowledged replacement was lost";
  EXPECT_LE(n + 1, acked.size() + 1);
  EXPECT_EQ((*current)->files.size(), n + 1);
  const auto history = (*opened)->signature_history("ds");
  ASSERT_TRUE(history) << history.error().message;
  ASSERT_EQ(history->size(), std::min<std::size_t>(n, kSignatureHistoryLimit));
  for (std::size_t i = 0; i < history->size(); ++i) {
    const auto version = n - history->size() + i;
    EXPECT_EQ((*history)[i].description, "v" + std::to_string(version));
    EXPECT_EQ((*history)[i].files, version + 1);
    EXPECT_EQ((*history)[i].change.description_after, "v" + std::to_string(version + 1));
    EXPECT_EQ((*history)[i].change.files_added, 1u);
  }
}

TEST(Crash, ReadersWorkWhileAWriterProcessHoldsTheDatabase) {
  TempDir dir;
  const auto data = dir / "data";
  Writer writer(data, dir / "out.txt", {"70", "10", "--hold"});
  ASSERT_TRUE(writer.wait_for([](const auto& lines) {
    return !lines.empty() && lines.back() == "holding";
  })) << read_file(dir / "out.txt");

  auto reader = Store::open(data, OpenMode::read_only);
  ASSERT_TRUE(reader) << reader.error().message;
  SightingFilter f;
  f.dataset = "ds3";
  std::vector<std::string> seen;
  ASSERT_TRUE((*reader)->for_each_sighting(f, [&](const Sighting& s) {
    seen.push_back(s.locator);
    return true;
  }));
  EXPECT_EQ(seen.size(), 10u);  // 3, 10, ..., 66
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.front(), "https://leak.example/66");  // newest first

  const auto second_writer = Store::open(data, OpenMode::read_write);
  ASSERT_FALSE(second_writer);
  EXPECT_NE(second_writer.error().message.find("in use"), std::string::npos);

  const auto listed =
      run_command({LEAKWATCH_BINARY, "--data-dir", data.string(), "sightings", "--format", "json"});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(std::count(listed.out.begin(), listed.out.end(), '\n'), 70);
  const auto stats = run_command({LEAKWATCH_BINARY, "--data-dir", data.string(), "db", "stats"});
  EXPECT_EQ(stats.exit_code, 0) << stats.err;
  EXPECT_NE(stats.out.find("sightings"), std::string::npos) << stats.out;
  const auto compact =
      run_command({LEAKWATCH_BINARY, "--data-dir", data.string(), "db", "compact"});
  EXPECT_EQ(compact.exit_code, 1);
  EXPECT_NE(compact.err.find("in use"), std::string::npos) << compact.err;
  EXPECT_TRUE(writer.alive());
}

}  // namespace
}  // namespace leakwatch::store
