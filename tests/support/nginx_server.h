// NginxServer: a real nginx serving a folder on 127.0.0.1 with autoindex, on a port chosen by
// the OS, for as long as the object lives. Counts requests through its access log.
#pragma once

#include <filesystem>
#include <string>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace leakwatch::testing {

struct NginxOptions {
  std::string autoindex_format = "html";  // html | json | xml
  bool exact_size = true;
  std::string extra_server_config;  // raw directives appended inside server { }
};

class NginxServer {
 public:
  // Throws std::runtime_error when nginx is missing or does not come up (tests then fail loudly).
  explicit NginxServer(const std::filesystem::path& root, const NginxOptions& options = {});
  ~NginxServer() = default;

  int port() const { return port_; }
  std::string url(const std::string& path = "/") const;
  // Requests served so far (lines of the access log).
  std::size_t request_count() const;
  std::string access_log() const;

 private:
  TempDir work_;
  int port_ = 0;
  BackgroundProcess process_;
};

}  // namespace leakwatch::testing
