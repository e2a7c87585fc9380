#include <set>

#include "config/tables.h"

namespace leakwatch::config {

// [[hook]] name, kind, url, min_confidence, format.
void read_hook_tables(Validator& v, const toml::table& root, Config& config) {
  std::set<std::string> hook_names;
  int index = 0;
  for (const auto* t : v.array_of_tables(root, "hook")) {
    const std::string ctx = "hook[" + std::to_string(index++) + "]";
    HookConfig h;
    h.line = static_cast<int>(t->source().begin.line);
    const auto name = v.unique_name(*t, ctx, hook_names);
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
}

}  // namespace leakwatch::config
