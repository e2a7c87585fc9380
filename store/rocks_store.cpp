// Reads and writes of the records: signatures, fetches (scan + source state + manifest +
// sightings + outbox in one batch), and the streamed queries over the sighting indexes.
#include <algorithm>
#include <deque>
#include <iterator>
#include <limits>
#include <ranges>
#include <set>

#include "model/json.h"
#include "store/rocks_db.h"
#include "store/value_frame.h"

namespace leakwatch::store {

namespace {

rocksdb::Slice slice(std::string_view s) {
  return {s.data(), s.size()};
}

// Holds a consistent view for one query; a secondary instance only changes when it catches up,
// so it needs none (and RocksDB gives secondaries no snapshots).
class ReadView {
 public:
  explicit ReadView(Store::Impl& impl) : impl_(impl) {
    if (!impl_.read_only) {
      snapshot_ = impl_.db->GetSnapshot();
      options_.snapshot = snapshot_;
    }
  }
  ~ReadView() {
    if (snapshot_) impl_.db->ReleaseSnapshot(snapshot_);
  }
  ReadView(const ReadView&) = delete;
  ReadView& operator=(const ReadView&) = delete;
  const rocksdb::ReadOptions& options() const { return options_; }

 private:
  Store::Impl& impl_;
  const rocksdb::Snapshot* snapshot_ = nullptr;
  rocksdb::ReadOptions options_;
};

// Reads one JSON record; nullopt when absent.
template <typename T, typename Parse>
Result<std::optional<T>> get_record(Store::Impl& impl, const rocksdb::ReadOptions& ro, Family f,
                                    std::string_view key, const std::string& what, Parse parse) {
  std::string value;
  const auto s = impl.db->Get(ro, impl.cf[f], slice(key), &value);
  if (s.IsNotFound()) return std::optional<T>{};
  if (!s.ok()) return status_error(what, s);
  auto parsed = parse(value, what);
  if (!parsed) return parsed.error();
  return std::optional<T>(std::move(parsed).value());
}

// Views of a manifest's paths as its stored text holds them, sorted, without duplicates. A path
// that is not UTF-8 is stored with U+FFFD in its place (`converted` holds those forms), and must
// compare as stored, or every scan would list it as removed and added again.
std::vector<std::string_view> sorted_paths(const Manifest& m, std::deque<std::string>& converted) {
  std::vector<std::string_view> paths;
  paths.reserve(m.entries.size());
  for (const auto& e : m.entries) {
    if (auto stored = json_text_replacement(e.path)) {
      paths.emplace_back(converted.emplace_back(std::move(*stored)));
    } else {
      paths.emplace_back(e.path);
    }
  }
  std::sort(paths.begin(), paths.end());
  paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
  return paths;
}

// Paths packed in one buffer: 8 bytes of bookkeeping a path, where a std::string costs 32 plus
// its heap block.
class PathSet {
 public:
  // Room for about this many paths of this many bytes in all (a guess: the last manifest of a
  // source is usually near the size of this one), so neither buffer doubles past it.
  void reserve(std::size_t paths, std::size_t bytes) {
    spans_.reserve(paths);
    bytes_.reserve(bytes);
  }
  // False when the paths pass 4 GiB in all (a manifest nobody can hold anyway).
  bool add(std::string_view path) {
    if (bytes_.size() + path.size() > std::numeric_limits<std::uint32_t>::max()) return false;
    spans_.push_back(
        {static_cast<std::uint32_t>(bytes_.size()), static_cast<std::uint32_t>(path.size())});
    bytes_ += path;
    return true;
  }
  // Sorts the paths and drops duplicates, in place.
  void sort_unique() {
    const auto less = [this](Span a, Span b) { return view(a) < view(b); };
    const auto same = [this](Span a, Span b) { return view(a) == view(b); };
    std::sort(spans_.begin(), spans_.end(), less);
    spans_.erase(std::unique(spans_.begin(), spans_.end(), same), spans_.end());
  }
  // The paths in their current order; each view is valid while the set lives unchanged.
  std::size_t size() const { return spans_.size(); }
  std::string_view operator[](std::size_t i) const { return view(spans_[i]); }

 private:
  struct Span {
    std::uint32_t offset;
    std::uint32_t size;
  };
  std::string_view view(Span s) const { return {bytes_.data() + s.offset, s.size}; }

