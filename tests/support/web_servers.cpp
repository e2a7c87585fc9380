#include "tests/support/web_servers.h"

#include <stdexcept>

namespace leakwatch::testing {

namespace {

std::string local_url(int port, const std::string& path) {
  return "http://127.0.0.1:" + std::to_string(port) + path;
}

}  // namespace

LighttpdServer::LighttpdServer(const std::filesystem::path& root) {
  const auto lighttpd = find_program("lighttpd");
  if (lighttpd.empty())
    throw std::runtime_error("lighttpd is not installed (deploy/install-deps.sh)");
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_port();
    write_file(work_ / "lighttpd.conf",
               "server.document-root = \"" + root.string() +
                   "\"\nserver.port = " + std::to_string(port_) +
                   "\nserver.bind = \"127.0.0.1\"\nserver.modules += (\"mod_dirlisting\")\n"
                   "dir-listing.activate = \"enable\"\nserver.errorlog = \"" +
                   (work_ / "error.log").string() + "\"\n");
    process_ = BackgroundProcess({lighttpd, "-D", "-f", (work_ / "lighttpd.conf").string()},
                                 work_ / "out.log");
    if (wait_for_port(port_)) return;
    process_.stop();
  }
  throw std::runtime_error("lighttpd did not start");
}

std::string LighttpdServer::url(const std::string& path) const {
  return local_url(port_, path);
}

PythonHttpServer::PythonHttpServer(const std::filesystem::path& root) {
  const auto python = find_program("python3");
  if (python.empty()) throw std::runtime_error("python3 is not installed");
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_port();
    process_ = BackgroundProcess({python, "-m", "http.server", std::to_string(port_), "--bind",
                                  "127.0.0.1", "--directory", root.string()},
                                 work_ / "out.log");
    if (wait_for_port(port_)) return;
    process_.stop();
  }
  throw std::runtime_error("python3 -m http.server did not start");
}

std::string PythonHttpServer::url(const std::string& path) const {
  return local_url(port_, path);
}

ApacheServer::ApacheServer(const std::filesystem::path& root) {
  const auto apache = find_program("apache2");
  if (apache.empty()) throw std::runtime_error("apache2 is not installed (deploy/install-deps.sh)");
  const std::string modules = "/usr/lib/apache2/modules/";
  const auto w = work_.path().string();
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_port();
    std::string conf = "ServerRoot " + w + "\nListen 127.0.0.1:" + std::to_string(port_) +
                       "\nServerName 127.0.0.1\nPidFile " + w + "/httpd.pid\nErrorLog " + w +
                       "/error.log\n";
    for (const auto* m : {"mpm_event", "authz_core", "dir", "mime", "alias", "autoindex"})
      conf += std::string("LoadModule ") + m + "_module " + modules + "mod_" + m + ".so\n";
    conf +=
        "TypesConfig /etc/mime.types\nInclude /etc/apache2/mods-available/autoindex.conf\n"
        "DocumentRoot " +
        root.string() + "\n<Directory " + root.string() +
        ">\n  Options +Indexes\n  Require all granted\n</Directory>\n";
    write_file(work_ / "httpd.conf", conf);
    process_ =
        BackgroundProcess({apache, "-X", "-f", (work_ / "httpd.conf").string()}, work_ / "out.log");
    if (wait_for_port(port_)) return;
    process_.stop();
  }
  throw std::runtime_error("apache2 did not start: " + read_file(work_ / "out.log"));
}

std::string ApacheServer::url(const std::string& path) const {
  return local_url(port_, path);
}

}  // namespace leakwatch::testing
