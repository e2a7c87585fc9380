// Through a real Tor network: a private one on 127.0.0.1 (tests/support/tor_network.py: three
// directory authorities that are also relays, one relay, a v3 onion service in front of nginx,
// and a client run with deploy/tor/torrc). It takes 20 to 90 s to come up, so this binary starts
// it once for all its tests (SetUpTestSuite) and ctest runs the binary as one test.
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "tests/support/nginx_server.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tor_network.h"

namespace leakwatch {
namespace {

using testing::CommandResult;
using testing::run_command;
using testing::TempDir;
using testing::write_file;

constexpr const char* kHoneytoken = "canary-7d41c9e2b8-leakwatch";

class Tor : public ::testing::Test {
 protected:
  // A network that does not come up fails every test with the launcher's reason (no skip).
  static void SetUpTestSuite() {
    try {
      start();
    } catch (const std::exception& e) {
      start_error_ = e.what();
    }
  }
  void SetUp() override { ASSERT_TRUE(start_error_.empty()) << start_error_; }

  static void start() {
    shared_ = std::make_unique<Shared>();
    auto& s = *shared_;
    const auto& d = s.dir;
    for (int i = 1; i <= 3; ++i) {
      write_file(d / "dataset" / ("plate_" + std::to_string(i) + ".jpg"),
                 testing::random_bytes(3000 + static_cast<std::size_t>(i) * 100,
                                       static_cast<std::uint64_t>(i)));
    }
    // A leak site: a folder listing with one dataset file as it is, a checksum list naming
    // another, a zip holding the third.
    write_file(d / "site" / "dump" / "plate_1.jpg",
               testing::read_file(d / "dataset" / "plate_1.jpg"));
    const auto sums = run_command({"sha256sum", (d / "dataset" / "plate_2.jpg").string()});
    write_file(d / "site" / "dump" / "SHA256SUMS", sums.out.substr(0, 64) + "  plate_2.jpg\n");
    write_file(d / "zipwork" / "plate_3.jpg", testing::read_file(d / "dataset" / "plate_3.jpg"));
    const auto zip =
        run_command({"sh", "-c",
                     "cd '" + (d / "zipwork").string() + "' && zip -q -0 '" +
                         (d / "site" / "dump" / "archive.zip").string() + "' plate_3.jpg"});
    if (zip.exit_code != 0) throw std::runtime_error("zip failed: " + zip.err);
    // A forum post (no extension, as forum URLs are) linking a paste's raw URL elsewhere on
    // the site: the paste carries the honeytoken.
    write_file(d / "site" / "forum" / "t1",
               "<!DOCTYPE html><html><head><title>Fresh dump</title></head><body>"
               "<p>creds one click away</p><a href=\"/raw/p1\">paste</a></body></html>");
    write_file(d / "site" / "raw" / "p1",
               "leaked credentials dump\nuser=ops token=" + std::string(kHoneytoken) + "\n");
    s.web = std::make_unique<testing::NginxServer>(d / "site");
    s.tor = std::make_unique<testing::TorNetwork>(s.web->port());
    std::cout << "[ tor      ] private Tor network ready after " << s.tor->start_seconds()
              << " s\n";
    const auto signed_ =
        run_command({LEAKWATCH_BINARY, "-q", "--data-dir", (d / "keys").string(), "sign",
                     "--dataset", "plates", "--honeytoken", kHoneytoken, (d / "dataset").string()});
    if (signed_.exit_code != 0) throw std::runtime_error("sign failed: " + signed_.err);
  }

  static void TearDownTestSuite() { shared_.reset(); }

