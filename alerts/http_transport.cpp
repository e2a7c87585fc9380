// webhook and splunk-hec hooks over the shared HTTP client (its proxy discipline: a hook with a
// proxy goes through it or fails, never directly; no proxy from the environment). A 2xx is the
// acknowledgement; a 429 or 503 with Retry-After (seconds) sets the next attempt.
#include <nlohmann/json.hpp>

#include "alerts/document_format.h"
#include "alerts/transport.h"
#include "alerts/webhook_signature.h"
#include "model/url.h"
#include "net/http_client.h"

namespace leakwatch::alerts {

namespace {

std::optional<std::chrono::milliseconds> parse_retry_after(const std::string& value) {
  if (value.empty() || value.size() > 9 ||
      value.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;  // an HTTP date falls back to the hook's backoff
  return std::chrono::seconds{std::stol(value)};
}

std::string redacted(const std::string& url) {
  auto u = parse_url(url);
  return u ? u->str(false) : url;
}

class HttpTransport final : public Transport {
 public:
  HttpTransport(const config::HookConfig& hook, std::string proxy_url, std::string secret,
                std::string host)
      : hook_(hook),
        proxy_url_(std::move(proxy_url)),
        secret_(std::move(secret)),
        host_(std::move(host)) {
    url_ = hook.url;
    if (hook.kind == config::HookKind::splunk_hec) {
      auto u = parse_url(hook.url);
      if (u && !u->path.ends_with("/services/collector/event") &&
          !u->path.ends_with("/services/collector")) {
        while (u->path.ends_with('/')) u->path.pop_back();
        u->path += "/services/collector/event";
        url_ = u->str(true);
      }
    }
  }

  std::size_t batch_size() const override {
    return hook_.kind == config::HookKind::splunk_hec ? 100 : 1;
  }

  SendResult send(std::span<const Alert> batch) override {
    crawler::HttpPost post;
    post.url = url_;
    post.proxy_url = proxy_url_;
    post.ca_file = hook_.ca_file.string();
    post.limits.max_body_bytes = 1u << 20;
    post.limits.timeout = hook_.timeout;
    post.limits.connect_timeout = hook_.timeout;
    post.headers.emplace_back("Content-Type", "application/json");
    if (hook_.kind == config::HookKind::webhook) {
      const Alert& alert = batch.front();
      post.body = alert_json_text(alert);
      const auto ts = to_unix_ms(alert.sent_at) / 1000;
      post.headers.emplace_back("X-Leakwatch-Delivery", alert.id);
      post.headers.emplace_back("X-Leakwatch-Timestamp", std::to_string(ts));
      post.headers.emplace_back("X-Leakwatch-Signature-256",
                                webhook_signature(secret_, ts, post.body));
    } else {
      post.body = hec_batch(batch, host_);
      post.headers.emplace_back("Authorization", "Splunk " + secret_);
      // Splunk's indexer acknowledgement channel; also an idempotency hint for proxies.
      post.headers.emplace_back("X-Leakwatch-Delivery", batch.front().id);
    }
    for (const auto& h : hook_.headers) post.headers.push_back(h);
    SendResult out;
    const std::string who = "hook " + hook_.name + " (" + redacted(url_) + ")";
    auto response = client_.post(post);
    if (!response) {
      out.error = who + ": " + response.error().message;
      return out;
    }
    if (response->status >= 200 && response->status < 300) {
      out.acknowledged = true;
      return out;
    }
    out.error = who + ": HTTP " + std::to_string(response->status);
    if (response->status == 429 || response->status == 503) {
      out.retry_after = parse_retry_after(response->retry_after);
      if (out.retry_after) out.error += " (Retry-After " + response->retry_after + ")";
    }
    return out;
  }

 private:
  config::HookConfig hook_;
  std::string url_;
  std::string proxy_url_;
  std::string secret_;
  std::string host_;
  crawler::HttpClient client_;
};

}  // namespace

Result<std::unique_ptr<Transport>> make_http_transport(const config::HookConfig& hook,
                                                       const TransportContext& context) {
  std::string proxy_url;
  if (hook.proxy) {
    const auto members = context.config ? context.config->proxies_for(*hook.proxy)
                                        : std::vector<const config::ProxyConfig*>{};
    if (members.empty())
      return Error{"hook " + hook.name + ": unknown proxy '" + *hook.proxy + "'"};
    proxy_url = config::proxy_url_for_source(*members.front(), "hook-" + hook.name);
  }
  const bool webhook = hook.kind == config::HookKind::webhook;
  std::string secret = webhook ? hook.secret : hook.token;
  const auto& file = webhook ? hook.secret_file : hook.token_file;
  if (secret.empty() && !file.empty()) {
    auto s = read_secret_file(file, webhook ? "webhook secret" : "HEC token");
    if (!s) return with_context("hook " + hook.name, s.error());
    secret = std::move(s).value();
  }
  if (secret.empty()) return Error{"hook " + hook.name + ": no secret or token"};
  return std::unique_ptr<Transport>(
      std::make_unique<HttpTransport>(hook, proxy_url, secret, context.hostname));
}

}  // namespace leakwatch::alerts
