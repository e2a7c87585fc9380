// `leakwatch verify` through the real binary over a real RocksDB: each verdict with its exit
// code, --as-of around the first sighting, every report format, bad input, and a real scan of a
// real nginx followed by verify.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/nginx_server.h"
#include "tests/support/process.h"
#include "tests/verify/verify_fixture.h"

namespace leakwatch {
namespace {

using testing::CommandResult;
using testing::run_command;
using testing::StoreFiller;
using testing::TempDir;
using testing::write_file;

std::string source_toml(const std::string& name, const std::string& url) {
  return "[[source]]\nname = \"" + name + "\"\nurl = \"" + url + "\"\ntimeout = \"5s\"\n";
}

// A data dir and a config beside it; times are relative to the real clock, because verify
// refuses an --as-of in the future.
class VerifyCli : public ::testing::Test {
 protected:
  VerifyCli() : base(std::chrono::floor<std::chrono::hours>(now()) - std::chrono::days{10}) {}

  void write_config(const std::vector<std::string>& sources) {
    std::string toml = "data_dir = \"data\"\n";
    for (const auto& s : sources) toml += source_toml(s, "http://" + s + ".example/");
    write_file(dir / "leakwatch.toml", toml);
  }

  CommandResult leakwatch(std::vector<std::string> args) {
    args.insert(args.begin(), {LEAKWATCH_BINARY, "--config", (dir / "leakwatch.toml").string()});
    return run_command(args);
  }

  std::string t(std::chrono::hours offset) const { return format_rfc3339(base + offset); }

  // Two sources scanned ok; "leaked" confirmed at base+48h on source a, "clean" never seen.
  void fill_store() {
    StoreFiller fill(dir / "data");
    fill.sign("leaked", base - std::chrono::days{20});
    fill.sign("clean", base - std::chrono::days{20});
    fill.scan("a", base + std::chrono::hours{24}, ScanStatus::ok);
    fill.scan("b", base + std::chrono::hours{30}, ScanStatus::ok);
    fill.scan("down", base + std::chrono::hours{30}, ScanStatus::failed, 0, "connect: refused");
    fill.sight("leaked", "a", "http://a.example/dump/", Confidence::confirmed,
               base + std::chrono::hours{48}, base + std::chrono::hours{72});
  }

