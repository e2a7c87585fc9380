#include "matcher/records_csv.h"

#include <algorithm>
#include <array>

namespace leakwatch::matcher {

namespace {
constexpr std::size_t kBufferBytes = 1 << 20;
constexpr std::size_t kProblemsKept = 100;
}  // namespace

CsvReader::CsvReader(std::istream& in, std::string source, char separator, CsvLimits limits)
    : in_(in), source_(std::move(source)), separator_(separator), limits_(limits) {
  buffer_.resize(kBufferBytes);
}

int CsvReader::peek() {
  if (pos_ == end_) {
    if (!in_) return -1;
    in_.read(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    end_ = static_cast<std::size_t>(in_.gcount());
    pos_ = 0;
    if (end_ == 0) return -1;
  }
  return static_cast<unsigned char>(buffer_[pos_]);
}

int CsvReader::get() {
  const int c = peek();
  if (c >= 0) ++pos_;
  if (c == '\n') ++line_;
  return c;
}

void CsvReader::report(std::uint64_t line, const std::string& message) {
  ++bad_rows_;
  if (problems_.size() < kProblemsKept) {
    problems_.push_back(source_ + ":" + std::to_string(line) + ": " + message);
  }
}

void CsvReader::skip_line() {
  for (int c = get(); c >= 0 && c != '\n';) c = get();
}

bool CsvReader::next(CsvRow& row) {
  if (!started_) {
    started_ = true;
    // A UTF-8 byte order mark (Excel writes one) is not part of the first header.
    if (peek() == 0xEF) {
      static constexpr std::array<int, 3> kBom = {0xEF, 0xBB, 0xBF};
      std::size_t matched = 0;
      while (matched < 3 && peek() == kBom[matched]) {
        get();
        ++matched;
      }
      if (matched != 3) report(1, "broken byte order mark");
    }
    if (separator_ == 0) {
      // Count candidates on the first line (outside quotes) within the buffer at hand.
      peek();
      std::array<std::size_t, 4> counts{};
      static constexpr std::array<char, 4> kSeparators = {',', ';', '\t', '|'};
      bool quoted = false;
      for (std::size_t i = pos_; i < end_ && (quoted || buffer_[i] != '\n'); ++i) {
        if (buffer_[i] == '"') quoted = !quoted;
        if (quoted) continue;
        for (std::size_t k = 0; k < kSeparators.size(); ++k)
          counts[k] += buffer_[i] == kSeparators[k];
      }
      const auto best = std::max_element(counts.begin(), counts.end()) - counts.begin();
      separator_ = counts[static_cast<std::size_t>(best)] > 0
                       ? kSeparators[static_cast<std::size_t>(best)]
                       : ',';
    }
  }
  while (rows_ < limits_.max_rows) {
    row.fields.clear();
    row.line = line_;
    if (peek() < 0) return false;
    std::string field;
    bool bad = false;
    std::string why;
    bool row_done = false;
    while (!row_done) {
      // One field.
      field.clear();
      int c = peek();
      if (c == '"') {
        get();
        for (;;) {
          c = get();
          if (c < 0) {
            bad = true;
            why = "quoted field not closed before the end of the file";
            row_done = true;
            break;
          }
          if (c == '"') {
            if (peek() == '"') {
              get();
              field.push_back('"');
              continue;
            }
            // After the closing quote: a separator, the end of the line, or the end of the file.
            const int after = peek();
            if (after == separator_) {
              get();
            } else if (after == '\r' || after == '\n' || after < 0) {
              if (after == '\r') get();
              if (peek() == '\n') get();
              row_done = true;
            } else {
              bad = true;
              why = "text after a closing quote";
              skip_line();
              row_done = true;
            }
            break;
          }
          if (field.size() >= limits_.max_field_bytes) {
            bad = true;
            why = "field longer than " + std::to_string(limits_.max_field_bytes) + " bytes";
            skip_line();
            row_done = true;
            break;
          }
          field.push_back(static_cast<char>(c));
        }
      } else {
        for (;;) {
          c = get();
          if (c < 0 || c == '\n') {
            if (!field.empty() && field.back() == '\r') field.pop_back();
            row_done = true;
            break;
          }
          if (c == separator_) break;
          if (field.size() >= limits_.max_field_bytes) {
            bad = true;
            why = "field longer than " + std::to_string(limits_.max_field_bytes) + " bytes";
            skip_line();
            row_done = true;
            break;
          }
          field.push_back(static_cast<char>(c));
        }
      }
      if (bad) break;
      if (row.fields.size() >= limits_.max_fields) {
        bad = true;
        why = "more than " + std::to_string(limits_.max_fields) + " fields";
        if (!row_done) skip_line();
        break;
      }
      row.fields.push_back(std::move(field));
    }
    if (bad) {
      report(row.line, why);
      continue;
    }
    // A blank line is no row.
    if (row.fields.size() == 1 && row.fields[0].empty()) continue;
    ++rows_;
    return true;
  }
  return false;
}

}  // namespace leakwatch::matcher
