// email hooks: one plain-text message per alert over SMTP through the shared client (libcurl),
// STARTTLS where the server offers it. SMTP never goes through a proxy.
#include "alerts/email_format.h"
#include "alerts/transport.h"
#include "model/url.h"
#include "net/http_client.h"

namespace leakwatch::alerts {

namespace {

class EmailTransport final : public Transport {
 public:
  EmailTransport(const config::HookConfig& hook, std::string hostname)
      : hook_(hook), hostname_(std::move(hostname)) {}

  SendResult send(std::span<const Alert> batch) override {
    SendResult out;
    const auto u = parse_url(hook_.url);
    const std::string who = "hook " + hook_.name + " (" + (u ? u->str(false) : "smtp") + ")";
    for (const auto& alert : batch) {
      crawler::MailRequest mail;
      mail.url = hook_.url;
      mail.from = hook_.from;
      mail.to = hook_.to;
      mail.message = email_message(alert, {hook_.from, hook_.to}, hostname_);
      mail.ca_file = hook_.ca_file.string();
      mail.timeout = hook_.timeout;
      if (auto r = client_.send_mail(mail); !r) {
        out.error = who + ": " + r.error().message;
        return out;
      }
    }
    out.acknowledged = true;
    return out;
  }

 private:
  config::HookConfig hook_;
  std::string hostname_;
  crawler::HttpClient client_;
};

}  // namespace

std::unique_ptr<Transport> make_email_transport(const config::HookConfig& hook,
                                                const TransportContext& context) {
  return std::make_unique<EmailTransport>(hook, context.hostname);
}

}  // namespace leakwatch::alerts
