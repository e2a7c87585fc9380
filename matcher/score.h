// Scoring: which datasets a manifest shows, with what evidence and confidence
// (rules in DESIGN.md "Confidence", defaults in docs/MATCHING.md). Pure: no I/O, no clock; the
// sightings it returns carry the manifest's fetch time as first and last seen.
#pragma once

#include <cstdint>
#include <vector>

#include "matcher/fingerprint_index.h"
#include "matcher/piece_verifier.h"
#include "model/manifest.h"
#include "model/sighting.h"

namespace leakwatch::matcher {

struct ScoreRules {
  // `likely` needs name+size (or crc32+size) matches on this many files (or on every file of a
  // smaller dataset).
  std::uint32_t likely_name_size_files = 3;
  // crc32+size alone is `confirmed` from this many files (or every file of a smaller dataset).
  std::uint32_t confirmed_crc_files = 2;
  // Evidence rows kept per sighting; counts stay exact beyond it.
  std::size_t max_evidence = 1000;
  // Optional: checks v1 pieces that lie inside a file not aligned to pieces against the local
  // original (`sign --keep-source`). Without it such files are proved only by other evidence.
  const PieceVerifier* piece_verifier = nullptr;
  // Pieces checked per unaligned file (first, last and evenly between); all must match.
  std::uint32_t max_pieces_checked = 3;
};

std::vector<Sighting> score(const Manifest& manifest, const FingerprintIndex& index,
                            const ScoreRules& rules = {});

}  // namespace leakwatch::matcher
