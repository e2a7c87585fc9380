// MISP export of sightings in the MISP core format (draft-dulaunoy-misp-core-format): the shape
// of MISP's own restSearch JSON, {"response": [{"Event": ...}, ...]}, one event per dataset.
// Each event holds attributes for what was seen (the locator as url/link, every matched remote
// file as filename|sha256 / filename|sha1 / filename|md5 or filename) and each attribute carries
// its Sighting list (type "0" = seen; at first_seen and, when later, at last_seen; source =
// "leakwatch/<source>"). Event and attribute uuids are UUIDv5 of dataset, locator and value, so
// a re-export updates the same MISP event instead of creating a new one.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <vector>

#include "model/sighting.h"

namespace leakwatch::app {

nlohmann::json misp_events(const std::vector<Sighting>& sightings);

}  // namespace leakwatch::app
