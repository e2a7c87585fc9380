#include "matcher/text_scan.h"

#include <hs/hs.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "matcher/fingerprint_index.h"
#include "matcher/records_normalise.h"
#include "matcher/score.h"

namespace leakwatch::matcher {

namespace {

// Hits kept per scanned text; a hostile text full of candidates stops there (counts say so).
constexpr std::size_t kMaxHitsPerText = 1'000'000;
// Starts tried per match end, nearest first ("born John Smith" also tries "John Smith").
constexpr int kMaxInnerStarts = 8;
// A value shared by more rows than this is too common to link rows; it still counts as a
// single-column hit.
constexpr std::uint32_t kMaxRowsPerValue = 64;
// Sample offsets listed in one records evidence row.
constexpr std::size_t kSampleOffsets = 10;

// No start-of-match tracking: it makes Hyperscan several times slower and refuses large bounded
// repeats. A match's end is enough: starts are found by walking back to token boundaries, at
// most the pattern's width (Hyperscan's expression info) back.
constexpr unsigned kRecordFlags = HS_FLAG_CASELESS;
constexpr unsigned kTokenFlags = 0;
// How far back from a match's end starts are looked for when a pattern's width is unbounded.
constexpr std::uint32_t kMaxBack = 256;

struct CompileError {
  hs_compile_error_t* error = nullptr;
  ~CompileError() {
    if (error) hs_free_compile_error(error);
  }
};

Digest sha256_of(std::string_view text) {
  std::uint8_t out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), out, &len, EVP_sha256(), nullptr);
  return Digest::from_bytes(DigestKind::sha256, {out, len});
}

bool byte_at(std::string_view text, std::uint64_t i) {
  return is_value_byte(static_cast<unsigned char>(text[i]));
}

// A value starts at `p` when nothing of a value precedes it (or the value begins with punctuation).
bool starts_value(std::string_view text, std::uint64_t p) {
  return p == 0 || !byte_at(text, p) || !byte_at(text, p - 1);
}
bool ends_value(std::string_view text, std::uint64_t end) {
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

}  // namespace

struct TextIndex::Impl {
  hs_database_t* db = nullptr;
  hs_scratch_t* scratch = nullptr;  // prototype, cloned per Scanner
  std::vector<Expression> expressions;
  std::vector<DatasetRecords> datasets;
  std::vector<int> dataset_of;  // signature index -> datasets index, or -1
  std::vector<Token> tokens;
  std::vector<std::string> problems;

  ~Impl() {
    if (scratch) hs_free_scratch(scratch);
    if (db) hs_free_database(db);
  }
};

Result<void> check_candidate_pattern(std::string_view pattern) {
  hs_database_t* db = nullptr;
  CompileError err;
  const std::string p(pattern);
  if (hs_compile(p.c_str(), kRecordFlags, HS_MODE_BLOCK, nullptr, &db, &err.error) != HS_SUCCESS) {
    return Error{"Hyperscan rejects the pattern '" + p + "': " + err.error->message};
  }
  hs_free_database(db);
  return {};
}

