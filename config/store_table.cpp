#include "config/tables.h"

namespace leakwatch::config {

// A retention age: a duration of at least an hour (shorter would leave verify nothing to show).
std::optional<std::chrono::milliseconds> retention_age(Validator& v, const toml::table& t,
                                                       std::string_view key) {
  const auto age = v.duration(t, key, "store");
  if (age && *age < std::chrono::hours{1}) {
    v.fail(t.get(key)->source(), std::string("store.") + std::string(key),
           "must be at least 1h (e.g. \"90d\"); leave it out to keep everything");
    return std::nullopt;
  }
  return age;
}

// [store] sync, manifest_history, scan_retention, scans_per_source, manifest_retention.
void read_store_table(Validator& v, const toml::table& root, StoreConfig& store) {
  if (const auto* node = root.get("store")) {
    if (const auto* t = node->as_table()) {
      v.check_keys(
          *t,
          {"sync", "manifest_history", "scan_retention", "scans_per_source", "manifest_retention"},
          "store");
      store.sync = v.boolean(*t, "sync", "store").value_or(store.sync);
      store.manifest_history = static_cast<std::size_t>(
          v.integer(*t, "manifest_history", "store", 1, 1'000'000)
              .value_or(static_cast<std::int64_t>(store.manifest_history)));
      store.scan_retention = retention_age(v, *t, "scan_retention");
      store.manifest_retention = retention_age(v, *t, "manifest_retention");
      store.scans_per_source = static_cast<std::size_t>(
          v.integer(*t, "scans_per_source", "store", 1, 100'000'000).value_or(0));
    } else {
      v.fail(node->source(), "store", "must be a table ([store])");
    }
  }
}

}  // namespace leakwatch::config
