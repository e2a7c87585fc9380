#include "scan/store_scan.h"

#include <spdlog/spdlog.h>

#include "matcher/records_key.h"

namespace leakwatch::app {

matcher::RecordKeys load_record_keys(const std::filesystem::path& data_dir,
                                     const std::vector<Signature>& signatures) {
  matcher::RecordKeys keys;
  for (const auto& s : signatures) {
    if (s.records.empty()) continue;
    const auto file = matcher::record_key_path(data_dir, s.dataset);
    if (!std::filesystem::exists(file)) continue;  // named by the index's problems
    auto key = matcher::load_record_key(file);
    if (!key) {
      spdlog::warn("dataset={} records not matched: {}", s.dataset, key.error().message);
      continue;
    }
    keys.emplace(s.dataset, *key);
  }
  return keys;
}

void warn_index_problems(const matcher::FingerprintIndex& index) {
  for (const auto& p : index.text().problems()) spdlog::warn("{}", p);
}

Result<std::unique_ptr<matcher::FingerprintIndex>> load_fingerprint_index(
    store::Store& store, const std::filesystem::path& data_dir) {
  auto sigs = store.list_signatures();
  if (!sigs) return sigs.error();
  const auto keys = load_record_keys(data_dir, *sigs);
  auto index = std::make_unique<matcher::FingerprintIndex>(std::move(sigs).value(), keys);
  warn_index_problems(*index);
  return index;
}

Result<SourcePrior> load_prior(store::Store& store, const config::SourceConfig& source) {
  SourcePrior prior;
  auto state = store.get_source_state(source.name);
  if (!state) return state.error();
  if (!*state) return prior;
  prior.consecutive_failures = (*state)->consecutive_failures;
  if ((*state)->etag.empty() && (*state)->last_modified.empty()) return prior;
  auto stored = store.has_manifest(source.url);
  if (!stored) return stored.error();
  if (!*stored) return prior;
  prior.etag = (*state)->etag;
  prior.last_modified = (*state)->last_modified;
  prior.load_manifest = [db = &store, locator = source.url] {
    return db->latest_manifest(locator);
  };
  return prior;
}

Result<void> record_outcome(store::Store& store, SourceOutcome& o) {
  // The manifest moves into the store: nothing after recording needs it, and a big one is the
  // largest thing a scan holds.
  store::Fetch fetch{.scan = o.record, .sightings = o.sightings, .manifest = std::move(o.manifest)};
  o.manifest.reset();
  if (!o.etag.empty()) fetch.etag = o.etag;
  if (!o.last_modified.empty()) fetch.last_modified = o.last_modified;
  auto merged = store.record_fetch(fetch);
  if (!merged) return Error{"source '" + o.record.source + "': " + merged.error().message};
  o.sightings = std::move(merged).value();
  return {};
}

}  // namespace leakwatch::app