TextIndex::TextIndex(std::vector<Signature>& signatures, const RecordKeys& keys)
    : impl_(std::make_unique<Impl>()) {
  auto& im = *impl_;
  im.dataset_of.assign(signatures.size(), -1);
  std::map<std::pair<std::string, unsigned>, std::size_t> by_pattern;
  const auto expression = [&](const std::string& pattern, unsigned flags) -> Expression& {
    const auto [it, inserted] = by_pattern.try_emplace({pattern, flags}, im.expressions.size());
    if (inserted) im.expressions.push_back({pattern, flags, 0, 0, {}, {}});
    return im.expressions[it->second];
  };
  for (std::uint32_t s = 0; s < signatures.size(); ++s) {
    auto& sig = signatures[s];
    for (std::size_t t = 0; t < sig.honeytoken_shapes.size() && t < sig.honeytoken_hashes.size();
         ++t) {
      if (sig.honeytoken_shapes[t].empty()) continue;
      expression(sig.honeytoken_shapes[t], kTokenFlags)
          .tokens.push_back(static_cast<std::uint32_t>(im.tokens.size()));
      im.tokens.push_back({s, sig.honeytoken_hashes[t]});
    }
    if (sig.records.empty()) continue;
    const auto key = keys.find(sig.dataset);
    if (key == keys.end()) {
      im.problems.push_back("dataset '" + sig.dataset +
                            "': record fingerprints not matched: its key is not in the data dir");
      continue;
    }
    if (key->second.id() != sig.records.key_id) {
      im.problems.push_back("dataset '" + sig.dataset + "': record fingerprints not matched: key " +
                            key->second.id() + " is not the key they were made with (" +
                            sig.records.key_id + ")");
      continue;
    }
    DatasetRecords ds{s, RecordHasher(key->second), {}};
    const auto ds_index = static_cast<std::uint32_t>(im.datasets.size());
    bool usable = true;
    for (auto& column : sig.records.columns) {
      ColumnTable table;
      const auto normaliser = parse_normaliser(column.normaliser);
      if (!normaliser) {
        im.problems.push_back("dataset '" + sig.dataset + "' column '" + column.name +
                              "': unknown normaliser '" + column.normaliser + "'");
        usable = false;
        break;
      }
      table.normaliser = *normaliser;
      table.shape = {column.min_length, column.max_length, column.min_digits, column.min_letters};
      table.meta = std::move(column);
      column.fingerprints = {};
      column.rows = {};
      // The signer stores fingerprints sorted; a hand-edited bundle may not be.
      if (!std::is_sorted(table.meta.fingerprints.begin(), table.meta.fingerprints.end())) {
        std::vector<std::pair<std::uint64_t, std::uint32_t>> pairs;
        for (std::size_t i = 0; i < table.meta.fingerprints.size(); ++i) {
          pairs.emplace_back(table.meta.fingerprints[i],
                             table.meta.rows.empty() ? 0 : table.meta.rows[i]);
        }
        std::sort(pairs.begin(), pairs.end());
        for (std::size_t i = 0; i < pairs.size(); ++i) {
          table.meta.fingerprints[i] = pairs[i].first;
          if (!table.meta.rows.empty()) table.meta.rows[i] = pairs[i].second;
        }
      }
      table.build();
      ds.columns.push_back(std::move(table));
    }
    if (!usable) continue;
    for (std::uint32_t c = 0; c < ds.columns.size(); ++c) {
      expression(ds.columns[c].meta.pattern, kRecordFlags).columns.emplace_back(ds_index, c);
    }
    im.dataset_of[s] = static_cast<int>(ds_index);
    im.datasets.push_back(std::move(ds));
  }
  if (im.expressions.empty()) return;

  // Compile all at once; a pattern Hyperscan rejects (a hand-edited bundle) is dropped, named,
  // and the rest compiled again.
  for (;;) {
    std::vector<const char*> patterns;
    std::vector<unsigned> flags, ids;
    for (std::size_t i = 0; i < im.expressions.size(); ++i) {
      patterns.push_back(im.expressions[i].pattern.c_str());
      flags.push_back(im.expressions[i].flags);
      ids.push_back(static_cast<unsigned>(i));
    }
    CompileError err;
    if (hs_compile_multi(patterns.data(), flags.data(), ids.data(),
                         static_cast<unsigned>(patterns.size()), HS_MODE_BLOCK, nullptr, &im.db,
                         &err.error) == HS_SUCCESS) {
      break;
    }
    const int bad = err.error->expression;
    if (bad < 0 || static_cast<std::size_t>(bad) >= im.expressions.size()) {
      im.problems.push_back(std::string("text matching disabled: Hyperscan: ") +
                            err.error->message);
      im.expressions.clear();
      return;
    }
    im.problems.push_back("pattern '" + im.expressions[static_cast<std::size_t>(bad)].pattern +
                          "' ignored: Hyperscan: " + err.error->message);
    // Keep the ids stable for the others: an expression that can never match.
    im.expressions[static_cast<std::size_t>(bad)] = {
        "\\x00\\xff\\x00\\xff\\x00{8}", kTokenFlags, {}, {}};
  }
  for (auto& e : im.expressions) {
    hs_expr_info_t* info = nullptr;
    CompileError err;
    e.min_width = 1;
    e.max_width = kMaxBack;
    if (hs_expression_info(e.pattern.c_str(), e.flags, &info, &err.error) == HS_SUCCESS && info) {
      e.min_width = std::max(1u, std::min(info->min_width, kMaxBack));
      // Honeytoken shapes are fixed-width and need their exact width, however long.
      e.max_width = info->min_width == info->max_width ? info->max_width
                                                       : std::min(info->max_width, kMaxBack);
      std::free(info);  // hs_expression_info allocates with the default (malloc) allocator
    }
  }
  if (hs_alloc_scratch(im.db, &im.scratch) != HS_SUCCESS) {
    throw std::runtime_error("Hyperscan: cannot allocate scratch space");
  }
}

