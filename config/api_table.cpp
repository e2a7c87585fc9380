#include "config/tables.h"

namespace leakwatch::config {

// [api] listen, tokens, token_file, cert_file, key_file.
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
  v.check_keys(*t, {"listen", "tokens", "token_file", "cert_file", "key_file"}, "api");
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
  for (const auto* key : {"cert_file", "key_file"}) {
    if (const auto file = v.string(*t, key, "api", false)) {
      const std::filesystem::path p(*file);
      (std::string_view(key) == "cert_file" ? api.cert_file : api.key_file) =
          p.is_absolute() ? p : base / p;
    }
  }
  if (api.cert_file.empty() != api.key_file.empty()) {
    v.fail(t->source(), api.cert_file.empty() ? "api.cert_file" : "api.key_file",
           "cert_file and key_file go together (TLS needs both)");
  }
}

}  // namespace leakwatch::config
