#include "config/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "model/units.h"

namespace leakwatch::config {

namespace {

constexpr std::string_view kSourceKinds[] = {
    "auto", "listing", "json-tree", "checksums", "archive", "torrent", "magnet", "text", "page"};

// Collects every problem in one pass, so a user fixes a config in one go.
class Validator {
 public:
  explicit Validator(std::string file) : file_(std::move(file)) {}

  void fail(const toml::source_region& where, std::string_view key, std::string_view message) {
    std::ostringstream out;
    out << file_ << ':' << where.begin.line << ':' << where.begin.column << ": " << key << ": "
        << message;
    errors_.push_back({where.begin.line, where.begin.column, out.str()});
  }

  void fail_line(int line, std::string_view key, std::string_view message) {
    toml::source_region where;
    where.begin.line = static_cast<toml::source_index>(line);
    where.begin.column = 1;
    fail(where, key, message);
  }

  void check_keys(const toml::table& table, std::initializer_list<std::string_view> allowed,
                  std::string_view context) {
    for (const auto& [key, node] : table) {
      if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end()) {
        std::string known;
        for (const auto a : allowed) known += (known.empty() ? "" : ", ") + std::string(a);
        fail(key.source(), qualified(context, key.str()),
             "unknown key (known keys: " + known + ")");
      }
      (void)node;
    }
  }

  std::optional<std::string> string(const toml::table& t, std::string_view key,
                                    std::string_view context, bool required) {
    const auto* node = t.get(key);
    if (!node) {
      if (required) fail(t.source(), qualified(context, key), "required key is missing");
      return std::nullopt;
    }
    if (const auto* s = node->as_string()) {
      if (s->get().empty()) {
        fail(node->source(), qualified(context, key), "must not be empty");
        return std::nullopt;
      }
      return s->get();
    }
    fail(node->source(), qualified(context, key), "must be a string");
    return std::nullopt;
  }

  std::optional<bool> boolean(const toml::table& t, std::string_view key,
                              std::string_view context) {
    const auto* node = t.get(key);
    if (!node) return std::nullopt;
    if (const auto* b = node->as_boolean()) return b->get();
    fail(node->source(), qualified(context, key), "must be true or false");
    return std::nullopt;
  }

  std::optional<std::int64_t> integer(const toml::table& t, std::string_view key,
                                      std::string_view context, std::int64_t min,
                                      std::int64_t max) {
    const auto* node = t.get(key);
    if (!node) return std::nullopt;
    const auto* i = node->as_integer();
    if (!i) {
      fail(node->source(), qualified(context, key), "must be an integer");
      return std::nullopt;
    }
    if (i->get() < min || i->get() > max) {
      fail(node->source(), qualified(context, key),
           "must be between " + std::to_string(min) + " and " + std::to_string(max));
      return std::nullopt;
    }
    return i->get();
  }

  // Sizes may be written as integers (bytes) or strings ("64MiB").
  std::optional<std::uint64_t> size(const toml::table& t, std::string_view key,
                                    std::string_view context) {
    const auto* node = t.get(key);
    if (!node) return std::nullopt;
    if (const auto* i = node->as_integer(); i && i->get() > 0)
      return static_cast<std::uint64_t>(i->get());
    if (const auto* s = node->as_string()) {
      if (const auto v = parse_size(s->get()); v && *v > 0) return v;
    }
    fail(node->source(), qualified(context, key),
         "must be a positive size in bytes or with a unit (\"64MiB\", \"2 GB\")");
    return std::nullopt;
  }

  std::optional<std::chrono::milliseconds> duration(const toml::table& t, std::string_view key,
                                                    std::string_view context) {
    const auto* node = t.get(key);
    if (!node) return std::nullopt;
    if (const auto* s = node->as_string()) {
      if (const auto d = parse_duration(s->get())) return d;
    }
    fail(node->source(), qualified(context, key),
         "must be a duration such as \"30s\", \"15m\" or \"6h\"");
    return std::nullopt;
  }

