#include <set>

#include "config/tables.h"

namespace leakwatch::config {

// [[dataset]]: per-dataset thresholds of the matcher (docs/MATCHING.md).
void read_dataset_tables(Validator& v, const toml::table& root, Config& config) {
  std::set<std::string> dataset_names;
  int index = 0;
  for (const auto* t : v.array_of_tables(root, "dataset")) {
    const std::string ctx = "dataset[" + std::to_string(index++) + "]";
    DatasetConfig d;
    d.line = static_cast<int>(t->source().begin.line);
    const auto name = v.unique_name(*t, ctx, dataset_names);
    const std::string dctx = name ? "dataset '" + *name + "'" : ctx;
    v.check_keys(*t,
                 {"name", "likely_name_size_files", "confirmed_crc_files", "records_likely",
                  "records_confirmed", "record_min_columns", "record_window"},
                 dctx);
    const auto count = [&](std::string_view key, std::int64_t min,
                           std::int64_t max) -> std::optional<std::uint32_t> {
      if (const auto i = v.integer(*t, key, dctx, min, max)) return static_cast<std::uint32_t>(*i);
      return std::nullopt;
    };
    d.likely_name_size_files = count("likely_name_size_files", 1, 1'000'000);
    d.confirmed_crc_files = count("confirmed_crc_files", 1, 1'000'000);
    d.records_likely = count("records_likely", 1, 1'000'000'000);
    d.records_confirmed = count("records_confirmed", 1, 1'000'000'000);
    d.record_min_columns = count("record_min_columns", 1, 4096);
    if (const auto* node = t->get("record_window")) {
      if (const auto w = v.size(*t, "record_window", dctx)) {
        if (*w > (64ull << 20)) {
          v.fail(node->source(), dctx + ".record_window", "must be at most 64MiB");
        } else {
          d.record_window = *w;
        }
      }
    }
    if (d.records_likely && d.records_confirmed && *d.records_likely > *d.records_confirmed) {
      v.fail(
          t->get("records_likely")->source(), dctx + ".records_likely",
          "must not be more than records_confirmed (" + std::to_string(*d.records_confirmed) + ")");
    }
    if (name) {
      d.name = *name;
      config.datasets.push_back(std::move(d));
    }
  }
}

}  // namespace leakwatch::config
