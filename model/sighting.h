// Sighting (contract: docs/CONTRACTS.md "Sighting"): one dataset seen at one locator, with its
// evidence. Re-seeing the same dataset at the same locator updates it; it never duplicates.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/time.h"

namespace leakwatch {

enum class Confidence : std::uint8_t { possible = 0, likely = 1, confirmed = 2 };

std::string_view confidence_name(Confidence c);
std::optional<Confidence> parse_confidence(std::string_view name);

struct Evidence {
  // sha256 | sha1 | md5 | xxh3 | crc32+size | btv2-root | btv1-pieces | name+size | name |
  // pattern | honeytoken | records
  std::string kind;
  std::string file;         // the dataset file (relative path in the signature)
  std::string remote_path;  // where it was seen inside the locator
  std::string detail;       // e.g. the matching digest in hex, the size, the pattern

  friend bool operator==(const Evidence&, const Evidence&) = default;
};

// One source that saw a sighting's locator (a magnet linked from a leak post and also watched
// directly is one sighting seen by two sources).
struct SourceSeen {
  std::string source;
  Timestamp first_seen{};
  Timestamp last_seen{};

  friend bool operator==(const SourceSeen&, const SourceSeen&) = default;
};

// A sighting reached `confidence` (or its counts grew) at `at`; the counts are what it carried
// from then on. The store appends one when a sighting is first recorded and whenever a fetch
// raises its confidence or its counts, so `verify --as-of T` can take the sighting as it was at T.
struct ConfidenceChange {
  Timestamp at{};
  Confidence confidence = Confidence::possible;
  std::uint64_t evidence = 0;  // evidence items
  std::uint64_t files_matched = 0;
  std::uint64_t bytes_matched = 0;
  std::uint64_t records_matched = 0;
  // Written when a sighting recorded before the store kept history was first updated: the
  // sighting held this confidence at the upgrade, but when it reached it is not known.
  bool inferred = false;

  friend bool operator==(const ConfidenceChange&, const ConfidenceChange&) = default;
};
inline constexpr std::size_t kMaxConfidenceChanges = 64;

struct Sighting {
  std::string dataset;
  std::string source;  // the source of the strongest evidence; `sources` lists every one
  std::string locator;
  Confidence confidence = Confidence::possible;
  std::vector<Evidence> evidence;
  std::uint64_t files_matched = 0;
  std::uint64_t dataset_files = 0;
  std::uint64_t bytes_matched = 0;
  std::uint64_t records_matched = 0;
  Timestamp first_seen{};
  Timestamp last_seen{};
  std::vector<SourceSeen> sources;  // every source that saw the locator, by name
  // Oldest first; empty for a sighting recorded before the store kept history and not updated
  // since (store::Store::history_since says from when it is kept).
  std::vector<ConfidenceChange> history;
  // What exactly matched, for exposure (a union over sightings, never a sum): indices into the
  // signature's files matched by name+size or stronger, and the record rows matched, sorted.
  // Filled by the matcher; the store keeps them beside the sighting (store::MemberGroup), not in
  // its JSON, since a big dump matches 100,000s.
  std::vector<std::uint32_t> matched_files;
  std::vector<std::uint32_t> matched_rows;

  friend bool operator==(const Sighting&, const Sighting&) = default;
};

}  // namespace leakwatch