  std::string bytes_;
  std::vector<Span> spans_;
};

// A stored manifest, framed or not, read entry by entry (each handed to `visit`).
Result<Manifest> read_manifest(std::string_view value, const std::string& what,
                               const std::function<void(FileEntry&&)>& visit) {
  FrameStream text(value);
  auto read = visit_manifest_json_text(text, what, visit);
  if (!text.error().empty()) return Error{what + ": damaged compressed value: " + text.error()};
  return read;
}

// The change record of a new manifest against the stored one. Memory stays near the manifest
// itself: of the stored one only the paths are read, packed (docs/PERFORMANCE.md, "Crawler
// memory").
Result<std::string> manifest_change_text(Store::Impl& impl, const rocksdb::ReadOptions& ro,
                                         const Manifest& latest, const std::string& what) {
  PathSet before;
  {
    rocksdb::PinnableSlice previous;  // read in place where RocksDB can, not copied
    const auto got = impl.db->Get(ro, impl.cf[kManifests], slice(latest.locator), &previous);
    if (!got.ok() && !got.IsNotFound()) {
      return status_error(what + ": manifest of " + latest.locator, got);
    }
    if (got.ok()) {
      std::size_t bytes = 0;
      for (const auto& e : latest.entries) bytes += e.path.size();
      before.reserve(latest.entries.size() + latest.entries.size() / 8, bytes + bytes / 8);
      bool fits = true;
      auto read = read_manifest(previous.ToStringView(), what + ": manifest of " + latest.locator,
                                [&](FileEntry&& e) { fits = fits && before.add(e.path); });
      if (!fits) return Error{what + ": manifest of " + latest.locator + ": too big to compare"};
      // A damaged stored manifest is replaced, not a reason to record nothing more for this
      // locator: the change record then lists every path as added.
      if (!read) before = PathSet{};
    }
  }
  std::deque<std::string> converted;
  const auto now_paths = sorted_paths(latest, converted);
  before.sort_unique();
  // Both sorted and unique: one merge walk finds what each side holds alone. (Written out:
  // clang 14, the fuzz preset's compiler, cannot build libstdc++ 12's ranges view of the set.)
  std::vector<std::string_view> added, removed;
  for (std::size_t i = 0, j = 0; i < now_paths.size() || j < before.size();) {
    if (j == before.size() || (i < now_paths.size() && now_paths[i] < before[j])) {
      added.push_back(now_paths[i++]);
    } else if (i == now_paths.size() || before[j] < now_paths[i]) {
      removed.push_back(before[j++]);
    } else {
      ++i;
      ++j;
    }
  }
  FrameWriter frame;
  write_manifest_change_json(latest.locator, latest.fetched_at, latest.entries.size(), added,
                             removed, [&](std::string_view piece) { frame.write(piece); });
  return frame.finish();
}

std::vector<std::uint32_t> sorted_union(const std::vector<std::uint32_t>& a,
                                        const std::vector<std::uint32_t>& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  std::vector<std::uint32_t> out;
  out.reserve(a.size() + b.size());
  std::ranges::set_union(a, b, std::back_inserter(out));
  return out;
}

// The members of `s` that none of its stored groups holds yet, packed; empty when none.
Result<std::string> new_members(Store::Impl& impl, const rocksdb::ReadOptions& ro,
                                const Sighting& s, const std::string& what) {
  if (s.matched_files.empty() && s.matched_rows.empty()) return std::string();
  std::vector<std::uint32_t> files, rows;
  const std::string prefix = sighting_key(s.dataset, s.locator) + std::string(1, '\0');
  std::unique_ptr<rocksdb::Iterator> it(impl.db->NewIterator(ro, impl.cf[kMembers]));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (it->key().size() != prefix.size() + 8) continue;  // a longer locator sharing the prefix
    auto group = unpack_members(it->key().ToStringView(), it->value().ToStringView());
    if (!group) return Error{what + ": " + group.error().message};
    files = sorted_union(files, group->files);
    rows = sorted_union(rows, group->rows);
  }
  if (!it->status().ok()) return status_error(what + ": sighting members", it->status());
  std::vector<std::uint32_t> new_files, new_rows;
  std::ranges::set_difference(s.matched_files, files, std::back_inserter(new_files));
  std::ranges::set_difference(s.matched_rows, rows, std::back_inserter(new_rows));
  if (new_files.empty() && new_rows.empty()) return std::string();
  return pack_members(new_files, new_rows);
}

}  // namespace