  // Every problem, in file order.
  std::vector<std::string> errors() const {
    auto sorted = errors_;
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
      return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    });
    std::vector<std::string> out;
    for (auto& e : sorted) out.push_back(std::move(e.text));
    return out;
  }

  static std::string qualified(std::string_view context, std::string_view key) {
    return context.empty() ? std::string(key) : std::string(context) + "." + std::string(key);
  }

 private:
  struct Problem {
    toml::source_index line = 0;
    toml::source_index column = 0;
    std::string text;
  };
  std::string file_;
  std::vector<Problem> errors_;
};

bool all_digits(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// Cron: five fields of numbers, ranges, steps, lists or '*'; range checks per field.
// (Month and weekday names are not accepted.)
bool valid_cron(std::string_view expr) {
  std::istringstream in{std::string(expr)};
  std::vector<std::string> fields;
  for (std::string f; in >> f;) fields.push_back(f);
  if (fields.size() != 5) return false;
  static constexpr int kMax[] = {59, 23, 31, 12, 7};
  static constexpr int kMin[] = {0, 0, 1, 1, 0};
  for (std::size_t i = 0; i < 5; ++i) {
    std::istringstream parts(fields[i]);
    for (std::string part; std::getline(parts, part, ',');) {
      if (part.empty()) return false;
      std::string range = part;
      if (const auto slash = part.find('/'); slash != std::string::npos) {
        const auto step = part.substr(slash + 1);
        if (step.empty() || !all_digits(step) || std::stoi(step) == 0) {
          return false;
        }
        range = part.substr(0, slash);
      }
      if (range == "*") continue;
      const auto dash = range.find('-');
      const auto lo = range.substr(0, dash);
      const auto hi = dash == std::string::npos ? lo : range.substr(dash + 1);
      for (const auto& n : {lo, hi}) {
        if (n.empty() || n.size() > 2 || !all_digits(n)) return false;
        const int v = std::stoi(n);
        if (v < kMin[i] || v > kMax[i]) return false;
      }
      if (std::stoi(lo) > std::stoi(hi)) return false;
    }
  }
  return true;
}

bool valid_name(std::string_view name) {
  return !name.empty() && name.size() <= 128 &&
         std::all_of(name.begin(), name.end(), [](unsigned char c) {
           return std::isalnum(c) || c == '-' || c == '_' || c == '.';
         });
}

// [api] listen, tokens, token_file.
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
  v.check_keys(*t, {"listen", "tokens", "token_file"}, "api");
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
}

}  // namespace

