// MultiHasher: every digest of one file in one pass over its bytes. Used by `sign` on local files
// and, through DigestSink, by the crawler on candidate content held only in memory.
// Foundation scope: sha256 and xxh3-128; the matcher issue adds sha1, md5, crc32 and the
// BitTorrent v2 root and v1 head pieces to this same pass.
#pragma once

#include <filesystem>
#include <memory>

#include "model/digest_sink.h"
#include "model/result.h"
#include "model/signature.h"

namespace leakwatch::matcher {

class MultiHasher final : public DigestSink {
 public:
  MultiHasher();
  ~MultiHasher() override;
  MultiHasher(const MultiHasher&) = delete;
  MultiHasher& operator=(const MultiHasher&) = delete;

  void update(std::span<const std::uint8_t> chunk) override;
  std::vector<Digest> finish() override;
  std::uint64_t bytes() const { return bytes_; }

 private:
  struct State;
  std::unique_ptr<State> state_;
  std::uint64_t bytes_ = 0;
};

// Streams the file through a MultiHasher with a fixed-size buffer (bounded memory whatever the
// size). `relative_path` is what the signature records. Errors name the file.
Result<SignatureFile> hash_file(const std::filesystem::path& file, std::string relative_path);

}  // namespace leakwatch::matcher
