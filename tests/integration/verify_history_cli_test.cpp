// Verify to the minute and exposure (issue 20), through the real binary over a real RocksDB:
// a sighting possible, then likely, then confirmed counts as of each time at the confidence it
// had then; exposure over three sources sharing files and record rows counts each once; a
// signature imported after its creator's time moves the window's floor; `sightings
// --changed-since` answers "what is new", and filters that name nothing known are usage errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/verify/verify_fixture.h"

namespace leakwatch {
namespace {

using testing::CommandResult;
using testing::run_command;
using testing::StoreFiller;
using testing::TempDir;
using testing::write_file;

using std::chrono::hours;

class VerifyHistoryCli : public ::testing::Test {
 protected:
  VerifyHistoryCli() : base(std::chrono::floor<hours>(now()) - std::chrono::days{10}) {
    std::string toml = "data_dir = \"data\"\n";
    for (const auto* s : {"a", "b", "c"}) {
      toml += "[[source]]\nname = \"" + std::string(s) + "\"\nurl = \"http://" + s +
              ".example/\"\ntimeout = \"5s\"\n";
    }
    write_file(dir / "leakwatch.toml", toml);
  }

  CommandResult leakwatch(std::vector<std::string> args) {
    args.insert(args.begin(), {LEAKWATCH_BINARY, "--config", (dir / "leakwatch.toml").string()});
    return run_command(args);
  }
  nlohmann::json json_of(const CommandResult& r) {
    try {
      return nlohmann::json::parse(r.out);
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what() << "\n" << r.out << r.err;
      return {};
    }
  }
  std::string t(hours offset) const { return format_rfc3339(base + offset); }

  // A dataset of 10 files and 100 record rows, signed long before the window.
  void sign(StoreFiller& fill) {
    Signature sig;
    sig.dataset = "hr";
    sig.created = base - std::chrono::days{20};
    for (int i = 0; i < 10; ++i) {
      sig.files.push_back(SignatureFile{.path = "f" + std::to_string(i) + ".csv",
                                        .size = 100u * static_cast<unsigned>(i + 1)});
    }
    sig.records.key_id = "0011223344556677";
    sig.records.rows = 100;
    ASSERT_TRUE(fill.store().put_signature(sig));
  }

  // One fetch of `source` at `when` that saw dataset hr at `locator`.
  void see(StoreFiller& fill, const std::string& source, const std::string& locator, Confidence c,
           Timestamp when, std::vector<std::uint32_t> files, std::vector<std::uint32_t> rows = {}) {
    Sighting s;
    s.dataset = "hr";
    s.source = source;
    s.locator = locator;
    s.confidence = c;
    for (const auto f : files) {
      s.evidence.push_back({"name+size", "f" + std::to_string(f) + ".csv",
                            "dump/f" + std::to_string(f) + ".csv", "x"});
      s.bytes_matched += 100u * (f + 1);
    }
    s.files_matched = files.size();
    s.dataset_files = 10;
    s.records_matched = rows.size();
    s.matched_files = std::move(files);
    s.matched_rows = std::move(rows);
    s.first_seen = s.last_seen = when;
    ASSERT_TRUE(
        fill.store().record_fetch(StoreFiller::scan_record(source, when, ScanStatus::ok), {s}));
  }

