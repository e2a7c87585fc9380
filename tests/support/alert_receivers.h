// Real alert receivers for the alert tests, on 127.0.0.1 at OS-chosen ports, stopped when the
// object goes away: rsyslog (imtcp, plain or TLS through the gtls driver) writing what it
// parsed through a template of APP-NAME, MSGID, STRUCTURED-DATA and MSG; the python webhook and
// HEC receivers (alert_receiver.py); aiosmtpd with STARTTLS (smtp_receiver.py); and a test CA
// made by openssl (make-test-ca.sh).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace leakwatch::testing {

// ca.pem, server.pem, server.key (for 127.0.0.1 and localhost) and other-ca.pem in `dir`.
void make_test_ca(const std::filesystem::path& dir);

// The JSON lines of a receiver's log (those complete so far).
std::vector<nlohmann::json> json_lines(const std::filesystem::path& file);
// Waits until `file` has at least `count` JSON lines (or the limit passes); returns them.
std::vector<nlohmann::json> wait_for_lines(const std::filesystem::path& file, std::size_t count,
                                           std::chrono::milliseconds limit = std::chrono::seconds{
                                               10});

class RsyslogServer {
 public:
  // tls: the gtls stream driver with the server certificate of `ca_dir` (make_test_ca).
  explicit RsyslogServer(bool tls, const std::filesystem::path& ca_dir = {});
  int port() const { return port_; }
  // One object per message: {"app", "msgid", "sd", "msg", "pri"} as rsyslog parsed them.
  std::filesystem::path output() const { return work_ / "parsed.jsonl"; }

 private:
  TempDir work_;
  int port_ = 0;
  BackgroundProcess process_;
};

class PythonReceiver {
 public:
  // alert_receiver.py MODE --port P --log LOG ARGS...
  PythonReceiver(const std::string& mode, const std::vector<std::string>& args, int port = 0);
  int port() const { return port_; }
  std::filesystem::path log() const { return work_ / "received.jsonl"; }
  void stop() { process_.stop(); }

 private:
  TempDir work_;
  int port_ = 0;
  BackgroundProcess process_;
};

class SmtpReceiver {
 public:
  explicit SmtpReceiver(const std::filesystem::path& ca_dir);
  int port() const { return port_; }
  std::filesystem::path log() const { return work_ / "mail.jsonl"; }

 private:
  TempDir work_;
  int port_ = 0;
  BackgroundProcess process_;
};

}  // namespace leakwatch::testing
