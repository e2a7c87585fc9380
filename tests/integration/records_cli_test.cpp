// Record fingerprints through the real binary: `sign --records` keeps a private key and no
// plaintext (the store and the bundles are searched for every value), `export` leaves the key out
// unless asked, and `scan` of a text dump served by a real nginx finds the hidden rows and a
// planted honeytoken with thresholds from [[dataset]].
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "tests/support/leakwatch_cli.h"
#include "tests/support/nginx_server.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace leakwatch {
namespace {

using testing::CommandResult;
using testing::leakwatch_in;
using testing::read_file;
using testing::run_command;
using testing::TempDir;
using testing::write_file;

struct Row {
  std::string plate, passport;
};

std::vector<Row> make_rows(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const auto pick = [&](std::string_view alphabet, int count) {
    std::string s;
    for (int i = 0; i < count; ++i) s.push_back(alphabet[rng() % alphabet.size()]);
    return s;
  };
  std::vector<Row> rows;
  for (std::size_t i = 0; i < n; ++i) {
    rows.push_back(
        {pick("BCDFGHJKLMNPRSTVWXZ", 3) + pick("0123456789", 4), "P" + pick("0123456789", 8)});
  }
  return rows;
}

// Every file under `root` (recursively) as one string, to search for plaintext.
std::string all_bytes_under(const std::filesystem::path& root) {
  std::string all;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) all += read_file(e.path());
  }
  return all;
}

