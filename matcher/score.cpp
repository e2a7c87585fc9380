#include "matcher/score.h"

#include <openssl/evp.h>

#include <algorithm>
#include <map>

namespace leakwatch::matcher {

namespace {

// How strongly one manifest entry matched one signature file; higher is stronger.
enum class Strength { name = 0, name_size = 1, crc_size = 2, content = 3 };

struct FileMatch {
  Strength strength = Strength::name;
  Evidence evidence;
  std::uint64_t bytes = 0;
};

struct DatasetMatches {
  std::map<std::uint32_t, FileMatch> files;  // best match per signature file
  std::vector<Evidence> honeytokens;
  std::vector<Evidence> patterns;
};

void offer(DatasetMatches& dm, std::uint32_t file, Strength strength, Evidence evidence,
           std::uint64_t bytes) {
  auto [it, inserted] = dm.files.try_emplace(file);
  if (inserted || strength > it->second.strength) {
    it->second = FileMatch{strength, std::move(evidence), bytes};
  }
}

bool is_content_digest(DigestKind k) {
  return k != DigestKind::crc32;
}

// A digest the entry carries that the signature file has under the same kind with another
// value: the same name and size with other content is a decoy, not a name+size match.
const Digest* contradicting_digest(const FileEntry& entry, const SignatureFile& file) {
  for (const auto& mine : entry.digests) {
    for (const auto& theirs : file.digests) {
      if (theirs.kind == mine.kind && !(theirs == mine)) return &mine;
    }
  }
  return nullptr;
}

Digest sha256_of(std::string_view text) {
  std::uint8_t out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), out, &len, EVP_sha256(), nullptr);
  return Digest::from_bytes(DigestKind::sha256, {out, len});
}

// A backward scan rather than find_last_of("/\\"), which calls memchr for every byte.
std::string_view raw_basename(std::string_view path) {
  const auto separator = [](char c) { return c == '/' || c == '\\'; };
  std::size_t end = path.size();
  while (end > 0 && separator(path[end - 1])) --end;
  std::size_t begin = end;
  while (begin > 0 && !separator(path[begin - 1])) --begin;
  return path.substr(begin, end - begin);
}

void match_honeytokens(const FileEntry& entry, const FingerprintIndex& index,
                       std::map<std::uint32_t, DatasetMatches>& per_dataset) {
  const auto base = raw_basename(entry.path);
  if (base.empty()) return;
  // The token as the whole basename, or as its stem before an extension ("TOKEN.pdf").
  std::vector<std::string_view> candidates{base};
  if (const auto dot = base.rfind('.'); dot != std::string_view::npos && dot > 0) {
    candidates.push_back(base.substr(0, dot));
  }
  const auto& tokens = index.honeytokens();
  for (const auto candidate : candidates) {
    const auto hash = sha256_of(candidate);
    auto it = std::lower_bound(tokens.begin(), tokens.end(), hash,
                               [](const std::pair<Digest, std::uint32_t>& t, const Digest& d) {
                                 return t.first.bytes < d.bytes;
                               });
    for (; it != tokens.end() && it->first == hash; ++it) {
      per_dataset[it->second].honeytokens.push_back(
          {"honeytoken", "", entry.path,
           "entry name carries a planted honeytoken (sha256 " + hash.hex() + ")"});
    }
  }
}

// True when some signature file was proved by its head piece.
bool match_v1_head_piece(const FileEntry& entry, const TorrentLayout& layout,
                         const FingerprintIndex& index,
                         std::map<std::uint32_t, DatasetMatches>& per_dataset) {
  const std::uint64_t length = layout.piece_length;
  if (!entry.torrent_offset || !entry.size || *entry.torrent_offset % length != 0) return false;
  // A head piece exists only for files at least one piece long (else the piece spans files).
  if (*entry.size < length) return false;
  const std::uint64_t piece = *entry.torrent_offset / length;
  if (piece >= layout.piece_hashes.size()) return false;
  bool matched = false;
  index.for_each_head_piece_match(length, layout.piece_hashes[piece], [&](FileRef ref) {
    const auto& file = index.file(ref);
    if (file.size != *entry.size) return;
    matched = true;
    offer(per_dataset[ref.signature], ref.file, Strength::content,
          {"btv1-pieces", file.path, entry.path,
           "1 piece checked: piece " + std::to_string(piece) + " (length " +
               std::to_string(length) + ", file offset " + std::to_string(*entry.torrent_offset) +
               ") sha1 " + to_hex(layout.piece_hashes[piece])},
          file.size);
  });
  return matched;
}

