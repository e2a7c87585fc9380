// `leakwatch db stats|backup DIR|compact`: operations on the store. stats reads (it works while
// the daemon runs); backup and compact need the writer lock.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <optional>

#include "cli/commands.h"

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

int print_stats(Context& ctx) {
  auto store = ctx.store(store::OpenMode::read_only);
  if (!store) return fail(kExitRuntime, store.error().message);
  const auto stats = (*store)->stats();
  if (!stats) return fail(kExitRuntime, stats.error().message);
  std::cout << "database " << stats->path.string() << " (schema version " << stats->schema_version
            << ")\n";
  std::printf("%-22s %12s %12s %12s\n", "family", "keys", "on disk", "in memory");
  std::uint64_t disk = 0;
  for (const auto& f : stats->families) {
    std::printf("%-22s %12llu %12s %12s\n", f.name.c_str(), static_cast<unsigned long long>(f.keys),
                human_bytes(f.sst_bytes).c_str(), human_bytes(f.memtable_bytes).c_str());
    disk += f.sst_bytes;
  }
  std::printf("%-22s %12s %12s\n", "total", "", human_bytes(disk).c_str());
  std::fflush(stdout);
  // What an operator asks in month three: what is kept, and since when.
  std::size_t manifest_history = store::StoreOptions{}.manifest_history_limit;
  if (const auto config = ctx.config(); config)
    manifest_history = (*config)->store.manifest_history;
  std::cout << "retention: manifest history " << manifest_history
            << " change records per locator ([store] manifest_history); scan records all kept\n";
  std::optional<ScanRecord> oldest;
  std::uint64_t scans = 0;
  auto listed = (*store)->for_each_scan({}, [&](const ScanRecord& r) {
    ++scans;
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
  return kExitOk;
}

}  // namespace

void register_db(CLI::App& app, Context& ctx, CommandRun& run) {
  auto* db = app.add_subcommand("db", "Database operations: stats, backup, compact");
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
