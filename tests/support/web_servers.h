// Other real web servers for listing tests: lighttpd (mod_dirlisting), Python's http.server and
// Apache httpd (Debian's apache2 with its own mod_autoindex settings), each serving a folder on
// 127.0.0.1 at an OS-chosen port while the object lives.
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

// apache2 -X (one process, foreground) with Debian's mods-available/autoindex.conf, so listings
// look exactly as a stock Debian Apache serves them (fancy HTML table, rounded sizes).
class ApacheServer {
 public:
  explicit ApacheServer(const std::filesystem::path& root);
  std::string url(const std::string& path = "/") const;

 private:
  TempDir work_;
  int port_ = 0;
  BackgroundProcess process_;
};

}  // namespace leakwatch::testing
