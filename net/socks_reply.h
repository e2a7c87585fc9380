// SOCKS5 reply codes in words, Tor's extended ones included. libcurl reports a refused SOCKS5
// CONNECT as "Can't complete SOCKS5 connection to HOST. (240)"; with Tor's
// `SocksPort ... ExtendedErrors` (deploy/tor/torrc) the code says why an onion service cannot be
// reached, and the operator should read that in words.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace leakwatch::crawler {

// RFC 1928 replies 0x01..0x08 and Tor's 0xF0..0xF7 (tor's doc/socks-extensions.txt); nullopt
// for any other code.
std::optional<std::string_view> socks_reply_words(int code);

// A libcurl SOCKS5 failure message rewritten to say the reply in words, e.g.
// "onion service descriptor not found (Tor SOCKS reply 0xF0: the service is offline or the
// address is wrong)"; nullopt when `curl_message` is not such a failure.
std::optional<std::string> explain_socks_failure(std::string_view curl_message);

}  // namespace leakwatch::crawler
