// What every recorded scan does around the pipeline (scan_pipeline.h), shared by `scan` and the
// daemon so that both run the same engine: the fingerprint index from the stored signatures and
// record keys, each source's prior from the store (HTTP validators, the manifest to score again
// on a 304, failures in a row), and recording an outcome in one batch.
#pragma once

#include <filesystem>
#include <memory>

#include "config/config.h"
#include "matcher/fingerprint_index.h"
#include "model/result.h"
#include "scan/scan_pipeline.h"
#include "store/store.h"

namespace leakwatch::app {

// Every stored signature, with the record keys found in <data dir>/keys/ (a missing or
// unreadable key is a warning: that dataset's records are not matched). Index problems are
// logged as warnings.
Result<std::unique_ptr<matcher::FingerprintIndex>> load_fingerprint_index(
    store::Store& store, const std::filesystem::path& data_dir);
// The record keys alone (for callers that load signatures their own way).
matcher::RecordKeys load_record_keys(const std::filesystem::path& data_dir,
                                     const std::vector<Signature>& signatures);
void warn_index_problems(const matcher::FingerprintIndex& index);

// What the last scan of `source` left. The manifest is read on a 304 only (holding every
// source's last manifest through a run would cost as much memory as all of them together), so
// `store` must outlive the prior.
Result<SourcePrior> load_prior(store::Store& store, const config::SourceConfig& source);

// Records one outcome (scan record, manifest, sightings, outbox) atomically; the sightings as
// stored replace the outcome's, and the manifest moves into the store.
Result<void> record_outcome(store::Store& store, SourceOutcome& outcome);

}  // namespace leakwatch::app
