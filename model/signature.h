// Signature of a sensitive dataset: hashes of its files, never the data. Built by the matcher
// (`leakwatch sign`), persisted by the store, exported to bundles that other teams import.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/digest.h"
#include "model/time.h"

namespace leakwatch {

struct HeadPiece {
  std::uint64_t piece_length = 0;  // power of two, 16 KiB .. 16 MiB
  std::array<std::uint8_t, 20> sha1{};

  friend bool operator==(const HeadPiece&, const HeadPiece&) = default;
};

struct SignatureFile {
  std::string path;  // relative to the signed root, '/'-separated
  std::uint64_t size = 0;
  std::vector<Digest> digests;         // one per kind computed
  std::vector<HeadPiece> head_pieces;  // BitTorrent v1 first-piece SHA-1 per piece length
  // Absolute path of the signed original, kept only with `sign --keep-source` so the matcher may
  // hash byte ranges of it on demand (unaligned v1 pieces); never written to exported bundles.
  std::string original_path;

  friend bool operator==(const SignatureFile&, const SignatureFile&) = default;
};

// Record fingerprints (issue #7) of one CSV column: keyed hashes of its normalised values, never
// a value. A fingerprint is the first 8 bytes (big-endian) of HMAC-SHA256(dataset key, value).
struct RecordColumn {
  std::string name;        // CSV header
  std::string normaliser;  // text | email | phone | digits | exact (matcher/records_normalise.h)
  std::string pattern;     // candidate regex (Hyperscan syntax), matched case-insensitively
  // Every normalised value has a length in [min_length, max_length] bytes and at least
  // min_digits digits and min_letters letters: candidates outside are not hashed.
  std::uint32_t min_length = 0;
  std::uint32_t max_length = 0;
  std::uint32_t min_digits = 0;
  std::uint32_t min_letters = 0;
  std::vector<std::uint64_t> fingerprints;  // sorted
  std::vector<std::uint32_t> rows;  // row of each fingerprint (parallel); empty for one column

  friend bool operator==(const RecordColumn&, const RecordColumn&) = default;
};

struct RecordSet {
  // Names the key the fingerprints need without revealing it: the first 8 bytes of
  // HMAC-SHA256(key, "leakwatch record key id"), hex.
  std::string key_id;
  std::uint64_t rows = 0;  // rows fingerprinted
  std::vector<RecordColumn> columns;

  bool empty() const { return columns.empty(); }
  friend bool operator==(const RecordSet&, const RecordSet&) = default;
};

struct Signature {
  std::string dataset;
  std::string description;
  Timestamp created{};
  // When `signatures import` brought it into this store (a bundle keeps its creator's time in
  // `created`); nothing can have matched it here before. Empty for signatures made by `sign`.
  std::optional<Timestamp> imported;
  std::vector<SignatureFile> files;
  std::vector<std::string> name_patterns;  // globs matched against remote basenames
  std::vector<Digest> honeytoken_hashes;   // SHA-256 of each honeytoken, never the token
  // Per honeytoken (parallel to honeytoken_hashes when present): its shape as a regex of
  // character classes and punctuation ("[A-Z]{2}-[0-9a-f]..."), so text can be searched for it.
  std::vector<std::string> honeytoken_shapes;
  RecordSet records;  // record fingerprints (`sign --records`), empty when none

  // From when this store could match it: the later of created and imported.
  Timestamp matchable_since() const {
    return imported && *imported > created ? *imported : created;
  }

  friend bool operator==(const Signature&, const Signature&) = default;
};

// Bundle format version written by `signatures export`; import refuses newer ones.
inline constexpr int kSignatureBundleVersion = 1;

}  // namespace leakwatch
