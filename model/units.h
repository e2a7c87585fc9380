// Sizes and durations as people write them in configs and as listings print them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace leakwatch {

// "12345", "1.2M", "3 KiB", "64MiB", "2.5 GB", "512k". K/M/G/T without "iB" follow listing
// convention (nginx, Apache and lighttpd all print powers of 1024); "KB"/"MB" with an explicit
// B are taken as 1000-based only when `si_for_b` is set. nullopt when malformed or overflowing.
std::optional<std::uint64_t> parse_size(std::string_view text, bool si_for_b = false);
// "1.5 MiB" style, for humans.
std::string format_size(std::uint64_t bytes);
// "30s", "15m", "6h", "2d", "1w", "500ms"; nullopt when malformed or zero.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace leakwatch
