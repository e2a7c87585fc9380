#include "matcher/score.h"

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

}  // namespace

std::vector<Sighting> score(const Manifest& manifest, const FingerprintIndex& index,
                            const ScoreRules& rules) {
  std::map<std::uint32_t, DatasetMatches> per_dataset;
  for (const auto& entry : manifest.entries) {
    if (entry.pad) continue;
    for (const auto& digest : entry.digests) {
      for (const auto ref : index.by_digest(digest)) {
        const auto& file = index.file(ref);
        if (is_content_digest(digest.kind)) {
          offer(per_dataset[ref.signature], ref.file, Strength::content,
                {std::string(digest_kind_name(digest.kind)), file.path, entry.path, digest.hex()},
                file.size);
        } else if (entry.size && *entry.size == file.size) {
          offer(
              per_dataset[ref.signature], ref.file, Strength::crc_size,
              {"crc32+size", file.path, entry.path, digest.hex() + " " + std::to_string(file.size)},
              file.size);
        }
      }
    }
    const auto name = normalise_name(entry.path);
    if (name.empty()) continue;
    if (entry.size) {
      for (const auto ref : index.by_name_size(name, *entry.size)) {
        const auto& file = index.file(ref);
        offer(per_dataset[ref.signature], ref.file, Strength::name_size,
              {"name+size", file.path, entry.path, std::to_string(file.size)}, file.size);
      }
    }
    for (const auto ref : index.by_name(name)) {
      const auto& file = index.file(ref);
      std::string detail = entry.size ? "size " + std::to_string(*entry.size) + " differs from " +
                                            std::to_string(file.size)
                                      : "size unknown";
      offer(per_dataset[ref.signature], ref.file, Strength::name,
            {"name", file.path, entry.path, detail}, 0);
    }
  }

  std::vector<Sighting> out;
  for (auto& [sig_index, dm] : per_dataset) {
    const auto& sig = index.signatures()[sig_index];
    Sighting s;
    s.dataset = sig.dataset;
    s.source = manifest.source;
    s.locator = manifest.locator;
    s.first_seen = s.last_seen = manifest.fetched_at;
    s.dataset_files = sig.files.size();
    std::uint64_t content = 0, crc = 0, name_size = 0;
    std::vector<FileMatch*> ordered;
    for (auto& [file, m] : dm.files) {
      ++s.files_matched;
      s.bytes_matched += m.bytes;
      content += m.strength == Strength::content;
      crc += m.strength == Strength::crc_size;
      name_size += m.strength == Strength::name_size;
      ordered.push_back(&m);
    }
    const auto at_least = [&](std::uint64_t count, std::uint32_t wanted) {
      return count >= std::min<std::uint64_t>(wanted, s.dataset_files);
    };
    if (content > 0 || (crc > 0 && at_least(crc, rules.confirmed_crc_files))) {
      s.confidence = Confidence::confirmed;
    } else if (name_size + crc > 0 && at_least(name_size + crc, rules.likely_name_size_files)) {
      s.confidence = Confidence::likely;
    } else {
      s.confidence = Confidence::possible;
    }
    // Strongest evidence first, so a capped list keeps what proves the sighting.
    std::stable_sort(ordered.begin(), ordered.end(), [](const FileMatch* a, const FileMatch* b) {
      return a->strength > b->strength;
    });
    for (const auto* m : ordered) {
      if (s.evidence.size() >= rules.max_evidence) break;
      s.evidence.push_back(m->evidence);
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace leakwatch::matcher
