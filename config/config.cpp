#include "config/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "config/tables.h"

namespace leakwatch::config {

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
  v.check_keys(
      root, {"data_dir", "store", "proxy", "source", "hook", "api", "daemon", "dataset", "cluster"},
      "");
  read_store_table(v, root, config.store);
  const auto base =
      file_name.has_parent_path() ? file_name.parent_path() : std::filesystem::path(".");
  if (const auto dir = v.string(root, "data_dir", "", false)) {
    const std::filesystem::path p(*dir);
    config.data_dir = p.is_absolute() ? p : base / p;
  } else {
    config.data_dir = base / "leakwatch-data";
  }

  read_proxy_tables(v, root, config);
  read_source_tables(v, root, config);
  read_hook_tables(v, root, base, config);
  read_api_table(v, root, base, config.api);
  read_daemon_table(v, root, config.daemon);
  read_dataset_tables(v, root, config);
  read_cluster_table(v, root, base, config.cluster);
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
