// `leakwatch db stats|backup DIR|restore DIR|prune|compact`: operations on the store. stats reads
// (it works while the daemon runs); backup, restore, prune and compact need the writer lock. A
// backup is the database and the record keys: a store restored without its keys silently stops
// matching records.
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/private_file.h"
#include "daemon/daemon.h"
#include "matcher/records_key.h"
#include "model/time.h"

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

namespace fs = std::filesystem;

// The record key files (<dataset>.key) in a keys folder, sorted by name.
std::vector<fs::path> key_files(const fs::path& keys) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(keys, ec)) {
    if (e.is_regular_file() && e.path().extension() == ".key") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Copies every key of `from` into `to` (made 0700), each written 0600 and synced.
Result<std::size_t> copy_keys(const fs::path& from, const fs::path& to) {
  std::size_t copied = 0;
  for (const auto& file : key_files(from)) {
    auto key = matcher::load_record_key(file);
    if (!key) return key.error();
    if (auto saved = matcher::save_record_key(to / file.filename(), *key); !saved)
      return saved.error();
    ++copied;
  }
  return copied;
}

int backup(Context& ctx, const fs::path& dir) {
  auto store = ctx.store(store::OpenMode::read_write);
  if (!store) return fail(kExitRuntime, store.error().message);
  const auto data_dir = ctx.data_dir();
  if (!data_dir) return fail(kExitRuntime, data_dir.error().message);
  auto sigs = (*store)->list_signatures();
  if (!sigs) return fail(kExitRuntime, sigs.error().message);
  std::error_code ec;
  if (!fs::create_directory(dir, ec) || ec)
    return fail(kExitRuntime, dir.string() +
                                  ": backup folder exists already or cannot be "
                                  "created; choose a new one");
  ::chmod(dir.c_str(), 0700);
  if (auto done = (*store)->backup(dir / "db"); !done)
    return fail(kExitRuntime, done.error().message);
  auto keys = copy_keys(*data_dir / "keys", dir / "keys");
  if (!keys) return fail(kExitRuntime, keys.error().message);
  std::string missing;
  for (const auto& s : *sigs) {
    if (!s.records.empty() && !fs::exists(dir / "keys" / (s.dataset + ".key")))
      missing += (missing.empty() ? "" : ", ") + s.dataset;
  }
  const std::string about =
      "leakwatch backup of " + data_dir->string() + " made " + format_rfc3339(now()) + "\n" +
      "db/    the database (" + std::to_string(sigs->size()) + " signatures, every sighting, " +
      "scan and alert)\n" + "keys/  " + std::to_string(*keys) +
      " record keys (HMAC keys of record fingerprints; mode 0600)\n" +
      "Restore into an empty data dir: leakwatch --data-dir DIR db restore " + dir.string() + "\n";
  if (auto written = write_new_private_file(dir / "BACKUP.txt", about); !written)
    return fail(kExitRuntime, written.error().message);
  std::cout << "backup written to " << dir.string() << ": database (" << sigs->size()
            << " signatures) and " << *keys << " record keys\n";
  if (!missing.empty()) {
    std::cerr << "leakwatch: warning: no record key for " << missing
              << ": their records cannot be matched after a restore\n";
  }
  return kExitOk;
}

int restore(Context& ctx, const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir / "db" / "CURRENT", ec))
    return fail(kExitRuntime, dir.string() + ": not a leakwatch backup (no db/ database in it)");
  const auto data_dir = ctx.data_dir();
  if (!data_dir) return fail(kExitRuntime, data_dir.error().message);
  const auto target = *data_dir / "db";
  if (fs::exists(target, ec) && !fs::is_empty(target, ec)) {
    return fail(kExitRuntime, target.string() +
                                  ": a database is here already; restore into an empty data dir "
                                  "(--data-dir), or move this one aside first");
  }
  // Keys first: a key of the same name with other bytes is a different dataset's, and stops it.
  for (const auto& file : key_files(dir / "keys")) {
    const auto here = *data_dir / "keys" / file.filename();
    if (!fs::exists(here, ec)) continue;
    auto a = matcher::load_record_key(file);
    auto b = matcher::load_record_key(here);
    if (!a || !b || !(*a == *b))
      return fail(kExitRuntime, here.string() + ": another record key of this name is here");
  }
  fs::create_directories(*data_dir, ec);
  ::chmod(data_dir->c_str(), 0700);
  fs::copy(dir / "db", target, fs::copy_options::recursive, ec);
  if (ec) return fail(kExitRuntime, target.string() + ": cannot restore: " + ec.message());
  ::chmod(target.c_str(), 0700);
  auto keys = copy_keys(dir / "keys", *data_dir / "keys");
  if (!keys) return fail(kExitRuntime, keys.error().message);
  auto store = ctx.store(store::OpenMode::read_write);
  if (!store)
    return fail(kExitRuntime, "restored database does not open: " + store.error().message);
  if (auto ok = (*store)->check_consistency(); !ok)
    return fail(kExitRuntime, "restored database: " + ok.error().message);
  auto sigs = (*store)->list_signatures();
  if (!sigs) return fail(kExitRuntime, sigs.error().message);
  std::cout << "restored " << dir.string() << " into " << data_dir->string() << ": " << sigs->size()
            << " signatures, " << *keys << " record keys\n";
  return kExitOk;
}

}  // namespace

void register_db(CLI::App& app, Context& ctx, CommandRun& run) {
  auto* db =
      app.add_subcommand("db", "Database operations: stats, backup, restore, prune, compact");
  db->require_subcommand(1);
  db->add_subcommand("stats", "Counts and sizes per column family (works while the daemon runs)")
      ->callback([&ctx, &run] { run = [&ctx] { return print_stats(ctx); }; });

  auto dir = std::make_shared<std::string>();
  auto* backup_cmd =
      db->add_subcommand("backup", "Write a restorable backup (database and record keys) to DIR");
  backup_cmd->add_option("DIR", *dir, "backup folder; must not exist yet")->required();
  backup_cmd->footer(
      "DIR gets db/ (a checkpoint of the database), keys/ (the record keys, mode 0600) and\n"
      "BACKUP.txt saying what it holds; DIR is mode 0700. Restore with `db restore DIR`.\n"
      "Needs the database lock (stop the daemon first).");
  backup_cmd->callback([&ctx, &run, dir] { run = [&ctx, dir] { return backup(ctx, *dir); }; });

  auto from = std::make_shared<std::string>();
  auto* restore_cmd =
      db->add_subcommand("restore", "Restore a backup made by `db backup` into an empty data dir");
  restore_cmd->add_option("DIR", *from, "backup folder")->required();
  restore_cmd->footer(
      "Copies DIR/db to <data dir>/db and DIR/keys to <data dir>/keys, then opens and checks\n"
      "the database. Refuses a data dir that already has a database, or a key of the same name\n"
      "with other bytes. Example: leakwatch --data-dir /srv/leakwatch db restore /backup/b1");
  restore_cmd->callback([&ctx, &run, from] { run = [&ctx, from] { return restore(ctx, *from); }; });

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