void apply_scan(SourceState& state, const ScanRecord& scan) {
  if (!state.last_attempt || scan.started >= *state.last_attempt) state.last_attempt = scan.started;
  if (scan.status == ScanStatus::failed) {
    ++state.consecutive_failures;
  } else {
    state.consecutive_failures = 0;
    if (!state.last_success || scan.started >= *state.last_success) {
      state.last_success = scan.started;
    }
  }
  state.history.push_back({scan.started, scan.status});
  if (state.history.size() > kSourceHistoryLimit) {
    state.history.erase(state.history.begin(),
                        state.history.end() - static_cast<std::ptrdiff_t>(kSourceHistoryLimit));
  }
}

DatasetShape shape_of(const Signature& signature) {
  DatasetShape shape;
  shape.file_sizes.reserve(signature.files.size());
  for (const auto& f : signature.files) {
    shape.file_sizes.push_back(f.size);
    shape.bytes += f.size;
  }
  shape.records = signature.records.rows;
  return shape;
}

// put_signature and the replaced versions: store/rocks_signature_history.cpp.

Result<std::optional<Signature>> Store::get_signature(std::string_view dataset) {
  const std::string what = "stored signature '" + std::string(dataset) + "'";
  return get_record<Signature>(*impl_, rocksdb::ReadOptions(), kSignatures, dataset, what,
                               signature_from_json_text);
}

Result<std::vector<Signature>> Store::list_signatures() {
  std::vector<Signature> out;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf[kSignatures]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto sig = signature_from_json_text(it->value().ToStringView(),
                                        "stored signature '" + it->key().ToString() + "'");
    if (!sig) return sig.error();
    out.push_back(std::move(sig).value());
  }
  if (!it->status().ok()) return status_error("listing signatures", it->status());
  return out;
}

Result<bool> Store::remove_signature(std::string_view dataset) {
  if (auto w = impl_->writable("remove_signature"); !w) return w.error();
  auto existing = get_signature(dataset);
  if (!existing) return existing.error();
  if (!*existing) return false;
  rocksdb::WriteBatch batch;
  batch.Delete(impl_->cf[kSignatures], slice(dataset));
  batch.Delete(impl_->cf[kShapes], slice(dataset));
  std::string prefix(dataset);
  prefix += '\0';
  std::string end = prefix;
  end.back() = '\1';  // every key of this dataset, nothing of another
  batch.DeleteRange(impl_->cf[kSignatureHistory], prefix, end);
  const auto s = impl_->db->Write(impl_->write_options(), &batch);
  if (!s.ok()) return status_error("removing signature '" + std::string(dataset) + "'", s);
  return true;
}

