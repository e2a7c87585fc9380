// Text matching (issue #7): finds rows of a fingerprinted table and planted honeytokens in text
// dumps, page text and entry names, holding no plaintext value. Every candidate pattern of every
// signature (record columns, honeytoken shapes) is compiled into one Hyperscan database; each
// match is normalised, hashed (HMAC-SHA256 under the dataset key for records, SHA-256 for
// honeytokens) and looked up. Evidence carries offsets, never the matched text.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "matcher/records_key.h"
#include "model/manifest.h"
#include "model/result.h"
#include "model/sighting.h"
#include "model/signature.h"

namespace leakwatch::matcher {

class FingerprintIndex;
struct ScoreRules;

// Keys of the datasets whose record fingerprints can be matched, by dataset name.
using RecordKeys = std::map<std::string, RecordKey, std::less<>>;

// Ok when Hyperscan accepts `pattern` as a candidate pattern (case-insensitive, leftmost start).
Result<void> check_candidate_pattern(std::string_view pattern);

// One hit of a record column's value in a text.
struct RecordHit {
  std::uint32_t signature = 0;
  std::uint32_t column = 0;
  std::uint64_t offset = 0;  // byte offset of the value's start in the text
  std::uint32_t first = 0;   // fingerprints [first, last) of that column equal the value's
  std::uint32_t last = 0;
};

struct HoneytokenHit {
  std::uint32_t signature = 0;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  Digest sha256;
};

struct TextHits {
  std::vector<RecordHit> records;
  std::vector<HoneytokenHit> honeytokens;
  bool truncated = false;  // stopped at the hit limit
};

class TextIndex {
 public:
  // Takes the record fingerprints out of `signatures` (the rest of each signature stays; the
  // fingerprints are the bulk of the memory). A dataset with records but no key in `keys`, or a
  // key whose id differs from the signature's, is left out and named in problems().
  TextIndex(std::vector<Signature>& signatures, const RecordKeys& keys);
  ~TextIndex();
  TextIndex(TextIndex&&) noexcept;
  TextIndex& operator=(TextIndex&&) noexcept;

  bool empty() const;
  const std::vector<std::string>& problems() const;
  std::size_t memory_bytes() const;
  // Columns of a signature's records as indexed (empty when its records are left out).
  std::uint32_t record_columns(std::uint32_t signature) const;
  const RecordColumn& column(std::uint32_t signature, std::uint32_t column) const;
  // Row ids of fingerprints [first, last) of a column (empty for a one-column dataset).
  std::span<const std::uint32_t> rows(std::uint32_t signature, std::uint32_t column,
                                      std::uint32_t first, std::uint32_t last) const;

  // Scans with a scratch space of its own: one Scanner per thread.
  class Scanner {
   public:
    explicit Scanner(const TextIndex& index);
    ~Scanner();
    Scanner(const Scanner&) = delete;
    Scanner& operator=(const Scanner&) = delete;
    // Appends the hits in `text`; `records` false looks for honeytokens only.
    void scan(std::string_view text, TextHits& hits, bool records = true);

   private:
    const TextIndex& index_;
    void* scratch_ = nullptr;  // hs_scratch_t
  };

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Sightings from a manifest's texts (records and honeytokens) and from its entry names
// (honeytokens inside a name; a name that is exactly a token is score()'s).
std::vector<Sighting> score_text(const Manifest& manifest, const FingerprintIndex& index,
                                 const ScoreRules& rules);

// Adds `more` to `into`: sightings of the same dataset and locator become one (higher
// confidence, evidence of the stronger first, counts added), others are appended.
void merge_sightings(std::vector<Sighting>& into, std::vector<Sighting> more,
                     std::size_t max_evidence);

}  // namespace leakwatch::matcher