TextIndex::~TextIndex() = default;
TextIndex::TextIndex(TextIndex&&) noexcept = default;
TextIndex& TextIndex::operator=(TextIndex&&) noexcept = default;

bool TextIndex::empty() const {
  return impl_->db == nullptr;
}

const std::vector<std::string>& TextIndex::problems() const {
  return impl_->problems;
}

std::size_t TextIndex::memory_bytes() const {
  std::size_t total = 0;
  for (const auto& ds : impl_->datasets) {
    for (const auto& c : ds.columns) {
      total += c.meta.fingerprints.capacity() * sizeof(std::uint64_t) +
               c.meta.rows.capacity() * sizeof(std::uint32_t) +
               c.directory.capacity() * sizeof(std::uint32_t);
    }
  }
  std::size_t db_size = 0;
  if (impl_->db && hs_database_size(impl_->db, &db_size) == HS_SUCCESS) total += db_size;
  return total;
}

std::uint32_t TextIndex::record_columns(std::uint32_t signature) const {
  if (signature >= impl_->dataset_of.size() || impl_->dataset_of[signature] < 0) return 0;
  return static_cast<std::uint32_t>(
      impl_->datasets[static_cast<std::size_t>(impl_->dataset_of[signature])].columns.size());
}

const RecordColumn& TextIndex::column(std::uint32_t signature, std::uint32_t column) const {
  return impl_->datasets[static_cast<std::size_t>(impl_->dataset_of[signature])]
      .columns[column]
      .meta;
}

std::span<const std::uint32_t> TextIndex::rows(std::uint32_t signature, std::uint32_t column,
                                               std::uint32_t first, std::uint32_t last) const {
  const auto& rows = this->column(signature, column).rows;
  if (rows.empty()) return {};
  return std::span<const std::uint32_t>(rows).subspan(first, last - first);
}

TextIndex::Scanner::Scanner(const TextIndex& index) : index_(index) {
  if (!index.impl_->scratch) return;
  hs_scratch_t* s = nullptr;
  if (hs_clone_scratch(index.impl_->scratch, &s) != HS_SUCCESS) {
    throw std::runtime_error("Hyperscan: cannot clone scratch space");
  }
  scratch_ = s;
}

TextIndex::Scanner::~Scanner() {
  if (scratch_) hs_free_scratch(static_cast<hs_scratch_t*>(scratch_));
}