namespace {

ConfidenceChange change_of(const Sighting& s, Timestamp at) {
  return {.at = at,
          .confidence = s.confidence,
          .evidence = s.evidence.size(),
          .files_matched = s.files_matched,
          .bytes_matched = s.bytes_matched,
          .records_matched = s.records_matched};
}

bool same_state(const ConfidenceChange& a, const ConfidenceChange& b) {
  return a.confidence == b.confidence && a.evidence == b.evidence &&
         a.files_matched == b.files_matched && a.bytes_matched == b.bytes_matched &&
         a.records_matched == b.records_matched;
}

// Every source of `from` joins `into`, each with the earliest first and latest last seen.
void merge_sources(std::vector<SourceSeen>& into, const std::vector<SourceSeen>& from) {
  for (const auto& seen : from) {
    const auto it = std::find_if(into.begin(), into.end(),
                                 [&](const SourceSeen& s) { return s.source == seen.source; });
    if (it == into.end()) {
      into.push_back(seen);
    } else {
      it->first_seen = std::min(it->first_seen, seen.first_seen);
      it->last_seen = std::max(it->last_seen, seen.last_seen);
    }
  }
}

// Past the cap, the oldest changes that only moved counts go first: confidence rises stay.
void cap_history(std::vector<ConfidenceChange>& history) {
  for (std::size_t i = 1; history.size() > kMaxConfidenceChanges && i < history.size();) {
    if (history[i].confidence == history[i - 1].confidence) {
      history.erase(history.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }
}

}  // namespace

Sighting start_sighting(const Sighting& seen) {
  Sighting out = seen;
  // The matcher sorts them; a caller that did not is not trusted to have.
  std::ranges::sort(out.matched_files);
  out.matched_files.erase(std::unique(out.matched_files.begin(), out.matched_files.end()),
                          out.matched_files.end());
  std::ranges::sort(out.matched_rows);
  out.matched_rows.erase(std::unique(out.matched_rows.begin(), out.matched_rows.end()),
                         out.matched_rows.end());
  if (out.sources.empty()) out.sources.push_back({seen.source, seen.first_seen, seen.last_seen});
  if (out.history.empty()) out.history.push_back(change_of(seen, seen.first_seen));
  return out;
}

Sighting merge_sighting(const Sighting& stored, const Sighting& seen) {
  const Sighting fresh = start_sighting(seen);
  Sighting out = fresh.confidence >= stored.confidence ? fresh : stored;
  out.confidence = std::max(stored.confidence, fresh.confidence);
  out.first_seen = std::min(stored.first_seen, fresh.first_seen);
  out.last_seen = std::max(stored.last_seen, fresh.last_seen);
  out.sources = stored.sources;
  if (out.sources.empty())
    out.sources.push_back({stored.source, stored.first_seen, stored.last_seen});
  merge_sources(out.sources, fresh.sources);
  out.matched_files = sorted_union(stored.matched_files, fresh.matched_files);
  out.matched_rows = sorted_union(stored.matched_rows, fresh.matched_rows);
  out.history = stored.history;
  if (out.history.empty()) {
    // Recorded before the store kept history: it held this confidence at the upgrade.
    auto baseline = change_of(stored, stored.first_seen);
    baseline.inferred = true;
    out.history.push_back(baseline);
  }
  const auto now_state = change_of(out, fresh.last_seen);
  if (!same_state(out.history.back(), now_state)) {
    // A change is stamped when the fetch saw it, never before the state it follows.
    auto change = now_state;
    change.at = std::max(change.at, out.history.back().at);
    out.history.push_back(change);
    cap_history(out.history);
  }
  return out;
}

Result<std::vector<Sighting>> Store::record_fetch(const ScanRecord& scan,
                                                  const std::vector<Sighting>& sightings) {
  return record_fetch(Fetch{.scan = scan, .sightings = sightings});
}

Result<std::vector<Sighting>> Store::record_fetch(const Fetch& fetch) {
  if (auto w = impl_->writable("record_fetch"); !w) return w.error();
  const auto& scan = fetch.scan;
  const std::string what = "recording fetch of source '" + scan.source + "'";
  const std::lock_guard lock(impl_->write_mutex);
  const rocksdb::ReadOptions ro;
  // The manifest's two records are made first, so the batch can be sized for them: a growing
  // batch doubles its buffer, and for a big manifest that buffer is the largest allocation.
  std::string manifest_text, change_text;
  if (fetch.manifest) {
    try {  // compression fails only for want of memory; that is an error, not the end
      auto change = manifest_change_text(*impl_, ro, *fetch.manifest, what);
      if (!change) return change.error();
      change_text = std::move(change).value();
      FrameWriter frame;  // compressed as it is written: the text is never whole in memory
      write_json_text(*fetch.manifest, ManifestTexts::drop,
                      [&](std::string_view piece) { frame.write(piece); });
      manifest_text = frame.finish();
    } catch (const std::exception& e) {
      return Error{what + ": manifest of " + fetch.manifest->locator + ": " + e.what()};
    }
  }
  rocksdb::WriteBatch batch(manifest_text.size() + change_text.size() + 64 * 1024);

  // Sightings: merged with what is stored and with earlier ones of the same key in this fetch.
  struct Pending {
    std::optional<Sighting> stored;
    Sighting merged;
    Timestamp at{};  // when this fetch saw it: its new members are stamped with it
  };
  std::vector<std::string> order;
  std::map<std::string, Pending> pending;
  for (const auto& seen : fetch.sightings) {
    auto key = sighting_key(seen.dataset, seen.locator);
    if (auto found = pending.find(key); found != pending.end()) {
      found->second.merged = merge_sighting(found->second.merged, seen);
      found->second.at = std::max(found->second.at, seen.last_seen);
      continue;
    }
    auto stored = get_record<Sighting>(
        *impl_, ro, kSightings, key,
        what + ": sighting of '" + seen.dataset + "' at " + seen.locator, sighting_from_json_text);
    if (!stored) return stored.error();
    Pending p{*stored, *stored ? merge_sighting(**stored, seen) : start_sighting(seen),
              seen.last_seen};
    order.push_back(key);
    pending.emplace(std::move(key), std::move(p));
  }
  std::vector<Sighting> result;
  std::uint64_t outbox_id = impl_->next_outbox_id;
  const auto queued_at = now();
  for (const auto& key : order) {
    const auto& p = pending.at(key);
    result.push_back(p.merged);
    if (auto members = new_members(*impl_, ro, p.merged, what); !members) {
      return members.error();
    } else if (!members->empty()) {
      batch.Put(impl_->cf[kMembers], member_key(p.merged.dataset, p.merged.locator, p.at),
                *members);
    }
    const auto text = to_json_text(p.merged);
    if (p.stored && to_json_text(*p.stored) == text) continue;
    if (p.stored) delete_index_entries(*impl_, batch, *p.stored);
    batch.Put(impl_->cf[kSightings], key, text);
    put_index_entries(*impl_, batch, p.merged);
    const char* reason = !p.stored                                    ? "new"
                         : p.merged.confidence > p.stored->confidence ? "upgraded"
                                                                      : nullptr;
    if (reason) {
      const OutboxEntry entry{outbox_id++, queued_at, reason, p.merged};
      batch.Put(impl_->cf[kOutbox], be64(entry.id), to_json_text(entry));
    }
  }

  batch.Put(impl_->cf[kScans], scan_key(scan), to_json_text(scan));
  ScanDayEdits days(*impl_);  // the coverage aggregate changes with the scan record
  if (auto added = days.add(scan); !added) return with_context(what, added.error());
  days.write(batch);

  auto state = get_record<SourceState>(*impl_, ro, kSources, scan.source, what + ": source state",
                                       source_state_from_json_text);
  if (!state) return state.error();
  SourceState source = state->value_or(SourceState{.source = scan.source});
  apply_scan(source, scan);
  if (fetch.etag) source.etag = *fetch.etag;
  if (fetch.last_modified) source.last_modified = *fetch.last_modified;
  batch.Put(impl_->cf[kSources], scan.source, to_json_text(source));

  if (fetch.manifest) {
    const Manifest& latest = *fetch.manifest;
    batch.Put(impl_->cf[kManifests], latest.locator, manifest_text);
    std::string().swap(manifest_text);
    const std::string prefix = latest.locator + std::string(1, '\0');
    const std::string history_key = prefix + be64(ordered_ms(latest.fetched_at));
    batch.Put(impl_->cf[kManifestHistory], history_key, change_text);
    std::string().swap(change_text);

    // Retention: keep the newest manifest_history_limit change records of this locator.
    std::vector<std::string> keys;
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cf[kManifestHistory]));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      if (it->key().ToStringView() != history_key) keys.push_back(it->key().ToString());
    }
    if (!it->status().ok()) return status_error(what + ": manifest history", it->status());
    keys.push_back(history_key);
    std::sort(keys.begin(), keys.end());
    const auto limit = std::max<std::size_t>(impl_->options.manifest_history_limit, 1);
    for (std::size_t i = 0; i + limit < keys.size(); ++i) {
      batch.Delete(impl_->cf[kManifestHistory], keys[i]);
    }
  }

  const auto s = impl_->db->Write(impl_->write_options(), &batch);
  if (!s.ok()) return status_error(what, s);
  impl_->next_outbox_id = outbox_id;
  return result;
}

