// Sightings from the hits of a manifest's texts and entry names: rows linked K of N columns
// within a window, distinct values for one column, honeytokens; thresholds per dataset.
#include <algorithm>

#include "matcher/fingerprint_index.h"
#include "matcher/score.h"
#include "matcher/text_index_impl.h"
#include "matcher/text_scan.h"

namespace leakwatch::matcher {

using namespace text_detail;

namespace {

struct DatasetTextMatches {
  std::vector<Evidence> honeytokens;
  std::vector<Evidence> records;
  std::uint64_t records_matched = 0;
  std::vector<std::uint32_t> rows;
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
  std::vector<std::uint32_t> rows;  // the rows matched (one column: the values' positions)
  std::uint64_t single = 0;         // value hits, all columns
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
    for (const auto& [v, off] : first_offset) {
      t.offsets.push_back(off);
      // One column: a value's position in the sorted fingerprints stands for its row.
      if (columns == 1) t.rows.push_back(v.second);
    }
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
        t.rows.push_back(cells[i].row);
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
      dm.rows.insert(dm.rows.end(), tally.rows.begin(), tally.rows.end());
      dm.records.push_back({"records", "", blob.origin, std::move(detail)});
    }
  }

  std::vector<Sighting> out;
  for (auto& [sig_index, dm] : per_dataset) {
    const auto& sig = index.signatures()[sig_index];
    const auto& thresholds = rules.for_dataset(sig.dataset);
    Sighting s = sighting_of(manifest, sig);
    s.records_matched = dm.records_matched;
    std::ranges::sort(dm.rows);
    dm.rows.erase(std::unique(dm.rows.begin(), dm.rows.end()), dm.rows.end());
    s.matched_rows = std::move(dm.rows);
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
    for (auto* list : {&s.matched_files, &s.matched_rows}) {
      auto& more_list = list == &s.matched_files ? m.matched_files : m.matched_rows;
      list->insert(list->end(), more_list.begin(), more_list.end());
      std::ranges::sort(*list);
      list->erase(std::unique(list->begin(), list->end()), list->end());
    }
  }
}

}  // namespace leakwatch::matcher
