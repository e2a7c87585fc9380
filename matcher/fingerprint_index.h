// FingerprintIndex: every loaded signature, keyed by each digest and by normalised basename (with
// the size checked on lookup), so that scoring a manifest entry is a few table probes. Built once
// per scan; read-only afterwards, so it can be shared by threads.
//
// Layout (DESIGN: compact and fast): each table is one flat array of {64-bit XXH3 key, FileRef}
// sorted by key, plus a directory of bucket starts indexed by the key's top bits, about 20 bytes
// per key. A 64-bit key can collide, so every lookup verifies candidates against the full value
// (digest bytes, name, size) before returning them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "matcher/names.h"
#include "matcher/text_scan.h"
#include "model/signature.h"

namespace leakwatch::matcher {

struct FileRef {
  std::uint32_t signature = 0;  // index into signatures()
  std::uint32_t file = 0;       // index into that signature's files

  friend bool operator==(const FileRef&, const FileRef&) = default;
};

// A read-only multimap from 64-bit keys to 32-bit file ids, 8 bytes per entry: the key's top bits
// pick a bucket in the directory and the next 32 bits are kept as a tag. Tags can collide, so a
// hit is a candidate that the caller verifies against the full value.
class KeyTable {
 public:
  struct Input {
    std::uint64_t key;
    std::uint32_t id;
  };
  struct Entry {
    std::uint32_t tag;
    std::uint32_t id;
  };
  explicit KeyTable(std::vector<Input> inputs = {});
  // Every entry whose bucket and tag match this key (contiguous; empty when none).
  std::span<const Entry> find(std::uint64_t key) const;
  std::size_t memory_bytes() const;

 private:
  std::size_t bucket(std::uint64_t key) const {
    return bucket_bits_ == 0 ? 0 : static_cast<std::size_t>(key >> (64 - bucket_bits_));
  }
  std::uint32_t tag(std::uint64_t key) const {
    return static_cast<std::uint32_t>(key >> (32 - bucket_bits_));
  }
  std::vector<Entry> entries_;
  std::vector<std::uint32_t> directory_;  // bucket b holds entries_[directory_[b], [b+1])
  unsigned bucket_bits_ = 0;              // at most 32
};

class FingerprintIndex {
 public:
  // `record_keys`: the keys of datasets whose record fingerprints should be matched in texts
  // (their fingerprints move into text(); signatures() keeps the rest).
  explicit FingerprintIndex(std::vector<Signature> signatures, const RecordKeys& record_keys = {});

  const std::vector<Signature>& signatures() const { return signatures_; }
  const SignatureFile& file(FileRef ref) const {
    return signatures_[ref.signature].files[ref.file];
  }

  // Verified matches: a returned file really has this digest / name / size.
  std::vector<FileRef> by_digest(const Digest& digest) const;
  std::vector<FileRef> by_name_size(std::string_view normalised_name, std::uint64_t size) const;
  std::vector<FileRef> by_name(std::string_view normalised_name) const;
  // Callback forms for the scoring loop: no allocation on a miss or a hit.
  template <typename Fn>
  void for_each_digest_match(const Digest& digest, Fn&& fn) const;
  template <typename Fn>
  void for_each_name_match(std::string_view normalised_name, Fn&& fn) const;
  // Files whose BitTorrent v1 head piece for `piece_length` has this SHA-1.
  template <typename Fn>
  void for_each_head_piece_match(std::uint64_t piece_length, std::span<const std::uint8_t, 20> sha1,
                                 Fn&& fn) const;
  // Name patterns of every signature, normalised once here rather than per manifest entry.
  struct NamePattern {
    std::uint32_t signature = 0;  // index into signatures()
    std::string glob;             // as the signature has it
    std::string normalised;       // normalise_pattern(glob), for glob_matches_normalised
  };
  const std::vector<NamePattern>& patterns() const { return patterns_; }
  // Honeytoken SHA-256 hashes of every signature: (hash, signature index), sorted by hash.
  const std::vector<std::pair<Digest, std::uint32_t>>& honeytokens() const { return honeytokens_; }
  // True when some signature file has exactly this size: the test for content candidates.
  bool has_size(std::uint64_t size) const;
  // Files of exactly this size whose original was kept (`sign --keep-source`), for on-demand
  // piece checks; empty (and free) when no signature kept originals.
  std::vector<FileRef> kept_originals_of_size(std::uint64_t size) const;

  // Record values and honeytokens in texts and entry names (matcher/text_scan.h).
  const TextIndex& text() const { return *text_; }

  // Bytes held by the lookup structures (tables, directories, sizes), not the signatures.
  std::size_t index_memory_bytes() const;

  static std::uint64_t digest_key(const Digest& digest);
  static std::uint64_t name_key(std::string_view normalised_name);
  static std::uint64_t head_piece_key(std::uint64_t piece_length,
                                      std::span<const std::uint8_t, 20> sha1);

 private:
  bool file_has_digest(FileRef ref, const Digest& digest) const;

  std::vector<FileRef> files_;  // file id (as stored in the tables) -> FileRef
  std::vector<Signature> signatures_;
  KeyTable digests_;
  KeyTable names_;
  KeyTable head_pieces_;
  std::vector<NamePattern> patterns_;
  std::vector<std::pair<Digest, std::uint32_t>> honeytokens_;
  std::vector<std::uint64_t> sizes_;                                     // sorted, unique
  std::vector<std::pair<std::uint64_t, std::uint32_t>> kept_originals_;  // (size, file id), sorted
  std::shared_ptr<const TextIndex> text_;
};

template <typename Fn>
void FingerprintIndex::for_each_digest_match(const Digest& digest, Fn&& fn) const {
  for (const auto& e : digests_.find(digest_key(digest))) {
    if (file_has_digest(files_[e.id], digest)) fn(files_[e.id]);
  }
}

template <typename Fn>
void FingerprintIndex::for_each_name_match(std::string_view normalised_name, Fn&& fn) const {
  for (const auto& e : names_.find(name_key(normalised_name))) {
    // Re-normalising on a key hit keeps names out of the index; hits are rare.
    if (normalise_name(file(files_[e.id]).path) == normalised_name) fn(files_[e.id]);
  }
}

template <typename Fn>
void FingerprintIndex::for_each_head_piece_match(std::uint64_t piece_length,
                                                 std::span<const std::uint8_t, 20> sha1,
                                                 Fn&& fn) const {
  for (const auto& e : head_pieces_.find(head_piece_key(piece_length, sha1))) {
    for (const auto& p : file(files_[e.id]).head_pieces) {
      if (p.piece_length == piece_length && std::equal(sha1.begin(), sha1.end(), p.sha1.begin())) {
        fn(files_[e.id]);
        break;
      }
    }
  }
}

}  // namespace leakwatch::matcher
