// What a hostile site or a proxy says reaches the operator escaped and without secrets: remote
// text (a Location with an ESC sequence, which ends in the source's error) is escaped in the
// text and JSON logs and in the scan's own output, and a proxy's password appears in no record,
// log line or error, whether the proxy is gone or refuses the credentials. The servers are real:
// tests/support/hostile_site.py and microsocks with a user and password.
#include <gtest/gtest.h>

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

TEST(RemoteText, IsEscapedInEveryLogFormatAndInTheScansOutput) {
  TempDir dir;
  const int port = testing::free_port();
  BackgroundProcess site({testing::kSystemPython, testing::support_file("hostile_site.py"),
                          std::to_string(port), (dir / "requests.log").string()},
                         dir / "site.log");
  ASSERT_TRUE(testing::wait_for_port(port, std::chrono::seconds(30)));
  write_file(dir / "leakwatch.toml",
             "data_dir = \"data\"\n[[source]]\nname = \"evil\"\n"
             "url = \"http://127.0.0.1:" +
                 std::to_string(port) + "/redirect-escape\"\ntimeout = \"10s\"\n");
  const auto cfg = (dir / "leakwatch.toml").string();
  for (const std::string log_format : {"text", "json"}) {
    for (const std::string output : {"text", "json"}) {
      const auto r = run_command({LEAKWATCH_BINARY, "--log-format", log_format, "--config", cfg,
                                  "scan", "--format", output});
      const std::string what = "log " + log_format + ", output " + output;
      EXPECT_EQ(r.exit_code, 1) << what << ": " << r.err;
      // The site's text arrived (its words are there) but not its control bytes.
      EXPECT_NE(r.err.find("FAKE-LINE"), std::string::npos) << what << ": " << r.err;
      EXPECT_NE(r.out.find("FAKE-LINE"), std::string::npos) << what << ": " << r.out;
      for (const char c : {'\x1b', '\x07'}) {
        EXPECT_EQ(r.err.find(c), std::string::npos) << what << ": " << r.err;
        EXPECT_EQ(r.out.find(c), std::string::npos) << what << ": " << r.out;
      }
      if (output == "json") {
        const auto j = nlohmann::json::parse(r.out);
        EXPECT_NE(j["scans"][0]
                      .value("error", "")
                      .find("\x1b[2J\x07"
                            "FAKE-LINE"),
                  std::string::npos)
            << "JSON carries the text itself, escaped by JSON: " << r.out;
      }
    }
  }
}

TEST(ProxyPassword, NeverAppearsInARecordALogLineOrAnError) {
  const auto microsocks = testing::find_program("microsocks");
  ASSERT_FALSE(microsocks.empty()) << "microsocks is installed by deploy/install-deps.sh";
  TempDir dir;
  // A proxy that wants other credentials, and one that is gone.
  const int auth_port = testing::free_port();
  BackgroundProcess proxy({microsocks, "-i", "127.0.0.1", "-p", std::to_string(auth_port), "-u",
                           "leak", "-P", "another-password"},
                          dir / "socks.log");
  ASSERT_TRUE(testing::wait_for_port(auth_port));
  const int dead_port = testing::free_port();
  const std::string secret = "s3cr3t-pw";
  std::string config = "data_dir = \"data\"\n";
  for (const auto& [name, port] : {std::pair{"refusing", auth_port}, {"gone", dead_port}}) {
    config += std::string("[[proxy]]\nname = \"") + name + "\"\nurl = \"socks5h://leak:" + secret +
              "@127.0.0.1:" + std::to_string(port) + "\"\nisolate = false\n";
    config += std::string("[[source]]\nname = \"via-") + name +
              "\"\nurl = \"http://leakexample.onion/files/\"\nproxy = \"" + name +
              "\"\ntimeout = \"10s\"\n";
  }
  write_file(dir / "leakwatch.toml", config);
  const auto cfg = (dir / "leakwatch.toml").string();
  for (const std::string log_format : {"text", "json"}) {
    const auto r = run_command({LEAKWATCH_BINARY, "-v", "--log-format", log_format, "--config", cfg,
                                "scan", "--format", "json"});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j["scans"].size(), 2u) << r.out;
    for (const auto& s : j["scans"]) {
      EXPECT_EQ(s["status"], "failed") << s.dump();
      EXPECT_FALSE(s.value("error", "").empty()) << s.dump();
    }
    EXPECT_EQ(r.out.find(secret), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find(secret), std::string::npos) << r.err;
  }
  // The same proxies given on the command line to `check`.
  for (const int port : {auth_port, dead_port}) {
    const auto r = run_command({LEAKWATCH_BINARY, "--data-dir", (dir / "data").string(), "check",
                                "--no-record", "--proxy",
                                "socks5h://leak:" + secret + "@127.0.0.1:" + std::to_string(port),
                                "http://leakexample.onion/files/"});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_FALSE(r.err.empty() && r.out.empty());
    EXPECT_EQ(r.out.find(secret), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find(secret), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace leakwatch
