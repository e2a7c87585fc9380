// Signature of a sensitive dataset: hashes of its files, never the data. Built by the matcher
// (`leakwatch sign`), persisted by the store, exported to bundles that other teams import.
#pragma once

#include <cstdint>
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

struct Signature {
  std::string dataset;
  std::string description;
  Timestamp created{};
  std::vector<SignatureFile> files;
  std::vector<std::string> name_patterns;  // globs matched against remote basenames
  std::vector<Digest> honeytoken_hashes;   // SHA-256 of each honeytoken, never the token

  friend bool operator==(const Signature&, const Signature&) = default;
};

// Bundle format version written by `signatures export`; import refuses newer ones.
inline constexpr int kSignatureBundleVersion = 1;

}  // namespace leakwatch
