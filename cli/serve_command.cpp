// `leakwatch serve`: the read-only HTTP API in the foreground until SIGINT or SIGTERM. The store
// is opened read-only, so it runs beside a `scan` (or the daemon) that writes.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <thread>

#include "api/api_listener.h"
#include "cli/commands.h"

namespace leakwatch::app {

namespace {

constexpr const char* kServeFooter =
    "Endpoints (GET only, JSON, bearer token required): /v1/health, /v1/sightings, /v1/verify, "
    "/v1/sources, /v1/scans; /v1/sightings?format=stix|misp exports for threat-intel tools. "
    "Tokens come from [api] tokens or [api] token_file (one per line, not readable by others). "
    "HTTPS with [api] cert_file and key_file (PEM). Limits from accept: [api] max_connections "
    "(256), max_connections_per_address (32), request_timeout (10s: the request head), "
    "connection_timeout (60s: the whole exchange), max_request_head (16KiB). "
    "See docs/API.md and docs/openapi.yaml.";

int serve(Context& ctx, const std::string& listen_flag, bool no_auth) {
  auto config = ctx.config();
  if (!config) return fail(kExitRuntime, config.error().message);
  if (!listen_flag.empty() && !config::parse_listen_address(listen_flag)) {
    throw UsageError{"--listen: '" + listen_flag + "' is not HOST:PORT (e.g. 127.0.0.1:8765)"};
  }
  // SIGINT/SIGTERM are taken by sigwait below; block them before any thread starts so that
  // every thread (RocksDB's and the server's) inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  auto store = ctx.store(store::OpenMode::read_only);
  if (!store) return fail(kExitRuntime, store.error().message);

  auto listening = start_api_listener(
      **store, **config,
      ListenRequest{.who = "serve", .listen_flag = listen_flag, .no_auth = no_auth});
  if (!listening) {
    return fail(listening.error().usage ? kExitUsage : kExitRuntime, listening.error().message);
  }
  auto& server = *listening->server;
  // Tests and scripts read this line to learn the port (with --listen 127.0.0.1:0).
  std::cout << "leakwatch api listening on " << listening->url << std::endl;
  std::jthread serving([&server] { server.run(); });
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  spdlog::info("api stopping signal={}", signal_number);
  server.stop();
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
