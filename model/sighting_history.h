// A sighting as it was at a given time, from the confidence changes the store keeps with it
// (Sighting::history). Pure functions over the value: verify, exposure and `sightings
// --changed-since` use them; the store only appends the changes.
#pragma once

#include <optional>

#include "model/sighting.h"
#include "model/time.h"

namespace leakwatch {

struct SightingState {
  ConfidenceChange state;  // confidence and counts it had
  // False when the store cannot say: the sighting was recorded before the store kept history
  // (history_since) and the time asked for is before that, so the state shown is the one it had
  // at the upgrade (or now).
  bool exact = true;
};

// The sighting at `t`; nullopt when it was not yet seen then. `history_since` is the store's
// (store::Store::history_since).
std::optional<SightingState> sighting_at(const Sighting& s, Timestamp t,
                                         std::optional<Timestamp> history_since);

// First seen at or after `t`, or raised in confidence at or after `t` (the responder's morning
// question: what is new since yesterday).
bool changed_since(const Sighting& s, Timestamp t);

// When the sighting first reached at least `c`; nullopt when it never did. For a sighting
// recorded before history was kept, its first_seen if it holds `c` now.
std::optional<Timestamp> reached_at(const Sighting& s, Confidence c);

}  // namespace leakwatch
