// The read-only HTTP API (docs/openapi.yaml): sightings, verify, sources with their
// availability, scans and health, as JSON, behind bearer tokens. `leakwatch serve` runs it; the
// daemon can run the same ApiServer beside its scheduler. Nothing here writes to the store: it
// is opened read-only (a secondary instance) and caught up with the writer on every request, so
// the API serves while `scan` runs.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "api/api_auth.h"
#include "api/http_server.h"
#include "config/config.h"
#include "store/store.h"

namespace leakwatch::app {

// Every route the server answers (all GET). The OpenAPI test checks docs/openapi.yaml against
// this list, so the two cannot drift apart.
struct ApiRoute {
  std::string_view path;
  std::string_view summary;
};
const std::vector<ApiRoute>& api_routes();

// Query limits: `limit` defaults to kDefaultApiLimit and may not exceed kMaxApiLimit.
inline constexpr std::size_t kDefaultApiLimit = 1000;
inline constexpr std::size_t kMaxApiLimit = 10000;
// An answer includes everything the writer had committed this long before the request.
inline constexpr std::chrono::milliseconds kApiRefreshInterval{50};
// How old the store's view may get while long answers keep the catch-up from its lock.
inline constexpr std::chrono::seconds kApiMaxStaleness{5};

// What the daemon adds to the API: GET /metrics (Prometheus text 0.0.4, behind the token like
// the rest) and the reason GET /healthz (no token) answers 503. Unset: /metrics is 404 (`serve`
// has none) and /healthz is 200 as long as the server answers.
struct ApiExtras {
  std::function<std::string()> metrics;
  std::function<std::optional<std::string>()> health_problem;  // nullopt: healthy
};

// Routes one request to its handler. Thread-safe: queries share the store, catching up with the
// writer is exclusive.
class ApiService {
 public:
  // `require_auth` false only for `serve --no-auth` on loopback.
  ApiService(store::Store& store, const config::Config& config, ApiAuth auth, bool require_auth,
             ApiExtras extras = {});

  HttpResponse handle(const HttpRequest& request);
  // True for the requests that read the store (their answers may take seconds); probes,
  // /v1/health, /metrics and refusals are answered without it.
  static bool reads_store(const HttpRequest& request);

 private:
  std::optional<HttpResponse> catch_up(bool may_wait);
  HttpResponse health(const HttpRequest& request);
  HttpResponse sightings(const HttpRequest& request);
  HttpResponse verify(const HttpRequest& request);
  HttpResponse sources(const HttpRequest& request);
  HttpResponse scans(const HttpRequest& request);
  std::optional<HttpResponse> unknown_source(const std::string& source);

  store::Store& store_;
  const config::Config& config_;
  ApiAuth auth_;
  bool require_auth_;
  ApiExtras extras_;
  std::shared_mutex store_mutex_;
  // The last catch-up's steady_clock ticks (0: none yet); written under store_mutex_, read
  // without it to judge how stale the view is.
  std::atomic<std::chrono::steady_clock::rep> last_refresh_{0};
};

// The HTTP server and the API service together: what `serve` and the daemon run.
class ApiServer {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    int port = 8765;  // 0: any free port (tests)
    bool require_auth = true;
    HttpServerLimits limits;
    std::optional<HttpTls> tls;  // HTTPS only
    ApiExtras extras;
  };
  // Fails (without listening) when auth is required and no token is configured.
  static Result<std::unique_ptr<ApiServer>> start(store::Store& store, const config::Config& config,
                                                  ApiAuth auth, const Options& options);
  int port() const { return server_->port(); }
  // Serves until stop() (thread-safe).
  void run() { server_->run(); }
  void stop() { server_->stop(); }

 private:
  ApiServer() = default;
  std::unique_ptr<ApiService> service_;
  std::unique_ptr<HttpServer> server_;
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(std::string_view host);
// The host of a Host header value: "[::1]:8765" -> "::1", "localhost:80" -> "localhost".
std::string_view host_without_port(std::string_view host);

}  // namespace leakwatch::app
