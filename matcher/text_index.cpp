// Building the text index: every candidate pattern of every signature (record columns,
// honeytoken shapes) compiled into one Hyperscan database, and each column's fingerprints sorted
// under a directory (text_index_impl.h).
#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "matcher/fingerprint_index.h"
#include "matcher/text_index_impl.h"
#include "matcher/text_scan.h"

namespace leakwatch::matcher {

using namespace text_detail;

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
      // Leaves the moved-from column's large vectors empty on purpose, whatever the move did.
      column.fingerprints = {};  // NOLINT(bugprone-use-after-move): reassigned, not read
      column.rows = {};          // NOLINT(bugprone-use-after-move): reassigned, not read
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

}  // namespace leakwatch::matcher
