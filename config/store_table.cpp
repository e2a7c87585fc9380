#include "config/tables.h"

namespace leakwatch::config {

// [store] sync, manifest_history.
void read_store_table(Validator& v, const toml::table& root, StoreConfig& store) {
  if (const auto* node = root.get("store")) {
    if (const auto* t = node->as_table()) {
      v.check_keys(*t, {"sync", "manifest_history"}, "store");
      store.sync = v.boolean(*t, "sync", "store").value_or(store.sync);
      store.manifest_history = static_cast<std::size_t>(
          v.integer(*t, "manifest_history", "store", 1, 1'000'000)
              .value_or(static_cast<std::int64_t>(store.manifest_history)));
    } else {
      v.fail(node->source(), "store", "must be a table ([store])");
    }
  }
}

}  // namespace leakwatch::config
