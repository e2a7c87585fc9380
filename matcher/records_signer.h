// Signing records: the chosen columns of a CSV file become keyed fingerprints (RecordSet), each
// with its normaliser, candidate pattern and value shape. No value is kept: each normalised value
// is hashed with HMAC-SHA256 under the dataset's key and only 8 bytes of the result are stored.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "matcher/records_csv.h"
#include "matcher/records_key.h"
#include "matcher/records_normalise.h"
#include "model/result.h"
#include "model/signature.h"

namespace leakwatch::matcher {

struct RecordSignOptions {
  std::vector<std::string> columns;               // CSV header names
  std::map<std::string, std::string> patterns;    // column -> candidate regex (else guessed)
  std::map<std::string, Normaliser> normalisers;  // column -> normaliser (else guessed)
  char separator = 0;                             // 0: detected
  CsvLimits limits;
};

struct RecordSignReport {
  RecordSet records;
  std::uint64_t rows_read = 0;        // good rows
  std::uint64_t bad_rows = 0;         // reported and skipped
  std::uint64_t values = 0;           // fingerprints stored (all columns)
  std::vector<std::string> problems;  // "FILE:LINE: why" for bad rows (the first 100)
  // Columns too repetitive to tell rows apart (at most rows/10 distinct values, e.g. 5 states
  // in 3,000 rows): signed all the same, but a match on them says little.
  std::vector<std::string> warnings;
};

Result<RecordSignReport> sign_records(const std::filesystem::path& csv, const RecordKey& key,
                                      const RecordSignOptions& options);

}  // namespace leakwatch::matcher
