// The compiled text index's insides, shared by its builder (text_index.cpp) and its scanner
// (text_scanner.cpp): the Hyperscan database, what each expression stands for, and the sorted
// fingerprint tables of each record column. Private to matcher/; nothing else includes it.
#pragma once

#include <hs/hs.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "matcher/records_normalise.h"
#include "matcher/text_scan.h"

namespace leakwatch::matcher::text_detail {

// Hits kept per scanned text; a hostile text full of candidates stops there (counts say so).
inline constexpr std::size_t kMaxHitsPerText = 1'000'000;
// Starts tried per match end, nearest first ("born John Smith" also tries "John Smith").
inline constexpr int kMaxInnerStarts = 8;
// A value shared by more rows than this is too common to link rows; it still counts as a
// single-column hit.
inline constexpr std::uint32_t kMaxRowsPerValue = 64;
// Sample offsets listed in one records evidence row.
inline constexpr std::size_t kSampleOffsets = 10;

// No start-of-match tracking: it makes Hyperscan several times slower and refuses large bounded
// repeats. A match's end is enough: starts are found by walking back to token boundaries, at
// most the pattern's width (Hyperscan's expression info) back.
inline constexpr unsigned kRecordFlags = HS_FLAG_CASELESS;
inline constexpr unsigned kTokenFlags = 0;
// How far back from a match's end starts are looked for when a pattern's width is unbounded.
inline constexpr std::uint32_t kMaxBack = 256;

struct CompileError {
  hs_compile_error_t* error = nullptr;
  ~CompileError() {
    if (error) hs_free_compile_error(error);
  }
};

inline Digest sha256_of(std::string_view text) {
  std::uint8_t out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), out, &len, EVP_sha256(), nullptr);
  return Digest::from_bytes(DigestKind::sha256, {out, len});
}

inline bool byte_at(std::string_view text, std::uint64_t i) {
  return is_value_byte(static_cast<unsigned char>(text[i]));
}

// A value starts at `p` when nothing of a value precedes it (or the value begins with punctuation).
inline bool starts_value(std::string_view text, std::uint64_t p) {
  return p == 0 || !byte_at(text, p) || !byte_at(text, p - 1);
}
inline bool ends_value(std::string_view text, std::uint64_t end) {
  return end >= text.size() || end == 0 || !byte_at(text, end) || !byte_at(text, end - 1);
}

// Sorted fingerprints of one column with a directory over their top bits: a lookup is one
// directory read and a short search in a bucket of about four.
struct ColumnTable {
  RecordColumn meta;  // fingerprints and rows moved in from the signature
  Normaliser normaliser = Normaliser::text;
  ValueShape shape;
  std::vector<std::uint32_t> directory;
  unsigned bits = 0;

  void build() {
    const auto n = meta.fingerprints.size();
    while (bits < 30 && (std::size_t{4} << bits) < n) ++bits;
    directory.assign((std::size_t{1} << bits) + 1, 0);
    std::size_t i = 0;
    for (std::size_t b = 0; b + 1 < directory.size(); ++b) {
      directory[b] = static_cast<std::uint32_t>(i);
      while (i < n && bucket(meta.fingerprints[i]) == b) ++i;
    }
    directory.back() = static_cast<std::uint32_t>(n);
  }
  std::size_t bucket(std::uint64_t fp) const {
    return bits == 0 ? 0 : static_cast<std::size_t>(fp >> (64 - bits));
  }
  std::pair<std::uint32_t, std::uint32_t> find(std::uint64_t fp) const {
    const auto b = bucket(fp);
    const auto* first = meta.fingerprints.data() + directory[b];
    const auto* last = meta.fingerprints.data() + directory[b + 1];
    const auto range = std::equal_range(first, last, fp);
    return {static_cast<std::uint32_t>(range.first - meta.fingerprints.data()),
            static_cast<std::uint32_t>(range.second - meta.fingerprints.data())};
  }
};

struct DatasetRecords {
  std::uint32_t signature = 0;
  RecordHasher hasher;
  std::vector<ColumnTable> columns;
};

struct Token {
  std::uint32_t signature = 0;
  Digest sha256;
};

// What one compiled expression stands for: record columns sharing a pattern, or honeytokens
// sharing a shape.
struct Expression {
  std::string pattern;
  unsigned flags = 0;
  std::uint32_t min_width = 0;  // bytes a match spans at least / at most (capped at kMaxBack)
  std::uint32_t max_width = 0;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> columns;  // (dataset, column)
  std::vector<std::uint32_t> tokens;
};

}  // namespace leakwatch::matcher::text_detail

namespace leakwatch::matcher {

struct TextIndex::Impl {
  hs_database_t* db = nullptr;
  hs_scratch_t* scratch = nullptr;  // prototype, cloned per Scanner
  std::vector<text_detail::Expression> expressions;
  std::vector<text_detail::DatasetRecords> datasets;
  std::vector<int> dataset_of;  // signature index -> datasets index, or -1
  std::vector<text_detail::Token> tokens;
  std::vector<std::string> problems;

  ~Impl() {
    if (scratch) hs_free_scratch(scratch);
    if (db) hs_free_database(db);
  }
};

}  // namespace leakwatch::matcher
