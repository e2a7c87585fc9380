#include "crawler/fetched_documents.h"

#include <openssl/evp.h>

#include <array>
#include <memory>
#include <stdexcept>

#include "model/digest.h"
#include "model/time.h"

namespace leakwatch::crawler {

std::string sha256_hex(std::span<const std::uint8_t> bytes) {
  std::array<std::uint8_t, 32> digest{};
  unsigned int size = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");  // only for want of memory
  }
  return to_hex(digest);
}

void note_document(Manifest& manifest, std::string kind, std::string url, std::string_view body) {
  if (manifest.documents.size() >= kMaxFetchedDocuments) {
    ++manifest.documents_omitted;
    return;
  }
  const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(body.data()),
                                            body.size());
  manifest.documents.push_back({.kind = std::move(kind),
                                .url = std::move(url),
                                .fetched_at = now(),
                                .sha256 = sha256_hex(bytes),
                                .size = body.size()});
}

}  // namespace leakwatch::crawler
