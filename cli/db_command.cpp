// `leakwatch db stats|backup DIR|prune|compact`: operations on the store. stats reads (it works
// while the daemon runs); backup, prune and compact need the writer lock.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <set>

#include "cli/commands.h"
#include "daemon/daemon.h"

namespace leakwatch::app {

namespace {

std::string human_bytes(std::uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(units)) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
  return text;
}

// What each family holds, for the size-by-kind summary.
std::string_view family_kind(std::string_view family) {
  if (family.starts_with("sightings")) return "sightings";
  if (family == "scans" || family == "sources") return "scans";
  if (family.starts_with("manifest")) return "manifests";
  if (family == "outbox" || family == "alert_deliveries" || family == "hook_windows") {
    return "alerts";
  }
  if (family == "signatures") return "signatures";
  return "other";
}

std::uint64_t folder_bytes(const std::filesystem::path& dir) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) total += it->file_size(size_ec);
  }
  return total;
}

std::string duration_text(std::chrono::milliseconds d) {
  const auto hours = std::chrono::duration_cast<std::chrono::hours>(d).count();
  if (hours % 24 == 0) return std::to_string(hours / 24) + "d";
  return std::to_string(hours) + "h";
}

// The retention in effect, in words (db stats, db prune).
std::string retention_text(const config::StoreConfig& store) {
  std::string scans = store.scan_retention
                          ? "started in the last " + duration_text(*store.scan_retention)
                          : std::string("of any age");
  scans += store.scans_per_source > 0
               ? ", at most " + std::to_string(store.scans_per_source) + " per source"
               : std::string(", any number per source");
  std::string history = std::to_string(store.manifest_history) + " change records per locator";
  if (store.manifest_retention) {
    history += ", none older than " + duration_text(*store.manifest_retention);
  }
  return "retention: scan records kept " + scans + " ([store] scan_retention, scans_per_source); " +
         "manifest history " + history + " ([store] manifest_history, manifest_retention)";
}

int print_stats(Context& ctx) {
  const auto config = ctx.config();
  if (!config) return fail(kExitUsage, config.error().message);
  auto store = ctx.store(store::OpenMode::read_only);
  if (!store) return fail(kExitRuntime, store.error().message);
  const auto stats = (*store)->stats();
  if (!stats) return fail(kExitRuntime, stats.error().message);
  std::cout << "database " << stats->path.string() << " (schema version " << stats->schema_version
            << ")\n";
  std::printf("%-22s %12s %12s %12s\n", "family", "keys", "on disk", "in memory");
  std::uint64_t disk = 0;
  std::map<std::string_view, std::pair<std::uint64_t, std::uint64_t>> kinds;  // keys, bytes
  for (const auto& f : stats->families) {
    std::printf("%-22s %12llu %12s %12s\n", f.name.c_str(), static_cast<unsigned long long>(f.keys),
                human_bytes(f.sst_bytes).c_str(), human_bytes(f.memtable_bytes).c_str());
    disk += f.sst_bytes;
    auto& kind = kinds[family_kind(f.name)];
    kind.first += f.keys;
    kind.second += f.sst_bytes + f.memtable_bytes;
  }
  std::printf("%-22s %12s %12s\n", "total", "", human_bytes(disk).c_str());
  // By kind: tables plus memtables (recent writes not yet in a table file).
  std::cout << "size by kind (tables + memtables):";
  const char* separator = " ";
  for (const auto* kind : {"sightings", "scans", "manifests", "alerts", "signatures", "other"}) {
    const auto it = kinds.find(kind);
    if (it == kinds.end()) continue;
    std::cout << separator << kind << " " << human_bytes(it->second.second) << " ("
              << it->second.first << " keys)";
    separator = ", ";
  }
  std::cout << "\n";
  std::cout << "folder " << stats->path.string() << ": " << human_bytes(folder_bytes(stats->path))
            << " (tables, write-ahead log, RocksDB logs)\n";
  // What an operator asks in month three: what is kept, and since when.
  std::cout << retention_text((*config)->store) << "\n";
  std::optional<ScanRecord> oldest;
  std::uint64_t scans = 0;
  std::set<std::string> sources;
  auto listed = (*store)->for_each_scan({}, [&](const ScanRecord& r) {
    ++scans;
    sources.insert(r.source);
    if (!oldest || r.started < oldest->started) oldest = r;
    return true;
  });
  if (!listed) return fail(kExitRuntime, listed.error().message);
  if (oldest) {
    std::cout << "oldest scan kept: " << format_rfc3339(oldest->started) << " (source "
              << oldest->source << ") of " << scans << " scans\n";
  } else {
    std::cout << "oldest scan kept: none (no scans recorded)\n";
  }
  // Where retention removed scans, verify says coverage before then was pruned.
  std::optional<Timestamp> pruned_through;
  std::string pruned_source;
  for (const auto& source : sources) {
    const auto state = (*store)->get_source_state(source);
    if (!state) return fail(kExitRuntime, state.error().message);
    if (*state && (*state)->scans_pruned_through &&
        (!pruned_through || *(*state)->scans_pruned_through > *pruned_through)) {
      pruned_through = (*state)->scans_pruned_through;
      pruned_source = source;
    }
  }
  if (pruned_through) {
    std::cout << "scans pruned: up to " << format_rfc3339(*pruned_through) << " (source "
              << pruned_source << "; verify reports coverage before then as pruned)\n";
  } else {
    std::cout << "scans pruned: none\n";
  }
  return kExitOk;
}

