// Timestamps. Everything leakwatch records or prints is UTC; text form is RFC 3339
// (`2026-11-23T14:22:37Z`, milliseconds only when present).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace leakwatch {

using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

Timestamp now();
std::string format_rfc3339(Timestamp t);
// Accepts `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS[.fff](Z|+hh:mm|-hh:mm)`; nullopt when malformed.
std::optional<Timestamp> parse_rfc3339(std::string_view s);
std::int64_t to_unix_ms(Timestamp t);
Timestamp from_unix_ms(std::int64_t ms);

}  // namespace leakwatch