  TempDir dir;
  Timestamp base;
};

TEST_F(VerifyHistoryCli, AsOfCountsASightingAtTheConfidenceItHadThen) {
  {
    StoreFiller fill(dir / "data");
    sign(fill);
    for (const auto* s : {"b", "c"}) fill.scan(s, base + hours{1}, ScanStatus::ok);
    see(fill, "a", "http://a.example/dump/", Confidence::possible, base + hours{24}, {0});
    see(fill, "a", "http://a.example/dump/", Confidence::likely, base + hours{48}, {0, 1, 2});
    see(fill, "a", "http://a.example/dump/", Confidence::confirmed, base + hours{72}, {0, 1, 2});
  }
  struct Case {
    hours as_of;
    int exit_code;
    const char* confidence;  // of the one sighting counted, or nullptr for none
  };
  for (const Case c : {Case{hours{36}, 0, nullptr}, Case{hours{60}, 10, "likely"},
                       Case{hours{80}, 10, "confirmed"}}) {
    const auto r =
        leakwatch({"verify", "--dataset", "hr", "--as-of", t(c.as_of), "--format", "json"});
    EXPECT_EQ(r.exit_code, c.exit_code) << t(c.as_of) << r.err;
    const auto j = json_of(r);
    if (!c.confidence) {
      EXPECT_EQ(j["verdict"], "not-observed") << t(c.as_of);
      EXPECT_TRUE(j["sightings"].empty());
      EXPECT_EQ(j["possible_sightings"], 1);
      EXPECT_EQ(j["raised_later"], 1) << "possible then, confirmed now";
      EXPECT_EQ(j["exposure"]["files"]["seen"], 0) << "a possible sighting exposes nothing";
      continue;
    }
    EXPECT_EQ(j["verdict"], "refuted") << t(c.as_of);
    ASSERT_EQ(j["sightings"].size(), 1u);
    EXPECT_EQ(j["sightings"][0]["confidence"], c.confidence) << t(c.as_of);
    EXPECT_EQ(j["sightings"][0]["files_matched"], 3);
    EXPECT_EQ(j["inexact_sightings"], 0);
    EXPECT_EQ(j["exposure"]["files"]["seen"], 3);
    EXPECT_EQ(j["exposure"]["files"]["first_seen"], t(hours{48}))
        << "exposed from when it became likely, not from the possible sighting";
  }
  // The text report says it as plainly.
  const auto text = leakwatch({"verify", "--dataset", "hr", "--as-of", t(hours{60})});
  EXPECT_NE(text.out.find("  LIKELY  http://a.example/dump/"), std::string::npos) << text.out;
}

TEST_F(VerifyHistoryCli, ExposureOverThreeSourcesCountsSharedFilesAndRowsOnce) {
  {
    StoreFiller fill(dir / "data");
    sign(fill);
    // The same files and rows, loose on one site, zipped on another, and in a torrent.
    see(fill, "a", "http://a.example/dump/", Confidence::confirmed, base + hours{24}, {0, 1, 2},
        {1, 2, 3});
    see(fill, "b", "http://b.example/all.zip!all/", Confidence::likely, base + hours{30}, {1, 2, 3},
        {2, 3, 4});
    see(fill, "c", "magnet:?xt=urn:btih:" + std::string(40, 'c'), Confidence::confirmed,
        base + hours{36}, {0, 3}, {4});
    // A name-only decoy of another file: never exposure.
    see(fill, "c", "http://c.example/decoy/", Confidence::possible, base + hours{40}, {9});
  }
  const auto r = leakwatch({"exposure", "--dataset", "hr", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json_of(r);
  EXPECT_EQ(j["files"]["seen"], 4) << "files 0-3 once each, not 3+3+2";
  EXPECT_EQ(j["files"]["of"], 10);
  EXPECT_DOUBLE_EQ(j["files"]["share"].get<double>(), 0.4);
  EXPECT_EQ(j["bytes"]["seen"], 100 + 200 + 300 + 400);
  EXPECT_EQ(j["records"]["seen"], 4) << "rows 1-4 once each";
  EXPECT_EQ(j["records"]["of"], 100);
  EXPECT_EQ(j["files"]["first_seen"], t(hours{24}));
  EXPECT_EQ(j["sightings"], 3);
  // Cumulative: 3 files at +24h, 4 at +30h, still 4 at +36h.
  const auto& series = j["series"];
  ASSERT_GE(series.size(), 3u) << series.dump();
  EXPECT_EQ(series.back()["files"], 4);
  bool at_24 = false;
  for (const auto& p : series) {
    if (p["at"] == t(hours{24})) {
      at_24 = true;
      EXPECT_EQ(p["files"], 3);
      EXPECT_EQ(p["records"], 3);
    }
  }
  EXPECT_TRUE(at_24) << series.dump();

  // As of before the second source saw it: only the first one's.
  const auto early = json_of(
      leakwatch({"exposure", "--dataset", "hr", "--as-of", t(hours{25}), "--format", "json"}));
  EXPECT_EQ(early["files"]["seen"], 3);
  // The same section in every verify format.
  const auto report = json_of(leakwatch({"verify", "--dataset", "hr", "--format", "json"}));
  EXPECT_EQ(report["exposure"]["files"]["seen"], 4);
  EXPECT_EQ(report["exposure"]["records"]["seen"], 4);
  const auto text = leakwatch({"verify", "--dataset", "hr"});
  EXPECT_NE(text.out.find("  files    4 of 10 (40.0%)"), std::string::npos) << text.out;
  const auto md = leakwatch({"verify", "--dataset", "hr", "--format", "markdown"});
  EXPECT_NE(md.out.find("| files | 4 | 10 | 40.0% |"), std::string::npos) << md.out;
  const auto html = leakwatch({"verify", "--dataset", "hr", "--format", "html"});
  EXPECT_NE(html.out.find("<svg id=\"exposure-chart\""), std::string::npos);
  EXPECT_NE(html.out.find("<tr class=\"exposure-files\"><td>files</td><td class=\"num\">4</td>"),
            std::string::npos);
  // Unknown dataset: a usage error naming it.
  const auto unknown = leakwatch({"exposure", "--dataset", "nosuch"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("'nosuch'"), std::string::npos) << unknown.err;
}

TEST_F(VerifyHistoryCli, ABundleImportedAfterItsCreatorsTimeMovesTheWindowFloor) {
  const auto created = base - std::chrono::days{20};
  nlohmann::json sig{{"dataset", "hr"},
                     {"description", "from another team"},
                     {"created", format_rfc3339(created)},
                     {"files", nlohmann::json::array({{{"path", "a.csv"}, {"size", 10}}})}};
  write_file(
      dir / "hr.bundle",
      nlohmann::json{{"format", "leakwatch-signature-bundle"}, {"version", 1}, {"signature", sig}}
          .dump());
  {
    StoreFiller fill(dir / "data");
    // Scans long before the import (but after the creator's time): they could not match it.
    for (const auto* s : {"a", "b", "c"}) fill.scan(s, base - std::chrono::days{5}, ScanStatus::ok);
  }
  const auto before_import = now();
  const auto imported = leakwatch({"signatures", "import", (dir / "hr.bundle").string()});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  const auto r = leakwatch({"verify", "--dataset", "hr", "--format", "json"});
  const auto j = json_of(r);
  ASSERT_FALSE(j["signature_imported"].is_null()) << r.out;
  const auto at_import = parse_rfc3339(j["signature_imported"].get<std::string>());
  ASSERT_TRUE(at_import);
  EXPECT_GE(*at_import, before_import - std::chrono::seconds{1});
  EXPECT_EQ(j["window"]["since"], j["signature_imported"]) << "not the creator's time";
  EXPECT_EQ(j["verdict"], "insufficient-coverage") << "no scan since the import";
  bool noted = false;
  for (const auto& l : j["limitations"]) noted |= l["kind"] == "imported";
  EXPECT_TRUE(noted) << j["limitations"].dump();
  // As of before the import: the verdict line says nothing could have matched.
  const auto early = leakwatch({"verify", "--dataset", "hr", "--as-of", t(hours{0})});
  EXPECT_EQ(early.exit_code, 11);
  EXPECT_NE(early.out.find("is before the signature was imported into this store at"),
            std::string::npos)
      << early.out;
}

TEST_F(VerifyHistoryCli, ChangedSinceListsNewAndRaisedSightingsOnly) {
  {
    StoreFiller fill(dir / "data");
    sign(fill);
    see(fill, "a", "http://a.example/old/", Confidence::confirmed, base + hours{1}, {0});
    see(fill, "a", "http://a.example/old/", Confidence::confirmed, base + hours{50}, {0});
    see(fill, "b", "http://b.example/raised/", Confidence::possible, base + hours{1}, {1});
    see(fill, "b", "http://b.example/raised/", Confidence::likely, base + hours{49}, {1, 2});
    see(fill, "c", "http://c.example/new/", Confidence::likely, base + hours{49}, {3});
  }
  const auto r = leakwatch({"sightings", "--changed-since", t(hours{48}), "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::set<std::string> locators;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    locators.insert(nlohmann::json::parse(line)["locator"].get<std::string>());
  }
  EXPECT_EQ(locators, (std::set<std::string>{"http://b.example/raised/", "http://c.example/new/"}))
      << "the old one was only seen again";
  const auto table = leakwatch({"sightings", "--changed-since", t(hours{48})});
  EXPECT_NE(table.out.find("BYTES"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("RECORDS"), std::string::npos) << table.out;

  for (const auto& [flag, value] : std::vector<std::pair<std::string, std::string>>{
           {"--dataset", "nosuch"}, {"--source", "nowhere"}}) {
    const auto bad = leakwatch({"sightings", flag, value});
    EXPECT_EQ(bad.exit_code, 2) << flag;
    EXPECT_NE(bad.err.find("'" + value + "'"), std::string::npos) << bad.err;
  }
  EXPECT_EQ(leakwatch({"sightings", "--source", "a"}).exit_code, 0);
}

TEST_F(VerifyHistoryCli, TheHtmlTimelineStaysReadableWhenScansAreSecondsApart) {
  {
    StoreFiller fill(dir / "data");
    sign(fill);
    // 600 scans of one source ten seconds apart, in a 30-day window, one of them failed.
    for (int i = 0; i < 600; ++i) {
      auto r = StoreFiller::scan_record("a", base + hours{24} + std::chrono::seconds{10 * i},
                                        i == 300 ? ScanStatus::failed : ScanStatus::ok);
      ASSERT_TRUE(fill.store().record_fetch(r, {}));
    }
    for (const auto* s : {"b", "c"}) fill.scan(s, base + hours{30}, ScanStatus::ok);
  }
  const auto r = leakwatch({"verify", "--dataset", "hr", "--format", "html"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::size_t ticks = 0, counted = 0;
  for (std::size_t at = r.out.find("<rect class=\"scan scan-"); at != std::string::npos;
       at = r.out.find("<rect class=\"scan scan-", at + 1)) {
    ++ticks;
    const auto end = r.out.find('>', at);
    const auto tag = r.out.substr(at, end - at);
    const auto n = tag.find("data-scans=\"");
    counted += n == std::string::npos ? 1 : std::stoul(tag.substr(n + 12));
  }
  EXPECT_LT(ticks, 20u) << "one tick per few pixels, not 600 on top of each other";
  EXPECT_EQ(counted, 602u) << "every scan is counted in some tick";
  EXPECT_NE(r.out.find("<rect class=\"scan scan-failed\""), std::string::npos)
      << "a failure among them shows in the tick's colour";
  EXPECT_NE(r.out.find(" scans, "), std::string::npos) << "the tick's title counts them";
}

TEST_F(VerifyHistoryCli, CsvCellsASpreadsheetWouldRunAreNeutralised) {
  {
    StoreFiller fill(dir / "data");
    sign(fill);
    for (const auto* locator : {"=HYPERLINK(\"http://evil.example\")", "+1+1", "-2+3", "@SUM(1)",
                                "\tTAB", "http://fine.example/"}) {
      see(fill, "a", locator, Confidence::likely, base + hours{24}, {0});
    }
  }
  const auto r = leakwatch({"sightings", "--format", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  std::getline(lines, line);    // header
  std::set<std::string> third;  // the locator cell of each row
  while (std::getline(lines, line)) {
    const auto a = line.find(',', line.find(',') + 1) + 1;
    const auto cell = line[a] == '"' ? line.substr(a, line.find("\",", a + 1) - a + 1)
                                     : line.substr(a, line.find(',', a) - a);
    third.insert(cell);
  }
  EXPECT_EQ(third, (std::set<std::string>{"\"'=HYPERLINK(\"\"http://evil.example\"\")\"", "'+1+1",
                                          "'-2+3", "'@SUM(1)", "'\tTAB", "http://fine.example/"}))
      << r.out;
}

}  // namespace
}  // namespace leakwatch
