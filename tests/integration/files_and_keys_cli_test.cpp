// What leakwatch writes and what it trusts, through the real binary (issue 15, "Files, keys and
// backups" and "A malicious bundle"): a bundle cannot name a path outside the keys folder or
// smuggle a local path; files and folders leakwatch makes are its user's alone; a config that
// fails to load fails every command; `sign` never silently replaces a signature; a backup holds
// the record keys and restores with them.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "tests/support/leakwatch_cli.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace leakwatch {
namespace {

using testing::leakwatch_in;
using testing::read_file;
using testing::run_command;
using testing::TempDir;
using testing::write_file;

unsigned mode_of(const std::filesystem::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0xFFFF;
  return st.st_mode & 0777;
}

// A dataset signed with record fingerprints (so it has a key), exported --with-key.
nlohmann::json records_bundle(const TempDir& dir) {
  write_file(dir / "people.csv", "id,email\n1,alice@example.org\n2,bob@example.org\n");
  write_file(dir / "files/a.txt", "alpha\n");
  const auto signed_run =
      leakwatch_in(dir, "data",
                   {"sign", "--dataset", "people", "--records", (dir / "people.csv").string(),
                    "--columns", "email", (dir / "files").string()});
  EXPECT_EQ(signed_run.exit_code, 0) << signed_run.err;
  const auto exported = leakwatch_in(
      dir, "data",
      {"signatures", "export", "people", (dir / "people.bundle").string(), "--with-key"});
  EXPECT_EQ(exported.exit_code, 0) << exported.err;
  return nlohmann::json::parse(read_file(dir / "people.bundle"));
}

TEST(MaliciousBundle, ADatasetNameThatLeavesTheKeysFolderIsRefused) {
  TempDir dir;
  auto bundle = records_bundle(dir);
  for (const std::string name : {"../../escaped", "/tmp/leakwatch-abs-escape", "..", "a/b"}) {
    bundle["signature"]["dataset"] = name;
    write_file(dir / "evil.bundle", bundle.dump());
    const auto r =
        leakwatch_in(dir, "other", {"signatures", "import", (dir / "evil.bundle").string()});
    EXPECT_EQ(r.exit_code, 1) << name;
    EXPECT_NE(r.err.find("is not a dataset name"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "escaped.key"));
  EXPECT_FALSE(std::filesystem::exists("/tmp/leakwatch-abs-escape.key"));
  EXPECT_FALSE(std::filesystem::exists(dir / "other" / "keys" / "a"));
  const auto listed = leakwatch_in(dir, "other", {"signatures", "list"});
  EXPECT_EQ(listed.out.find("escaped"), std::string::npos) << listed.out;
}

TEST(MaliciousBundle, AnImportedOriginalPathIsDropped) {
  // A scan checks torrent pieces against a file's original_path: a bundle naming /etc/shadow
  // would make it open that file here.
  TempDir dir;
  auto bundle = records_bundle(dir);
  bundle["signature"]["files"][0]["original_path"] = "/etc/shadow";
  write_file(dir / "evil.bundle", bundle.dump());
  const auto r =
      leakwatch_in(dir, "other", {"signatures", "import", (dir / "evil.bundle").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto shown =
      leakwatch_in(dir, "other", {"signatures", "show", "people", "--format", "json"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_EQ(shown.out.find("original_path"), std::string::npos) << shown.out;
  EXPECT_EQ(shown.out.find("/etc/shadow"), std::string::npos);
}

TEST(PrivateFiles, DataDirKeysBundlesAndReportsAreTheUsersAlone) {
  TempDir dir;
  records_bundle(dir);
  EXPECT_EQ(mode_of(dir / "data"), 0700u);
  EXPECT_EQ(mode_of(dir / "data" / "db"), 0700u);
  EXPECT_EQ(mode_of(dir / "data" / "db" / "CURRENT"), 0600u) << "umask 077";
  EXPECT_EQ(mode_of(dir / "data" / "keys"), 0700u);
  EXPECT_EQ(mode_of(dir / "data" / "keys" / "people.key"), 0600u);
  EXPECT_EQ(mode_of(dir / "people.bundle"), 0600u) << "a bundle --with-key holds the key";
  // A bundle is never written over an existing file.
  write_file(dir / "taken.bundle", "someone else's\n");
  const auto again = leakwatch_in(
      dir, "data", {"signatures", "export", "people", (dir / "taken.bundle").string()});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("exists already"), std::string::npos) << again.err;
  EXPECT_EQ(read_file(dir / "taken.bundle"), "someone else's\n");
  const auto verified = leakwatch_in(dir, "data",
                                     {"verify", "--dataset", "people", "--format", "json",
                                      "--output", (dir / "report.json").string()});
  EXPECT_NE(verified.exit_code, 1) << verified.err;
  EXPECT_EQ(mode_of(dir / "report.json"), 0600u);
}

TEST(SignReplace, SigningAnExistingDatasetAgainNeedsReplace) {
  TempDir dir;
  write_file(dir / "v1/a.txt", "one\n");
  write_file(dir / "v1/b.txt", "two\n");
  write_file(dir / "v2/c.txt", "three\n");
  ASSERT_EQ(leakwatch_in(dir, "data", {"sign", "--dataset", "d", (dir / "v1").string()}).exit_code,
            0);
  const auto refused = leakwatch_in(dir, "data", {"sign", "--dataset", "d", (dir / "v2").string()});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("already signed (2 files"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--replace"), std::string::npos);
  const auto kept = leakwatch_in(dir, "data", {"signatures", "show", "d", "--format", "json"});
  EXPECT_EQ(nlohmann::json::parse(kept.out)["files"].size(), 2u) << "the old signature stays";
  const auto replaced = run_command({LEAKWATCH_BINARY, "--data-dir", (dir / "data").string(),
                                     "sign", "--dataset", "d", "--replace", (dir / "v2").string()});
  EXPECT_EQ(replaced.exit_code, 0) << replaced.err;
  EXPECT_NE(replaced.err.find("replaced the signature created"), std::string::npos) << replaced.err;
}

// Runs leakwatch with `args` in `cwd`.
testing::CommandResult leakwatch_at(const std::filesystem::path& cwd,
                                    const std::vector<std::string>& args) {
  std::string line = "cd '" + cwd.string() + "' && exec '" + LEAKWATCH_BINARY + "'";
  for (const auto& a : args) line += " '" + a + "'";
  return run_command({"sh", "-c", line});
}

TEST(BadConfig, FailsEveryCommandThatReadsItAndNothingLandsInTheWorkingDirectory) {
  // sign, signatures and sightings used to exit 0 with a broken config and write to
  // ./leakwatch-data; only scan said so.
  TempDir dir;
  write_file(dir / "bad.toml", "data_dir = \"configured\"\ncolour = \"red\"\n");
  write_file(dir / "files/a.txt", "alpha\n");
  const std::vector<std::vector<std::string>> commands = {
      {"sign", "--dataset", "d", (dir / "files").string()},
      {"signatures", "list"},
      {"sightings"},
      {"verify", "--dataset", "d"},
      {"db", "stats"},
      {"scan"}};
  for (auto args : commands) {
    args.insert(args.begin(), {"--config", (dir / "bad.toml").string()});
    const auto r = leakwatch_at(dir.path(), args);
    EXPECT_NE(r.exit_code, 0) << args[2] << ": " << r.out;
    EXPECT_NE(r.err.find("bad.toml:2"), std::string::npos) << args[2] << ": " << r.err;
    EXPECT_NE(r.err.find("colour"), std::string::npos) << args[2] << ": " << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "leakwatch-data"));
  EXPECT_FALSE(std::filesystem::exists(dir / "configured"));
}

TEST(ImplicitConfig, IsNotReadFromAWorkingDirectoryOfAnotherUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a folder to another user";
  TempDir dir;
  const auto shared = dir / "shared";
  std::filesystem::create_directories(shared);
  write_file(shared / "leakwatch.toml", "data_dir = \"/tmp/planted-by-someone\"\n");
  ASSERT_EQ(::chown(shared.c_str(), 65534, 65534), 0);
  ASSERT_EQ(::chown((shared / "leakwatch.toml").c_str(), 65534, 65534), 0);
  const auto r = leakwatch_at(shared, {"signatures", "list"});
  EXPECT_EQ(r.exit_code, 2) << "a config that cannot be loaded is a usage error, before running";
  EXPECT_NE(r.err.find("leakwatch.toml not loaded: the working directory belongs to uid 65534"),
            std::string::npos)
      << r.err;
  // Named explicitly, it is the user's choice.
  const auto named =
      leakwatch_at(shared, {"--config", "leakwatch.toml", "-v", "signatures", "list"});
  EXPECT_NE(named.err.find("config=leakwatch.toml"), std::string::npos) << named.err;
}

TEST(Logging, ControlBytesInLoggedTextAreEscapedInEveryFormat) {
  // Log lines carry remote text (URLs, names, server errors); an ESC sequence or CR in them
  // must not reach the terminal or forge a line. Here the text is a config file name.
  TempDir dir;
  const auto config = dir / "evil\x1b[2J\rFAKE.toml";
  write_file(config, "data_dir = \"d\"\n");
  for (const std::string format : {"text", "json"}) {
    const auto r = run_command({LEAKWATCH_BINARY, "--log-format", format, "--config",
                                config.string(), "signatures", "list"});
    EXPECT_NE(r.err.find("config="), std::string::npos) << format << ": " << r.err;
    EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << format;
    EXPECT_EQ(r.err.find('\r'), std::string::npos) << format;
    EXPECT_NE(r.err.find(format == "text" ? "\\x1b[2J\\x0dFAKE" : "\\u001b[2J\\rFAKE"),
              std::string::npos)
        << format << ": " << r.err;
  }
}

TEST(Backup, HoldsTheRecordKeysSaysSoAndRestoresIntoAnEmptyDataDir) {
  TempDir dir;
  records_bundle(dir);
  const auto backup = leakwatch_in(dir, "data", {"db", "backup", (dir / "b1").string()});
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  EXPECT_NE(backup.out.find("1 signatures) and 1 record keys"), std::string::npos) << backup.out;
  EXPECT_EQ(mode_of(dir / "b1"), 0700u);
  EXPECT_EQ(mode_of(dir / "b1" / "keys" / "people.key"), 0600u);
  EXPECT_NE(read_file(dir / "b1" / "BACKUP.txt").find("1 record keys"), std::string::npos);

  const auto restored = leakwatch_in(dir, "restored", {"db", "restore", (dir / "b1").string()});
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  EXPECT_NE(restored.out.find("1 signatures, 1 record keys"), std::string::npos) << restored.out;
  EXPECT_EQ(read_file(dir / "restored" / "keys" / "people.key"),
            read_file(dir / "data" / "keys" / "people.key"));
  const auto listed = leakwatch_in(dir, "restored", {"signatures", "list"});
  EXPECT_NE(listed.out.find("people"), std::string::npos) << listed.out;
  // A data dir with a database is never overwritten.
  const auto again = leakwatch_in(dir, "restored", {"db", "restore", (dir / "b1").string()});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("a database is here already"), std::string::npos) << again.err;
}

}  // namespace
}  // namespace leakwatch
