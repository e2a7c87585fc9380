// Bearer-token authentication for the HTTP API (RFC 6750). Only SHA-256 digests of the tokens
// are kept in memory; a presented token is hashed and compared with every digest in constant
// time, so neither timing nor an early exit tells how much of a guess was right.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "model/result.h"

namespace leakwatch::app {

class ApiAuth {
 public:
  using TokenDigest = std::array<std::uint8_t, 32>;

  // The tokens of [api] tokens plus one per line of [api] token_file (blank lines and lines
  // starting with '#' are skipped). The token file must be a regular file that is not readable
  // or writable by others; the error names the file and, for a bad token, the line.
  static Result<ApiAuth> from_config(const config::ApiConfig& api);
  static ApiAuth from_tokens(const std::vector<std::string>& tokens);

  bool empty() const { return digests_.empty(); }
  std::size_t size() const { return digests_.size(); }
  // True when `authorization` (the whole header value) is "Bearer <a configured token>".
  bool accepts(std::string_view authorization) const;

 private:
  std::vector<TokenDigest> digests_;
};

}  // namespace leakwatch::app
