#include "matcher/fingerprint_index.h"

#include <xxhash.h>

#include <algorithm>
#include <array>

namespace leakwatch::matcher {

KeyTable::KeyTable(std::vector<Input> inputs) {
  std::sort(inputs.begin(), inputs.end(), [](const Input& x, const Input& y) {
    return x.key != y.key ? x.key < y.key : x.id < y.id;
  });
  // About one to two keys per bucket: the directory costs 2-4 bytes per key.
  while (bucket_bits_ < 32 && (std::size_t{1} << (bucket_bits_ + 1)) <= inputs.size()) {
    ++bucket_bits_;
  }
  const std::size_t buckets = std::size_t{1} << bucket_bits_;
  directory_.assign(buckets + 1, 0);
  entries_.reserve(inputs.size());
  std::size_t i = 0;
  for (std::size_t b = 0; b < buckets; ++b) {
    directory_[b] = static_cast<std::uint32_t>(i);
    for (; i < inputs.size() && bucket(inputs[i].key) == b; ++i) {
      entries_.push_back({tag(inputs[i].key), inputs[i].id});
    }
  }
  directory_[buckets] = static_cast<std::uint32_t>(entries_.size());
}

std::span<const KeyTable::Entry> KeyTable::find(std::uint64_t key) const {
  const std::size_t b = bucket(key);
  const std::uint32_t t = tag(key);
  const Entry* first = entries_.data() + directory_[b];
  const Entry* last = entries_.data() + directory_[b + 1];
  while (first != last && first->tag < t) ++first;
  const Entry* end = first;
  while (end != last && end->tag == t) ++end;
  return {first, end};
}

std::size_t KeyTable::memory_bytes() const {
  return entries_.capacity() * sizeof(Entry) + directory_.capacity() * sizeof(std::uint32_t);
}

std::uint64_t FingerprintIndex::digest_key(const Digest& digest) {
  // The kind is the seed: the same bytes under another kind are another key.
  const auto v = digest.view();
  return XXH3_64bits_withSeed(v.data(), v.size(), static_cast<std::uint64_t>(digest.kind) + 1);
}

std::uint64_t FingerprintIndex::name_key(std::string_view normalised_name) {
  return XXH3_64bits(normalised_name.data(), normalised_name.size());
}

std::uint64_t FingerprintIndex::head_piece_key(std::uint64_t piece_length,
                                               std::span<const std::uint8_t, 20> sha1) {
  return XXH3_64bits_withSeed(sha1.data(), sha1.size(), piece_length);
}

FingerprintIndex::FingerprintIndex(std::vector<Signature> signatures, const RecordKeys& record_keys)
    : signatures_(std::move(signatures)),
      text_(std::make_shared<const TextIndex>(signatures_, record_keys)) {
  std::vector<KeyTable::Input> digests;
  std::vector<KeyTable::Input> names;
  std::vector<KeyTable::Input> head_pieces;
  for (std::uint32_t s = 0; s < signatures_.size(); ++s) {
    const auto& sig = signatures_[s];
    for (std::uint32_t f = 0; f < sig.files.size(); ++f) {
      const auto& file = sig.files[f];
      const auto ref = static_cast<std::uint32_t>(files_.size());
      files_.push_back({s, f});
      for (const auto& d : file.digests) digests.push_back({digest_key(d), ref});
      names.push_back({name_key(normalise_name(file.path)), ref});
      sizes_.push_back(file.size);
      if (!file.original_path.empty()) kept_originals_.emplace_back(file.size, ref);
      for (const auto& p : file.head_pieces) {
        head_pieces.push_back({head_piece_key(p.piece_length, p.sha1), ref});
      }
    }
    for (const auto& pattern : sig.name_patterns) {
      patterns_.push_back({s, pattern, normalise_pattern(pattern)});
    }
    for (const auto& token : sig.honeytoken_hashes) honeytokens_.emplace_back(token, s);
  }
  digests_ = KeyTable(std::move(digests));
  names_ = KeyTable(std::move(names));
  head_pieces_ = KeyTable(std::move(head_pieces));
  std::sort(honeytokens_.begin(), honeytokens_.end(), [](const auto& a, const auto& b) {
    return std::pair(a.first.bytes, a.second) < std::pair(b.first.bytes, b.second);
  });
  std::sort(kept_originals_.begin(), kept_originals_.end());
  std::sort(sizes_.begin(), sizes_.end());
  sizes_.erase(std::unique(sizes_.begin(), sizes_.end()), sizes_.end());
  sizes_.shrink_to_fit();
}

bool FingerprintIndex::file_has_digest(FileRef ref, const Digest& digest) const {
  const auto& digests = file(ref).digests;
  return std::find(digests.begin(), digests.end(), digest) != digests.end();
}

bool FingerprintIndex::has_size(std::uint64_t size) const {
  return std::binary_search(sizes_.begin(), sizes_.end(), size);
}

std::vector<FileRef> FingerprintIndex::kept_originals_of_size(std::uint64_t size) const {
  std::vector<FileRef> out;
  auto it = std::lower_bound(kept_originals_.begin(), kept_originals_.end(),
                             std::pair<std::uint64_t, std::uint32_t>{size, 0});
  for (; it != kept_originals_.end() && it->first == size; ++it) out.push_back(files_[it->second]);
  return out;
}

std::vector<FileRef> FingerprintIndex::by_digest(const Digest& digest) const {
  std::vector<FileRef> out;
  for_each_digest_match(digest, [&](FileRef r) { out.push_back(r); });
  return out;
}

std::vector<FileRef> FingerprintIndex::by_name_size(std::string_view normalised_name,
                                                    std::uint64_t size) const {
  std::vector<FileRef> out;
  for_each_name_match(normalised_name, [&](FileRef r) {
    if (file(r).size == size) out.push_back(r);
  });
  return out;
}

std::vector<FileRef> FingerprintIndex::by_name(std::string_view normalised_name) const {
  std::vector<FileRef> out;
  for_each_name_match(normalised_name, [&](FileRef r) { out.push_back(r); });
  return out;
}

std::size_t FingerprintIndex::index_memory_bytes() const {
  return digests_.memory_bytes() + names_.memory_bytes() + head_pieces_.memory_bytes() +
         files_.capacity() * sizeof(FileRef) + sizes_.capacity() * sizeof(std::uint64_t);
}

}  // namespace leakwatch::matcher
