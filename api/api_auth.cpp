#include "api/api_auth.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <sys/stat.h>

#include <fstream>

namespace leakwatch::app {

namespace {

ApiAuth::TokenDigest sha256(std::string_view text) {
  ApiAuth::TokenDigest d{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), d.data());
  return d;
}

constexpr std::size_t kMaxTokenFileBytes = 1 << 20;
constexpr std::size_t kMaxTokens = 1000;

Result<std::vector<std::string>> read_token_file(const std::filesystem::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return Error{file.string() + ": cannot read token file"};
  if (!S_ISREG(st.st_mode)) return Error{file.string() + ": token file is not a regular file"};
  if (st.st_mode & (S_IROTH | S_IWOTH)) {
    return Error{file.string() +
                 ": token file is readable or writable by others; chmod 600 (or 640) it"};
  }
  if (static_cast<std::size_t>(st.st_size) > kMaxTokenFileBytes) {
    return Error{file.string() + ": token file larger than 1 MiB"};
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error{file.string() + ": cannot read token file"};
  std::vector<std::string> tokens;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    const auto last = line.find_last_not_of(" \t");
    line = line.substr(first, last - first + 1);
    if (!config::valid_api_token(line)) {
      // Never echo the token itself.
      return Error{file.string() + ":" + std::to_string(number) +
                   ": not a valid token (16 to 512 characters of A-Z a-z 0-9 - . _ ~ + /, "
                   "'=' only at the end)"};
    }
    if (tokens.size() >= kMaxTokens) {
      return Error{file.string() + ": more than " + std::to_string(kMaxTokens) + " tokens"};
    }
    tokens.push_back(line);
  }
  return tokens;
}

}  // namespace

Result<ApiAuth> ApiAuth::from_config(const config::ApiConfig& api) {
  auto tokens = api.tokens;
  if (!api.token_file.empty()) {
    auto from_file = read_token_file(api.token_file);
    if (!from_file) return from_file.error();
    tokens.insert(tokens.end(), from_file->begin(), from_file->end());
  }
  return from_tokens(tokens);
}

ApiAuth ApiAuth::from_tokens(const std::vector<std::string>& tokens) {
  ApiAuth auth;
  for (const auto& t : tokens) auth.digests_.push_back(sha256(t));
  return auth;
}

bool ApiAuth::accepts(std::string_view authorization) const {
  // RFC 6750 2.1: credentials = "Bearer" 1*SP b64token; the scheme is case-insensitive.
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size()) return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    const char c = authorization[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != kScheme[i]) return false;
  }
  auto token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  if (token.empty()) return false;
  // Equal-length digests compared with CRYPTO_memcmp, and every configured token is compared
  // (no early exit), so the time taken does not depend on which or how much matched.
  const auto presented = sha256(token);
  int matched = 0;
  for (const auto& d : digests_) {
    matched |= CRYPTO_memcmp(presented.data(), d.data(), d.size()) == 0 ? 1 : 0;
  }
  return matched != 0;
}

}  // namespace leakwatch::app
