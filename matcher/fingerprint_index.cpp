#include "matcher/fingerprint_index.h"

#include <cctype>

namespace leakwatch::matcher {

namespace {

std::string digest_key(const Digest& d) {
  std::string key(1, static_cast<char>(d.kind));
  const auto v = d.view();
  key.append(reinterpret_cast<const char*>(v.data()), v.size());
  return key;
}

std::string name_size_key(std::string_view name, std::uint64_t size) {
  std::string key(name);
  key += '\0';
  key.append(reinterpret_cast<const char*>(&size), sizeof size);
  return key;
}

template <typename Map>
std::span<const FileRef> lookup(const Map& map, const std::string& key) {
  const auto it = map.find(key);
  if (it == map.end()) return {};
  return it->second;
}

}  // namespace

std::string normalise_name(std::string_view path_or_name) {
  auto name = path_or_name;
  while (!name.empty() && (name.back() == '/' || name.back() == '\\')) name.remove_suffix(1);
  if (const auto slash = name.find_last_of("/\\"); slash != std::string_view::npos) {
    name.remove_prefix(slash + 1);
  }
  while (!name.empty() && (name.back() == ' ' || name.back() == '.' || name.back() == '\t')) {
    name.remove_suffix(1);
  }
  std::string out(name);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

FingerprintIndex::FingerprintIndex(std::vector<Signature> signatures)
    : signatures_(std::move(signatures)) {
  for (std::uint32_t s = 0; s < signatures_.size(); ++s) {
    const auto& sig = signatures_[s];
    for (std::uint32_t f = 0; f < sig.files.size(); ++f) {
      const auto& file = sig.files[f];
      const FileRef ref{s, f};
      for (const auto& d : file.digests) digests_[digest_key(d)].push_back(ref);
      const auto name = normalise_name(file.path);
      names_sizes_[name_size_key(name, file.size)].push_back(ref);
      names_[name].push_back(ref);
      sizes_.insert(file.size);
    }
  }
}

std::span<const FileRef> FingerprintIndex::by_digest(const Digest& digest) const {
  return lookup(digests_, digest_key(digest));
}

std::span<const FileRef> FingerprintIndex::by_name_size(std::string_view normalised_name,
                                                        std::uint64_t size) const {
  return lookup(names_sizes_, name_size_key(normalised_name, size));
}

std::span<const FileRef> FingerprintIndex::by_name(std::string_view normalised_name) const {
  return lookup(names_, std::string(normalised_name));
}

}  // namespace leakwatch::matcher
