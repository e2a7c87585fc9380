// The webhook signature of docs/ALERTS.md: X-Leakwatch-Signature-256 is
// "sha256=" + hex(HMAC-SHA256(secret, "<timestamp>.<raw body>")), timestamp in unix seconds.
// Receivers recompute it over the raw body and reject timestamps older than 5 minutes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace leakwatch::alerts {

std::string webhook_signature(std::string_view secret, std::int64_t unix_seconds,
                              std::string_view body);

}  // namespace leakwatch::alerts