Result<std::optional<Sighting>> Store::get_sighting(std::string_view dataset,
                                                    std::string_view locator) {
  return get_record<Sighting>(
      *impl_, rocksdb::ReadOptions(), kSightings, sighting_key(dataset, locator),
      "sighting of '" + std::string(dataset) + "' at " + std::string(locator),
      sighting_from_json_text);
}

Result<void> Store::for_each_sighting(const SightingFilter& filter,
                                      const std::function<bool(const Sighting&)>& visit) {
  // The most selective index whose prefix the filter fixes; entries are newest first, so the
  // `since` bound ends the scan and confidence/`until` are checked on the index value.
  Family index = kByTime;
  std::string prefix;
  if (filter.dataset) {
    index = kByDataset;
    prefix = *filter.dataset + std::string(1, '\0');
  } else if (filter.source) {
    index = kBySource;
    prefix = *filter.source + std::string(1, '\0');
  }
  const ReadView view(*impl_);
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(view.options(), impl_->cf[index]));
  std::string value;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const auto key = it->key().ToStringView();
    const auto entry = it->value().ToStringView();
    if (key.size() < prefix.size() + 8 || entry.size() != 9) {
      return Error{impl_->path.string() + ": malformed entry in " + kFamilyNames[index]};
    }
    const auto last_seen = from_ordered_ms(~read_be64(key.substr(prefix.size(), 8)));
    if (filter.since && last_seen < *filter.since) break;
    if (static_cast<Confidence>(entry[0]) < filter.min_confidence) continue;
    if (filter.until && from_ordered_ms(read_be64(entry.substr(1))) > *filter.until) continue;
    const auto rest = key.substr(prefix.size() + 8);
    const std::string primary =
        index == kByDataset ? sighting_key(*filter.dataset, rest) : std::string(rest);
    const auto s = impl_->db->Get(view.options(), impl_->cf[kSightings], primary, &value);
    if (!s.ok()) {
      return status_error(impl_->path.string() + ": sighting named by " + kFamilyNames[index], s);
    }
    auto sighting = sighting_from_json_text(value, "stored sighting");
    if (!sighting) return sighting.error();
    if (filter.source &&
        std::none_of(sighting->sources.begin(), sighting->sources.end(),
                     [&](const SourceSeen& x) { return x.source == *filter.source; })) {
      continue;
    }
    if (!visit(*sighting)) return {};
  }
  if (!it->status().ok()) return status_error("reading sightings", it->status());
  return {};
}

