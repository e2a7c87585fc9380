// FingerprintIndex: every loaded signature, keyed by each digest and by (normalised basename,
// size), so that scoring a manifest entry is a few hash lookups. Built once per scan; read-only
// afterwards, so it can be shared by threads.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "model/signature.h"

namespace leakwatch::matcher {

struct FileRef {
  std::uint32_t signature = 0;  // index into signatures()
  std::uint32_t file = 0;       // index into that signature's files
};

class FingerprintIndex {
 public:
  explicit FingerprintIndex(std::vector<Signature> signatures);

  const std::vector<Signature>& signatures() const { return signatures_; }
  const SignatureFile& file(FileRef ref) const {
    return signatures_[ref.signature].files[ref.file];
  }

  std::span<const FileRef> by_digest(const Digest& digest) const;
  std::span<const FileRef> by_name_size(std::string_view normalised_name, std::uint64_t size) const;
  std::span<const FileRef> by_name(std::string_view normalised_name) const;
  // True when some signature file has exactly this size: the test for content candidates.
  bool has_size(std::uint64_t size) const { return sizes_.contains(size); }

 private:
  std::vector<Signature> signatures_;
  std::unordered_map<std::string, std::vector<FileRef>> digests_;
  std::unordered_map<std::string, std::vector<FileRef>> names_sizes_;
  std::unordered_map<std::string, std::vector<FileRef>> names_;
  std::unordered_set<std::uint64_t> sizes_;
};

// Leaks rename folders and change case: compare basenames case-folded, without trailing spaces
// or dots. ASCII folding only for now (Unicode NFC is the matcher issue's).
std::string normalise_name(std::string_view path_or_name);

}  // namespace leakwatch::matcher
