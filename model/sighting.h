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

struct Sighting {
  std::string dataset;
  std::string source;
  std::string locator;
  Confidence confidence = Confidence::possible;
  std::vector<Evidence> evidence;
  std::uint64_t files_matched = 0;
  std::uint64_t dataset_files = 0;
  std::uint64_t bytes_matched = 0;
  std::uint64_t records_matched = 0;
  Timestamp first_seen{};
  Timestamp last_seen{};

  friend bool operator==(const Sighting&, const Sighting&) = default;
};

}  // namespace leakwatch
