// Reads JSON from a leak site with nlohmann's SAX interface and keeps only what a parser asks
// for: each member and element gets a role from the caller (or is skipped without being built),
// nesting beyond a limit is an error rather than a deep tree (nlohmann's copies and our walks
// recurse once per level), and the document that comes back holds the few fields a listing or a
// file tree needs instead of a DOM many times the body.
#pragma once

#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <string_view>

#include "model/result.h"

namespace leakwatch::crawler {

// Nesting past this is an error (real listings and trees stay far below).
inline constexpr std::size_t kMaxJsonDepth = 256;

inline constexpr int kJsonSkip = -1;

struct JsonFilter {
  int root_role = 0;
  // The role of the value of `key` (an object or array when `container`) in an object kept with
  // `role`, or kJsonSkip.
  std::function<int(int role, const std::string& key, bool container)> member_role;
  // The role of an element of an array kept with `role`, or kJsonSkip.
  std::function<int(int role, bool container)> element_role;
  // Objects and arrays kept with a role for which this is true are dropped from their array when
  // nothing in them was kept (they can yield nothing).
  std::function<bool(int role)> drop_when_empty;
  std::size_t max_depth = 256;
  // Stop reading (successfully, with `stopped` set) before keeping more than `max_counted`
  // objects and arrays with a role for which `counted` is true: memory stays proportional to the
  // entry limit, whatever the body holds.
  std::function<bool(int role)> counted;
  std::size_t max_counted = static_cast<std::size_t>(-1);
};

struct FilteredJson {
  nlohmann::json value;  // what was kept, up to where reading stopped
  bool stopped = false;  // max_counted reached: the rest of the body was not read
};

// An error for invalid JSON ("invalid JSON at byte N: ...") or nesting beyond max_depth.
Result<FilteredJson> parse_filtered_json(std::string_view body, const JsonFilter& filter);

}  // namespace leakwatch::crawler
