#include "verify/exposure.h"

#include <algorithm>
#include <limits>
#include <map>
#include <string>
#include <unordered_map>

#include "model/sighting_history.h"

namespace leakwatch::app {

namespace {

constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

// Evidence that places a dataset file at the locator (not a name or pattern alone).
bool places_file(const Evidence& e) {
  return !e.file.empty() && e.kind != "name" && e.kind != "pattern" && e.kind != "honeytoken" &&
         e.kind != "records";
}

struct Growth {
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
  std::uint64_t records = 0;
};

}  // namespace

double share(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

Result<Exposure> compute_exposure(store::Store& store, std::string_view dataset, Timestamp since,
                                  Timestamp as_of) {
  auto shape = store.dataset_shape(dataset);
  if (!shape) return shape.error();
  if (!*shape) return Error{"unknown dataset '" + std::string(dataset) + "': no signature"};
  Exposure out;
  out.dataset_files = (*shape)->file_sizes.size();
  out.dataset_bytes = (*shape)->bytes;
  out.dataset_records = (*shape)->records;

  // The sightings that were confirmed or likely at as_of, and since when (ms) they were.
  std::unordered_map<std::string, std::int64_t> counted;
  std::vector<Sighting> legacy;  // counted, but maybe without member groups
  store::SightingFilter filter;
  filter.dataset = std::string(dataset);
  filter.until = as_of;
  const auto history_since = store.history_since();
  auto seen = store.for_each_sighting(filter, [&](const Sighting& s) {
    const auto state = sighting_at(s, as_of, history_since);
    if (!state || state->state.confidence < Confidence::likely) return true;
    const auto reached = reached_at(s, Confidence::likely).value_or(s.first_seen);
    counted.emplace(s.locator, to_unix_ms(std::min(reached, as_of)));
    legacy.push_back(s);
    return true;
  });
  if (!seen) return seen.error();
  out.sightings = counted.size();

  std::vector<std::int64_t> file_at(out.dataset_files, kNever);
  std::vector<std::int64_t> row_at(out.dataset_records, kNever);
  std::unordered_map<std::string, bool> has_members;
  const auto as_of_ms = to_unix_ms(as_of);
  auto groups = store.for_each_member_group(dataset, [&](const store::MemberGroup& g) {
    const auto it = counted.find(g.locator);
    if (it == counted.end()) return true;
    has_members[g.locator] = true;
    const auto t = std::max(to_unix_ms(g.at), it->second);
    if (t > as_of_ms) return true;
    for (const auto f : g.files) {
      if (f < file_at.size()) file_at[f] = std::min(file_at[f], t);
    }
    for (const auto r : g.rows) {
      if (r < row_at.size()) row_at[r] = std::min(row_at[r], t);
    }
    return true;
  });
  if (!groups) return groups.error();

  // Recorded before members were kept: files from the evidence list, by path.
  std::erase_if(legacy, [&](const Sighting& s) { return has_members.contains(s.locator); });
  if (!legacy.empty()) {
    auto sig = store.get_signature(dataset);
    if (!sig) return sig.error();
    std::unordered_map<std::string_view, std::uint32_t> by_path;
    if (*sig) {
      for (std::uint32_t i = 0; i < (*sig)->files.size(); ++i)
        by_path.emplace((*sig)->files[i].path, i);
    }
    for (const auto& s : legacy) {
      ++out.from_evidence;
      const auto t = counted.at(s.locator);
      for (const auto& e : s.evidence) {
        if (!places_file(e)) continue;
        const auto it = by_path.find(e.file);
        if (it != by_path.end() && it->second < file_at.size()) {
          file_at[it->second] = std::min(file_at[it->second], t);
        }
      }
    }
  }

  // Growth by time: few distinct times (one per fetch that added members), many members.
  std::map<std::int64_t, Growth> growth;
  const auto& sizes = (*shape)->file_sizes;
  for (std::size_t f = 0; f < file_at.size(); ++f) {
    if (file_at[f] == kNever) continue;
    auto& g = growth[file_at[f]];
    ++g.files;
    g.bytes += sizes[f];
  }
  for (const auto t : row_at) {
    if (t != kNever) ++growth[t].records;
  }
  const auto since_ms = to_unix_ms(std::min(since, as_of));
  ExposurePoint level{.at = from_unix_ms(since_ms)};
  std::vector<ExposurePoint> points;
  bool started = false;
  for (const auto& [t, g] : growth) {
    if (t > since_ms && !started) {
      points.push_back(level);
      started = true;
    }
    level.files += g.files;
    level.bytes += g.bytes;
    level.records += g.records;
    if (g.files > 0 && !out.files_first_seen) out.files_first_seen = from_unix_ms(t);
    if (g.records > 0 && !out.records_first_seen) out.records_first_seen = from_unix_ms(t);
    if (t > since_ms) points.push_back({from_unix_ms(t), level.files, level.bytes, level.records});
  }
  if (!started) points.push_back(level);
  out.files = level.files;
  out.bytes = level.bytes;
  out.records = level.records;
  if (points.size() > kMaxExposurePoints) {
    std::vector<ExposurePoint> thinned;
    const double step = static_cast<double>(points.size() - 1) / (kMaxExposurePoints - 1);
    for (std::size_t i = 0; i + 1 < kMaxExposurePoints; ++i) {
      thinned.push_back(points[static_cast<std::size_t>(static_cast<double>(i) * step)]);
    }
    thinned.push_back(points.back());
    points = std::move(thinned);
  }
  out.series = std::move(points);
  return out;
}

}  // namespace leakwatch::app
