// Signing folders of sensitive files: only hashes come out, in parallel, deterministically.
#include "matcher/signer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <string>

#include "matcher/file_hasher.h"
#include "model/json.h"
#include "tests/support/temp_dir.h"

namespace leakwatch::matcher {
namespace {

using leakwatch::testing::random_bytes;
using leakwatch::testing::TempDir;
using leakwatch::testing::write_file;

// A small dataset tree: files at the top, in a subfolder and two levels down, one of them
// larger than the hasher's 1 MiB buffer, one empty.
struct DatasetTree {
  TempDir dir;
  std::filesystem::path root = dir / "hr-export";

  DatasetTree() {
    write_file(root / "readme.txt", "Quarterly HR export. Do not share.\n");
    write_file(root / "payroll/2025-q1.csv", "name,iban\nAlice,DE89370400440532013000\n");
    write_file(root / "payroll/2025-q2.csv", "name,iban\nBob,GB33BUKB20201555555555\n");
    write_file(root / "scans/contracts/a.pdf", random_bytes((1u << 20) + 513, 7));
    write_file(root / "scans/empty.dat", "");
  }
};

std::vector<std::string> paths_of(const Signature& sig) {
  std::vector<std::string> out;
  for (const auto& f : sig.files) out.push_back(f.path);
  return out;
}

TEST(SignPaths, SignsEveryFileOfAFolderTreeWithRelativePaths) {
  DatasetTree tree;
  SignOptions options;
  options.dataset = "hr-2025";
  options.description = "HR exports";
  options.threads = 2;
  const auto report = sign_paths({tree.root}, options);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_TRUE(report->skipped.empty());
  const auto& sig = report->signature;
  EXPECT_EQ(sig.dataset, "hr-2025");
  EXPECT_EQ(sig.description, "HR exports");
  // Sorted, '/'-separated, relative to the folder given (which itself is not part of the path).
  EXPECT_EQ(paths_of(sig),
            (std::vector<std::string>{"payroll/2025-q1.csv", "payroll/2025-q2.csv", "readme.txt",
                                      "scans/contracts/a.pdf", "scans/empty.dat"}));
  std::uint64_t total = 0;
  for (const auto& f : sig.files) total += f.size;
  EXPECT_EQ(sig.files[3].size, (1u << 20) + 513);
  EXPECT_EQ(sig.files[4].size, 0u);
  EXPECT_EQ(report->bytes_hashed, total);
}

TEST(SignPaths, RecordsTheSameDigestsAsHashingEachFileAlone) {
  DatasetTree tree;
  SignOptions options;
  options.dataset = "hr-2025";
  const auto report = sign_paths({tree.root}, options);
  ASSERT_TRUE(report) << report.error().message;
  for (const auto& f : report->signature.files) {
    const auto alone = hash_file(tree.root / f.path, f.path);
    ASSERT_TRUE(alone) << alone.error().message;
    EXPECT_EQ(f.digests, alone->digests) << f.path;
    EXPECT_FALSE(f.digests.empty()) << f.path;
  }
}

TEST(SignPaths, NamesAFileArgumentByItsOwnName) {
  DatasetTree tree;
  SignOptions options;
  options.dataset = "one-file";
  const auto report = sign_paths({tree.root / "payroll/2025-q1.csv"}, options);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(paths_of(report->signature), std::vector<std::string>{"2025-q1.csv"});
}

TEST(SignPaths, ReportsAMissingPathAndSignsTheRest) {
  DatasetTree tree;
  SignOptions options;
  options.dataset = "hr-2025";
  const auto missing = tree.dir / "not-there";
  const auto report = sign_paths({missing, tree.root}, options);
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_EQ(report->skipped.size(), 1u);
  EXPECT_NE(report->skipped[0].find(missing.string()), std::string::npos) << report->skipped[0];
  EXPECT_EQ(report->signature.files.size(), 5u);
}

TEST(SignPaths, ReportsAnUnreadableFileAndSignsTheRest) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads files whatever their mode";
  DatasetTree tree;
  const auto locked = tree.root / "payroll/locked.csv";
  write_file(locked, "secret\n");
  ASSERT_EQ(::chmod(locked.c_str(), 0), 0);
  SignOptions options;
  options.dataset = "hr-2025";
  const auto report = sign_paths({tree.root}, options);
  ::chmod(locked.c_str(), 0600);
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_EQ(report->skipped.size(), 1u);
  EXPECT_NE(report->skipped[0].find("locked.csv"), std::string::npos) << report->skipped[0];
  EXPECT_EQ(report->signature.files.size(), 5u);
}

TEST(SignPaths, FailsWhenNothingCouldBeSigned) {
  TempDir dir;
  SignOptions options;
  options.dataset = "nothing";
  const auto report = sign_paths({dir / "missing"}, options);
  ASSERT_FALSE(report);
  EXPECT_NE(report.error().message.find("missing"), std::string::npos) << report.error().message;
}

TEST(SignPaths, RequiresADatasetName) {
  DatasetTree tree;
  const auto report = sign_paths({tree.root}, SignOptions{});
  ASSERT_FALSE(report);
  EXPECT_NE(report.error().message.find("dataset"), std::string::npos);
}

TEST(SignPaths, StoresHoneytokensOnlyAsSha256) {
  DatasetTree tree;
  const std::string token = "canary-7f3a9c2e-leakwatch@example.com";
  SignOptions options;
  options.dataset = "hr-2025";
  options.honeytokens = {token};
  const auto report = sign_paths({tree.root}, options);
  ASSERT_TRUE(report) << report.error().message;
  const auto& sig = report->signature;
  ASSERT_EQ(sig.honeytoken_hashes.size(), 1u);
  EXPECT_EQ(sig.honeytoken_hashes[0].kind, DigestKind::sha256);
  // printf %s canary-7f3a9c2e-leakwatch@example.com | sha256sum
  MultiHasher hasher;
  hasher.update({reinterpret_cast<const std::uint8_t*>(token.data()), token.size()});
  EXPECT_EQ(sig.honeytoken_hashes[0], hasher.finish()[0]);

  const auto json = to_json_text(sig);
  EXPECT_EQ(json.find(token), std::string::npos);
  EXPECT_EQ(json.find("canary"), std::string::npos);
  // No file content either.
  EXPECT_EQ(json.find("DE89370400440532013000"), std::string::npos);
  EXPECT_EQ(json.find("Quarterly HR export"), std::string::npos);
  EXPECT_EQ(json.find("Alice"), std::string::npos);
}

TEST(SignPaths, HoneytokensAloneMakeASignature) {
  SignOptions options;
  options.dataset = "tokens-only";
  options.honeytokens = {"a", "b"};
  const auto report = sign_paths({}, options);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_TRUE(report->signature.files.empty());
  ASSERT_EQ(report->signature.honeytoken_hashes.size(), 2u);
  EXPECT_NE(report->signature.honeytoken_hashes[0], report->signature.honeytoken_hashes[1]);
}

TEST(SignPaths, OneThreadAndFourThreadsProduceTheSameSignature) {
  DatasetTree tree;
  for (int i = 0; i < 20; ++i) {
    write_file(tree.root / ("many/file-" + std::to_string(i) + ".bin"),
               random_bytes(static_cast<std::size_t>(i) * 4099, static_cast<std::uint64_t>(i)));
  }
  SignOptions options;
  options.dataset = "hr-2025";
  options.honeytokens = {"token"};
  options.threads = 1;
  auto serial = sign_paths({tree.root}, options);
  options.threads = 4;
  std::atomic<std::size_t> progress_calls{0};
  options.on_progress = [&](std::size_t done, std::size_t total, std::uint64_t) {
    EXPECT_LE(done, total);
    ++progress_calls;
  };
  auto parallel = sign_paths({tree.root}, options);
  ASSERT_TRUE(serial) << serial.error().message;
  ASSERT_TRUE(parallel) << parallel.error().message;
  EXPECT_EQ(progress_calls.load(), 25u);
  EXPECT_EQ(serial->signature.files.size(), 25u);
  EXPECT_EQ(serial->bytes_hashed, parallel->bytes_hashed);
  parallel->signature.created = serial->signature.created;
  EXPECT_EQ(parallel->signature, serial->signature);
}

TEST(SignPaths, RecordsEveryDigestKindAndHeadPiecesForLargeFiles) {
  DatasetTree tree;
  SignOptions options;
  options.dataset = "hr-2025";
  options.name_patterns = {"payroll*.csv"};
  const auto report = sign_paths({tree.root}, options);
  ASSERT_TRUE(report) << report.error().message;
  const auto& sig = report->signature;
  EXPECT_EQ(sig.name_patterns, (std::vector<std::string>{"payroll*.csv"}));
  const auto& big = sig.files[3];
  ASSERT_EQ(big.path, "scans/contracts/a.pdf");
  std::vector<DigestKind> kinds;
  for (const auto& d : big.digests) kinds.push_back(d.kind);
  EXPECT_EQ(kinds, (std::vector<DigestKind>{DigestKind::sha256, DigestKind::sha1, DigestKind::md5,
                                            DigestKind::xxh3_128, DigestKind::crc32,
                                            DigestKind::btv2_root}));
  // 1 MiB + 513 bytes reaches piece lengths 16 KiB .. 1 MiB: seven head pieces.
  EXPECT_EQ(big.head_pieces.size(), 7u);
  const auto json = to_json_text(sig);
  EXPECT_EQ(json.find("Alice"), std::string::npos);
  EXPECT_EQ(json.find("GB33BUKB20201555555555"), std::string::npos);
}

}  // namespace
}  // namespace leakwatch::matcher
