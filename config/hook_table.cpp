// [[hook]]: every key of docs/ALERTS.md, each checked against the hook's kind.
#include <algorithm>
#include <set>

#include "config/tables.h"
#include "model/text.h"
#include "model/url.h"

namespace leakwatch::config {

namespace {

std::vector<std::string> string_list(Validator& v, const toml::table& t, std::string_view key,
                                     const std::string& ctx) {
  std::vector<std::string> out;
  const auto* node = t.get(key);
  if (!node) return out;
  const auto* arr = node->as_array();
  if (!arr) {
    v.fail(node->source(), ctx + "." + std::string(key), "must be an array of strings");
    return out;
  }
  for (const auto& el : *arr) {
    const auto* str = el.as_string();
    if (!str || str->get().empty()) {
      v.fail(el.source(), ctx + "." + std::string(key), "every element must be a non-empty string");
    } else {
      out.push_back(str->get());
    }
  }
  return out;
}

bool header_token_char(unsigned char c) {  // RFC 9110 5.6.2 tchar
  return std::isalnum(c) ||
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool plain_mail_address(std::string_view a) {
  const auto at = a.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == a.size() || a.size() > 254) return false;
  return std::all_of(a.begin(), a.end(), [](unsigned char c) {
    return c > 32 && c < 127 && c != '<' && c != '>' && c != ',' && c != '"' && c != '(' &&
           c != ')' && c != ';' && c != '\\';
  });
}

}  // namespace

std::string_view hook_kind_name(HookKind k) {
  switch (k) {
    case HookKind::syslog:
      return "syslog";
    case HookKind::webhook:
      return "webhook";
    case HookKind::splunk_hec:
      return "splunk-hec";
    case HookKind::jsonl:
      return "jsonl";
    case HookKind::email:
      return "email";
  }
  return "jsonl";
}

std::optional<RateLimit> parse_rate_limit(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash > 9) return std::nullopt;
  const auto count = text.substr(0, slash);
  if (!std::all_of(count.begin(), count.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  RateLimit r;
  r.count = static_cast<std::uint32_t>(std::stoul(std::string(count)));
  const auto unit = text.substr(slash + 1);
  if (unit == "s") {
    r.window = std::chrono::seconds{1};
  } else if (unit == "m") {
    r.window = std::chrono::minutes{1};
  } else if (unit == "h") {
    r.window = std::chrono::hours{1};
  } else if (unit == "d") {
    r.window = std::chrono::hours{24};
  } else if (const auto d = parse_duration(unit)) {
    r.window = *d;
  } else {
    return std::nullopt;
  }
  if (r.count == 0 || r.window.count() <= 0) return std::nullopt;
  return r;
}

const HookConfig* Config::find_hook(std::string_view name) const {
  const auto it =
      std::find_if(hooks.begin(), hooks.end(), [&](const auto& h) { return h.name == name; });
  return it == hooks.end() ? nullptr : &*it;
}

// [[hook]]: every key of docs/ALERTS.md, checked against the hook's kind.
void read_hook_tables(Validator& v, const toml::table& root, const std::filesystem::path& base,
                      Config& config) {
  std::set<std::string> hook_names;
  int index = 0;
  for (const auto* t : v.array_of_tables(root, "hook")) {
    const std::string ctx = "hook[" + std::to_string(index++) + "]";
    HookConfig h;
    h.line = static_cast<int>(t->source().begin.line);
    const auto name = v.unique_name(*t, ctx, hook_names);
    const std::string hctx = name ? "hook '" + *name + "'" : ctx;
    v.check_keys(*t,
                 {"name",        "kind",       "url",        "format", "min_confidence", "datasets",
                  "sources",     "rate_limit", "proxy",      "secret", "secret_file",    "token",
                  "token_file",  "headers",    "ca_file",    "to",     "from",           "backoff",
                  "backoff_max", "timeout",    "rotate_size"},
                 hctx);
    auto where = [&](std::string_view key) { return t->get(key)->source(); };
    auto key = [&](std::string_view k) { return hctx + "." + std::string(k); };
    bool kind_known = false;
    if (const auto kind = v.string(*t, "kind", hctx, true)) {
      for (const auto k : {HookKind::syslog, HookKind::webhook, HookKind::splunk_hec,
                           HookKind::jsonl, HookKind::email}) {
        if (hook_kind_name(k) == *kind) {
          h.kind = k;
          kind_known = true;
        }
      }
      if (!kind_known) {
        v.fail(where("kind"), key("kind"),
               "'" + *kind + "' is not one of syslog, webhook, splunk-hec, jsonl, email");
      }
    }
    // Which keys belong to which kinds; a key on the wrong kind is an error, never ignored.
    auto only_for = [&](std::string_view k, std::initializer_list<HookKind> kinds,
                        std::string_view which) {
      if (!kind_known || !t->get(k)) return true;
      if (std::find(kinds.begin(), kinds.end(), h.kind) != kinds.end()) return true;
      v.fail(where(k), key(k), "only " + std::string(which) + " hooks take " + std::string(k));
      return false;
    };
    std::optional<Url> url;
    if (const auto text = v.string(*t, "url", hctx, true)) {
      h.url = *text;
      if (kind_known && h.kind == HookKind::jsonl) {
        const std::filesystem::path p(text->starts_with("file://") ? text->substr(7) : *text);
        h.path = p.is_absolute() ? p : base / p;
      } else if (kind_known) {
        url = parse_url(*text);
        std::vector<std::string_view> schemes;
        switch (h.kind) {
          case HookKind::syslog:
            schemes = {"udp", "tcp", "tls"};
            break;
          case HookKind::webhook:
          case HookKind::splunk_hec:
            schemes = {"http", "https"};
            break;
          case HookKind::email:
            schemes = {"smtp", "smtps"};
            break;
          case HookKind::jsonl:
            break;
        }
        std::string list;
        for (const auto s : schemes) list += (list.empty() ? "" : ", ") + std::string(s) + "://";
        if (!url || url->host.empty()) {
          v.fail(where("url"), key("url"), "'" + *text + "' is not a URL (" + list + ")");
          url.reset();
        } else if (std::find(schemes.begin(), schemes.end(), url->scheme) == schemes.end()) {
          v.fail(where("url"), key("url"),
                 "scheme '" + url->scheme + "' is not one of " + list + " for a " +
                     std::string(hook_kind_name(h.kind)) + " hook");
          url.reset();
        } else if (h.kind == HookKind::syslog && url->port == 0) {
          v.fail(where("url"), key("url"), "a syslog URL needs a port (e.g. tcp://siem:6514)");
        }
      }
    }
    if (only_for("format", {HookKind::syslog}, "syslog")) {
      if (const auto fmt = v.string(*t, "format", hctx, false)) {
        if (*fmt != "rfc5424" && *fmt != "cef" && *fmt != "leef") {
          v.fail(where("format"), key("format"), "'" + *fmt + "' is not one of rfc5424, cef, leef");
        } else {
          h.format = *fmt;
        }
      } else if (h.kind == HookKind::syslog) {
        h.format = "cef";
      }
    }
    if (const auto mc = v.string(*t, "min_confidence", hctx, false)) {
      if (const auto c = parse_confidence(*mc)) {
        h.min_confidence = *c;
      } else {
        v.fail(where("min_confidence"), key("min_confidence"),
               "'" + *mc + "' is not one of possible, likely, confirmed");
      }
    }
    h.datasets = string_list(v, *t, "datasets", hctx);
    h.sources = string_list(v, *t, "sources", hctx);
    for (const auto& s : h.sources) {
      if (!config.find_source(s)) {
        v.fail(where("sources"), key("sources"), "unknown source '" + s + "'");
      }
    }
    if (const auto rl = v.string(*t, "rate_limit", hctx, false)) {
      if (const auto parsed = parse_rate_limit(*rl)) {
        h.rate_limit = parsed;
      } else {
        v.fail(
            where("rate_limit"), key("rate_limit"),
            "'" + *rl + "' is not COUNT/WINDOW such as \"60/m\", \"10/s\", \"500/h\", \"100/30s\"");
      }
    }
    if (only_for("proxy", {HookKind::webhook, HookKind::splunk_hec}, "webhook and splunk-hec")) {
      if (const auto proxy = v.string(*t, "proxy", hctx, false)) {
        const auto members = config.proxies_for(*proxy);
        if (members.empty()) {
          v.fail(where("proxy"), key("proxy"), "unknown proxy or pool '" + *proxy + "'");
        } else {
          h.proxy = *proxy;
          for (const auto* m : members) {
            if (url && url->is_onion() && m->parsed.scheme != "socks5h") {
              v.fail(where("proxy"), key("proxy"),
                     "a .onion URL needs a socks5h:// proxy; proxy '" + m->name + "' is " +
                         m->parsed.scheme + "://");
            }
          }
        }
      } else if (url && url->is_onion()) {
        v.fail(where("url"), key("url"), "a .onion URL needs a proxy (socks5h://)");
      }
    }
    auto file_key = [&](std::string_view k) {
      std::filesystem::path out;
      if (const auto f = v.string(*t, k, hctx, false)) {
        const std::filesystem::path p(*f);
        out = p.is_absolute() ? p : base / p;
      }
      return out;
    };
    auto secret_pair = [&](std::string_view inline_key, std::string_view file_k, HookKind kind,
                           std::string& value, std::filesystem::path& file) {
      const std::string which(hook_kind_name(kind));
      const bool a = only_for(inline_key, {kind}, which);
      const bool b = only_for(file_k, {kind}, which);
      if (!a || !b) return;
      if (const auto s = v.string(*t, inline_key, hctx, false)) value = *s;
      file = file_key(file_k);
      if (!value.empty() && !file.empty()) {
        v.fail(where(file_k), key(file_k),
               "give " + std::string(inline_key) + " or " + std::string(file_k) + ", not both");
      } else if (kind_known && h.kind == kind && value.empty() && file.empty() &&
                 !t->get(inline_key) && !t->get(file_k)) {
        v.fail(
            t->source(), key(file_k),
            "a " + which + " hook needs " + std::string(inline_key) + " or " + std::string(file_k));
      }
    };
    secret_pair("secret", "secret_file", HookKind::webhook, h.secret, h.secret_file);
    secret_pair("token", "token_file", HookKind::splunk_hec, h.token, h.token_file);
    if (only_for("headers", {HookKind::webhook, HookKind::splunk_hec}, "webhook and splunk-hec")) {
      if (const auto* node = t->get("headers")) {
        const auto* ht = node->as_table();
        if (!ht) {
          v.fail(node->source(), key("headers"),
                 "must be a table such as { \"X-Team\" = \"secops\" }");
        } else {
          for (const auto& [hname, hvalue] : *ht) {
            const std::string n(hname.str());
            const std::string lower = ascii_lower(n);
            const auto* str = hvalue.as_string();
            if (n.empty() || !std::all_of(n.begin(), n.end(),
                                          [](unsigned char c) { return header_token_char(c); })) {
              v.fail(hname.source(), key("headers"), "'" + n + "' is not a header name");
            } else if (lower == "content-type" || lower == "content-length" ||
                       lower == "authorization" || lower == "host" ||
                       lower.starts_with("x-leakwatch-")) {
              v.fail(hname.source(), key("headers"),
                     "'" + n + "' is set by leakwatch and cannot be overridden");
            } else if (!str || std::any_of(str->get().begin(), str->get().end(), [](char c) {
                         return c == '\r' || c == '\n' || c == '\0';
                       })) {
              v.fail(hvalue.source(), key("headers." + n), "must be a string without line breaks");
            } else {
              h.headers.emplace_back(n, str->get());
            }
          }
        }
      }
    }
    if (t->get("ca_file")) {
      const bool tls = url && (url->scheme == "tls" || url->scheme == "https" ||
                               url->scheme == "smtp" || url->scheme == "smtps");
      if (kind_known && !tls && (url || h.kind == HookKind::jsonl)) {
        v.fail(where("ca_file"), key("ca_file"),
               "only tls://, https://, smtp:// and smtps:// hooks take a ca_file");
      } else {
        h.ca_file = file_key("ca_file");
      }
    }
    if (only_for("to", {HookKind::email}, "email")) {
      h.to = string_list(v, *t, "to", hctx);
      for (const auto& a : h.to) {
        if (!plain_mail_address(a)) {
          v.fail(where("to"), key("to"), "'" + a + "' is not a plain address (user@host)");
        }
      }
      if (kind_known && h.kind == HookKind::email && h.to.empty() && !t->get("to")) {
        v.fail(t->source(), key("to"), "an email hook needs to = [\"...\"]");
      }
    }
    if (only_for("from", {HookKind::email}, "email")) {
      if (const auto from = v.string(*t, "from", hctx, false)) {
        if (!plain_mail_address(*from)) {
          v.fail(where("from"), key("from"), "'" + *from + "' is not a plain address (user@host)");
        } else {
          h.from = *from;
        }
      } else if (kind_known && h.kind == HookKind::email) {
        v.fail(t->source(), key("from"), "an email hook needs from = \"...\"");
      }
    }
    h.backoff = v.duration(*t, "backoff", hctx).value_or(h.backoff);
    h.backoff_max = v.duration(*t, "backoff_max", hctx).value_or(h.backoff_max);
    h.timeout = v.duration(*t, "timeout", hctx).value_or(h.timeout);
    if (h.backoff.count() <= 0 || h.backoff_max < h.backoff) {
      v.fail(t->source(), key("backoff"), "backoff must be positive and at most backoff_max");
    }
    if (only_for("rotate_size", {HookKind::jsonl}, "jsonl")) {
      h.rotate_size = v.size(*t, "rotate_size", hctx).value_or(h.rotate_size);
    }
    if (name) {
      h.name = *name;
      config.hooks.push_back(std::move(h));
    }
  }
}

}  // namespace leakwatch::config
