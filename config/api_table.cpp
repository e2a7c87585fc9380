#include <fstream>

#include "config/tables.h"

namespace leakwatch::config {

// [api] listen, tokens, token_file, cert_file, key_file, max_connections,
// max_connections_per_address, request_timeout, connection_timeout, max_request_head.
void read_api_table(Validator& v, const toml::table& root, const std::filesystem::path& base,
                    ApiConfig& api) {
  const auto* node = root.get("api");
  if (!node) return;
  const auto* t = node->as_table();
  if (!t) {
    v.fail(node->source(), "api", "must be a table ([api])");
    return;
  }
  api.line = static_cast<int>(t->source().begin.line);
  v.check_keys(
      *t,
      {"listen", "tokens", "token_file", "cert_file", "key_file", "max_connections",
       "max_connections_per_address", "request_timeout", "connection_timeout", "max_request_head"},
      "api");
  if (const auto listen = v.string(*t, "listen", "api", false)) {
    if (!parse_listen_address(*listen)) {
      v.fail(t->get("listen")->source(), "api.listen",
             "'" + *listen + "' is not HOST:PORT (e.g. \"127.0.0.1:8765\", \"[::1]:8765\")");
    } else {
      api.listen = *listen;
    }
  }
  if (const auto* tokens = t->get("tokens")) {
    const auto* arr = tokens->as_array();
    if (!arr) {
      v.fail(tokens->source(), "api.tokens", "must be an array of strings");
    } else {
      for (const auto& el : *arr) {
        const auto* str = el.as_string();
        if (!str) {
          v.fail(el.source(), "api.tokens", "every token must be a string");
        } else if (!valid_api_token(str->get())) {
          // Never echo a token into an error message or a log.
          v.fail(el.source(), "api.tokens",
                 "a token must be 16 to 512 characters of A-Z a-z 0-9 - . _ ~ + / (and = at "
                 "the end)");
        } else {
          api.tokens.push_back(str->get());
        }
      }
    }
  }
  if (const auto file = v.string(*t, "token_file", "api", false)) {
    const std::filesystem::path p(*file);
    api.token_file = p.is_absolute() ? p : base / p;
  }
  // TLS: both or neither.
  // The files are read when the server starts; a missing or unreadable one is a config error
  // here, for every command, not a surprise at the daemon's next restart.
  for (const auto* key : {"cert_file", "key_file"}) {
    if (const auto file = v.string(*t, key, "api", false)) {
      const std::filesystem::path given(*file);
      const auto p = given.is_absolute() ? given : base / given;
      (std::string_view(key) == "cert_file" ? api.cert_file : api.key_file) = p;
      std::error_code ec;
      if (!std::filesystem::is_regular_file(p, ec)) {
        v.fail(t->get(key)->source(), std::string("api.") + key,
               "'" + p.string() + "' " +
                   (std::filesystem::exists(p, ec) ? "is not a regular file" : "does not exist"));
      } else if (!std::ifstream(p).good()) {
        v.fail(t->get(key)->source(), std::string("api.") + key,
               "'" + p.string() + "' cannot be read");
      }
    }
  }
  if (api.cert_file.empty() != api.key_file.empty()) {
    v.fail(t->source(), api.cert_file.empty() ? "api.cert_file" : "api.key_file",
           "cert_file and key_file go together (TLS needs both)");
  }
  api.max_connections =
      static_cast<std::size_t>(v.integer(*t, "max_connections", "api", 1, 65536)
                                   .value_or(static_cast<std::int64_t>(api.max_connections)));
  api.max_connections_per_address = static_cast<std::size_t>(
      v.integer(*t, "max_connections_per_address", "api", 1, 65536)
          .value_or(static_cast<std::int64_t>(api.max_connections_per_address)));
  api.request_timeout = v.duration(*t, "request_timeout", "api").value_or(api.request_timeout);
  api.connection_timeout =
      v.duration(*t, "connection_timeout", "api").value_or(api.connection_timeout);
  if (api.request_timeout.count() <= 0 || api.connection_timeout.count() <= 0) {
    v.fail(t->source(), "api.request_timeout", "timeouts must be longer than zero");
  } else if (api.request_timeout > api.connection_timeout) {
    v.fail(t->get("request_timeout") ? t->get("request_timeout")->source() : t->source(),
           "api.request_timeout", "must not be longer than api.connection_timeout");
  }
  api.max_request_head = v.size(*t, "max_request_head", "api").value_or(api.max_request_head);
  if (api.max_request_head < 1024 || api.max_request_head > 1024 * 1024) {
    v.fail(t->get("max_request_head") ? t->get("max_request_head")->source() : t->source(),
           "api.max_request_head", "must be between 1KiB and 1MiB");
  }
}

}  // namespace leakwatch::config
