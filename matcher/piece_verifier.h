// Checking a BitTorrent v1 piece against a local original. A piece that lies wholly inside one
// file, at an offset that is not the file's start (the file is not piece-aligned in the torrent),
// proves the file only if someone holds the bytes to hash: with `sign --keep-source` the
// signature remembers where the originals are, and this reads just the piece's byte range.
//
// `score()` stays pure: it asks a PieceVerifier handed in through ScoreRules and does no I/O of
// its own. LocalPieceVerifier is the one that reads files (local disk only, never the network).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>

#include "model/signature.h"

namespace leakwatch::matcher {

class PieceVerifier {
 public:
  virtual ~PieceVerifier() = default;
  // Does `file`'s range [offset, offset + length) have this SHA-1? nullopt when it cannot be
  // checked (no original kept, unreadable, changed since signing, over budget).
  virtual std::optional<bool> verify(const SignatureFile& file, std::uint64_t offset,
                                     std::uint64_t length,
                                     const std::array<std::uint8_t, 20>& sha1) const = 0;
};

// Reads byte ranges of `SignatureFile::original_path` with pread, bounded per piece and in
// total; safe to share between threads.
class LocalPieceVerifier final : public PieceVerifier {
 public:
  struct Limits {
    std::uint64_t max_piece_bytes = 16u << 20;  // BitTorrent piece lengths stop at 16 MiB here
    std::uint64_t budget_bytes = 1ull << 30;    // read in total over this verifier's life
  };
  LocalPieceVerifier() = default;
  explicit LocalPieceVerifier(Limits limits) : limits_(limits) {}

  std::optional<bool> verify(const SignatureFile& file, std::uint64_t offset, std::uint64_t length,
                             const std::array<std::uint8_t, 20>& sha1) const override;

  std::uint64_t bytes_read() const { return bytes_read_.load(); }

 private:
  Limits limits_;
  mutable std::atomic<std::uint64_t> bytes_read_{0};
};

}  // namespace leakwatch::matcher
