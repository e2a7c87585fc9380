#include "net/socks_reply.h"

#include <charconv>
#include <cstdio>

namespace leakwatch::crawler {

std::optional<std::string_view> socks_reply_words(int code) {
  switch (code) {
    case 0x01:
      return "general SOCKS server failure";
    case 0x02:
      return "connection not allowed by the proxy's rules";
    case 0x03:
      return "network unreachable";
    case 0x04:
      return "host unreachable";
    case 0x05:
      return "connection refused by the destination";
    case 0x06:
      return "TTL expired (the proxy gave up: the site did not answer in time)";
    case 0x07:
      return "command not supported by the proxy";
    case 0x08:
      return "address type not supported by the proxy";
    case 0xF0:
      return "onion service descriptor not found (the service is offline or gone, or the "
             "address is wrong)";
    case 0xF1:
      return "onion service descriptor is invalid";
    case 0xF2:
      return "onion service introduction failed";
    case 0xF3:
      return "onion service rendezvous failed";
    case 0xF4:
      return "onion service needs client authorisation, and no key for it is configured";
    case 0xF5:
      return "onion service rejected the client authorisation key";
    case 0xF6:
      return "invalid onion address (bad length, checksum or key)";
    case 0xF7:
      return "onion service introduction timed out";
    default:
      return std::nullopt;
  }
}

std::optional<std::string> explain_socks_failure(std::string_view curl_message) {
  // curl 7.88: "Can't complete SOCKS5 connection to HOST. (N)"
  static constexpr std::string_view kPrefix = "Can't complete SOCKS5 connection to ";
  const auto at = curl_message.find(kPrefix);
  if (at == std::string_view::npos || !curl_message.ends_with(')')) return std::nullopt;
  const auto open = curl_message.rfind('(');
  if (open == std::string_view::npos || open < at) return std::nullopt;
  int code = -1;
  const auto digits = curl_message.substr(open + 1, curl_message.size() - open - 2);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), code);
  if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  const auto words = socks_reply_words(code);
  if (!words) return std::nullopt;
  auto host = curl_message.substr(at + kPrefix.size(), open - at - kPrefix.size());
  while (!host.empty() && (host.back() == ' ' || host.back() == '.')) host.remove_suffix(1);
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(code));
  return std::string(*words) + " (" + (code >= 0xF0 ? "Tor " : "") + "SOCKS reply " + hex +
         " for " + std::string(host) + ")";
}

}  // namespace leakwatch::crawler
