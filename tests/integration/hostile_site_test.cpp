// `leakwatch scan` against a site that wants it to fail (tests/support/hostile_site.py: bombs,
// huge pages, endless listings and redirects, drips, silence, hostile names, lying archives, deep
// nesting): the scan finishes within its limits, stays under a memory cap, records a problem for
// each hostile source, still scans the ordinary source beside them, and writes nothing outside
// its data directory. And a .onion source through a real SOCKS5 proxy (microsocks), traced with
// strace: leakwatch itself makes no DNS lookup (no packet to port 53, no read of the resolver's
// files, no nscd), the name goes to the proxy.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <sstream>

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
  const auto outside = testing::interface_ipv4();
  std::vector<std::string> site_argv = {testing::kSystemPython,
                                        testing::support_file("hostile_site.py"),
                                        std::to_string(port), (site_dir / "requests.log").string()};
  if (outside) site_argv.push_back(*outside);
  BackgroundProcess site(site_argv, site_dir / "site.log");
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
  std::map<std::string, std::pair<std::string, std::string>> sources = {
      {"normal", {"/normal/", "auto"}},
      {"gzip-bomb", {"/gzip-bomb/", "listing"}},
      {"brotli-bomb", {"/brotli-bomb/", "listing"}},
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
  // From a source on this machine's other address, a redirect to 127.0.0.1 (where the same
  // site answers) is refused: a direct source never follows one to loopback from elsewhere.
  const std::string outside_base = outside ? "http://" + *outside + ":" + std::to_string(port) : "";
  if (outside) sources["redirect-local"] = {"/redirect-local", "auto"};
  std::string config = "data_dir = \"data\"\n";
  for (const auto& [name, where] : sources) {
    config += "[[source]]\nname = \"" + name + "\"\nurl = \"" +
              (name == "redirect-local" ? outside_base : base) + where.first + "\"\nkind = \"" +
              where.second +
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
      {"gzip-bomb", "decompression ratio above 200:1"},
      {"brotli-bomb", "decompression ratio above 200:1"},
      {"redirect-local", "a loopback address, which a direct source never follows"},
      {"redirect-onion", "a .onion address, which a direct source never follows"},
      {"redirect-file", "redirect to an unusable Location 'file:///etc/passwd'"},
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

// The system calls of one traced run that are a DNS lookup of leakwatch's own: a socket to port
// 53, or a read of the resolver's files (glibc's getaddrinfo reads them on every lookup that is
// not a numeric address; an nscd socket alone is not one, as passwd lookups use it too).
std::vector<std::string> own_lookups(const std::filesystem::path& trace) {
  static const std::regex port_53(R"(htons\(53\))");
  static const std::regex resolver_file(
      R"re(open(at)?\(.*"/etc/(hosts|resolv\.conf|host\.conf|gai\.conf)")re");
  std::vector<std::string> found;
  std::ifstream in(trace);
  for (std::string line; std::getline(in, line);) {
    if (std::regex_search(line, port_53) || std::regex_search(line, resolver_file))
      found.push_back(line);
  }
  return found;
}

TEST(HostileSite, AnOnionSourceThroughSocksMakesNoDnsLookupOfItsOwn) {
  // LeakSanitizer cannot run under ptrace: the ASan build's leakwatch would abort at exit (in
  // the plain build the variable means nothing).
  constexpr const char* kNoLeakCheckUnderPtrace = "ASAN_OPTIONS=detect_leaks=0:abort_on_error=1";
  const auto strace = testing::find_program("strace");
  ASSERT_FALSE(strace.empty()) << "strace is installed by deploy/install-deps.sh";
  const auto microsocks = testing::find_program("microsocks");
  ASSERT_FALSE(microsocks.empty()) << "microsocks is installed by deploy/install-deps.sh";
  TempDir dir;
  const int proxy_port = testing::free_port();
  BackgroundProcess proxy({microsocks, "-i", "127.0.0.1", "-p", std::to_string(proxy_port)},
                          dir / "socks.log");
  ASSERT_TRUE(testing::wait_for_port(proxy_port));
  const std::string proxy_url = "socks5h://127.0.0.1:" + std::to_string(proxy_port);
  // microsocks cannot reach a .onion (no Tor here): the proxy resolves the name, fails, and
  // says so; leakwatch must hand it the name and resolve nothing itself, on redirects neither.
  write_file(
      dir / "leakwatch.toml",
      "data_dir = \"data\"\n[[proxy]]\nname = \"tor\"\nurl = \"" + proxy_url +
          "\"\n[[source]]\nname = \"onion\"\n"
          "url = \"http://hostileexampleonionxyzhostileexampleonionxyzabcdefgh.onion/files/\"\n"
          "proxy = \"tor\"\ntimeout = \"10s\"\n");
  const auto trace = dir / "scan.trace";
  auto r = run_command(
      {strace, "-f", "-qq", "-E", kNoLeakCheckUnderPtrace, "-e",
       "trace=connect,sendto,sendmsg,open,openat", "-o", trace.string(), LEAKWATCH_BINARY, "-q",
       "--config", (dir / "leakwatch.toml").string(), "scan", "--format", "json"},
      std::chrono::seconds(90));
  rusage usage{};
  ::getrusage(RUSAGE_CHILDREN, &usage);
  EXPECT_LT(usage.ru_maxrss, kMemoryCapKiB) << "peak resident set, KiB";
  EXPECT_EQ(r.exit_code, 1) << r.err;
  ASSERT_FALSE(r.out.empty()) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["scans"].size(), 1u) << r.out;
  EXPECT_EQ(j["scans"][0]["status"], "failed") << r.out;
  EXPECT_NE(j["scans"][0].value("error", "").find(".onion"), std::string::npos) << r.out;
  // The trace saw the scan talk to the proxy (so it traced the right process) and nothing that
  // is a lookup of its own.
  std::ifstream in(trace);
  const std::string traced((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(traced.find("htons(" + std::to_string(proxy_port) + ")"), std::string::npos);
  const auto lookups = own_lookups(trace);
  EXPECT_TRUE(lookups.empty()) << lookups.front();

  // The check can fail: the same trace of a direct fetch of a name shows its lookup.
  const auto control = dir / "direct.trace";
  r = run_command({strace, "-f", "-qq", "-E", kNoLeakCheckUnderPtrace, "-e",
                   "trace=connect,sendto,sendmsg,open,openat", "-o", control.string(),
                   LEAKWATCH_BINARY, "-q", "--data-dir", (dir / "data").string(), "check",
                   "--no-record", "http://lookup-control.invalid/"},
                  std::chrono::seconds(90));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_FALSE(own_lookups(control).empty()) << "a direct fetch of a name must show a lookup";
}

}  // namespace
}  // namespace leakwatch
