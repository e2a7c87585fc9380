#include "matcher/records_signer.h"

#include <algorithm>
#include <fstream>
#include <numeric>

#include "matcher/text_scan.h"

namespace leakwatch::matcher {

namespace {

// Rows read before the normalisers are guessed; they are kept and signed afterwards.
constexpr std::size_t kSampleRows = 2000;
// Row ids are 32-bit.
constexpr std::uint64_t kMaxRows = 0xFFFF'FFF0ull;

struct ColumnWork {
  std::string name;
  std::size_t field = 0;
  Normaliser normaliser = Normaliser::text;
  std::optional<std::string> pattern;  // given by the user
  PatternGuess guess{Normaliser::text};
  ValueShape shape;
  bool any = false;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> values;  // (fingerprint, row)
};

}  // namespace

Result<RecordSignReport> sign_records(const std::filesystem::path& csv, const RecordKey& key,
                                      const RecordSignOptions& options) {
  if (options.columns.empty()) return Error{"sign --records: give --columns"};
  std::ifstream in(csv, std::ios::binary);
  if (!in) return Error{csv.string() + ": cannot open the records file"};
  CsvLimits limits = options.limits;
  limits.max_rows = std::min<std::uint64_t>(limits.max_rows, kMaxRows + 1);
  CsvReader reader(in, csv.string(), options.separator, limits);
  CsvRow header;
  if (!reader.next(header)) return Error{csv.string() + ": no header row"};

  std::vector<ColumnWork> columns;
  for (const auto& name : options.columns) {
    const auto it = std::find(header.fields.begin(), header.fields.end(), name);
    if (it == header.fields.end()) {
      std::string known;
      for (const auto& h : header.fields) known += (known.empty() ? "" : ", ") + h;
      return Error{csv.string() + ": no column '" + name + "' (header: " + known + ")"};
    }
    if (std::any_of(columns.begin(), columns.end(), [&](const auto& c) { return c.name == name; }))
      return Error{"sign --columns: '" + name + "' is given twice"};
    ColumnWork c;
    c.name = name;
    c.field = static_cast<std::size_t>(it - header.fields.begin());
    if (const auto p = options.patterns.find(name); p != options.patterns.end()) {
      if (auto ok = check_candidate_pattern(p->second); !ok)
        return Error{"sign --pattern " + name + ": " + ok.error().message};
      c.pattern = p->second;
    }
    columns.push_back(std::move(c));
  }
  for (const auto& entry : options.patterns) {
    const auto& name = entry.first;  // clang 14 (the fuzz build) cannot capture a binding
    if (std::none_of(columns.begin(), columns.end(), [&](const auto& c) { return c.name == name; }))
      return Error{"sign --pattern " + name + "=...: '" + name + "' is not one of --columns"};
  }

  RecordSignReport report;
  std::vector<CsvRow> sample;
  CsvRow row;
  while (sample.size() < kSampleRows && reader.next(row)) sample.push_back(row);
  for (auto& c : columns) {
    if (const auto n = options.normalisers.find(c.name); n != options.normalisers.end()) {
      c.normaliser = n->second;
    } else {
      std::vector<std::string> values;
      for (const auto& r : sample) {
        if (c.field < r.fields.size()) values.push_back(r.fields[c.field]);
      }
      c.normaliser = guess_normaliser(c.name, values);
    }
    c.guess = PatternGuess(c.normaliser);
  }

  const RecordHasher hasher(key);
  std::uint32_t next_row = 0;
  const auto take = [&](const CsvRow& r) {
    if (r.fields.size() != header.fields.size()) {
      ++report.bad_rows;
      if (report.problems.size() < 100) {
        report.problems.push_back(csv.string() + ":" + std::to_string(r.line) + ": " +
                                  std::to_string(r.fields.size()) + " fields, the header has " +
                                  std::to_string(header.fields.size()));
      }
      return;
    }
    const std::uint32_t id = next_row++;
    for (auto& c : columns) {
      const auto& raw = r.fields[c.field];
      auto value = normalise_value(c.normaliser, raw);
      if (value.empty()) continue;
      c.guess.add(raw);
      widen(c.shape, shape_of(value), !c.any);
      c.any = true;
      c.values.emplace_back(hasher.fingerprint(value), id);
    }
  };
  for (const auto& r : sample) take(r);
  sample.clear();
  while (reader.next(row)) take(row);
  if (reader.hit_row_limit()) {
    report.problems.push_back(csv.string() + ": stopped at " + std::to_string(limits.max_rows) +
                              " rows");
  }
  report.rows_read = next_row;
  report.bad_rows += reader.bad_rows();
  for (const auto& p : reader.problems()) {
    if (report.problems.size() < 100) report.problems.push_back(p);
  }

  RecordSet& set = report.records;
  set.key_id = key.id();
  set.rows = next_row;
  for (auto& c : columns) {
    if (c.values.empty()) {
      return Error{csv.string() + ": column '" + c.name + "' has no value to fingerprint"};
    }
    std::sort(c.values.begin(), c.values.end());
    c.values.erase(std::unique(c.values.begin(), c.values.end()), c.values.end());
    std::uint64_t distinct = 0;
    for (std::size_t i = 0; i < c.values.size(); ++i)
      distinct += i == 0 || c.values[i].first != c.values[i - 1].first;
    if (next_row >= 20 && distinct * 10 <= next_row) {
      report.warnings.push_back(
          "column '" + c.name + "' has only " + std::to_string(distinct) + " distinct values in " +
          std::to_string(next_row) +
          " rows: it cannot tell rows apart, so matches of its values count for little (sign "
          "columns that identify a row, like an ID, a plate or an e-mail address)");
    }
    RecordColumn out;
    out.name = c.name;
    out.normaliser = std::string(normaliser_name(c.normaliser));
    out.pattern = c.pattern ? *c.pattern : c.guess.pattern();
    if (auto ok = check_candidate_pattern(out.pattern); !ok)
      return Error{"column '" + c.name + "': guessed pattern " + out.pattern + ": " +
                   ok.error().message + " (give one with --pattern " + c.name + "=REGEX)"};
    out.min_length = c.shape.min_length;
    out.max_length = c.shape.max_length;
    out.min_digits = c.shape.min_digits;
    out.min_letters = c.shape.min_letters;
    out.fingerprints.reserve(c.values.size());
    for (const auto& [fp, id] : c.values) out.fingerprints.push_back(fp);
    // Row ids link the columns of one row; a single column needs none.
    if (columns.size() > 1) {
      out.rows.reserve(c.values.size());
      for (const auto& [fp, id] : c.values) out.rows.push_back(id);
    } else {
      out.fingerprints.erase(std::unique(out.fingerprints.begin(), out.fingerprints.end()),
                             out.fingerprints.end());
    }
    report.values += out.fingerprints.size();
    c.values = {};
    set.columns.push_back(std::move(out));
  }
  if (set.rows == 0) return Error{csv.string() + ": no good rows"};
  return report;
}

}  // namespace leakwatch::matcher
