// `leakwatch scan` against a site that wants it to fail (tests/support/hostile_site.py: bombs,
// huge pages, endless listings and redirects, drips, silence, hostile names, lying archives, deep
// nesting): the scan finishes within its limits, stays under a memory cap, records a problem for
// each hostile source, still scans the ordinary source beside them, and writes nothing outside
// its data directory.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "tests/support/process.h"
#include "tests/support/support_files.h"
#include "tests/support/temp_dir.h"

namespace leakwatch {
namespace {

using testing::BackgroundProcess;
using testing::run_command;
using testing::TempDir;
using testing::write_file;

// Peak memory of the scan: the largest resident set of any child this test waited for (the
// scan is by far the largest).
constexpr long kMemoryCapKiB = 1'536 * 1024;
constexpr auto kScanLimit = std::chrono::seconds(150);

TEST(HostileSite, ScanFinishesWithinItsLimitsAndNamesEveryProblem) {
  TempDir site_dir;
  const int port = testing::free_port();
  BackgroundProcess site({testing::kSystemPython, testing::support_file("hostile_site.py"),
                          std::to_string(port), (site_dir / "requests.log").string()},
                         site_dir / "site.log");
  ASSERT_TRUE(testing::wait_for_port(port, std::chrono::seconds(30)));
  const std::string base = "http://127.0.0.1:" + std::to_string(port);

  TempDir dir;
  // The ordinary file the normal source serves: bytes 0..255, 16 times.
  std::string plate;
  for (int i = 0; i < 16; ++i) {
    for (int b = 0; b < 256; ++b) plate += static_cast<char>(b);
  }
  write_file(dir / "dataset" / "plate_1.jpg", plate);

  // source name -> (path, kind)
  const std::map<std::string, std::pair<std::string, std::string>> sources = {
      {"normal", {"/normal/", "auto"}},
      {"gzip-bomb", {"/gzip-bomb/", "listing"}},
      {"one-line", {"/one-line.html", "page"}},
      {"five-million", {"/five-million/", "listing"}},
      {"loop", {"/loop/", "listing"}},
      {"redirect-forever", {"/redirect-forever", "auto"}},
      {"redirect-file", {"/redirect-file", "auto"}},
      {"redirect-onion", {"/redirect-onion", "auto"}},
      {"drip", {"/drip/", "listing"}},
      {"never", {"/never/", "listing"}},
      {"chunked-truncated", {"/chunked-truncated/", "listing"}},
      {"hostile-names", {"/hostile-names/", "listing"}},
      {"four-billion", {"/four-billion.zip", "archive"}},
      {"big-torrent", {"/big.torrent", "torrent"}},
      {"deep-html", {"/deep.html", "page"}},
      {"deep-json", {"/deep.json", "json-tree"}},
      {"entities", {"/entities.html", "listing"}},
  };
  std::string config = "data_dir = \"data\"\n";
  for (const auto& [name, where] : sources) {
    config += "[[source]]\nname = \"" + name + "\"\nurl = \"" + base + where.first +
              "\"\nkind = \"" + where.second +
              "\"\ntimeout = \"15s\"\ndepth = 3\nmax_pages = 50\nmax_entries = 100000\n";
    if (name == "normal") config += "fetch_content = \"candidates\"\n";
  }
  write_file(dir / "leakwatch.toml", config);
  const auto cfg = (dir / "leakwatch.toml").string();
  auto r = run_command({LEAKWATCH_BINARY, "-q", "--config", cfg, "sign", "--dataset", "plates",
                        (dir / "dataset").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  const auto started = std::chrono::steady_clock::now();
  r = run_command(
      {LEAKWATCH_BINARY, "-q", "--config", cfg, "scan", "--jobs", "8", "--format", "json"},
      kScanLimit + std::chrono::seconds(30));
  const auto took = std::chrono::steady_clock::now() - started;
  rusage usage{};
  ::getrusage(RUSAGE_CHILDREN, &usage);
  EXPECT_LT(took, kScanLimit) << "the scan must finish within its own limits";
  EXPECT_LT(usage.ru_maxrss, kMemoryCapKiB) << "peak resident set, KiB";
  EXPECT_EQ(r.exit_code, 1) << "hostile sources fail: " << r.err;
  ASSERT_FALSE(r.out.empty()) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  std::map<std::string, nlohmann::json> scans;
  for (const auto& s : j["scans"]) scans[s["source"].get<std::string>()] = s;
  ASSERT_EQ(scans.size(), sources.size()) << r.out;

  // The ordinary source beside them is scanned in full and its file confirmed.
  EXPECT_EQ(scans["normal"]["status"], "ok") << scans["normal"].dump();
  bool confirmed = false;
  for (const auto& s : j["sightings"]) {
    confirmed |= s["source"] == "normal" && s["confidence"] == "confirmed";
  }
  EXPECT_TRUE(confirmed) << j["sightings"].dump();

  // Each hostile source: not ok, and the record says why (in the words of its limit).
  const std::map<std::string, std::string> why = {
      {"deep-html", "nests deeper than 256"},
      {"deep-json", "nests deeper than 256"},
      {"four-billion", "claims 4000000000 entries"},
  };
  std::string report;
  for (const auto& [name, s] : scans) {
    report += name + ": " + s["status"].get<std::string>() + " " + s.value("error", "") + "\n";
  }
  for (const auto& [name, s] : scans) {
    if (name == "normal" || name == "loop" || name == "hostile-names") continue;
    EXPECT_NE(s["status"], "ok") << name << "\n" << report;
    EXPECT_FALSE(s.value("error", "").empty()) << name << "\n" << report;
    if (const auto w = why.find(name); w != why.end()) {
      EXPECT_NE(s.value("error", "").find(w->second), std::string::npos) << name << "\n" << report;
    }
  }
  // A folder loop ends at the configured depth; hostile names stay inside the source.
  EXPECT_LE(scans["loop"]["pages_fetched"].get<int>(), 50) << report;
  EXPECT_EQ(scans["hostile-names"]["status"], "ok") << report;

  // Nothing written outside the data directory.
  std::vector<std::string> top;
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    top.push_back(e.path().filename().string());
  std::sort(top.begin(), top.end());
  EXPECT_EQ(top, (std::vector<std::string>{"data", "dataset", "leakwatch.toml"}));
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir / "data")) {
    EXPECT_EQ(e.path().filename().string().find(".."), std::string::npos) << e.path();
  }
}

}  // namespace
}  // namespace leakwatch
