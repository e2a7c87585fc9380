// The HTTP service's setup that `leakwatch serve` and the daemon share: from [api] (or --listen)
// to a running ApiServer. Checks where it may listen (a non-loopback address only when given on
// the command line; --no-auth only on loopback), loads the tokens, reads the TLS certificate and
// key, turns the [api] limits into the transport's, and starts listening.
#pragma once

#include <memory>
#include <string>

#include "api/http_api.h"
#include "config/config.h"
#include "model/result.h"
#include "store/store.h"

namespace leakwatch::app {

struct ListenRequest {
  std::string who = "serve";  // prefix of error messages: "serve", "api"
  std::string listen_flag;    // --listen; empty: [api] listen
  bool no_auth = false;       // --no-auth
  ApiExtras extras;
};

struct ListenError {
  std::string message;
  bool usage = false;  // the command line or config is wrong (exit 2), not the world
};

struct Listening {
  std::unique_ptr<ApiServer> server;
  std::string host;
  std::string url;  // "http://127.0.0.1:8765", "https://[::1]:8443": the port actually bound
};

// The transport limits of [api] (max_connections, request_timeout, ...).
HttpServerLimits http_limits(const config::ApiConfig& api);

// Listens (without serving yet: run the server's run() on a thread). `store` and `config` must
// outlive the server.
Result<Listening, ListenError> start_api_listener(store::Store& store, const config::Config& config,
                                                  const ListenRequest& request);

}  // namespace leakwatch::app