int prune(Context& ctx) {
  const auto config = ctx.config();
  if (!config) return fail(kExitUsage, config.error().message);
  auto store = ctx.store(store::OpenMode::read_write);
  if (!store) return fail(kExitRuntime, store.error().message);
  const auto done = (*store)->prune(daemon::retention_from_config((*config)->store), now());
  if (!done) return fail(kExitRuntime, done.error().message);
  std::cout << retention_text((*config)->store) << "\n";
  std::cout << "removed " << done->scans_removed << " scan records and "
            << done->manifest_changes_removed << " manifest change records; kept "
            << done->scans_kept_for_evidence
            << " older scan records that sightings or coverage rest on\n";
  return kExitOk;
}

}  // namespace

void register_db(CLI::App& app, Context& ctx, CommandRun& run) {
  auto* db = app.add_subcommand("db", "Database operations: stats, backup, prune, compact");
  db->require_subcommand(1);
  db->add_subcommand("stats", "Counts and sizes per column family (works while the daemon runs)")
      ->callback([&ctx, &run] { run = [&ctx] { return print_stats(ctx); }; });

  auto dir = std::make_shared<std::string>();
  auto* backup = db->add_subcommand("backup", "Write a restorable backup (a checkpoint) to DIR");
  backup->add_option("DIR", *dir, "backup folder; must not exist yet")->required();
  backup->footer(
      "The backup is a complete database. To restore: stop leakwatch, move <data dir>/db aside\n"
      "and move DIR to <data dir>/db. Needs the database lock (stop the daemon first).");
  backup->callback([&ctx, &run, dir] {
    run = [&ctx, dir] {
      auto store = ctx.store(store::OpenMode::read_write);
      if (!store) return fail(kExitRuntime, store.error().message);
      if (auto done = (*store)->backup(*dir); !done)
        return fail(kExitRuntime, done.error().message);
      std::cout << "backup written to " << *dir << "\n";
      return kExitOk;
    };
  });

  db->add_subcommand("prune",
                     "Apply the [store] retention now: remove old scan records and manifest "
                     "history (needs the database lock; the daemon does it every minute)")
      ->footer(
          "Never removes a sighting. Of the scan records beyond the retention it keeps each\n"
          "source's newest and newest ok scan and the scan in which each sighting was first seen;\n"
          "verify reports coverage before the removed scans as pruned. See docs/DAEMON.md.")
      ->callback([&ctx, &run] { run = [&ctx] { return prune(ctx); }; });

  db->add_subcommand("compact", "Compact every column family (needs the database lock)")
      ->callback([&ctx, &run] {
        run = [&ctx] {
          auto store = ctx.store(store::OpenMode::read_write);
          if (!store) return fail(kExitRuntime, store.error().message);
          if (auto done = (*store)->compact(); !done)
            return fail(kExitRuntime, done.error().message);
          std::cout << "compacted\n";
          return kExitOk;
        };
      });
}

}  // namespace leakwatch::app