namespace {

struct ScanContext {
  const TextIndex::Impl* index;
  std::string_view text;
  TextHits* hits;
  bool records;
  std::uint64_t base;  // offset of this block in the whole text
  std::string normalised;
};

void match_record(ScanContext& ctx, const Expression& e, std::uint64_t to) {
  const auto text = ctx.text;
  if (to < e.min_width || !ends_value(text, to)) return;
  // Starts: token boundaries at most max_width back, nearest first ("born John Smith" tries
  // "Smith", "John Smith", "born John Smith").
  std::uint64_t starts[kMaxInnerStarts];
  int n = 0;
  const std::uint64_t lowest = to > e.max_width ? to - e.max_width : 0;
  for (std::uint64_t p = to - e.min_width + 1; p-- > lowest && n < kMaxInnerStarts;) {
    // A value may begin with punctuation ("+1 555 ..."), never with a space.
    const char c = text[p];
    if ((p == 0 || !byte_at(text, p - 1)) && c != ' ' && c != '\t' && c != '\n' && c != '\r') {
      starts[n++] = p;
    }
  }
  const std::size_t first_new = ctx.hits->records.size();
  for (int i = 0; i < n; ++i) {
    const auto span = text.substr(starts[i], to - starts[i]);
    int last_dataset = -1;
    Normaliser last_normaliser = Normaliser::text;
    std::uint64_t fp = 0;
    bool have_fp = false;
    for (const auto& [ds_index, col] : e.columns) {
      const auto& ds = ctx.index->datasets[ds_index];
      const auto& table = ds.columns[col];
      if (!have_fp || last_dataset != static_cast<int>(ds_index) ||
          last_normaliser != table.normaliser) {
        normalise_value_into(table.normaliser, span, ctx.normalised);
        have_fp = false;
        if (ctx.normalised.empty() || !fits(table.shape, ctx.normalised)) continue;
        fp = ds.hasher.fingerprint(ctx.normalised);
        have_fp = true;
        last_dataset = static_cast<int>(ds_index);
        last_normaliser = table.normaliser;
      } else if (!fits(table.shape, ctx.normalised)) {
        continue;
      }
      const auto [first, last] = table.find(fp);
      if (first == last) continue;
      // "+1 555 0100" and "1 555 0100" are one value: one hit per match end.
      const auto& hits = ctx.hits->records;
      if (std::any_of(hits.begin() + static_cast<std::ptrdiff_t>(first_new), hits.end(),
                      [&](const RecordHit& h) {
                        return h.signature == ds.signature && h.column == col && h.first == first;
                      })) {
        continue;
      }
      ctx.hits->records.push_back({ds.signature, col, ctx.base + starts[i], first, last});
    }
  }
}

void match_token(ScanContext& ctx, const Expression& e, std::uint64_t to) {
  // A shape is fixed-width: the token starts max_width before its end.
  if (to < e.max_width) return;
  const std::uint64_t from = to - e.max_width;
  if (!starts_value(ctx.text, from) || !ends_value(ctx.text, to)) return;
  const auto hash = sha256_of(ctx.text.substr(from, to - from));
  for (const auto t : e.tokens) {
    const auto& token = ctx.index->tokens[t];
    if (token.sha256 == hash) {
      ctx.hits->honeytokens.push_back({token.signature, ctx.base + from, to - from, hash});
    }
  }
}

int on_match(unsigned int id, unsigned long long, unsigned long long to, unsigned int,
             void* context) {
  auto& ctx = *static_cast<ScanContext*>(context);
  const auto& e = ctx.index->expressions[id];
  if (!e.tokens.empty()) match_token(ctx, e, to);
  if (ctx.records && !e.columns.empty()) match_record(ctx, e, to);
  if (ctx.hits->records.size() + ctx.hits->honeytokens.size() >= kMaxHitsPerText) {
    ctx.hits->truncated = true;
    return 1;
  }
  return 0;
}

}  // namespace

void TextIndex::Scanner::scan(std::string_view text, TextHits& hits, bool records) {
  if (!scratch_) return;
  // Hyperscan takes 32-bit lengths: long texts go in blocks cut at a line end when there is one
  // (a value split at a block edge is lost; lines are far shorter than a block).
  constexpr std::size_t kBlock = std::size_t{1} << 30;
  std::uint64_t base = 0;
  while (!text.empty() && !hits.truncated) {
    std::size_t len = text.size();
    if (len > kBlock) {
      const auto nl = text.rfind('\n', kBlock);
      len = nl == std::string_view::npos || nl == 0 ? kBlock : nl + 1;
    }
    ScanContext ctx{index_.impl_.get(), text.substr(0, len), &hits, records, base, {}};
    hs_scan(index_.impl_->db, ctx.text.data(), static_cast<unsigned>(len), 0,
            static_cast<hs_scratch_t*>(scratch_), on_match, &ctx);
    text.remove_prefix(len);
    base += len;
  }
}