// Pieces lying wholly inside the entry's bytes [offset, offset + size) of the torrent payload:
// full pieces, plus the torrent's short last piece when the file ends the payload.
struct InnerPieces {
  std::uint64_t first = 0;
  std::uint64_t count = 0;
};

InnerPieces inner_pieces(std::uint64_t offset, std::uint64_t size, const TorrentLayout& layout,
                         std::uint64_t payload_size) {
  const std::uint64_t length = layout.piece_length;
  const std::uint64_t pieces = layout.piece_hashes.size();
  const std::uint64_t first = (offset + length - 1) / length;
  std::uint64_t end = (offset + size) / length;  // one past the last full piece
  if (offset + size == payload_size && end < pieces && end * length >= offset) end = pieces;
  end = std::min(end, pieces);
  return end > first ? InnerPieces{first, end - first} : InnerPieces{};
}

// A file not aligned to the piece grid: hash the byte ranges of a few inner pieces from the local
// original of each same-size signature file, through the injected verifier.
void match_v1_inner_pieces(const FileEntry& entry, const TorrentLayout& layout,
                           std::uint64_t payload_size, const FingerprintIndex& index,
                           const ScoreRules& rules,
                           std::map<std::uint32_t, DatasetMatches>& per_dataset) {
  if (!rules.piece_verifier || rules.max_pieces_checked == 0) return;
  if (!entry.torrent_offset || !entry.size) return;
  const auto candidates = index.kept_originals_of_size(*entry.size);
  if (candidates.empty()) return;
  const std::uint64_t offset = *entry.torrent_offset;
  const std::uint64_t length = layout.piece_length;
  const auto inner = inner_pieces(offset, *entry.size, layout, payload_size);
  if (inner.count == 0) return;
  // First, last and evenly between.
  std::vector<std::uint64_t> chosen;
  const std::uint64_t n = std::min<std::uint64_t>(rules.max_pieces_checked, inner.count);
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::uint64_t k = inner.first + (n == 1 ? 0 : i * (inner.count - 1) / (n - 1));
    if (chosen.empty() || chosen.back() != k) chosen.push_back(k);
  }
  for (const FileRef ref : candidates) {
    const auto& file = index.file(ref);
    bool proved = true;
    for (const auto k : chosen) {
      const std::uint64_t start = k * length;
      const std::uint64_t piece_bytes = std::min(length, payload_size - start);
      const auto same =
          rules.piece_verifier->verify(file, start - offset, piece_bytes, layout.piece_hashes[k]);
      if (!same || !*same) {
        proved = false;
        break;
      }
    }
    if (!proved) continue;
    std::string list;
    for (const auto k : chosen) list += (list.empty() ? "" : ", ") + std::to_string(k);
    offer(per_dataset[ref.signature], ref.file, Strength::content,
          {"btv1-pieces", file.path, entry.path,
           std::to_string(chosen.size()) + (chosen.size() == 1 ? " piece" : " pieces") +
               " checked against the local original: piece" + (chosen.size() == 1 ? " " : "s ") +
               list + " of " + std::to_string(inner.count) + " inside the file (length " +
               std::to_string(length) + ", file at torrent offset " + std::to_string(offset) +
               ", not aligned)"},
          file.size);
  }
}

}  // namespace

Sighting sighting_of(const Manifest& manifest, const Signature& sig) {
  Sighting s;
  s.dataset = sig.dataset;
  s.source = manifest.source;
  s.locator = manifest.locator;
  s.first_seen = s.last_seen = manifest.fetched_at;
  s.dataset_files = sig.files.size();
  return s;
}

