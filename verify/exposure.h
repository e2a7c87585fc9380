// Exposure (docs/CONTRACTS.md, "Verify"): how much of a dataset was seen, as of a time. The
// distinct files, bytes and record rows of the dataset in sightings that were confirmed or likely
// at the time, as a union across sources and locators (a file seen both loose and inside a zip, or
// rows repeated by several dumps, count once), each with its share of the dataset, when the
// first was seen, and how it grew over the window. Reads the store; prints nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "model/result.h"
#include "model/time.h"
#include "store/store.h"

namespace leakwatch::app {

struct ExposurePoint {
  Timestamp at{};
  std::uint64_t files = 0;  // cumulative
  std::uint64_t bytes = 0;
  std::uint64_t records = 0;

  friend bool operator==(const ExposurePoint&, const ExposurePoint&) = default;
};

struct Exposure {
  std::uint64_t dataset_files = 0;
  std::uint64_t dataset_bytes = 0;
  std::uint64_t dataset_records = 0;
  std::uint64_t files = 0;    // distinct dataset files seen (name+size or stronger)
  std::uint64_t bytes = 0;    // their sizes in the signature
  std::uint64_t records = 0;  // distinct record rows seen
  std::optional<Timestamp> files_first_seen;
  std::optional<Timestamp> records_first_seen;
  // Cumulative exposure: the level at the window's start, then one point per time it grew
  // within the window (at most kMaxExposurePoints, evenly thinned; the last is always kept).
  std::vector<ExposurePoint> series;
  std::uint64_t sightings = 0;  // confirmed or likely sightings that contributed
  // Sightings recorded before the store kept what each matched: their files are taken from
  // their evidence lists (capped per sighting) and their rows are not known.
  std::uint64_t from_evidence = 0;
};
inline constexpr std::size_t kMaxExposurePoints = 500;

double share(std::uint64_t part, std::uint64_t whole);  // 0 when whole is 0

// Exposure of `dataset` up to `as_of`, its series over [since, as_of]. An unknown dataset is an
// error naming it.
Result<Exposure> compute_exposure(store::Store& store, std::string_view dataset, Timestamp since,
                                  Timestamp as_of);

}  // namespace leakwatch::app