Result<void> Store::for_each_scan(const ScanFilter& filter,
                                  const std::function<bool(const ScanRecord&)>& visit) {
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf[kScans]));
  const std::string prefix = filter.source ? *filter.source + std::string(1, '\0') : std::string();
  // Keys are source \0 be64(started) scan_id: within a source, jump to `since`, and past
  // `until` skip to the next source, so a window costs only the scans inside it.
  it->Seek(prefix);
  while (it->Valid() && it->key().starts_with(prefix)) {
    const auto key = it->key().ToStringView();
    const auto nul = key.find('\0');
    if (nul != std::string_view::npos && key.size() >= nul + 9) {
      const auto started = from_ordered_ms(read_be64(key.substr(nul + 1, 8)));
      if (filter.since && started < *filter.since) {
        it->Seek(std::string(key.substr(0, nul + 1)) + be64(ordered_ms(*filter.since)));
        continue;
      }
      if (filter.until && started > *filter.until) {
        it->Seek(std::string(key.substr(0, nul)) + std::string(1, '\1'));
        continue;
      }
    }
    auto r = scan_record_from_json_text(it->value().ToStringView(), "stored scan record");
    if (!r) return r.error();
    if (filter.since && r->started < *filter.since) {
      it->Next();
      continue;
    }
    if (filter.until && r->started > *filter.until) {
      it->Next();
      continue;
    }
    if (!visit(*r)) break;
    it->Next();
  }
  if (!it->status().ok()) return status_error("reading scans", it->status());
  return {};
}

Result<std::optional<SourceState>> Store::get_source_state(std::string_view source) {
  return get_record<SourceState>(*impl_, rocksdb::ReadOptions(), kSources, source,
                                 "state of source '" + std::string(source) + "'",
                                 source_state_from_json_text);
}

Result<std::optional<Timestamp>> Store::scans_pruned_through(std::string_view source) {
  rocksdb::PinnableSlice value;
  const auto s = impl_->db->Get(rocksdb::ReadOptions(), impl_->cf[kSources], slice(source), &value);
  if (s.IsNotFound()) return std::optional<Timestamp>{};
  const std::string what = "state of source '" + std::string(source) + "'";
  if (!s.ok()) return status_error(what, s);
  // The state's JSON (to_json_text) names the key once, outside any string (a quote inside a
  // string value is escaped), and writes null when nothing was pruned.
  const auto text = value.ToStringView();
  constexpr std::string_view kKey = "\"scans_pruned_through\"";
  const auto at = text.find(kKey);
  if (at == std::string_view::npos) return std::optional<Timestamp>{};  // an older state
  auto rest = text.substr(at + kKey.size());
  while (!rest.empty() && (rest.front() == ':' || rest.front() == ' ')) rest.remove_prefix(1);
  if (rest.starts_with("null")) return std::optional<Timestamp>{};
  auto state = source_state_from_json_text(text, what);
  if (!state) return state.error();
  return state->scans_pruned_through;
}

