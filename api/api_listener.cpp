#include "api/api_listener.h"

#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

namespace leakwatch::app {

namespace {

Result<std::string> read_pem(const std::filesystem::path& file, std::string_view key) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) {
    return Error{"[api] " + std::string(key) + ": cannot read '" + file.string() + "'"};
  }
  if (text.str().find("-----BEGIN ") == std::string::npos) {
    return Error{"[api] " + std::string(key) + ": '" + file.string() + "' is not PEM"};
  }
  return text.str();
}

}  // namespace

HttpServerLimits http_limits(const config::ApiConfig& api) {
  HttpServerLimits limits;
  limits.max_head_bytes = static_cast<std::size_t>(api.max_request_head);
  limits.head_timeout = api.request_timeout;
  limits.connection_timeout = api.connection_timeout;
  limits.max_connections = api.max_connections;
  limits.max_per_address = api.max_connections_per_address;
  return limits;
}

Result<Listening, ListenError> start_api_listener(store::Store& store, const config::Config& config,
                                                  const ListenRequest& request) {
  const auto& api = config.api;
  const std::string& who = request.who;
  const std::string listen = request.listen_flag.empty() ? api.listen : request.listen_flag;
  const auto address = config::parse_listen_address(listen);
  if (!address) {
    return ListenError{(request.listen_flag.empty() ? who + ": [api] listen: '" : "--listen: '") +
                           listen + "' is not HOST:PORT (e.g. 127.0.0.1:8765)",
                       true};
  }
  const bool tls = !api.cert_file.empty();
  if (!is_loopback_host(address->host)) {
    // Leak intelligence leaves this machine only when the operator says so on the command line.
    if (request.listen_flag.empty()) {
      return ListenError{who + ": [api] listen = \"" + listen +
                             "\" is not a loopback address; pass --listen " + listen +
                             " explicitly to serve beyond this machine",
                         true};
    }
    spdlog::warn(
        "{}: listening on non-loopback address {}; the API is reachable from the network{}", who,
        listen, tls ? "" : " (plain HTTP: set [api] cert_file and key_file for TLS)");
  }
  auto auth = ApiAuth::from_config(api);
  if (!auth) return ListenError{auth.error().message};
  if (request.no_auth) spdlog::warn("{}: --no-auth: the API answers without a token", who);

  ApiServer::Options options;
  options.host = address->host;
  options.port = address->port;
  options.require_auth = !request.no_auth;
  options.limits = http_limits(api);
  options.extras = request.extras;
  if (tls) {
    auto cert = read_pem(api.cert_file, "cert_file");
    if (!cert) return ListenError{cert.error().message};
    auto key = read_pem(api.key_file, "key_file");
    if (!key) return ListenError{key.error().message};
    options.tls = HttpTls{std::move(cert).value(), std::move(key).value()};
  }
  auto server = ApiServer::start(store, config, std::move(auth).value(), options);
  if (!server) return ListenError{server.error().message};
  Listening out;
  out.host = address->host;
  out.url =
      std::string(tls ? "https://" : "http://") +
      (address->host.find(':') != std::string::npos ? "[" + address->host + "]" : address->host) +
      ":" + std::to_string((*server)->port());
  out.server = std::move(server).value();
  spdlog::info("api listening host={} port={} auth={} tls={}", address->host, out.server->port(),
               request.no_auth ? "off" : "bearer", tls ? "on" : "off");
  return out;
}

}  // namespace leakwatch::app
