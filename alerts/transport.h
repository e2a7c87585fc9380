// Transports: how one hook's alerts reach its receiver. A send succeeds only when the receiver
// acknowledged it (2xx, SMTP 250 after DATA, a TCP/TLS write completed and flushed, a UDP
// datagram sent, a jsonl line written and fsynced); anything else is a failure with a message
// naming the hook and the receiver, and an optional wait the receiver asked for (Retry-After).
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "alerts/alert.h"
#include "config/config.h"
#include "model/result.h"

namespace leakwatch::alerts {

struct SendResult {
  bool acknowledged = false;
  std::string error;                                     // when not acknowledged
  std::optional<std::chrono::milliseconds> retry_after;  // the receiver's Retry-After
};

class Transport {
 public:
  virtual ~Transport() = default;
  // How many alerts one delivery may carry (a Splunk HEC batch; 1 for the others).
  virtual std::size_t batch_size() const { return 1; }
  virtual SendResult send(std::span<const Alert> batch) = 0;
};

// What transports need beyond the hook itself.
struct TransportContext {
  const config::Config* config = nullptr;  // proxies by name
  std::string hostname;                    // syslog HOSTNAME, HEC host, Message-ID domain
  std::string procid;                      // syslog PROCID
  std::string version;                     // CEF/LEEF product version
};

// The transport of a hook's kind. Secret and token files are read here: a file that is missing
// or readable by others is an error (the delivery stays pending with that error).
Result<std::unique_ptr<Transport>> make_transport(const config::HookConfig& hook,
                                                  const TransportContext& context);

// Transports of each kind (transport.cpp picks one by kind).
std::unique_ptr<Transport> make_syslog_transport(const config::HookConfig& hook,
                                                 const TransportContext& context);
std::unique_ptr<Transport> make_jsonl_transport(const config::HookConfig& hook);
Result<std::unique_ptr<Transport>> make_http_transport(const config::HookConfig& hook,
                                                       const TransportContext& context);
std::unique_ptr<Transport> make_email_transport(const config::HookConfig& hook,
                                                const TransportContext& context);

// A secret from a file: trailing newline dropped; refused when group or others may read it.
Result<std::string> read_secret_file(const std::filesystem::path& file, std::string_view what);

}  // namespace leakwatch::alerts
