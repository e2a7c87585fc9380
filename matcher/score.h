// Scoring: which datasets a manifest shows, with what evidence and confidence
// (rules in docs/CONTRACTS.md "Confidence", defaults in docs/MATCHING.md). Pure: no I/O, no clock;
// the sightings it returns carry the manifest's fetch time as first and last seen.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
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
  // Read from the rules handed to score() only, never from the per-dataset `datasets` below.
  const PieceVerifier* piece_verifier = nullptr;
  // Pieces checked per unaligned file (first, last and evenly between); all must match.
  std::uint32_t max_pieces_checked = 3;
  // Record fingerprints (matcher/text_scan.h): a row counts as matched when at least
  // record_min_columns of its fingerprinted columns (or all, when it has fewer) appear within
  // record_window bytes of each other; records_likely / records_confirmed matched rows make the
  // sighting likely / confirmed (a one-column dataset counts distinct values).
  std::uint32_t records_likely = 3;
  std::uint32_t records_confirmed = 20;
  std::uint32_t record_min_columns = 2;
  std::uint64_t record_window = 512;
  // Per-dataset rules ([[dataset]] in the config) replace these for that dataset.
  std::map<std::string, ScoreRules, std::less<>> datasets;

  const ScoreRules& for_dataset(std::string_view dataset) const {
    const auto it = datasets.find(dataset);
    return it == datasets.end() ? *this : it->second;
  }
};

// A sighting of `sig` at the manifest's locator, first and last seen at its fetch time, with no
// evidence or counts yet (score and score_text fill them in).
Sighting sighting_of(const Manifest& manifest, const Signature& sig);

std::vector<Sighting> score(const Manifest& manifest, const FingerprintIndex& index,
                            const ScoreRules& rules = {});

}  // namespace leakwatch::matcher
