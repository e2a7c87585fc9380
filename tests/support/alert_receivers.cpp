#include "tests/support/alert_receivers.h"

#include <fstream>
#include <stdexcept>
#include <thread>

#include "tests/support/support_files.h"

namespace leakwatch::testing {

void make_test_ca(const std::filesystem::path& dir) {
  const auto r = run_command({support_file("make-test-ca.sh"), dir.string()});
  if (r.exit_code != 0) throw std::runtime_error("make-test-ca.sh failed: " + r.err);
}

std::vector<nlohmann::json> json_lines(const std::filesystem::path& file) {
  std::vector<nlohmann::json> out;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (in.eof()) break;  // a line still being written
    out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

std::vector<nlohmann::json> wait_for_lines(const std::filesystem::path& file, std::size_t count,
                                           std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  for (;;) {
    auto lines = json_lines(file);
    if (lines.size() >= count || std::chrono::steady_clock::now() > until) return lines;
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
}

RsyslogServer::RsyslogServer(bool tls, const std::filesystem::path& ca_dir) {
  const auto rsyslogd = find_program("rsyslogd");
  if (rsyslogd.empty())
    throw std::runtime_error("rsyslogd is not installed (deploy/install-deps.sh)");
  // The fields as rsyslog's RFC 5424 parser saw them, one JSON object per message.
  const std::string tmpl =
      "template(name=\"fields\" type=\"list\") {\n"
      "  constant(value=\"{\\\"app\\\":\\\"\") property(name=\"app-name\" format=\"json\")\n"
      "  constant(value=\"\\\",\\\"msgid\\\":\\\"\") property(name=\"msgid\" format=\"json\")\n"
      "  constant(value=\"\\\",\\\"pri\\\":\\\"\") property(name=\"pri\" format=\"json\")\n"
      "  constant(value=\"\\\",\\\"host\\\":\\\"\") property(name=\"hostname\" format=\"json\")\n"
      "  constant(value=\"\\\",\\\"sd\\\":\\\"\") property(name=\"structured-data\" "
      "format=\"json\")\n"
      "  constant(value=\"\\\",\\\"msg\\\":\\\"\") property(name=\"msg\" format=\"json\" "
      "droplastlf=\"on\")\n"
      "  constant(value=\"\\\"}\\n\")\n"
      "}\n";
  std::filesystem::create_directories(work_ / "spool");
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_port();
    std::string conf = "global(workDirectory=\"" + (work_ / "spool").string() + "\"";
    if (tls) {
      conf += " defaultNetstreamDriver=\"gtls\" defaultNetstreamDriverCAFile=\"" +
              (ca_dir / "ca.pem").string() + "\" defaultNetstreamDriverCertFile=\"" +
              (ca_dir / "server.pem").string() + "\" defaultNetstreamDriverKeyFile=\"" +
              (ca_dir / "server.key").string() + "\"";
    }
    conf += ")\n";
    conf += tls ? "module(load=\"imtcp\" streamDriver.name=\"gtls\" streamDriver.mode=\"1\" "
                  "streamDriver.authMode=\"anon\")\n"
                : "module(load=\"imtcp\")\n";
    conf += "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"" + std::to_string(port_) + "\")\n";
    conf += tmpl;
    conf += "action(type=\"omfile\" file=\"" + output().string() + "\" template=\"fields\")\n";
    write_file(work_ / "rsyslog.conf", conf);
    process_ = BackgroundProcess({rsyslogd, "-n", "-f", (work_ / "rsyslog.conf").string(), "-i",
                                  (work_ / "rsyslogd.pid").string()},
                                 work_ / "rsyslogd.log");
    if (wait_for_port(port_)) return;
    process_.stop();
  }
  throw std::runtime_error("rsyslogd did not start: " + read_file(work_ / "rsyslogd.log"));
}

PythonReceiver::PythonReceiver(const std::string& mode, const std::vector<std::string>& args,
                               int port) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = port ? port : free_port();
    std::vector<std::string> argv = {kSystemPython,
                                     support_file("alert_receiver.py"),
                                     mode,
                                     "--port",
                                     std::to_string(port_),
                                     "--log",
                                     log().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    process_ = BackgroundProcess(argv, work_ / "receiver.out");
    if (wait_for_port(port_)) return;
    process_.stop();
    if (port) break;
  }
  throw std::runtime_error("alert_receiver.py did not start: " + read_file(work_ / "receiver.out"));
}

SmtpReceiver::SmtpReceiver(const std::filesystem::path& ca_dir) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_port();
    process_ = BackgroundProcess(
        {kSystemPython, support_file("smtp_receiver.py"), "--port", std::to_string(port_), "--log",
         log().string(), "--cert", (ca_dir / "server.pem").string(), "--key",
         (ca_dir / "server.key").string()},
        work_ / "smtp.out");
    if (wait_for_port(port_)) return;
    process_.stop();
  }
  throw std::runtime_error("smtp_receiver.py did not start: " + read_file(work_ / "smtp.out"));
}

}  // namespace leakwatch::testing