namespace {

struct DatasetTextMatches {
  std::vector<Evidence> honeytokens;
  std::vector<Evidence> records;
  std::uint64_t records_matched = 0;
};

std::string_view raw_basename(std::string_view path) {
  while (!path.empty() && (path.back() == '/' || path.back() == '\\')) path.remove_suffix(1);
  if (const auto slash = path.find_last_of("/\\"); slash != std::string_view::npos) {
    path.remove_prefix(slash + 1);
  }
  return path;
}

// Rows (or, for one column, distinct values) of one dataset matched in one text, and the
// evidence row that says so.
struct RecordTally {
  std::uint64_t matched = 0;
  std::uint64_t single = 0;  // value hits, all columns
  std::vector<std::uint64_t> offsets;
  std::vector<bool> columns_seen;
};

RecordTally tally_records(const std::vector<const RecordHit*>& hits, const TextIndex& index,
                          std::uint32_t signature, const ScoreRules& rules) {
  RecordTally t;
  const auto columns = index.record_columns(signature);
  t.columns_seen.assign(columns, false);
  t.single = hits.size();
  for (const auto* h : hits) t.columns_seen[h->column] = true;
  const bool linked = columns > 1 && !index.column(signature, 0).rows.empty();
  if (!linked) {
    // One column: distinct values.
    std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint64_t> first_offset;
    for (const auto* h : hits) first_offset.try_emplace({h->column, h->first}, h->offset);
    t.matched = first_offset.size();
    for (const auto& [v, off] : first_offset) t.offsets.push_back(off);
  } else {
    const auto k = std::max<std::uint32_t>(1, std::min(rules.record_min_columns, columns));
    struct Cell {
      std::uint32_t row;
      std::uint64_t offset;
      std::uint32_t column;
    };
    std::vector<Cell> cells;
    for (const auto* h : hits) {
      const auto rows = index.rows(signature, h->column, h->first, h->last);
      if (rows.size() > kMaxRowsPerValue) continue;
      for (const auto r : rows) cells.push_back({r, h->offset, h->column});
    }
    std::sort(cells.begin(), cells.end(), [](const Cell& a, const Cell& b) {
      return a.row != b.row ? a.row < b.row : a.offset < b.offset;
    });
    std::vector<std::uint32_t> seen;
    for (std::size_t i = 0; i < cells.size();) {
      std::size_t j = i;
      while (j < cells.size() && cells[j].row == cells[i].row) ++j;
      // Any window of record_window bytes in this row's cells holding k distinct columns.
      bool matched = false;
      std::uint64_t at = 0;
      for (std::size_t a = i; a < j && !matched && a < i + kMaxRowsPerValue; ++a) {
        seen.clear();
        for (std::size_t b = a; b < j && cells[b].offset - cells[a].offset <= rules.record_window;
             ++b) {
          if (std::find(seen.begin(), seen.end(), cells[b].column) == seen.end())
            seen.push_back(cells[b].column);
        }
        if (seen.size() >= k) {
          matched = true;
          at = cells[a].offset;
        }
      }
      if (matched) {
        ++t.matched;
        t.offsets.push_back(at);
      }
      i = j;
    }
  }
  std::sort(t.offsets.begin(), t.offsets.end());
  return t;
}

}  // namespace

