#include "api/http_api.h"

#include <arpa/inet.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "model/json.h"
#include "model/sighting_history.h"
#include "report/export_misp.h"
#include "report/export_stix.h"
#include "verify/verify.h"

namespace leakwatch::app {

namespace {

using nlohmann::json;

HttpResponse json_response(int status, const json& body) {
  return HttpResponse{.status = status, .body = dump_json(body) + "\n"};
}

HttpResponse error(int status, const std::string& message) {
  return json_response(status, json{{"error", message}});
}

// The query parameters of one request, checked against what the route accepts: an unknown or
// repeated parameter is a 400, so a typo never silently widens a query.
class Params {
 public:
  static std::variant<Params, HttpResponse> parse(const HttpRequest& request,
                                                  std::initializer_list<std::string_view> known) {
    auto parsed = parse_query(request.query);
    if (!parsed) return error(400, parsed.error().message);
    Params p;
    for (auto& [name, value] : *parsed) {
      if (std::find(known.begin(), known.end(), name) == known.end()) {
        std::string list;
        for (const auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
        return error(400, "unknown query parameter '" + name +
                              "' (known: " + (list.empty() ? "none" : list) + ")");
      }
      if (!p.values_.emplace(name, value).second) {
        return error(400, "query parameter '" + name + "' given more than once");
      }
    }
    return p;
  }

  std::optional<std::string> get(const std::string& name) const {
    const auto it = values_.find(name);
    if (it == values_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<std::string, std::string> values_;
};

// A parameter problem: the message for a 400.
struct BadParam {
  std::string message;
};

std::optional<Timestamp> time_param(const Params& p, const std::string& name) {
  const auto v = p.get(name);
  if (!v) return std::nullopt;
  const auto t = parse_rfc3339(*v);
  if (!t) {
    throw BadParam{name + ": '" + *v +
                   "' is not an RFC 3339 time (2026-11-23T14:00:00Z or 2026-11-23)"};
  }
  return t;
}

void check_window(const Params& p, std::optional<Timestamp> since, std::optional<Timestamp> until,
                  const std::string& since_name, const std::string& until_name) {
  if (since && until && *since > *until) {
    throw BadParam{since_name + " " + *p.get(since_name) + " is after " + until_name + " " +
                   *p.get(until_name)};
  }
}

std::size_t limit_param(const Params& p) {
  const auto v = p.get("limit");
  if (!v) return kDefaultApiLimit;
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc{} || end != v->data() + v->size() || n == 0 || n > kMaxApiLimit) {
    throw BadParam{"limit: '" + *v + "' is not a number from 1 to " + std::to_string(kMaxApiLimit)};
  }
  return n;
}

std::optional<std::string> name_param(const Params& p, const std::string& name) {
  auto v = p.get(name);
  if (v && v->empty()) throw BadParam{name + ": must not be empty"};
  return v;
}

json optional_time(const std::optional<Timestamp>& t) {
  return t ? json(format_rfc3339(*t)) : json(nullptr);
}

// up: the last scan succeeded (ok or partial); failing: it failed; down: it and the two before
// it failed (the scan record's marked_down rule); unknown: never scanned.
std::string availability(const std::optional<store::SourceState>& state) {
  if (!state || state->history.empty()) return "unknown";
  if (state->consecutive_failures >= 3) return "down";
  return state->history.back().status == ScanStatus::failed ? "failing" : "up";
}

// verify's messages name the CLI options; the API's parameters are as_of and since.
std::string api_parameter_names(std::string message) {
  for (const auto& [flag, param] : {std::pair<std::string, std::string>{"--as-of", "as_of"},
                                    {"--since", "since"},
                                    {"--dataset", "dataset"}}) {
    for (auto at = message.find(flag); at != std::string::npos; at = message.find(flag, at)) {
      message.replace(at, flag.size(), param);
    }
  }
  return message;
}

}  // namespace

const std::vector<ApiRoute>& api_routes() {
  static const std::vector<ApiRoute> routes = {
      {"/v1/health", "Liveness and the store's reachability"},
      {"/v1/sightings", "Recorded sightings, newest first (JSON, STIX 2.1 or MISP)"},
      {"/v1/verify", "Evaluate the claim \"dataset D was not identified\""},
      {"/v1/sources", "Configured sources with their availability"},
      {"/v1/scans", "Scan records, newest first"},
      {"/metrics", "Prometheus metrics (text format 0.0.4; the daemon only)"},
      {"/healthz", "Health for probes: 200 ok or 503 with the reason (no token)"},
  };
  return routes;
}

std::string_view host_without_port(std::string_view host) {
  if (host.starts_with('[')) {
    const auto end = host.find(']');
    return end == std::string_view::npos ? host : host.substr(1, end - 1);
  }
  if (const auto colon = host.find(':');
      colon != std::string_view::npos && host.find(':', colon + 1) == std::string_view::npos) {
    return host.substr(0, colon);
  }
  return host;
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost") return true;
  const std::string h(host);
  in_addr v4{};
  if (::inet_pton(AF_INET, h.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, h.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

ApiService::ApiService(store::Store& store, const config::Config& config, ApiAuth auth,
                       bool require_auth, ApiExtras extras)
    : store_(store),
      config_(config),
      auth_(std::move(auth)),
      require_auth_(require_auth),
      extras_(std::move(extras)) {}

// A source filter must name a configured source or one the store has scans of: a 404 otherwise
// (or a 500 when the store cannot say).
std::optional<HttpResponse> ApiService::unknown_source(const std::string& source) {
  if (config_.find_source(source)) return std::nullopt;
  auto state = store_.get_source_state(source);
  if (!state) return error(500, state.error().message);
  if (!*state) {
    return error(404, "unknown source '" + source + "' (not in the config and never scanned)");
  }
  return std::nullopt;
}

bool ApiService::reads_store(const HttpRequest& request) {
  return request.method == "GET" &&
         (request.path == "/v1/sightings" || request.path == "/v1/verify" ||
          request.path == "/v1/sources" || request.path == "/v1/scans");
}

HttpResponse ApiService::handle(const HttpRequest& request) {
  HttpResponse response;
  // Probes (systemd, Kubernetes, load balancers) carry no token; the answer tells nothing but
  // whether the service is healthy.
  if (request.path == "/healthz") {
    if (request.method != "GET") {
      response = error(405, "only GET is allowed");
      response.headers.emplace_back("Allow", "GET");
      return response;
    }
    const auto problem = extras_.health_problem ? extras_.health_problem() : std::nullopt;
    response.content_type = "text/plain; charset=utf-8";
    response.status = problem ? 503 : 200;
    response.body = problem ? *problem + "\n" : "ok\n";
    return response;
  }
  if (!require_auth_) {
    // DNS rebinding: without tokens, a web page the operator visits could point a name of its
    // own at 127.0.0.1 and read the API from the browser. Its requests carry that name as Host;
    // only loopback names are answered.
    const auto host = request.header("host");
    if (!host || !is_loopback_host(host_without_port(*host))) {
      spdlog::warn("api refused host={} path={}: not a loopback name (--no-auth)",
                   host ? std::string(*host) : std::string("(none)"), request.path);
      return error(403, "Host '" + std::string(host.value_or("")) +
                            "' is not a loopback name; without tokens only requests to "
                            "127.0.0.1, [::1] or localhost are answered");
    }
  } else {
    const auto authorization = request.header("authorization");
    if (!authorization || !auth_.accepts(*authorization)) {
      response = error(401, authorization ? "invalid bearer token" : "bearer token required");
      // RFC 6750 3: a request without credentials gets no error code; a bad token does.
      response.headers.emplace_back(
          "WWW-Authenticate", authorization ? R"(Bearer realm="leakwatch", error="invalid_token")"
                                            : R"(Bearer realm="leakwatch")");
      spdlog::debug("api method={} path={} status=401", request.method, request.path);
      return response;
    }
  }
  const auto& routes = api_routes();
  const auto route = std::find_if(routes.begin(), routes.end(),
                                  [&](const ApiRoute& r) { return r.path == request.path; });
  if (route == routes.end()) {
    response = error(404, "no such endpoint: " + request.path + " (see docs/openapi.yaml)");
  } else if (request.method != "GET") {
    response = error(405, "the API is read-only: only GET is allowed");
    response.headers.emplace_back("Allow", "GET");
  } else if (route->path == "/metrics") {
    if (!extras_.metrics) {
      response = error(404, "no metrics here: /metrics is served by leakwatch daemon");
    } else {
      response.content_type = "text/plain; version=0.0.4; charset=utf-8";
      response.body = extras_.metrics();
    }
  } else if (route->path == "/v1/health") {
    // Liveness: never waits for the store. It catches up when nothing else holds the store, so
    // a store the writer left unreadable shows here.
    if (auto failed = catch_up(false)) return *failed;
    try {
      response = health(request);
    } catch (const BadParam& bad) {
      response = error(400, bad.message);
    }
  } else {
    if (auto failed = catch_up(true)) return *failed;
    std::shared_lock lock(store_mutex_);
    try {
      if (route->path == "/v1/sightings") {
        response = sightings(request);
      } else if (route->path == "/v1/verify") {
        response = verify(request);
      } else if (route->path == "/v1/sources") {
        response = sources(request);
      } else {
        response = scans(request);
      }
    } catch (const BadParam& bad) {
      response = error(400, bad.message);
    }
  }
  spdlog::debug("api method={} path={} status={}", request.method, request.path, response.status);
  return response;
}

// Catches up with the writer (a running scan) before answering, at most once per
// kApiRefreshInterval: a catch-up costs milliseconds (it reads the writer's manifest and log),
// so a burst of requests shares one. The catch-up needs the store to itself: while long answers
// are being built from it, a request is answered from the view they read instead of waiting
// for all of them, unless that view is older than kApiMaxStaleness (and `may_wait`).
std::optional<HttpResponse> ApiService::catch_up(bool may_wait) {
  using SteadyClock = std::chrono::steady_clock;
  std::unique_lock lock(store_mutex_, std::try_to_lock);
  const auto started = SteadyClock::now();
  const auto since_last = [&] {
    return started - SteadyClock::time_point(SteadyClock::duration(last_refresh_.load()));
  };
  if (!lock.owns_lock() && may_wait && since_last() >= kApiMaxStaleness) lock.lock();
  if (lock.owns_lock() && since_last() >= kApiRefreshInterval) {
    if (auto caught = store_.refresh(); !caught) {
      spdlog::error("api store catch-up failed: {}", caught.error().message);
      return error(503, caught.error().message);
    }
    last_refresh_ = started.time_since_epoch().count();
  }
  return std::nullopt;
}

HttpResponse ApiService::health(const HttpRequest& request) {
  auto parsed = Params::parse(request, {});
  if (auto* bad = std::get_if<HttpResponse>(&parsed)) return *bad;
  return json_response(200, json{{"status", "ok"},
                                 {"service", "leakwatch"},
                                 {"version", "0.1.0"},
                                 {"time", format_rfc3339(now())},
                                 {"store", "read-only"}});
}

HttpResponse ApiService::sightings(const HttpRequest& request) {
  auto parsed = Params::parse(request, {"dataset", "source", "since", "until", "changed_since",
                                        "min_confidence", "limit", "format"});
  if (auto* bad = std::get_if<HttpResponse>(&parsed)) return *bad;
  const auto& p = std::get<Params>(parsed);
  store::SightingFilter filter;
  filter.dataset = name_param(p, "dataset");
  filter.source = name_param(p, "source");
  filter.since = time_param(p, "since");
  filter.until = time_param(p, "until");
  check_window(p, filter.since, filter.until, "since", "until");
  // First seen, or raised in confidence, at or after it (so also last seen at or after it).
  const auto changed_since = time_param(p, "changed_since");
  if (changed_since) filter.since = std::max(filter.since.value_or(*changed_since), *changed_since);
  if (const auto c = p.get("min_confidence")) {
    const auto parsed_confidence = parse_confidence(*c);
    if (!parsed_confidence) {
      throw BadParam{"min_confidence: '" + *c + "' is not one of possible, likely, confirmed"};
    }
    filter.min_confidence = *parsed_confidence;
  }
  const auto limit = limit_param(p);
  const auto format = p.get("format").value_or("json");
  if (format != "json" && format != "stix" && format != "misp") {
    throw BadParam{"format: '" + format + "' is not one of json, stix, misp"};
  }
  if (filter.dataset) {
    auto signature = store_.get_signature(*filter.dataset);
    if (!signature) return error(500, signature.error().message);
    if (!*signature) {
      return error(404, "unknown dataset '" + *filter.dataset + "' (no signature by that name)");
    }
  }
  if (filter.source) {
    if (auto unknown = unknown_source(*filter.source)) return std::move(*unknown);
  }

  std::vector<Sighting> found;
  bool truncated = false;
  auto done = store_.for_each_sighting(filter, [&](const Sighting& s) {
    if (changed_since && !leakwatch::changed_since(s, *changed_since)) return true;
    if (found.size() == limit) {
      truncated = true;
      return false;
    }
    found.push_back(s);
    return true;
  });
  if (!done) return error(500, done.error().message);
  if (format == "stix") {
    auto r = json_response(200, stix_bundle(found));
    r.content_type = "application/stix+json;version=2.1";
    return r;
  }
  if (format == "misp") return json_response(200, misp_events(found));
  json list = json::array();
  for (const auto& s : found) list.push_back(s);
  return json_response(200, json{{"sightings", std::move(list)},
                                 {"count", found.size()},
                                 {"limit", limit},
                                 {"truncated", truncated}});
}

// The verify contract (docs/CONTRACTS.md "Verify", docs/VERIFY.md) over HTTP: the same evaluation
// and JSON report as `leakwatch verify --format json`; the verdict is in the body, the status says
// whether the question could be answered.
HttpResponse ApiService::verify(const HttpRequest& request) {
  auto parsed = Params::parse(request, {"dataset", "as_of", "since"});
  if (auto* bad = std::get_if<HttpResponse>(&parsed)) return *bad;
  const auto& p = std::get<Params>(parsed);
  const auto dataset = name_param(p, "dataset");
  if (!dataset) throw BadParam{"dataset: required"};
  check_window(p, time_param(p, "since"), time_param(p, "as_of"), "since", "as_of");
  auto query =
      parse_verify_query(*dataset, p.get("as_of").value_or(""), p.get("since").value_or(""), now());
  if (!query) throw BadParam{api_parameter_names(query.error().message)};
  auto report = evaluate_verify(store_, config_, *query);
  if (!report) {
    const auto& problem = report.error();
    const int status = problem.kind == VerifyErrorKind::bad_query         ? 400
                       : problem.kind == VerifyErrorKind::unknown_dataset ? 404
                                                                          : 500;
    return error(status, status == 500 ? problem.message : api_parameter_names(problem.message));
  }
  return json_response(200, to_json(*report));
}

HttpResponse ApiService::sources(const HttpRequest& request) {
  auto parsed = Params::parse(request, {});
  if (auto* bad = std::get_if<HttpResponse>(&parsed)) return *bad;
  json list = json::array();
  for (const auto& source : config_.sources) {
    auto state = store_.get_source_state(source.name);
    if (!state) return error(500, state.error().message);
    json history = json::array();
    std::optional<ScanStatus> last_status;
    if (*state) {
      for (const auto& a : (*state)->history) {
        history.push_back(
            json{{"at", format_rfc3339(a.at)}, {"status", scan_status_name(a.status)}});
      }
      if (!(*state)->history.empty()) last_status = (*state)->history.back().status;
    }
    list.push_back(json{
        {"name", source.name},
        {"kind", config::source_kind_name(source.kind)},
        {"enabled", source.enabled},
        {"schedule", source.schedule},
        {"proxy", source.proxy ? json(*source.proxy) : json(nullptr)},
        {"availability", availability(*state)},
        {"last_status", last_status ? json(scan_status_name(*last_status)) : json(nullptr)},
        {"last_attempt", optional_time(*state ? (*state)->last_attempt : std::nullopt)},
        {"last_success", optional_time(*state ? (*state)->last_success : std::nullopt)},
        {"consecutive_failures", *state ? (*state)->consecutive_failures : 0},
        {"history", std::move(history)},
    });
  }
  return json_response(200, json{{"sources", std::move(list)}});
}

HttpResponse ApiService::scans(const HttpRequest& request) {
  auto parsed = Params::parse(request, {"source", "since", "until", "limit"});
  if (auto* bad = std::get_if<HttpResponse>(&parsed)) return *bad;
  const auto& p = std::get<Params>(parsed);
  store::ScanFilter filter;
  filter.source = name_param(p, "source");
  filter.since = time_param(p, "since");
  filter.until = time_param(p, "until");
  check_window(p, filter.since, filter.until, "since", "until");
  const auto limit = limit_param(p);
  if (filter.source) {
    if (auto unknown = unknown_source(*filter.source)) return std::move(*unknown);
  }
  // The store streams scans oldest first per source; keep the newest `limit` + 1 (to tell
  // whether more exist), trimming as we go so memory stays bounded by the limit.
  std::vector<ScanRecord> kept;
  const auto newer = [](const ScanRecord& a, const ScanRecord& b) {
    return std::tie(a.started, a.source) > std::tie(b.started, b.source);
  };
  auto done = store_.for_each_scan(filter, [&](const ScanRecord& r) {
    kept.push_back(r);
    if (kept.size() >= 4 * (limit + 1)) {
      std::sort(kept.begin(), kept.end(), newer);
      kept.resize(limit + 1);
    }
    return true;
  });
  if (!done) return error(500, done.error().message);
  std::sort(kept.begin(), kept.end(), newer);
  const bool truncated = kept.size() > limit;
  if (truncated) kept.resize(limit);
  json list = json::array();
  for (const auto& r : kept) list.push_back(r);
  return json_response(200, json{{"scans", std::move(list)},
                                 {"count", kept.size()},
                                 {"limit", limit},
                                 {"truncated", truncated}});
}

Result<std::unique_ptr<ApiServer>> ApiServer::start(store::Store& store,
                                                    const config::Config& config, ApiAuth auth,
                                                    const Options& options) {
  if (options.require_auth && auth.empty()) {
    return Error{
        "serve: no API token configured ([api] tokens or token_file); refusing to serve without "
        "authentication (--no-auth allows it on a loopback address only)"};
  }
  if (!options.require_auth && !is_loopback_host(options.host)) {
    return Error{"serve: --no-auth is only allowed on a loopback address, not " + options.host};
  }
  std::unique_ptr<ApiServer> server(new ApiServer());
  server->service_ = std::make_unique<ApiService>(store, config, std::move(auth),
                                                  options.require_auth, options.extras);
  auto* service = server->service_.get();
  auto http = HttpServer::listen(
      options.host, options.port, options.limits,
      [service](const HttpRequest& r) { return service->handle(r); }, options.tls,
      &ApiService::reads_store);
  if (!http) return http.error();
  server->server_ = std::move(http).value();
  return server;
}

}  // namespace leakwatch::app
