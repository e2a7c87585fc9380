#include <set>

#include "config/tables.h"
#include "model/schedule.h"

namespace leakwatch::config {

namespace {

constexpr std::string_view kSourceKinds[] = {
    "auto", "listing", "json-tree", "checksums", "archive", "torrent", "magnet", "text", "page"};

}  // namespace

std::string_view source_kind_name(SourceKind k) {
  return kSourceKinds[static_cast<int>(k)];
}

// [[source]]: the URL and kind, its proxy (a .onion source needs socks5h), schedule and limits.
void read_source_tables(Validator& v, const toml::table& root, Config& config) {
  std::set<std::string> source_names;
  int index = 0;
  for (const auto* t : v.array_of_tables(root, "source")) {
    const std::string ctx = "source[" + std::to_string(index++) + "]";
    SourceConfig s;
    s.line = static_cast<int>(t->source().begin.line);
    const auto name = v.unique_name(*t, ctx, source_names);
    const std::string sctx = name ? "source '" + *name + "'" : ctx;
    v.check_keys(*t,
                 {"name",
                  "url",
                  "kind",
                  "proxy",
                  "schedule",
                  "depth",
                  "fetch_content",
                  "enabled",
                  "max_pages",
                  "max_entries",
                  "max_page_bytes",
                  "content_budget",
                  "timeout",
                  "magnet_timeout",
                  "json_keys",
                  "concurrency",
                  "request_interval",
                  "probe_sizes",
                  "probe_budget",
                  "linked_text_budget",
                  "text_budget"},
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
          // socks5:// is used as socks5h:// (the proxy resolves every name), so either will do.
          if (parsed_url && parsed_url->is_onion() && m->parsed.scheme != "socks5h" &&
              m->parsed.scheme != "socks5") {
            v.fail(t->get("proxy")->source(), sctx + ".proxy",
                   "a .onion source needs a SOCKS5 proxy (socks5h://) so the proxy resolves the "
                   "name; proxy '" +
                       m->name + "' is " + m->parsed.scheme + "://");
          }
        }
      }
    } else if (parsed_url && parsed_url->is_onion()) {
      v.fail(t->get("url")->source(), sctx + ".url",
             "a .onion source needs a proxy (socks5h://, e.g. Tor); it is never fetched directly");
    }
    if (const auto sched = v.string(*t, "schedule", sctx, false)) {
      if (const auto parsed = Schedule::parse(*sched); !parsed) {
        v.fail(t->get("schedule")->source(), sctx + ".schedule", parsed.error().message);
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
    s.magnet_timeout = v.duration(*t, "magnet_timeout", sctx);
    s.request_interval = v.duration(*t, "request_interval", sctx).value_or(s.request_interval);
    s.concurrency =
        static_cast<int>(v.integer(*t, "concurrency", sctx, 1, 256).value_or(s.concurrency));
    s.probe_sizes = v.boolean(*t, "probe_sizes", sctx).value_or(s.probe_sizes);
    s.probe_budget =
        static_cast<std::uint64_t>(v.integer(*t, "probe_budget", sctx, 0, 1'000'000)
                                       .value_or(static_cast<std::int64_t>(s.probe_budget)));
    // 0: the post's linked text documents are not read.
    s.linked_text_budget =
        v.size(*t, "linked_text_budget", sctx, true).value_or(s.linked_text_budget);
    s.text_budget = v.size(*t, "text_budget", sctx).value_or(s.text_budget);
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
}

}  // namespace leakwatch::config
