// Dataset names become file names (<data dir>/keys/NAME.key): `sign` and `signatures import`
// refuse anything else, so neither a typo nor a bundle can name a path outside the keys folder.
#pragma once

#include <string_view>

namespace leakwatch {

// 1 to 128 letters, digits, '-', '_' and '.', and not "." or "..".
inline bool is_dataset_name(std::string_view name) {
  return !name.empty() && name.size() <= 128 && name != "." && name != ".." &&
         name.find_first_not_of(
             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") ==
             std::string_view::npos;
}

}  // namespace leakwatch
