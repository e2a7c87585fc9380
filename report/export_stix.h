// STIX 2.1 export of sightings (OASIS STIX 2.1, sections 3-6). One bundle; per leakwatch
// sighting (one dataset at one locator):
//   identity       one per source (identity_class "system"): where it was sighted
//   file / url     SCOs: each remote file that matched (name, hashes, size when known) and the
//                  locator itself
//   observed-data  first_observed/last_observed = first_seen/last_seen, object_refs -> the SCOs
//   indicator      pattern over the matched files' hashes (names when no hash matched)
//   sighting       sighting_of_ref -> indicator, observed_data_refs, where_sighted_refs ->
//                  identity, first_seen, last_seen, count, confidence
// Ids are UUIDv5, derived from dataset, locator and source, so exporting the same sightings
// again gives the same ids (SCO ids follow the spec's own deterministic-id rule). Timestamps
// come from the sightings, never from the clock, so the bundle is reproducible.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "model/sighting.h"

namespace leakwatch::app {

using Uuid = std::array<std::uint8_t, 16>;
// RFC 4122 4.3 name-based UUID, version 5 (SHA-1).
Uuid uuid_v5(const Uuid& name_space, std::string_view name);
std::string uuid_text(const Uuid& u);
// leakwatch's own namespace for the ids of its STIX objects and MISP events/attributes.
extern const Uuid kLeakwatchUuidNamespace;

nlohmann::json stix_bundle(const std::vector<Sighting>& sightings);

}  // namespace leakwatch::app
