#include "model/sighting_history.h"

#include <algorithm>

namespace leakwatch {

namespace {

ConfidenceChange current_state(const Sighting& s) {
  return {.at = s.first_seen,
          .confidence = s.confidence,
          .evidence = s.evidence.size(),
          .files_matched = s.files_matched,
          .bytes_matched = s.bytes_matched,
          .records_matched = s.records_matched};
}

bool known_at(Timestamp t, std::optional<Timestamp> history_since) {
  return history_since && t >= *history_since;
}

}  // namespace

std::optional<SightingState> sighting_at(const Sighting& s, Timestamp t,
                                         std::optional<Timestamp> history_since) {
  if (s.first_seen > t) return std::nullopt;
  // No history: recorded before the store kept it and unchanged since, so it has been as it is
  // now from the upgrade on; before that, only "at most this" is known.
  if (s.history.empty()) return SightingState{current_state(s), known_at(t, history_since)};
  const auto after =
      std::upper_bound(s.history.begin(), s.history.end(), t,
                       [](Timestamp v, const ConfidenceChange& c) { return v < c.at; });
  if (after == s.history.begin()) return SightingState{s.history.front(), false};
  const auto& state = *(after - 1);
  return SightingState{state, !state.inferred || known_at(t, history_since)};
}

bool changed_since(const Sighting& s, Timestamp t) {
  if (s.first_seen >= t) return true;
  for (std::size_t i = 1; i < s.history.size(); ++i) {
    const auto& c = s.history[i];
    if (c.at >= t && !c.inferred && c.confidence > s.history[i - 1].confidence) return true;
  }
  return false;
}

std::optional<Timestamp> reached_at(const Sighting& s, Confidence c) {
  for (const auto& change : s.history) {
    if (change.confidence >= c) return std::max(change.at, s.first_seen);
  }
  if (s.confidence >= c) return s.first_seen;
  return std::nullopt;
}

}  // namespace leakwatch