bool valid_api_token(std::string_view token) {
  if (token.size() < 16 || token.size() > 512) return false;
  std::size_t i = 0;
  for (; i < token.size(); ++i) {
    const auto c = static_cast<unsigned char>(token[i]);
    if (!(std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/'))
      break;
  }
  while (i < token.size() && token[i] == '=') ++i;  // RFC 6750 b64token: trailing '=' only
  return i == token.size();
}

std::optional<ListenAddress> parse_listen_address(std::string_view text) {
  ListenAddress out;
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return std::nullopt;
    out.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) return std::nullopt;
    out.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  if (out.host.empty() || port.empty() || port.size() > 5) return std::nullopt;
  for (const char c : port) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  out.port = std::stoi(std::string(port));
  if (out.port > 65535) return std::nullopt;  // 0: the OS picks a free port
  return out;
}

std::string_view source_kind_name(SourceKind k) {
  return kSourceKinds[static_cast<int>(k)];
}

const ProxyConfig* Config::find_proxy(std::string_view name) const {
  const auto it =
      std::find_if(proxies.begin(), proxies.end(), [&](const auto& p) { return p.name == name; });
  return it == proxies.end() ? nullptr : &*it;
}

std::vector<const ProxyConfig*> Config::proxies_for(std::string_view name) const {
  std::vector<const ProxyConfig*> out;
  if (const auto* p = find_proxy(name)) {
    out.push_back(p);
    return out;
  }
  for (const auto& p : proxies) {
    if (p.pool == name) out.push_back(&p);
  }
  return out;
}

const DatasetConfig* Config::find_dataset(std::string_view name) const {
  const auto it =
      std::find_if(datasets.begin(), datasets.end(), [&](const auto& d) { return d.name == name; });
  return it == datasets.end() ? nullptr : &*it;
}

const SourceConfig* Config::find_source(std::string_view name) const {
  const auto it =
      std::find_if(sources.begin(), sources.end(), [&](const auto& s) { return s.name == name; });
  return it == sources.end() ? nullptr : &*it;
}

Result<Config> parse_config(std::string_view toml_text, const std::filesystem::path& file_name) {
  const std::string file = file_name.string();
  toml::table root;
  try {
    root = toml::parse(toml_text, file);
  } catch (const toml::parse_error& e) {
    std::ostringstream out;
    out << file << ':' << e.source().begin.line << ':' << e.source().begin.column << ": "
        << e.description();
    return Error{out.str()};
  }

  Validator v(file);
  Config config;
  config.file = file_name;
  v.check_keys(root, {"data_dir", "store", "proxy", "source", "hook", "api", "dataset"}, "");
  if (const auto* node = root.get("store")) {
    if (const auto* t = node->as_table()) {
      v.check_keys(*t, {"sync", "manifest_history"}, "store");
      config.store.sync = v.boolean(*t, "sync", "store").value_or(config.store.sync);
      config.store.manifest_history = static_cast<std::size_t>(
          v.integer(*t, "manifest_history", "store", 1, 1'000'000)
              .value_or(static_cast<std::int64_t>(config.store.manifest_history)));
    } else {
      v.fail(node->source(), "store", "must be a table ([store])");
    }
  }

  const auto base =
      file_name.has_parent_path() ? file_name.parent_path() : std::filesystem::path(".");
  if (const auto dir = v.string(root, "data_dir", "", false)) {
    const std::filesystem::path p(*dir);
    config.data_dir = p.is_absolute() ? p : base / p;
  } else {
    config.data_dir = base / "leakwatch-data";
  }

  auto array_of_tables = [&](std::string_view key) -> std::vector<const toml::table*> {
    std::vector<const toml::table*> out;
    const auto* node = root.get(key);
    if (!node) return out;
    const auto* arr = node->as_array();
    if (!arr) {
      v.fail(node->source(), key, "must be an array of tables ([[" + std::string(key) + "]])");
      return out;
    }
    for (const auto& el : *arr) {
      if (const auto* t = el.as_table()) {
        out.push_back(t);
      } else {
        v.fail(el.source(), key, "every element must be a table");
      }
    }
    return out;
  };

  std::set<std::string> names;
  auto unique_name = [&](const toml::table& t, const std::string& ctx,
                         std::set<std::string>& seen) -> std::optional<std::string> {
    auto name = v.string(t, "name", ctx, true);
    if (!name) return std::nullopt;
    if (!valid_name(*name)) {
      v.fail(t.get("name")->source(), ctx + ".name",
             "'" + *name + "' may use only letters, digits, '-', '_' and '.'");
      return std::nullopt;
    }
    if (!seen.insert(*name).second) {
      v.fail(t.get("name")->source(), ctx + ".name", "duplicate name '" + *name + "'");
      return std::nullopt;
    }
    return name;
  };

  std::set<std::string> proxy_names;
  int index = 0;
  for (const auto* t : array_of_tables("proxy")) {
    const std::string ctx = "proxy[" + std::to_string(index++) + "]";
    v.check_keys(*t, {"name", "url", "isolate", "pool"}, ctx);
    ProxyConfig p;
    p.line = static_cast<int>(t->source().begin.line);
    const auto name = unique_name(*t, ctx, proxy_names);
    const auto url = v.string(*t, "url", ctx, true);
    if (url) {
      const auto parsed = parse_url(*url);
      static constexpr std::string_view kSchemes[] = {"socks5h", "socks5", "http", "https"};
      if (!parsed) {
        v.fail(t->get("url")->source(), ctx + ".url", "'" + *url + "' is not a URL");
      } else if (std::find(std::begin(kSchemes), std::end(kSchemes), parsed->scheme) ==
                 std::end(kSchemes)) {
        v.fail(t->get("url")->source(), ctx + ".url",
               "scheme '" + parsed->scheme + "' is not one of socks5h, socks5, http, https");
      } else {
        p.parsed = *parsed;
      }
      p.url = *url;
    }
    p.isolate = v.boolean(*t, "isolate", ctx).value_or(false);
    if (const auto pool = v.string(*t, "pool", ctx, false)) {
      if (!valid_name(*pool)) {
        v.fail(t->get("pool")->source(), ctx + ".pool",
               "'" + *pool + "' may use only letters, digits, '-', '_' and '.'");
      } else {
        p.pool = *pool;
      }
    }
    if (name) {
      p.name = *name;
      config.proxies.push_back(std::move(p));
    }
  }

  for (const auto& p : config.proxies) {
    if (!p.pool.empty() && config.find_proxy(p.pool)) {
      v.fail_line(p.line, "proxy '" + p.name + "'.pool",
                  "pool name '" + p.pool + "' is also a proxy name");
    }
  }

  std::set<std::string> source_names;
  index = 0;
  for (const auto* t : array_of_tables("source")) {
    const std::string ctx = "source[" + std::to_string(index++) + "]";
    SourceConfig s;
    s.line = static_cast<int>(t->source().begin.line);
    const auto name = unique_name(*t, ctx, source_names);
    const std::string sctx = name ? "source '" + *name + "'" : ctx;
    v.check_keys(*t,
                 {"name", "url", "kind", "proxy", "schedule", "depth", "fetch_content", "enabled",
                  "max_pages", "max_entries", "max_page_bytes", "content_budget", "timeout",
                  "json_keys", "concurrency", "request_interval"},
                 sctx);
    if (const auto kind = v.string(*t, "kind", sctx, false)) {
      const auto it = std::find(std::begin(kSourceKinds), std::end(kSourceKinds), *kind);
      if (it == std::end(kSourceKinds)) {
        v.fail(t->get("kind")->source(), sctx + ".kind",
               "'" + *kind +
                   "' is not one of auto, listing, json-tree, checksums, archive, torrent, "
                   "magnet, text, page");
      } else {
        s.kind = static_cast<SourceKind>(it - std::begin(kSourceKinds));
      }
    }
    std::optional<Url> parsed_url;
    if (const auto url = v.string(*t, "url", sctx, true)) {
      s.url = *url;
      if (s.kind == SourceKind::magnet || url->starts_with("magnet:")) {
        if (!url->starts_with("magnet:?")) {
          v.fail(t->get("url")->source(), sctx + ".url", "a magnet source needs a magnet:? link");
        }
      } else {
        parsed_url = parse_url(*url);
        if (!parsed_url) {
          v.fail(t->get("url")->source(), sctx + ".url", "'" + *url + "' is not a URL");
        } else if (parsed_url->scheme != "http" && parsed_url->scheme != "https") {
          v.fail(t->get("url")->source(), sctx + ".url",
                 "scheme '" + parsed_url->scheme + "' is not http or https");
          parsed_url.reset();
        }
      }
    }
    if (const auto proxy = v.string(*t, "proxy", sctx, false)) {
      const auto members = config.proxies_for(*proxy);
      if (members.empty()) {
        std::string known;
        for (const auto& p : config.proxies) {
          known += (known.empty() ? "" : ", ") + p.name +
                   (p.pool.empty() ? "" : " (pool " + p.pool + ")");
        }
        v.fail(t->get("proxy")->source(), sctx + ".proxy",
               "unknown proxy or pool '" + *proxy +
                   "' (defined: " + (known.empty() ? "none" : known) + ")");
      } else {
        s.proxy = *proxy;
        for (const auto* m : members) {
          if (parsed_url && parsed_url->is_onion() && m->parsed.scheme != "socks5h") {
            v.fail(
                t->get("proxy")->source(), sctx + ".proxy",
                "a .onion source needs a socks5h:// proxy so the proxy resolves the name; proxy '" +
                    m->name + "' is " + m->parsed.scheme + "://");
          }
        }
      }
    } else if (parsed_url && parsed_url->is_onion()) {
      v.fail(t->get("url")->source(), sctx + ".url",
             "a .onion source needs a proxy (socks5h://, e.g. Tor); it is never fetched directly");
    }
    if (const auto sched = v.string(*t, "schedule", sctx, false)) {
      if (!parse_duration(*sched) && !valid_cron(*sched)) {
        v.fail(t->get("schedule")->source(), sctx + ".schedule",
               "'" + *sched + "' is neither a duration (\"6h\") nor a 5-field cron expression");
      } else {
        s.schedule = *sched;
      }
    }
    s.depth = static_cast<int>(v.integer(*t, "depth", sctx, 0, 64).value_or(s.depth));
    if (const auto fc = v.string(*t, "fetch_content", sctx, false)) {
      if (*fc == "never") {
        s.fetch_content = FetchContent::never;
      } else if (*fc == "candidates") {
        s.fetch_content = FetchContent::candidates;
      } else {
        v.fail(t->get("fetch_content")->source(), sctx + ".fetch_content",
               "'" + *fc + "' is not one of never, candidates");
      }
    }
    s.enabled = v.boolean(*t, "enabled", sctx).value_or(true);
    s.max_pages = static_cast<std::uint64_t>(v.integer(*t, "max_pages", sctx, 1, 10'000'000)
                                                 .value_or(static_cast<std::int64_t>(s.max_pages)));
    s.max_entries =
        static_cast<std::uint64_t>(v.integer(*t, "max_entries", sctx, 1, 1'000'000'000)
                                       .value_or(static_cast<std::int64_t>(s.max_entries)));
    s.max_page_bytes = v.size(*t, "max_page_bytes", sctx).value_or(s.max_page_bytes);
    s.content_budget = v.size(*t, "content_budget", sctx).value_or(s.content_budget);
    s.timeout = v.duration(*t, "timeout", sctx).value_or(s.timeout);
    s.request_interval = v.duration(*t, "request_interval", sctx).value_or(s.request_interval);
    s.concurrency =
        static_cast<int>(v.integer(*t, "concurrency", sctx, 1, 256).value_or(s.concurrency));
    if (const auto* node = t->get("json_keys")) {
      // json_keys = { path = ["fn", "name"], size = "bytes", children = "kids" }
      const auto* keys = node->as_table();
      if (!keys) {
        v.fail(node->source(), sctx + ".json_keys",
               "must be a table such as { path = \"name\", size = \"bytes\" }");
      } else {
        v.check_keys(*keys, {"path", "size", "children"}, sctx + ".json_keys");
        auto read = [&](std::string_view key, std::vector<std::string>& out) {
          const auto* k = keys->get(key);
          if (!k) return;
          if (const auto* str = k->as_string()) {
            out.push_back(str->get());
          } else if (const auto* arr = k->as_array();
                     arr && arr->is_homogeneous(toml::node_type::string)) {
            for (const auto& el : *arr) out.push_back(*el.value<std::string>());
          } else {
            v.fail(k->source(), sctx + ".json_keys." + std::string(key),
                   "must be a string or an array of strings");
          }
        };
        read("path", s.json_path_keys);
        read("size", s.json_size_keys);
        read("children", s.json_children_keys);
      }
    }
    if (name) {
      s.name = *name;
      config.sources.push_back(std::move(s));
    }
  }

  std::set<std::string> hook_names;
  index = 0;
  for (const auto* t : array_of_tables("hook")) {
    const std::string ctx = "hook[" + std::to_string(index++) + "]";
    HookConfig h;
    h.line = static_cast<int>(t->source().begin.line);
    const auto name = unique_name(*t, ctx, hook_names);
    const std::string hctx = name ? "hook '" + *name + "'" : ctx;
    v.check_keys(*t, {"name", "kind", "url", "min_confidence", "format"}, hctx);
    if (const auto kind = v.string(*t, "kind", hctx, true)) {
      if (*kind == "syslog") {
        h.kind = HookKind::syslog;
      } else if (*kind == "webhook") {
        h.kind = HookKind::webhook;
      } else if (*kind == "splunk-hec") {
        h.kind = HookKind::splunk_hec;
      } else if (*kind == "jsonl") {
        h.kind = HookKind::jsonl;
      } else {
        v.fail(t->get("kind")->source(), hctx + ".kind",
               "'" + *kind + "' is not one of syslog, webhook, splunk-hec, jsonl");
      }
    }
    if (const auto url = v.string(*t, "url", hctx, true)) {
      h.url = *url;
      const auto parsed = parse_url(*url);
      static constexpr std::string_view kSchemes[] = {"tcp", "udp", "tls", "http", "https", "file"};
      if (!parsed && !url->starts_with("file:")) {
        v.fail(t->get("url")->source(), hctx + ".url", "'" + *url + "' is not a URL");
      } else if (parsed && std::find(std::begin(kSchemes), std::end(kSchemes), parsed->scheme) ==
                               std::end(kSchemes)) {
        v.fail(t->get("url")->source(), hctx + ".url",
               "scheme '" + parsed->scheme + "' is not one of tcp, udp, tls, http, https, file");
      }
    }
    if (const auto mc = v.string(*t, "min_confidence", hctx, false)) {
      if (const auto c = parse_confidence(*mc)) {
        h.min_confidence = *c;
      } else {
        v.fail(t->get("min_confidence")->source(), hctx + ".min_confidence",
               "'" + *mc + "' is not one of possible, likely, confirmed");
      }
    }
    if (const auto fmt = v.string(*t, "format", hctx, false)) {
      if (h.kind != HookKind::syslog) {
        v.fail(t->get("format")->source(), hctx + ".format", "only syslog hooks take a format");
      } else if (*fmt != "rfc5424" && *fmt != "cef" && *fmt != "leef") {
        v.fail(t->get("format")->source(), hctx + ".format",
               "'" + *fmt + "' is not one of rfc5424, cef, leef");
      } else {
        h.format = *fmt;
      }
    } else if (h.kind == HookKind::syslog) {
      h.format = "cef";
    }
    if (name) {
      h.name = *name;
      config.hooks.push_back(std::move(h));
    }
  }

  read_api_table(v, root, base, config.api);
  std::set<std::string> dataset_names;
  index = 0;
  for (const auto* t : array_of_tables("dataset")) {
    const std::string ctx = "dataset[" + std::to_string(index++) + "]";
    DatasetConfig d;
    d.line = static_cast<int>(t->source().begin.line);
    const auto name = unique_name(*t, ctx, dataset_names);
    const std::string dctx = name ? "dataset '" + *name + "'" : ctx;
    v.check_keys(*t,
                 {"name", "likely_name_size_files", "confirmed_crc_files", "records_likely",
                  "records_confirmed", "record_min_columns", "record_window"},
                 dctx);
    const auto count = [&](std::string_view key, std::int64_t min,
                           std::int64_t max) -> std::optional<std::uint32_t> {
      if (const auto i = v.integer(*t, key, dctx, min, max)) return static_cast<std::uint32_t>(*i);
      return std::nullopt;
    };
    d.likely_name_size_files = count("likely_name_size_files", 1, 1'000'000);
    d.confirmed_crc_files = count("confirmed_crc_files", 1, 1'000'000);
    d.records_likely = count("records_likely", 1, 1'000'000'000);
    d.records_confirmed = count("records_confirmed", 1, 1'000'000'000);
    d.record_min_columns = count("record_min_columns", 1, 4096);
    if (const auto* node = t->get("record_window")) {
      if (const auto w = v.size(*t, "record_window", dctx)) {
        if (*w > (64ull << 20)) {
          v.fail(node->source(), dctx + ".record_window", "must be at most 64MiB");
        } else {
          d.record_window = *w;
        }
      }
    }
    if (d.records_likely && d.records_confirmed && *d.records_likely > *d.records_confirmed) {
      v.fail(
          t->get("records_likely")->source(), dctx + ".records_likely",
          "must not be more than records_confirmed (" + std::to_string(*d.records_confirmed) + ")");
    }
    if (name) {
      d.name = *name;
      config.datasets.push_back(std::move(d));
    }
  }

  if (const auto errors = v.errors(); !errors.empty()) {
    std::string message;
    for (const auto& e : errors) message += (message.empty() ? "" : "\n") + e;
    return Error{message};
  }
  return config;
}

Result<Config> load_config(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error{file.string() + ": cannot open config file"};
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) return Error{file.string() + ": cannot read config file"};
  return parse_config(text.str(), file);
}

std::string proxy_url_for_source(const ProxyConfig& proxy, std::string_view source_name) {
  Url u = proxy.parsed;
  if (proxy.isolate && u.userinfo.empty() && u.scheme.starts_with("socks5")) {
    // Tor isolates streams by SOCKS username/password (IsolateSOCKSAuth is on by default).
    u.userinfo = "leakwatch-" + std::string(source_name) + ":isolate";
  }
  return u.str(true);
}

}  // namespace leakwatch::config
