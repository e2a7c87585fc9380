// Retention: removes scan records and manifest change records beyond the configured limits, so a
// store that runs for months stops growing, and keeps what the sightings and the coverage rest
// on (store.h, Store::prune). Deletes go in small synced batches under the write lock, so a
// daemon's scans keep recording between them.
#include <set>

#include "model/json.h"
#include "store/rocks_db.h"

namespace leakwatch::store {

namespace {

constexpr std::size_t kDeleteBatch = 1000;

rocksdb::Slice slice(std::string_view s) {
  return {s.data(), s.size()};
}

// The start time in a scan key (source \0 be64(started ms) scan_id).
Timestamp scan_key_started(std::string_view key, std::size_t prefix_size) {
  return from_ordered_ms(read_be64(key.substr(prefix_size, 8)));
}

// The scan keys of every sighting's first sighting by each of its sources: per sighting and
// source that saw it (schema 4 keeps them all, each with its own first_seen), that source's newest
// scan that started at or before its first_seen there.
Result<std::set<std::string>> evidence_scans(Store::Impl& impl) {
  std::set<std::string> out;
  const rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> sightings(impl.db->NewIterator(ro, impl.cf[kSightings]));
  std::unique_ptr<rocksdb::Iterator> scans(impl.db->NewIterator(ro, impl.cf[kScans]));
  const auto keep_first_scan = [&](const std::string& source, Timestamp first_seen) {
    const std::string prefix = source + std::string(1, '\0');
    // Scan ids are printable, so "\xff" sorts after every id of a scan started at first_seen.
    scans->SeekForPrev(prefix + be64(ordered_ms(first_seen)) + "\xff");
    if (scans->Valid() && scans->key().starts_with(prefix)) out.insert(scans->key().ToString());
  };
  for (sightings->SeekToFirst(); sightings->Valid(); sightings->Next()) {
    auto s = sighting_from_json_text(sightings->value().ToStringView(), "stored sighting");
    if (!s) return s.error();
    keep_first_scan(s->source, s->first_seen);
    for (const auto& seen : s->sources) keep_first_scan(seen.source, seen.first_seen);
    if (!scans->status().ok()) return status_error("retention: reading scans", scans->status());
  }
  if (!sightings->status().ok()) {
    return status_error("retention: reading sightings", sightings->status());
  }
  return out;
}

// Deletes `keys` of one family in batches; `also` adds to each batch (under the write lock)
// what must change with it.
Result<void> delete_in_batches(
    Store::Impl& impl, Family family, const std::vector<std::string>& keys,
    const std::function<Result<void>(rocksdb::WriteBatch&, std::size_t begin, std::size_t end)>&
        also) {
  for (std::size_t begin = 0; begin < keys.size(); begin += kDeleteBatch) {
    const std::size_t end = std::min(keys.size(), begin + kDeleteBatch);
    rocksdb::WriteBatch batch;
    for (std::size_t i = begin; i < end; ++i) batch.Delete(impl.cf[family], slice(keys[i]));
    const std::lock_guard lock(impl.write_mutex);
    if (also) {
      if (auto r = also(batch, begin, end); !r) return r;
    }
    const auto s = impl.db->Write(impl.write_options(), &batch);
    if (!s.ok())
      return status_error(std::string("retention: deleting from ") + kFamilyNames[family], s);
  }
  return {};
}

// One source's scans beyond the retention, minus the protected ones, deleted; its state
// remembers the newest start removed.
Result<void> prune_source_scans(Store::Impl& impl, const std::string& source,
                                const std::vector<std::string>& keys, const Retention& retention,
                                Timestamp now, const std::set<std::string>& evidence,
                                PruneResult& out) {
  const std::size_t prefix_size = source.size() + 1;
  const std::size_t n = keys.size();
  const std::size_t by_count = retention.scans_per_source > 0 && n > retention.scans_per_source
                                   ? n - retention.scans_per_source
                                   : 0;
  const auto beyond = [&](std::size_t i) {
    if (i + 1 >= n) return false;  // the newest scan: the scheduler and coverage start from it
    if (i < by_count) return true;
    return retention.scan_age && scan_key_started(keys[i], prefix_size) < now - *retention.scan_age;
  };
  // The newest ok scan (`verify` reports it as the last success): usually the newest of all.
  std::optional<std::size_t> newest_ok;
  const rocksdb::ReadOptions ro;
  for (std::size_t i = n; i-- > 0;) {
    std::string value;
    const auto s = impl.db->Get(ro, impl.cf[kScans], slice(keys[i]), &value);
    if (s.IsNotFound()) continue;
    if (!s.ok()) return status_error("retention: reading a scan of '" + source + "'", s);
    auto record = scan_record_from_json_text(value, "stored scan record");
    if (!record) return record.error();
    if (record->status == ScanStatus::ok) {
      newest_ok = i;
      break;
    }
  }
  std::vector<std::string> doomed;
  for (std::size_t i = 0; i < n; ++i) {
    if (!beyond(i)) break;  // beyond() holds for a prefix of the keys (oldest first)
    if (i == newest_ok || evidence.contains(keys[i])) {
      ++out.scans_kept_for_evidence;
      continue;
    }
    doomed.push_back(keys[i]);
  }
  if (doomed.empty()) return {};
  auto done = delete_in_batches(
      impl, kScans, doomed,
      [&](rocksdb::WriteBatch& batch, std::size_t begin, std::size_t end) -> Result<void> {
        std::string value;
        const auto s = impl.db->Get(ro, impl.cf[kSources], slice(source), &value);
        if (!s.ok() && !s.IsNotFound()) {
          return status_error("retention: state of source '" + source + "'", s);
        }
        SourceState state{.source = source};
        if (s.ok()) {
          auto parsed = source_state_from_json_text(value, "state of source '" + source + "'");
          if (!parsed) return parsed.error();
          state = std::move(parsed).value();
        }
        Timestamp batch_through{};
        for (std::size_t i = begin; i < end; ++i) {
          batch_through = std::max(batch_through, scan_key_started(doomed[i], prefix_size));
        }
        if (!state.scans_pruned_through || *state.scans_pruned_through < batch_through) {
          state.scans_pruned_through = batch_through;
        }
        batch.Put(impl.cf[kSources], slice(source), to_json_text(state));
        // The coverage aggregate loses the same scans in the same batch.
        ScanDayEdits days(impl);
        for (std::size_t i = begin; i < end; ++i) {
          if (auto removed = days.remove(doomed[i]); !removed) return removed;
        }
        days.write(batch);
        return {};
      });
  if (!done) return done;
  out.scans_removed += doomed.size();
  return {};
}

Result<void> prune_scans(Store::Impl& impl, const Retention& retention, Timestamp now,
                         PruneResult& out) {
  auto evidence = evidence_scans(impl);
  if (!evidence) return evidence.error();
  std::unique_ptr<rocksdb::Iterator> it(
      impl.db->NewIterator(rocksdb::ReadOptions(), impl.cf[kScans]));
  it->SeekToFirst();
  while (it->Valid()) {
    const auto first = it->key().ToStringView();
    const auto nul = first.find('\0');
    if (nul == std::string_view::npos) {
      return Error{"retention: a scan key without a source separator"};
    }
    const std::string source(first.substr(0, nul));
    const std::string prefix = source + std::string(1, '\0');
    std::vector<std::string> keys;  // oldest first
    for (; it->Valid() && it->key().starts_with(prefix); it->Next()) {
      if (it->key().size() >= prefix.size() + 8) keys.push_back(it->key().ToString());
    }
    if (!it->status().ok()) return status_error("retention: reading scans", it->status());
    if (auto r = prune_source_scans(impl, source, keys, retention, now, *evidence, out); !r) {
      return r;
    }
  }
  if (!it->status().ok()) return status_error("retention: reading scans", it->status());
  return {};
}

// Change records: locator \0 be64(fetched ms). Each locator keeps its newest.
Result<void> prune_manifest_history(Store::Impl& impl, const Retention& retention, Timestamp now,
                                    PruneResult& out) {
  std::vector<std::string> doomed;
  std::unique_ptr<rocksdb::Iterator> it(
      impl.db->NewIterator(rocksdb::ReadOptions(), impl.cf[kManifestHistory]));
  std::string locator;
  std::vector<std::string> keys;
  const auto flush = [&] {
    const std::size_t n = keys.size();
    const std::size_t by_count = retention.manifest_history > 0 && n > retention.manifest_history
                                     ? n - retention.manifest_history
                                     : 0;
    for (std::size_t i = 0; i + 1 < n; ++i) {
      const auto fetched =
          from_ordered_ms(read_be64(std::string_view(keys[i]).substr(keys[i].size() - 8)));
      if (i < by_count ||
          (retention.manifest_history_age && fetched < now - *retention.manifest_history_age)) {
        doomed.push_back(std::move(keys[i]));
      }
    }
    keys.clear();
  };
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const auto key = it->key().ToStringView();
    if (key.size() < 9) continue;
    const auto this_locator = key.substr(0, key.size() - 9);
    if (this_locator != locator) {
      flush();
      locator = std::string(this_locator);
    }
    keys.emplace_back(key);
  }
  if (!it->status().ok()) return status_error("retention: reading manifest history", it->status());
  flush();
  if (auto r = delete_in_batches(impl, kManifestHistory, doomed, nullptr); !r) return r;
  out.manifest_changes_removed += doomed.size();
  return {};
}

}  // namespace

Result<PruneResult> Store::prune(const Retention& retention, Timestamp now) {
  if (auto w = impl_->writable("prune"); !w) return w.error();
  PruneResult out;
  if (retention.limits_scans()) {
    if (auto r = prune_scans(*impl_, retention, now, out); !r) return r.error();
  }
  if (retention.manifest_history_age || retention.manifest_history > 0) {
    if (auto r = prune_manifest_history(*impl_, retention, now, out); !r) return r.error();
  }
  return out;
}

}  // namespace leakwatch::store
