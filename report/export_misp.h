// MISP export of sightings in the MISP core format (draft-dulaunoy-misp-core-format): one
// {"Event": ...} object over all the sightings exported, with org_id, orgc_id and its Orgc, and a
// Tag per dataset. It holds attributes for what was seen (the locator as url/link, every matched
// remote file as filename|sha256 / filename|sha1 / filename|md5 or filename; each with event_id,
// deleted, and tags naming its dataset and confidence) and each attribute carries its Sighting
// list: type "0" (seen), date_sighting, its own uuid and source "leakwatch/<source>", at first
// and, when later, last seen by every source that saw the locator. Uuids are UUIDv5 of dataset,
// locator and value, so a re-export updates the same MISP event instead of creating a new one.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <vector>

#include "model/sighting.h"

namespace leakwatch::app {

nlohmann::json misp_events(const std::vector<Sighting>& sightings);

}  // namespace leakwatch::app
