// Other real web servers for listing tests: lighttpd (mod_dirlisting) and Python's
// http.server, each serving a folder on 127.0.0.1 at an OS-chosen port while the object lives.
#pragma once

#include <filesystem>
#include <string>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace leakwatch::testing {

class LighttpdServer {
 public:
  explicit LighttpdServer(const std::filesystem::path& root);
  std::string url(const std::string& path = "/") const;

 private:
  TempDir work_;
  int port_ = 0;
  BackgroundProcess process_;
};

class PythonHttpServer {
 public:
  explicit PythonHttpServer(const std::filesystem::path& root);
  std::string url(const std::string& path = "/") const;

 private:
  TempDir work_;
  int port_ = 0;
  BackgroundProcess process_;
};

}  // namespace leakwatch::testing