  // A config with the dataset's signature imported, in a data folder of its own.
  static std::filesystem::path config(const std::string& name, const std::string& body) {
    const auto& d = shared_->dir;
    auto file = d / name / "leakwatch.toml";
    write_file(file, "data_dir = \"data\"\n" + body);
    const auto exported = d / name / "plates.sig";
    auto r = run_command({LEAKWATCH_BINARY, "-q", "--data-dir", (d / "keys").string(), "signatures",
                          "export", "plates", exported.string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    r = run_command({LEAKWATCH_BINARY, "-q", "--config", file.string(), "signatures", "import",
                     exported.string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return file;
  }

  static std::string tor_proxy(bool isolate) {
    return "[[proxy]]\nname = \"tor\"\nurl = \"" + shared_->tor->proxy_url() +
           "\"\nisolate = " + (isolate ? "true" : "false") + "\n";
  }

  static std::string source(const std::string& name, const std::string& url, bool proxied) {
    return "[[source]]\nname = \"" + name + "\"\nurl = \"" + url + "\"\ntimeout = \"60s\"\n" +
           (proxied ? "proxy = \"tor\"\n" : "");
  }

  // `leakwatch --config FILE scan --format json`; its log on stderr.
  static CommandResult scan(const std::filesystem::path& config) {
    return run_command({LEAKWATCH_BINARY, "--config", config.string(), "scan", "--format", "json"},
                       std::chrono::seconds{300});
  }

  // Sightings without what names the place (locator, times), sorted: what was found.
  static std::multiset<std::string> findings(const nlohmann::json& result,
                                             const std::string& base) {
    std::multiset<std::string> out;
    for (auto s : result["sightings"]) {
      s.erase("locator");
      s.erase("first_seen");
      s.erase("last_seen");
      // The times of each confidence change and of each source's sightings differ by run too.
      for (auto& h : s["history"]) h.erase("at");
      for (auto& src : s["sources"]) {
        src.erase("first_seen");
        src.erase("last_seen");
      }
      auto text = s.dump();
      for (std::size_t at; (at = text.find(base)) != std::string::npos;)
        text.replace(at, base.size(), "BASE");
      out.insert(text);
    }
    return out;
  }

  struct Shared {
    TempDir dir;
    std::unique_ptr<testing::NginxServer> web;
    std::unique_ptr<testing::TorNetwork> tor;
  };
  static std::unique_ptr<Shared> shared_;
  static std::string start_error_;
};

std::unique_ptr<Tor::Shared> Tor::shared_;
std::string Tor::start_error_;

TEST_F(Tor, OnionSiteGivesTheSameSightingsAsTheSameSiteDirect) {
  const auto onion = "http://" + shared_->tor->onion();
  const auto direct = shared_->web->url("");
  const auto onion_config =
      config("onion", tor_proxy(true) + source("dump", onion + "/dump/", true) +
                          source("post", onion + "/forum/t1", true));
  const auto direct_config = config("direct", source("dump", direct + "/dump/", false) +
                                                  source("post", direct + "/forum/t1", false));
  const auto via_tor = scan(onion_config);
  ASSERT_EQ(via_tor.exit_code, 0) << via_tor.err << via_tor.out;
  const auto plain = scan(direct_config);
  ASSERT_EQ(plain.exit_code, 0) << plain.err << plain.out;
  const auto tor_json = nlohmann::json::parse(via_tor.out);
  const auto direct_json = nlohmann::json::parse(plain.out);
  for (const auto& rec : tor_json["scans"]) {
    EXPECT_EQ(rec["status"], "ok") << rec.dump();
    EXPECT_EQ(rec["proxy"], "tor") << rec.dump();
  }
  const auto found = findings(tor_json, onion);
  EXPECT_EQ(found, findings(direct_json, direct));
  // Every piece of the site was seen: the file itself, the checksum list, the zip, the paste
  // linked from the post.
  const auto all = tor_json["sightings"].dump();
  for (const auto* kind : {"\"sha256\"", "crc32+size", "honeytoken"})
    EXPECT_NE(all.find(kind), std::string::npos) << kind << " evidence missing: " << all;
  EXPECT_NE(all.find("plate_2.jpg"), std::string::npos) << all;
  EXPECT_NE(all.find("plate_3.jpg"), std::string::npos) << all;
}

// Tor lists, for each circuit, the SOCKS username of the streams it was built for
// (SOCKS_USERNAME="..."); IsolateSOCKSAuth keeps streams with different usernames apart.
TEST_F(Tor, IsolatedSourcesEachGetTheirOwnCircuit) {
  const auto onion = "http://" + shared_->tor->onion();
  const auto file = config("isolated", tor_proxy(true) + source("iso-a", onion + "/raw/p1", true) +
                                           source("iso-b", onion + "/dump/", true));
  const auto r = scan(file);
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  const auto status = shared_->tor->control("GETINFO circuit-status");
  std::map<std::string, std::set<std::string>> circuits_by_user;
  const std::regex line(R"re((\d+) BUILT [^\r\n]*SOCKS_USERNAME="([^"]*)")re");
  for (std::sregex_iterator it(status.begin(), status.end(), line), end; it != end; ++it)
    circuits_by_user[(*it)[2]].insert((*it)[1]);
  const auto& a = circuits_by_user["leakwatch-iso-a"];
  const auto& b = circuits_by_user["leakwatch-iso-b"];
  ASSERT_FALSE(a.empty()) << status;
  ASSERT_FALSE(b.empty()) << status;
  for (const auto& id : a) EXPECT_EQ(b.count(id), 0u) << "circuit " << id << " shared:\n" << status;
}

// With ExtendedErrors (deploy/tor/torrc), Tor says why an onion cannot be reached; the scan
// record says it in words, names the source, and the source counts as down (failed, exit 1).
TEST_F(Tor, ExtendedSocksErrorsBecomeClearSourceErrors) {
  const auto& tor = *shared_->tor;
  const std::map<std::string, std::pair<std::string, std::string>> cases = {
      {"bad-address", {std::string(56, 'a') + ".onion", "invalid onion address"}},  // 0xF6
      {"gone", {tor.unpublished_onion(), "onion service descriptor not found"}},    // 0xF0
      {"members-only", {tor.auth_onion(), "needs client authorisation"}},           // 0xF4
  };
  std::string body = tor_proxy(true);
  for (const auto& [name, c] : cases) body += source(name, "http://" + c.first + "/", true);
  const auto r = scan(config("errors", body));
  EXPECT_EQ(r.exit_code, 1) << "sources down: " << r.err << r.out;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["scans"].size(), cases.size()) << r.out;
  for (const auto& rec : j["scans"]) {
    const auto name = rec["source"].get<std::string>();
    ASSERT_TRUE(cases.contains(name)) << name;
    const auto error = rec["error"].get<std::string>();
    EXPECT_EQ(rec["status"], "failed") << rec.dump();
    EXPECT_EQ(rec["http_status"], 0) << rec.dump();
    EXPECT_NE(error.find(cases.at(name).second), std::string::npos) << name << ": " << error;
    EXPECT_NE(error.find(cases.at(name).first), std::string::npos) << "names the URL: " << error;
    EXPECT_EQ(error.find("SOCKS5 connection to"), std::string::npos) << "curl's words: " << error;
    // The log line says which source it was.
    EXPECT_NE(r.err.find("source=" + name), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace leakwatch
