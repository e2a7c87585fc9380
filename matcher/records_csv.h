// CSV as organisations export it (RFC 4180 and its dialects): quoted fields with "" escapes,
// separators and newlines inside quotes, CRLF or LF, a UTF-8 byte order mark, ',' ';' tab or
// '|' separators. Streams: a 10-million-row file is never held whole. Hostile or broken input
// is bounded (field bytes, fields per row, rows) and a bad row is reported and skipped, never
// fatal for the rest.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

namespace leakwatch::matcher {

struct CsvLimits {
  std::size_t max_field_bytes = 64 * 1024;
  std::size_t max_fields = 4096;
  std::uint64_t max_rows = 200'000'000;
};

struct CsvRow {
  std::vector<std::string> fields;
  std::uint64_t line = 0;  // where the row starts (1-based)
};

class CsvReader {
 public:
  // `separator` 0: detected from the first line (the most frequent of , ; tab |).
  CsvReader(std::istream& in, std::string source, char separator = 0, CsvLimits limits = {});

  // The next good row; false at the end. Bad rows go to problems() and are skipped.
  bool next(CsvRow& row);
  // "FILE:LINE: message" for every bad row (at most 100 kept; bad_rows() counts all).
  const std::vector<std::string>& problems() const { return problems_; }
  std::uint64_t bad_rows() const { return bad_rows_; }
  char separator() const { return separator_; }
  bool hit_row_limit() const { return rows_ >= limits_.max_rows; }

 private:
  int get();   // next byte, or -1 at the end
  int peek();  // the byte get() would return
  void report(std::uint64_t line, const std::string& message);
  void skip_line();

  std::istream& in_;
  std::string source_;
  char separator_;
  CsvLimits limits_;
  std::vector<char> buffer_;
  std::size_t pos_ = 0, end_ = 0;
  std::uint64_t line_ = 1;
  std::uint64_t rows_ = 0;
  std::uint64_t bad_rows_ = 0;
  std::vector<std::string> problems_;
  bool started_ = false;
};

}  // namespace leakwatch::matcher