TEST(RecordsCli, SignKeepsAPrivateKeyAndNoPlaintextAndScanFindsHiddenRows) {
  TempDir dir;
  const auto rows = make_rows(300, 11);
  const std::string token = "LWX-40f1c9e2d7";
  std::string csv = "\xEF\xBB\xBFname,plate,passport\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    csv += "\"Person " + std::to_string(i) + "\"," + rows[i].plate + "," + rows[i].passport + "\n";
  }
  csv += "\"unterminated,XXX0000,P00000000\n";
  write_file(dir / "people.csv", csv);

  const auto signed_run = leakwatch_in(
      dir, "data",
      {"sign", "--dataset", "plates", "--records", (dir / "people.csv").string(), "--columns",
       "plate,passport", "--pattern", "plate=[A-Z]{3}[0-9]{4}", "--honeytoken", token});
  ASSERT_EQ(signed_run.exit_code, 0) << signed_run.err;
  EXPECT_NE(signed_run.out.find("records: 300 rows; plate (text, 300 values, pattern "
                                "[A-Z]{3}[0-9]{4}) passport (text, 300 values"),
            std::string::npos)
      << signed_run.out;
  EXPECT_NE(signed_run.out.find("1 bad rows skipped"), std::string::npos) << signed_run.out;

  const auto key_file = dir / "data" / "keys" / "plates.key";
  struct stat st {};
  ASSERT_EQ(::stat(key_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const auto key_hex = read_file(key_file).substr(0, 64);

  // Bundles: without the key unless asked.
  const auto exported = leakwatch_in(
      dir, "data", {"signatures", "export", "plates", (dir / "plates.bundle").string()});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_NE(exported.err.find("the bundle holds no record key"), std::string::npos);
  ASSERT_EQ(leakwatch_in(dir, "data",
                         {"signatures", "export", "plates", "--with-key",
                          (dir / "plates-key.bundle").string()})
                .exit_code,
            0);
  const auto bundle = read_file(dir / "plates.bundle");
  const auto bundle_with_key = read_file(dir / "plates-key.bundle");
  EXPECT_EQ(bundle.find(key_hex), std::string::npos);
  EXPECT_FALSE(nlohmann::json::parse(bundle).contains("record_key"));
  EXPECT_EQ(nlohmann::json::parse(bundle_with_key).at("record_key"), key_hex);

  // No plaintext value anywhere: the store's files and both bundles.
  const auto store_bytes = all_bytes_under(dir / "data" / "db");
  for (const auto* haystack : {&store_bytes, &bundle, &bundle_with_key}) {
    for (const auto& r : rows) {
      ASSERT_EQ(haystack->find(r.plate), std::string::npos) << r.plate;
      ASSERT_EQ(haystack->find(r.passport), std::string::npos) << r.passport;
    }
    EXPECT_EQ(haystack->find(token), std::string::npos);
    EXPECT_EQ(haystack->find("Person 1"), std::string::npos);
  }

  // Import elsewhere: without the key it says what is missing; with it, the key is installed.
  const auto imported =
      leakwatch_in(dir, "other", {"signatures", "import", (dir / "plates.bundle").string()});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(imported.err.find("are matched only with their key"), std::string::npos)
      << imported.err;
  const auto imported_key =
      leakwatch_in(dir, "third", {"signatures", "import", (dir / "plates-key.bundle").string()});
  ASSERT_EQ(imported_key.exit_code, 0) << imported_key.err;
  EXPECT_EQ(imported_key.err, "");
  ASSERT_EQ(::stat((dir / "third" / "keys" / "plates.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  // A paste with 25 real rows among 2,000 random ones, and the honeytoken, served by nginx.
  const auto noise = make_rows(2000, 99);
  std::string paste = "leaked sample, see proof below\nplate | passport | note\n";
  for (std::size_t i = 0; i < noise.size(); ++i) {
    if (i % 80 == 0 && i / 80 < 25) {
      const auto& r = rows[i / 80 * 7];
      paste += r.plate + " | " + r.passport + " | real\n";
    }
    paste += noise[i].plate + " | " + noise[i].passport + " | x\n";
  }
  paste += "contact " + token + " for more\n";
  write_file(dir / "site" / "paste.txt", paste);
  testing::NginxServer server(dir / "site");
  const auto config = dir / "leakwatch.toml";
  write_file(config,
             "data_dir = \"data\"\n"
             "[[source]]\nname = \"paste\"\nkind = \"text\"\nurl = \"" +
                 server.url("/paste.txt") +
                 "\"\n"
                 "[[dataset]]\nname = \"plates\"\nrecords_likely = 5\n"
                 "records_confirmed = 100\n");
  // Without the honeytoken the 25 rows are `likely` under these thresholds; the token confirms.
  const auto scan = run_command(
      {LEAKWATCH_BINARY, "-q", "--config", config.string(), "scan", "--format", "json"});
  ASSERT_EQ(scan.exit_code, 0) << scan.err;
  const auto result = nlohmann::json::parse(scan.out);
  ASSERT_EQ(result.at("sightings").size(), 1u) << scan.out;
  const auto& s = result.at("sightings")[0];
  EXPECT_EQ(s.at("dataset"), "plates");
  EXPECT_EQ(s.at("records_matched"), 25);
  EXPECT_EQ(s.at("confidence"), "confirmed");
  std::set<std::string> kinds;
  for (const auto& e : s.at("evidence")) kinds.insert(e.at("kind").get<std::string>());
  EXPECT_EQ(kinds, (std::set<std::string>{"records", "honeytoken"}));
  for (const auto& r : rows) {
    ASSERT_EQ(scan.out.find(r.plate), std::string::npos);
    ASSERT_EQ(scan.out.find(r.passport), std::string::npos);
  }
  const auto stored = run_command(
      {LEAKWATCH_BINARY, "-q", "--config", config.string(), "sightings", "--format", "json"});
  ASSERT_EQ(stored.exit_code, 0) << stored.err;
  EXPECT_NE(stored.out.find("\"records_matched\":25"), std::string::npos) << stored.out;
  EXPECT_EQ(all_bytes_under(dir / "data" / "db").find(rows[0].plate), std::string::npos);
}

TEST(RecordsCli, UsageErrorsNameTheProblem) {
  TempDir dir;
  write_file(dir / "p.csv", "plate\nABC1234\n");
  auto r =
      leakwatch_in(dir, "data", {"sign", "--dataset", "p", "--records", (dir / "p.csv").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--records and --columns go together"), std::string::npos) << r.err;
  r = leakwatch_in(dir, "data",
                   {"sign", "--dataset", "p", "--records", (dir / "p.csv").string(), "--columns",
                    "plate", "--normaliser", "plate=soundex"});
  EXPECT_EQ(r.exit_code, 2);
  r = leakwatch_in(
      dir, "data",
      {"sign", "--dataset", "p", "--records", (dir / "p.csv").string(), "--columns", "colour"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no column 'colour' (header: plate)"), std::string::npos) << r.err;
  r = leakwatch_in(dir, "data",
                   {"sign", "--dataset", "p", "--records", (dir / "p.csv").string(), "--columns",
                    "plate", "--pattern", "plate=(a)\\1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Hyperscan rejects"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace leakwatch