std::vector<Sighting> score_text(const Manifest& manifest, const FingerprintIndex& index,
                                 const ScoreRules& rules) {
  const TextIndex& text_index = index.text();
  if (text_index.empty()) return {};
  TextIndex::Scanner scanner(text_index);
  std::map<std::uint32_t, DatasetTextMatches> per_dataset;

  for (const auto& entry : manifest.entries) {
    TextHits hits;
    scanner.scan(entry.path, hits, false);
    const auto base = raw_basename(entry.path);
    const auto base_at = entry.path.size() - base.size();
    for (const auto& h : hits.honeytokens) {
      // A name that is the token, or its stem before an extension, is score()'s evidence.
      if (h.offset == base_at &&
          (h.length == base.size() || (h.length < base.size() && base[h.length] == '.'))) {
        continue;
      }
      per_dataset[h.signature].honeytokens.push_back(
          {"honeytoken", "", entry.path,
           "entry name carries a planted honeytoken at byte " + std::to_string(h.offset) +
               " (sha256 " + h.sha256.hex() + ")"});
    }
  }

  for (const auto& blob : manifest.texts) {
    TextHits hits;
    scanner.scan(blob.text, hits, true);
    for (const auto& h : hits.honeytokens) {
      per_dataset[h.signature].honeytokens.push_back(
          {"honeytoken", "", blob.origin,
           "text carries a planted honeytoken at offset " + std::to_string(h.offset) + " (sha256 " +
               h.sha256.hex() + ")"});
    }
    std::map<std::uint32_t, std::vector<const RecordHit*>> by_signature;
    for (const auto& h : hits.records) by_signature[h.signature].push_back(&h);
    for (const auto& [sig, sig_hits] : by_signature) {
      const auto& thresholds = rules.for_dataset(index.signatures()[sig].dataset);
      const auto tally = tally_records(sig_hits, text_index, sig, thresholds);
      const auto columns = text_index.record_columns(sig);
      std::string seen;
      for (std::uint32_t c = 0; c < columns; ++c) {
        if (tally.columns_seen[c])
          seen += (seen.empty() ? "" : ",") + text_index.column(sig, c).name;
      }
      const bool linked = columns > 1 && !text_index.column(sig, 0).rows.empty();
      std::string detail = std::to_string(tally.matched) +
                           (linked ? " rows matched (at least " +
                                         std::to_string(std::max<std::uint32_t>(
                                             1, std::min(thresholds.record_min_columns, columns))) +
                                         " of " + std::to_string(columns) + " columns within " +
                                         std::to_string(thresholds.record_window) + " bytes)"
                                   : " distinct values matched") +
                           "; columns seen: " + seen +
                           "; single-column hits: " + std::to_string(tally.single);
      if (!tally.offsets.empty()) {
        detail += "; offsets:";
        for (std::size_t i = 0; i < tally.offsets.size() && i < kSampleOffsets; ++i)
          detail += " " + std::to_string(tally.offsets[i]);
      }
      if (hits.truncated) detail += "; stopped at " + std::to_string(kMaxHitsPerText) + " hits";
      auto& dm = per_dataset[sig];
      dm.records_matched += tally.matched;
      dm.records.push_back({"records", "", blob.origin, std::move(detail)});
    }
  }

  std::vector<Sighting> out;
  for (auto& [sig_index, dm] : per_dataset) {
    const auto& sig = index.signatures()[sig_index];
    const auto& thresholds = rules.for_dataset(sig.dataset);
    Sighting s = sighting_of(manifest, sig);
    s.records_matched = dm.records_matched;
    if (!dm.honeytokens.empty() || dm.records_matched >= thresholds.records_confirmed) {
      s.confidence = Confidence::confirmed;
    } else if (dm.records_matched >= thresholds.records_likely) {
      s.confidence = Confidence::likely;
    } else {
      s.confidence = Confidence::possible;
    }
    for (auto* list : {&dm.honeytokens, &dm.records}) {
      for (auto& e : *list) {
        if (s.evidence.size() < rules.max_evidence) s.evidence.push_back(std::move(e));
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

void merge_sightings(std::vector<Sighting>& into, std::vector<Sighting> more,
                     std::size_t max_evidence) {
  for (auto& m : more) {
    const auto it = std::find_if(into.begin(), into.end(), [&](const Sighting& s) {
      return s.dataset == m.dataset && s.locator == m.locator;
    });
    if (it == into.end()) {
      into.push_back(std::move(m));
      continue;
    }
    Sighting& s = *it;
    std::vector<Evidence> evidence;
    auto& first = m.confidence > s.confidence ? m.evidence : s.evidence;
    auto& second = m.confidence > s.confidence ? s.evidence : m.evidence;
    for (auto* list : {&first, &second}) {
      for (auto& e : *list) {
        if (evidence.size() < max_evidence) evidence.push_back(std::move(e));
      }
    }
    s.evidence = std::move(evidence);
    s.confidence = std::max(s.confidence, m.confidence);
    s.records_matched += m.records_matched;
    s.files_matched += m.files_matched;
    s.bytes_matched += m.bytes_matched;
  }
}

}  // namespace leakwatch::matcher
