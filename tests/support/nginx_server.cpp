#include "tests/support/nginx_server.h"

#include <algorithm>
#include <stdexcept>
#include <thread>

namespace leakwatch::testing {

NginxServer::NginxServer(const std::filesystem::path& root, const NginxOptions& options) {
  const auto nginx = find_program("nginx");
  if (nginx.empty())
    throw std::runtime_error("nginx is not installed (deploy/install-deps.sh installs it)");
  const auto w = work_.path().string();
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_port();
    const std::string conf =
        "daemon off;\nmaster_process off;\nworker_processes 1;\npid " + w +
        "/nginx.pid;\nerror_log " + w +
        "/error.log warn;\nevents { worker_connections 256; }\nhttp {\n  access_log " + w +
        "/access.log;\n  client_body_temp_path " + w + "/body;\n  proxy_temp_path " + w +
        "/proxy;\n  fastcgi_temp_path " + w + "/fastcgi;\n  uwsgi_temp_path " + w +
        "/uwsgi;\n  scgi_temp_path " + w +
        "/scgi;\n  types { text/plain txt; text/csv csv; application/zip zip; }\n  default_type "
        "application/octet-stream;\n  server {\n    listen 127.0.0.1:" +
        std::to_string(port_) + ";\n    root " + root.string() +
        ";\n    location / {\n      autoindex on;\n      autoindex_format " +
        options.autoindex_format + ";\n      autoindex_exact_size " +
        (options.exact_size ? "on" : "off") + ";\n    }\n" + options.extra_server_config +
        "\n  }\n}\n";
    write_file(work_.path() / "nginx.conf", conf);
    process_ =
        BackgroundProcess({nginx, "-p", w, "-c", w + "/nginx.conf"}, work_.path() / "nginx.out");
    if (wait_for_port(port_)) return;
    process_.stop();
  }
  std::string err;
  try {
    err = read_file(work_.path() / "error.log");
  } catch (...) {
  }
  throw std::runtime_error("nginx did not start: " + err);
}

std::string NginxServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::string NginxServer::access_log() const {
  // nginx logs a request after it has sent the answer, so a client can be done before the line
  // is written: wait until the log has stopped growing for a moment.
  std::string last;
  for (int i = 0; i < 40; ++i) {
    std::string now;
    try {
      now = read_file(work_.path() / "access.log");
    } catch (...) {
    }
    if (i > 0 && now == last) return now;
    last = std::move(now);
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  return last;
}

std::size_t NginxServer::request_count() const {
  const auto log = access_log();
  return static_cast<std::size_t>(std::count(log.begin(), log.end(), '\n'));
}

}  // namespace leakwatch::testing