std::vector<Sighting> score(const Manifest& manifest, const FingerprintIndex& index,
                            const ScoreRules& rules) {
  std::map<std::uint32_t, DatasetMatches> per_dataset;
  const TorrentLayout* layout =
      manifest.torrent && manifest.torrent->piece_length > 0 ? &*manifest.torrent : nullptr;
  std::uint64_t payload_size = 0;  // the torrent's total length, pad files included
  if (layout) {
    for (const auto& e : manifest.entries) {
      if (e.torrent_offset && e.size) {
        payload_size = std::max(payload_size, *e.torrent_offset + *e.size);
      }
    }
  }
  std::string name;  // the entry's normalised name, its buffer reused from entry to entry
  for (const auto& entry : manifest.entries) {
    if (entry.pad) continue;
    for (const auto& digest : entry.digests) {
      index.for_each_digest_match(digest, [&](FileRef ref) {
        const auto& file = index.file(ref);
        if (is_content_digest(digest.kind)) {
          std::string detail = digest.hex();
          // BEP 52: the root is a Merkle root over every 16 KiB block, so all of them are proved.
          if (digest.kind == DigestKind::btv2_root) {
            detail += " (pieces root: all " + std::to_string((file.size + 16383) / 16384) +
                      " blocks of 16 KiB)";
          }
          offer(per_dataset[ref.signature], ref.file, Strength::content,
                {std::string(digest_kind_name(digest.kind)), file.path, entry.path,
                 std::move(detail)},
                file.size);
        } else if (entry.size && *entry.size == file.size) {
          offer(
              per_dataset[ref.signature], ref.file, Strength::crc_size,
              {"crc32+size", file.path, entry.path, digest.hex() + " " + std::to_string(file.size)},
              file.size);
        }
      });
    }
    if (layout && !match_v1_head_piece(entry, *layout, index, per_dataset)) {
      match_v1_inner_pieces(entry, *layout, payload_size, index, rules, per_dataset);
    }
    if (!index.honeytokens().empty()) match_honeytokens(entry, index, per_dataset);

    normalise_name(entry.path, name);
    if (name.empty()) continue;
    index.for_each_name_match(name, [&](FileRef ref) {
      const auto& file = index.file(ref);
      if (entry.size && *entry.size == file.size) {
        if (const auto* other = contradicting_digest(entry, file)) {
          offer(per_dataset[ref.signature], ref.file, Strength::name,
                {"name", file.path, entry.path,
                 "same size, but " + std::string(digest_kind_name(other->kind)) + " " +
                     other->hex() + " differs"},
                0);
        } else {
          offer(per_dataset[ref.signature], ref.file, Strength::name_size,
                {"name+size", file.path, entry.path, std::to_string(file.size)}, file.size);
        }
        return;
      }
      std::string detail = entry.size ? "size " + std::to_string(*entry.size) + " differs from " +
                                            std::to_string(file.size)
                                      : "size unknown";
      offer(per_dataset[ref.signature], ref.file, Strength::name,
            {"name", file.path, entry.path, std::move(detail)}, 0);
    });
    for (const auto& pattern : index.patterns()) {
      if (glob_matches_normalised(pattern.normalised, name)) {
        auto& patterns = per_dataset[pattern.signature].patterns;
        if (patterns.size() < rules.max_evidence) {
          patterns.push_back({"pattern", "", entry.path, pattern.glob});
        }
      }
    }
  }

  std::vector<Sighting> out;
  for (auto& [sig_index, dm] : per_dataset) {
    const auto& sig = index.signatures()[sig_index];
    Sighting s = sighting_of(manifest, sig);
    std::uint64_t content = 0, crc = 0, name_size = 0;
    std::vector<FileMatch*> ordered;
    for (auto& [file, m] : dm.files) {
      ++s.files_matched;
      s.bytes_matched += m.bytes;
      content += m.strength == Strength::content;
      crc += m.strength == Strength::crc_size;
      name_size += m.strength == Strength::name_size;
      // Exposure counts files matched by name+size or stronger; a name alone proves nothing.
      if (m.strength >= Strength::name_size) s.matched_files.push_back(file);
      ordered.push_back(&m);
    }
    const auto at_least = [&](std::uint64_t count, std::uint32_t wanted) {
      return count >= std::min<std::uint64_t>(wanted, s.dataset_files);
    };
    const ScoreRules& thresholds = rules.for_dataset(sig.dataset);
    if (content > 0 || !dm.honeytokens.empty() ||
        (crc > 0 && at_least(crc, thresholds.confirmed_crc_files))) {
      s.confidence = Confidence::confirmed;
    } else if (name_size + crc > 0 &&
               at_least(name_size + crc, thresholds.likely_name_size_files)) {
      s.confidence = Confidence::likely;
    } else {
      s.confidence = Confidence::possible;
    }
    // Strongest evidence first, so a capped list keeps what proves the sighting.
    std::stable_sort(ordered.begin(), ordered.end(), [](const FileMatch* a, const FileMatch* b) {
      return a->strength > b->strength;
    });
    const auto add = [&](const Evidence& e) {
      if (s.evidence.size() < rules.max_evidence) s.evidence.push_back(e);
    };
    for (const auto& e : dm.honeytokens) add(e);
    for (const auto* m : ordered) add(m->evidence);
    for (const auto& e : dm.patterns) add(e);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace leakwatch::matcher
