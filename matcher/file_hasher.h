// MultiHasher: every digest of one file in one pass over its bytes. Used by `sign` on local files
// and, through DigestSink, by the crawler on candidate content held only in memory.
// One pass computes sha256, sha1, md5, xxh3-128, crc32, the BitTorrent v2 pieces root (BEP 52)
// and the BitTorrent v1 head-piece SHA-1 for every power-of-two piece length 16 KiB..16 MiB that
// the content reaches. Memory is bounded whatever the size: one 16 KiB block and O(log n) hashes.
#pragma once

#include <filesystem>
#include <memory>

#include "model/digest_sink.h"
#include "model/result.h"
#include "model/signature.h"

namespace leakwatch::matcher {

// v1 head pieces are recorded for piece lengths kMinHeadPiece, 2*kMinHeadPiece, ... kMaxHeadPiece.
inline constexpr std::uint64_t kMinHeadPiece = 16 * 1024;
inline constexpr std::uint64_t kMaxHeadPiece = 16 * 1024 * 1024;
// BEP 52 merkle leaves cover 16 KiB blocks.
inline constexpr std::size_t kMerkleBlock = 16 * 1024;

class MultiHasher final : public DigestSink {
 public:
  MultiHasher();
  ~MultiHasher() override;
  MultiHasher(const MultiHasher&) = delete;
  MultiHasher& operator=(const MultiHasher&) = delete;

  void update(std::span<const std::uint8_t> chunk) override;
  // sha256, sha1, md5, xxh3-128, crc32 and (for non-empty content) btv2-root, in that order.
  std::vector<Digest> finish() override;
  // The v1 head pieces, ascending by piece length; complete once finish() has run.
  const std::vector<HeadPiece>& head_pieces() const { return head_pieces_; }
  std::uint64_t bytes() const { return bytes_; }

 private:
  struct State;
  void absorb(std::span<const std::uint8_t> chunk);
  std::unique_ptr<State> state_;
  std::vector<HeadPiece> head_pieces_;
  std::uint64_t bytes_ = 0;
};

// Streams the file through a MultiHasher with a fixed-size buffer (bounded memory whatever the
// size). `relative_path` is what the signature records. Errors name the file.
Result<SignatureFile> hash_file(const std::filesystem::path& file, std::string relative_path);

}  // namespace leakwatch::matcher