Result<std::optional<Manifest>> Store::latest_manifest(std::string_view locator) {
  rocksdb::PinnableSlice value;
  const std::string what = "manifest of " + std::string(locator);
  const auto s =
      impl_->db->Get(rocksdb::ReadOptions(), impl_->cf[kManifests], slice(locator), &value);
  if (s.IsNotFound()) return std::optional<Manifest>{};
  if (!s.ok()) return status_error(what, s);
  FileEntries entries;
  auto m = read_manifest(value.ToStringView(), what,
                         [&](FileEntry&& e) { entries.push_back(std::move(e)); });
  if (!m) return m.error();
  m->entries = std::move(entries);
  return std::optional<Manifest>(std::move(m).value());
}

Result<bool> Store::has_manifest(std::string_view locator) {
  rocksdb::PinnableSlice value;
  const auto s =
      impl_->db->Get(rocksdb::ReadOptions(), impl_->cf[kManifests], slice(locator), &value);
  if (s.IsNotFound()) return false;
  if (!s.ok()) return status_error("manifest of " + std::string(locator), s);
  return true;
}

Result<std::vector<ManifestChange>> Store::manifest_history(std::string_view locator) {
  std::vector<ManifestChange> out;
  const std::string prefix = std::string(locator) + std::string(1, '\0');
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf[kManifestHistory]));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const std::string what = "manifest history of " + std::string(locator);
    auto text = text_of(it->value().ToStringView(), what);
    if (!text) return text.error();
    auto c = manifest_change_from_json_text(*text, what);
    if (!c) return c.error();
    out.push_back(std::move(c).value());
  }
  if (!it->status().ok()) return status_error("reading manifest history", it->status());
  return out;
}

Result<void> Store::for_each_member_group(std::string_view dataset,
                                          const std::function<bool(const MemberGroup&)>& visit) {
  if (!impl_->cf[kMembers]) return {};  // an older database opened read-only
  const std::string prefix = std::string(dataset) + std::string(1, '\0');
  const ReadView view(*impl_);
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(view.options(), impl_->cf[kMembers]));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    auto group = unpack_members(it->key().ToStringView(), it->value().ToStringView());
    if (!group) return Error{impl_->path.string() + ": " + group.error().message};
    if (!visit(*group)) return {};
  }
  if (!it->status().ok()) return status_error("reading sighting members", it->status());
  return {};
}

Result<std::optional<DatasetShape>> Store::dataset_shape(std::string_view dataset) {
  const std::string what = "shape of dataset '" + std::string(dataset) + "'";
  if (impl_->cf[kShapes]) {
    rocksdb::PinnableSlice value;
    const auto s =
        impl_->db->Get(rocksdb::ReadOptions(), impl_->cf[kShapes], slice(dataset), &value);
    if (s.ok()) {
      auto shape = unpack_shape(value.ToStringView(), what);
      if (!shape) return shape.error();
      return std::optional<DatasetShape>(std::move(shape).value());
    }
    if (!s.IsNotFound()) return status_error(what, s);
  }
  // Signed before shapes were kept: from the signature itself.
  auto sig = get_signature(dataset);
  if (!sig) return sig.error();
  if (!*sig) return std::optional<DatasetShape>{};
  return std::optional<DatasetShape>(shape_of(**sig));
}

Result<void> Store::for_each_outbox_entry(const std::function<bool(const OutboxEntry&)>& visit) {
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf[kOutbox]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto e = outbox_entry_from_json_text(it->value().ToStringView(), "outbox entry");
    if (!e) return e.error();
    if (!visit(*e)) break;
  }
  if (!it->status().ok()) return status_error("reading outbox", it->status());
  return {};
}

Result<void> Store::remove_outbox_entry(std::uint64_t id) {
  if (auto w = impl_->writable("remove_outbox_entry"); !w) return w.error();
  const auto s = impl_->db->Delete(impl_->write_options(), impl_->cf[kOutbox], be64(id));
  if (!s.ok()) return status_error("removing outbox entry " + std::to_string(id), s);
  return {};
}

}  // namespace leakwatch::store
