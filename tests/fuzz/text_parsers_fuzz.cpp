// Fuzz targets for text the operator or a leak site supplies outside the crawler: URLs (every
// href of every page), redirects (a Location resolved against the URL that answered, then the
// hop-by-hop rules of net/http_client.h), CSV tables (sign --records), the config file, and the
// signature inside a bundle another team sends (`signatures import`), and the request heads and
// queries any client of the HTTP API sends.
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

#if defined(LEAKWATCH_FUZZ_URL)
#include "model/url.h"
#elif defined(LEAKWATCH_FUZZ_REDIRECT)
#include "model/url.h"
#include "net/http_client.h"
#elif defined(LEAKWATCH_FUZZ_CSV)
#include "matcher/records_csv.h"
#elif defined(LEAKWATCH_FUZZ_CONFIG)
#include "config/config.h"
#elif defined(LEAKWATCH_FUZZ_BUNDLE)
#include "model/dataset_name.h"
#include "model/signature_bundle.h"
#elif defined(LEAKWATCH_FUZZ_HTTP_REQUEST)
#include <nlohmann/json.hpp>

#include "api/http_server.h"
#include "model/json.h"
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
#if defined(LEAKWATCH_FUZZ_URL)
  const auto nl = text.find('\n');
  const auto base = leakwatch::parse_url(text.substr(0, nl));
  if (base && nl != std::string_view::npos) {
    if (const auto r = leakwatch::resolve_url(*base, text.substr(nl + 1))) (void)r->str(true);
  }
  (void)leakwatch::percent_decode(text);
#elif defined(LEAKWATCH_FUZZ_REDIRECT)
  // Line 1: the URL that answered (also the configured one), line 2: its Location.
  const auto nl = text.find('\n');
  if (nl == std::string_view::npos) return 0;
  const auto from = leakwatch::parse_url(text.substr(0, nl));
  if (!from) return 0;
  const auto to = leakwatch::resolve_url(*from, text.substr(nl + 1));
  if (!to) return 0;
  // The next hop is requested (and checked again) by its text: it must read back as the URL
  // that was judged here.
  const auto again = leakwatch::parse_url(to->str(true));
  if (!again || again->scheme != to->scheme || again->host != to->host ||
      again->effective_port() != to->effective_port() || again->path != to->path ||
      again->query != to->query)
    __builtin_trap();
  const bool web = to->scheme == "http" || to->scheme == "https";
  const bool host_ok = !to->host.empty() && to->host.size() <= 255;
  // Through a proxy only the scheme and host name are judged; directly, a new host is never a
  // .onion (it would be resolved locally).
  if (!leakwatch::crawler::redirect_refused(*from, *to, true) && !(web && host_ok))
    __builtin_trap();
  if (!leakwatch::crawler::redirect_refused(*from, *to, false) &&
      (!web || !host_ok || (to->host != from->host && to->is_onion())))
    __builtin_trap();
#elif defined(LEAKWATCH_FUZZ_CSV)
  std::istringstream in{std::string(text)};
  leakwatch::matcher::CsvReader reader(
      in, "fuzz.csv", 0, {.max_field_bytes = 4096, .max_fields = 256, .max_rows = 10'000});
  leakwatch::matcher::CsvRow row;
  while (reader.next(row)) {
    if (row.fields.size() > 256) __builtin_trap();
  }
#elif defined(LEAKWATCH_FUZZ_CONFIG)
  (void)leakwatch::config::parse_config(text, "fuzz.toml");
#elif defined(LEAKWATCH_FUZZ_BUNDLE)
  if (auto bundle = leakwatch::read_signature_bundle(text, "fuzz.bundle")) {
    // What import relies on: the name is a plain file name, and no local path came along.
    if (!leakwatch::is_dataset_name(bundle->signature.dataset)) __builtin_trap();
    for (const auto& f : bundle->signature.files) {
      if (!f.original_path.empty()) __builtin_trap();
    }
    (void)leakwatch::write_signature_bundle(bundle->signature, bundle->record_key_hex, {});
  }
#elif defined(LEAKWATCH_FUZZ_HTTP_REQUEST)
  // What the routes rely on: a request that passes has a visible-ASCII absolute path, token
  // header names, values without CR, LF or NUL, no body; a refusal's body is JSON; a query error
  // (which quotes decoded, so attacker-chosen, bytes) still makes a JSON error body.
  const leakwatch::app::HttpServerLimits limits{.max_head_bytes = 8192, .max_headers = 32};
  const auto parsed = leakwatch::app::parse_request_head(text, limits);
  if (const auto* refused = std::get_if<leakwatch::app::HttpResponse>(&parsed)) {
    if (refused->status < 400 || !nlohmann::json::accept(refused->body)) __builtin_trap();
    return 0;
  }
  const auto& request = std::get<leakwatch::app::HttpRequest>(parsed);
  if (text.size() > limits.max_head_bytes || request.headers.size() > limits.max_headers ||
      request.path.empty() || request.path[0] != '/')
    __builtin_trap();
  for (const char c : request.target) {
    if (c <= 0x20 || c >= 0x7f) __builtin_trap();
  }
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
      __builtin_trap();
  }
  if (request.header("transfer-encoding")) __builtin_trap();
  const auto query = leakwatch::app::parse_query(request.query);
  if (!query) {
    const auto body = leakwatch::dump_json(nlohmann::json{{"error", query.error().message}});
    if (!nlohmann::json::accept(body)) __builtin_trap();
  } else if (query->size() > 32) {
    __builtin_trap();
  }
#else
#error "define one LEAKWATCH_FUZZ_* target"
#endif
  return 0;
}
