// `leakwatch serve`: the read-only HTTP API in the foreground until SIGINT or SIGTERM. The store
// is opened read-only, so it runs beside a `scan` (or the daemon) that writes.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <thread>

#include "api/http_api.h"
#include "cli/commands.h"

namespace leakwatch::app {

namespace {

constexpr const char* kServeFooter =
    "Endpoints (GET only, JSON, bearer token required): /v1/health, /v1/sightings, /v1/verify, "
    "/v1/sources, /v1/scans; /v1/sightings?format=stix|misp exports for threat-intel tools. "
    "Tokens come from [api] tokens or [api] token_file (one per line, not readable by others). "
    "See docs/API.md and docs/openapi.yaml.";

int serve(Context& ctx, const std::string& listen_flag, bool no_auth) {
  auto config = ctx.config();
  if (!config) return fail(kExitRuntime, config.error().message);
  const auto& api = (*config)->api;
  const std::string listen = listen_flag.empty() ? api.listen : listen_flag;
  const auto address = config::parse_listen_address(listen);
  if (!address) {
    throw UsageError{"--listen: '" + listen + "' is not HOST:PORT (e.g. 127.0.0.1:8765)"};
  }
  if (!is_loopback_host(address->host)) {
    // Leak intelligence leaves this machine only when the operator says so on the command line.
    if (listen_flag.empty()) {
      return fail(kExitUsage, "serve: [api] listen = \"" + listen +
                                  "\" is not a loopback address; pass --listen " + listen +
                                  " explicitly to serve beyond this machine");
    }
    spdlog::warn(
        "serve: listening on non-loopback address {}; the API is reachable from the network "
        "(plain HTTP: put it behind a TLS proxy)",
        listen);
  }
  auto auth = ApiAuth::from_config(api);
  if (!auth) return fail(kExitRuntime, auth.error().message);
  if (no_auth) spdlog::warn("serve: --no-auth: the API answers without a token");

  // SIGINT/SIGTERM are taken by sigwait below; block them before any thread starts so that
  // every thread (RocksDB's and the server's) inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  auto store = ctx.store(store::OpenMode::read_only);
  if (!store) return fail(kExitRuntime, store.error().message);

  ApiServer::Options options;
  options.host = address->host;
  options.port = address->port;
  options.require_auth = !no_auth;
  auto server = ApiServer::start(**store, **config, std::move(auth).value(), options);
  if (!server) return fail(kExitRuntime, server.error().message);
  // Tests and scripts read this line to learn the port (with --listen 127.0.0.1:0).
  std::cout << "leakwatch api listening on http://"
            << (address->host.find(':') != std::string::npos ? "[" + address->host + "]"
                                                             : address->host)
            << ":" << (*server)->port() << std::endl;
  spdlog::info("api listening host={} port={} auth={}", address->host, (*server)->port(),
               no_auth ? "off" : "bearer");
  std::jthread serving([&server] { (*server)->run(); });
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  spdlog::info("api stopping signal={}", signal_number);
  (*server)->stop();
  return kExitOk;
}

}  // namespace

void register_serve(CLI::App& app, Context& ctx, CommandRun& run) {
  struct Args {
    std::string listen;
    bool no_auth = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("serve", "Serve the read-only HTTP API (JSON, bearer tokens)");
  cmd->add_option("--listen", a->listen,
                  "HOST:PORT to listen on (default [api] listen, else 127.0.0.1:8765; a "
                  "non-loopback address must be given here explicitly)");
  cmd->add_flag("--no-auth", a->no_auth,
                "serve without tokens (only on a loopback address; for local tooling)");
  cmd->footer(kServeFooter);
  cmd->callback([&ctx, &run, a] { run = [&ctx, a] { return serve(ctx, a->listen, a->no_auth); }; });
}

}  // namespace leakwatch::app
