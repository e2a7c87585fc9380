#include <set>

#include "config/tables.h"

namespace leakwatch::config {

// [[proxy]] name, url, isolate, pool, max_connections; a pool name may not also be a proxy name.
void read_proxy_tables(Validator& v, const toml::table& root, Config& config) {
  std::set<std::string> proxy_names;
  int index = 0;
  for (const auto* t : v.array_of_tables(root, "proxy")) {
    const std::string ctx = "proxy[" + std::to_string(index++) + "]";
    v.check_keys(*t, {"name", "url", "isolate", "pool", "max_connections"}, ctx);
    ProxyConfig p;
    p.line = static_cast<int>(t->source().begin.line);
    const auto name = v.unique_name(*t, ctx, proxy_names);
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
    // Isolation is what keeps sources on separate Tor circuits: on unless said otherwise.
    p.isolate = v.boolean(*t, "isolate", ctx).value_or(p.parsed.scheme.starts_with("socks5"));
    if (const auto pool = v.string(*t, "pool", ctx, false)) {
      if (!valid_name(*pool)) {
        v.fail(t->get("pool")->source(), ctx + ".pool",
               "'" + *pool + "' may use only letters, digits, '-', '_' and '.'");
      } else {
        p.pool = *pool;
      }
    }
    // Streams in flight through this proxy across all sources of a pass (the fetch engine's
    // per-proxy cap): a Tor client carries a few hundred well, not thousands.
    if (const auto cap = v.integer(*t, "max_connections", ctx, 1, 65536)) {
      p.max_connections = static_cast<std::size_t>(*cap);
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
}

}  // namespace leakwatch::config