  TempDir dir;
  Timestamp base;
};

TEST_F(VerifyCli, EachVerdictHasItsExitCode) {
  fill_store();
  write_config({"a", "b"});
  auto r = leakwatch({"verify", "--dataset", "leaked"});
  EXPECT_EQ(r.exit_code, 10) << r.err;
  EXPECT_NE(r.out.find("Verdict:  REFUTED (exit 10)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("http://a.example/dump/"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sha256  img/0.jpg  as  dump/img/0.jpg"), std::string::npos) << r.out;

  r = leakwatch({"verify", "--dataset", "clean"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("NOT-OBSERVED"), std::string::npos) << r.out;

  write_config({"a", "b", "down"});
  r = leakwatch({"verify", "--dataset", "clean"});
  EXPECT_EQ(r.exit_code, 11) << r.out << r.err;
  EXPECT_NE(r.out.find("INSUFFICIENT-COVERAGE"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[unreachable] down: Every scan in the window failed (1); last error: "
                       "connect: refused"),
            std::string::npos)
      << r.out;
}

TEST_F(VerifyCli, AsOfBeforeAndAfterTheFirstSighting) {
  fill_store();
  write_config({"a", "b"});
  auto r = leakwatch(
      {"verify", "--dataset", "leaked", "--as-of", t(std::chrono::hours{47}), "--format", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["verdict"], "not-observed");
  EXPECT_EQ(j["later_sightings"], 1);
  EXPECT_EQ(j["window"]["as_of"], t(std::chrono::hours{47}));

  r = leakwatch(
      {"verify", "--dataset", "leaked", "--as-of", t(std::chrono::hours{49}), "--format", "json"});
  EXPECT_EQ(r.exit_code, 10) << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["verdict"], "refuted");
  ASSERT_EQ(j["sightings"].size(), 1u);
  EXPECT_EQ(j["sightings"][0]["first_seen"], t(std::chrono::hours{48}));

  // A window that starts after every scan: no coverage, so the honest answer is "insufficient".
  r = leakwatch({"verify", "--dataset", "clean", "--since", t(std::chrono::hours{31}), "--as-of",
                 t(std::chrono::hours{47}), "--format", "json"});
  EXPECT_EQ(r.exit_code, 11) << r.err;
}

TEST_F(VerifyCli, EveryFormatToStdoutOrAFile) {
  fill_store();
  write_config({"a", "b"});
  auto r = leakwatch({"verify", "--dataset", "leaked", "--format", "markdown"});
  EXPECT_EQ(r.exit_code, 10);
  EXPECT_EQ(r.out.rfind("# leakwatch verify: leaked\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("| source | status | scans |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("| sha256 | img/0.jpg | dump/img/0.jpg |"), std::string::npos) << r.out;

  r = leakwatch({"verify", "--dataset", "leaked", "--format", "html"});
  EXPECT_EQ(r.exit_code, 10);
  EXPECT_EQ(r.out.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(r.out.find("<svg id=\"timeline\""), std::string::npos);

  const auto file = dir / "report.json";
  r = leakwatch({"verify", "--dataset", "leaked", "--format", "json", "--output", file.string()});
  EXPECT_EQ(r.exit_code, 10) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_NE(r.err.find("verify leaked: refuted; report written to"), std::string::npos) << r.err;
  const auto j = nlohmann::json::parse(testing::read_file(file));
  EXPECT_EQ(j["verdict"], "refuted");
  ASSERT_EQ(j["coverage"].size(), 3u) << "a, b, and the unconfigured source with scans";
  EXPECT_EQ(j["coverage"][2]["source"], "down");
  EXPECT_EQ(j["coverage"][2]["required"], false);

  r = leakwatch({"verify", "--dataset", "leaked", "--output", (dir / "no" / "dir" / "r").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot write the report"), std::string::npos) << r.err;
}

TEST_F(VerifyCli, JsonReportsFollowTheDocumentedSchema) {
  fill_store();
  // refuted (sightings, failures, an unreachable and a never-scanned source) and not-observed.
  for (const auto* dataset : {"leaked", "clean"}) {
    for (const auto& config :
         {std::vector<std::string>{"a", "b", "down", "idle"}, std::vector<std::string>{"a", "b"}}) {
      write_config(config);
      const auto file = dir / "report.json";
      const auto r = leakwatch(
          {"verify", "--dataset", dataset, "--format", "json", "--output", file.string()});
      ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 10 || r.exit_code == 11) << r.err;
      const auto check = run_command(
          {"/usr/bin/python3", LEAKWATCH_SOURCE_DIR "/tests/integration/json_schema_check.py",
           LEAKWATCH_SOURCE_DIR "/docs/verify-report.schema.json", file.string()});
      EXPECT_EQ(check.exit_code, 0) << dataset << ":\n" << check.out << check.err;
    }
  }
}

TEST_F(VerifyCli, BadInputIsAClearUsageError) {
  fill_store();
  write_config({"a"});
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"verify", "--dataset", "nope"}, "unknown dataset 'nope'"},
      {{"verify", "--dataset", "leaked", "--as-of", "last tuesday"},
       "--as-of: 'last tuesday' is not an RFC 3339 time"},
      {{"verify", "--dataset", "leaked", "--since", "2026-13-01"},
       "--since: '2026-13-01' is not an RFC 3339 time"},
      {{"verify", "--dataset", "leaked", "--since", t(std::chrono::hours{10}), "--as-of",
        t(std::chrono::hours{5})},
       "the window is reversed"},
      {{"verify", "--dataset", "leaked", "--as-of", "2999-01-01"}, "is in the future"},
      {{"verify", "--dataset", "leaked", "--format", "pdf"}, "--format"},
      {{"verify"}, "--dataset is required"},
  };
  for (const auto& c : cases) {
    const auto r = leakwatch(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args.back() << ": " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args.back() << ": " << r.err;
  }
  const auto r = run_command(
      {LEAKWATCH_BINARY, "--data-dir", (dir / "empty").string(), "verify", "--dataset", "x"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no leakwatch database"), std::string::npos) << r.err;
}

// The whole path: sign, a real scan of a real nginx (and of a dead port), then verify.
TEST(VerifyEndToEnd, ScanThenVerifyAnswersForEachDataset) {
  TempDir dir;
  const auto photo = testing::random_bytes(6000, 11);
  write_file(dir / "leaked" / "plate-001.jpg", photo);
  write_file(dir / "clean" / "payroll.csv", testing::random_bytes(3000, 12));
  write_file(dir / "site" / "dump" / "p1.jpg", photo);
  testing::NginxServer server(dir / "site");
  const auto config = dir / "leakwatch.toml";
  const std::string site = "[[source]]\nname = \"site\"\nurl = \"" + server.url("/") +
                           "\"\nfetch_content = \"candidates\"\n";
  const std::string down = "[[source]]\nname = \"down\"\nurl = \"http://127.0.0.1:" +
                           std::to_string(testing::free_port()) + "/\"\ntimeout = \"5s\"\n";
  write_file(config, "data_dir = \"data\"\n" + site);
  auto lw = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {LEAKWATCH_BINARY, "--config", config.string()});
    return run_command(args);
  };
  for (const auto* name : {"leaked", "clean"}) {
    const auto r = lw({"sign", "--dataset", name, (dir / name).string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  // Before any scan nothing is covered.
  auto r = lw({"verify", "--dataset", "clean"});
  EXPECT_EQ(r.exit_code, 11) << r.out << r.err;
  EXPECT_NE(r.out.find("[never-scanned] site"), std::string::npos) << r.out;

  r = lw({"scan"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = lw({"verify", "--dataset", "leaked", "--format", "json"});
  EXPECT_EQ(r.exit_code, 10) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["sightings"].size(), 1u);
  EXPECT_EQ(j["sightings"][0]["confidence"], "confirmed");
  EXPECT_EQ(j["sightings"][0]["source"], "site");
  bool content_digest = false;
  for (const auto& e : j["sightings"][0]["evidence"]) {
    const auto kind = e["kind"].get<std::string>();
    content_digest |= (kind == "sha256" || kind == "sha1" || kind == "md5" || kind == "xxh3") &&
                      e["file"] == "plate-001.jpg";
  }
  EXPECT_TRUE(content_digest) << j["sightings"][0].dump();
  EXPECT_EQ(j["coverage"][0]["content_checked"], true);

  r = lw({"verify", "--dataset", "clean", "--format", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["verdict"], "not-observed");
  EXPECT_EQ(j["coverage"][0]["source"], "site");
  EXPECT_EQ(j["coverage"][0]["ok"], 1);
  EXPECT_GE(j["coverage"][0]["entries_last_success"], 1);

  // A second source that cannot be reached: the same claim is no longer fully covered.
  write_file(config, "data_dir = \"data\"\n" + site + down);
  r = lw({"scan"});
  EXPECT_EQ(r.exit_code, 1) << "one source failed";
  r = lw({"verify", "--dataset", "clean", "--format", "json"});
  EXPECT_EQ(r.exit_code, 11) << r.out << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["uncovered"], nlohmann::json::array({"down"}));
  ASSERT_EQ(j["coverage"].size(), 2u);
  EXPECT_EQ(j["coverage"][0]["source"], "down") << "required sources by name";
  ASSERT_EQ(j["coverage"][0]["failures"].size(), 1u) << j["coverage"][0].dump();
  EXPECT_NE(j["coverage"][0]["failures"][0]["error"].get<std::string>().find("127.0.0.1"),
            std::string::npos);
}

}  // namespace
}  // namespace leakwatch
