// Store benchmark (issue #4): upsert N sightings (fetches of --batch, synced like production),
// then query one dataset's sightings in a 30-day window, on leakwatch's RocksDB store and on
// SQLite with an equivalent schema and index, in the same run. Prints throughput and p50/p99
// query latency. Usage: store_bench [--count N] [--batch B] [--queries Q] [--dir DIR]
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "model/json.h"
#include "store/store.h"

namespace {

using namespace leakwatch;
using Clock = std::chrono::steady_clock;

struct Workload {
  long count = 1'000'000;
  long batch = 1000;
  int queries = 200;
  int datasets = 100;
  int sources = 20;
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "leakwatch-store-bench";
};

const Timestamp kBase = from_unix_ms(1'767'225'600'000);  // 2026-01-01
constexpr auto kYear = std::chrono::hours{24 * 365};

Sighting make_sighting(const Workload& w, long i) {
  Sighting s;
  s.dataset = "dataset-" + std::to_string(i % w.datasets);
  s.source = "source-" + std::to_string((i / 7) % w.sources);
  s.locator = "http://leak" + std::to_string(i % 997) + ".example.onion/dump/" + std::to_string(i);
  s.confidence = static_cast<Confidence>(i % 3);
  s.evidence = {{"sha256", "exports/hr.csv", "dump/hr.csv", std::string(64, 'a')}};
  s.files_matched = 1;
  s.dataset_files = 3;
  s.bytes_matched = 123456;
  s.last_seen = kBase + std::chrono::duration_cast<std::chrono::milliseconds>(kYear) * i / w.count;
  s.first_seen = s.last_seen - std::chrono::hours{24};
  return s;
}

struct Query {
  std::string dataset;
  Timestamp since, until;
};

std::vector<Query> make_queries(const Workload& w) {
  std::mt19937_64 rng(42);
  std::vector<Query> out;
  for (int q = 0; q < w.queries; ++q) {
    const auto start = kBase + std::chrono::hours{24} * static_cast<int>(rng() % 335);
    out.push_back({"dataset-" + std::to_string(rng() % static_cast<unsigned>(w.datasets)), start,
                   start + std::chrono::hours{24 * 30}});
  }
  return out;
}

struct Figures {
  double upsert_seconds = 0;
  double p50_us = 0, p99_us = 0;
  std::size_t rows = 0;
};

void percentiles(std::vector<double>& us, Figures& f) {
  std::sort(us.begin(), us.end());
  f.p50_us = us[us.size() / 2];
  f.p99_us = us[std::min(us.size() - 1, us.size() * 99 / 100)];
}

Figures run_rocks(const Workload& w, const std::vector<Query>& queries) {
  Figures f;
  const auto dir = w.dir / "rocks";
  auto opened = store::Store::open(dir, store::OpenMode::read_write);
  if (!opened) {
    std::fprintf(stderr, "%s\n", opened.error().message.c_str());
    std::exit(1);
  }
  auto& store = **opened;
  const auto t0 = Clock::now();
  for (long first = 0; first < w.count; first += w.batch) {
    store::Fetch fetch;
    fetch.scan.scan_id = "bench-" + std::to_string(first);
    fetch.scan.source = "source-" + std::to_string(first % w.sources);
    fetch.scan.started = fetch.scan.ended = kBase;
    fetch.scan.status = ScanStatus::ok;
    for (long i = first; i < std::min(w.count, first + w.batch); ++i) {
      fetch.sightings.push_back(make_sighting(w, i));
    }
    if (auto r = store.record_fetch(fetch); !r) {
      std::fprintf(stderr, "%s\n", r.error().message.c_str());
      std::exit(1);
    }
  }
  f.upsert_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  std::vector<double> us;
  for (const auto& q : queries) {
    store::SightingFilter filter;
    filter.dataset = q.dataset;
    filter.since = q.since;
    filter.until = q.until;
    const auto start = Clock::now();
    auto r = store.for_each_sighting(filter, [&](const Sighting&) {
      ++f.rows;
      return true;
    });
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    if (!r) std::exit(1);
  }
  percentiles(us, f);
  return f;
}

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    std::fprintf(stderr, "sqlite %s: %s\n", what, sqlite3_errmsg(db));
    std::exit(1);
  }
}

// The same record as the RocksDB store: one row per dataset+locator (primary key), the JSON of
// the sighting, and indexes by dataset+time and source+time; WAL with a synced commit per fetch.
Figures run_sqlite(const Workload& w, const std::vector<Query>& queries) {
  Figures f;
  std::filesystem::create_directories(w.dir);
  sqlite3* db = nullptr;
  check(sqlite3_open((w.dir / "bench.sqlite").c_str(), &db), db, "open");
  check(sqlite3_exec(db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "CREATE TABLE sightings(dataset TEXT NOT NULL, locator TEXT NOT NULL,"
                     " source TEXT NOT NULL, confidence INTEGER NOT NULL,"
                     " first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, json TEXT NOT NULL,"
                     " PRIMARY KEY(dataset, locator)) WITHOUT ROWID;"
                     "CREATE INDEX by_dataset ON sightings(dataset, last_seen DESC);"
                     "CREATE INDEX by_source ON sightings(source, last_seen DESC);",
                     nullptr, nullptr, nullptr),
        db, "schema");
  sqlite3_stmt* upsert = nullptr;
  check(sqlite3_prepare_v2(
            db,
            "INSERT INTO sightings VALUES(?1,?2,?3,?4,?5,?6,?7) ON CONFLICT(dataset, locator) DO "
            "UPDATE SET json = CASE WHEN excluded.confidence >= confidence THEN excluded.json "
            "ELSE json END, confidence = max(confidence, excluded.confidence),"
            " first_seen = min(first_seen, excluded.first_seen),"
            " last_seen = max(last_seen, excluded.last_seen)",
            -1, &upsert, nullptr),
        db, "prepare upsert");
  const auto t0 = Clock::now();
  for (long first = 0; first < w.count; first += w.batch) {
    check(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), db, "begin");
    for (long i = first; i < std::min(w.count, first + w.batch); ++i) {
      const auto s = make_sighting(w, i);
      const auto json = to_json_text(s);
      sqlite3_bind_text(upsert, 1, s.dataset.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(upsert, 2, s.locator.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(upsert, 3, s.source.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int(upsert, 4, static_cast<int>(s.confidence));
      sqlite3_bind_int64(upsert, 5, to_unix_ms(s.first_seen));
      sqlite3_bind_int64(upsert, 6, to_unix_ms(s.last_seen));
      sqlite3_bind_text(upsert, 7, json.c_str(), -1, SQLITE_TRANSIENT);
      check(sqlite3_step(upsert), db, "upsert");
      sqlite3_reset(upsert);
    }
    check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
  }
  f.upsert_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  sqlite3_stmt* select = nullptr;
  check(sqlite3_prepare_v2(db,
                           "SELECT json FROM sightings WHERE dataset = ?1 AND last_seen >= ?2 AND "
                           "first_seen <= ?3 ORDER BY last_seen DESC",
                           -1, &select, nullptr),
        db, "prepare select");
  std::vector<double> us;
  for (const auto& q : queries) {
    const auto start = Clock::now();
    sqlite3_bind_text(select, 1, q.dataset.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(select, 2, to_unix_ms(q.since));
    sqlite3_bind_int64(select, 3, to_unix_ms(q.until));
    int rc;
    while ((rc = sqlite3_step(select)) == SQLITE_ROW) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(select, 0));
      // Parsed into a Sighting, as the store's visitor receives one.
      if (!sighting_from_json_text(text, "row")) std::exit(1);
      ++f.rows;
    }
    check(rc, db, "select");
    sqlite3_reset(select);
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  percentiles(us, f);
  sqlite3_finalize(upsert);
  sqlite3_finalize(select);
  sqlite3_close(db);
  return f;
}

void print(const char* name, const Workload& w, const Figures& f) {
  std::printf(
      "%-8s upsert %ld in %.1f s = %.0f sightings/s; %d queries (30-day window, one "
      "dataset), %zu rows: p50 %.0f us, p99 %.0f us\n",
      name, w.count, f.upsert_seconds, static_cast<double>(w.count) / f.upsert_seconds, w.queries,
      f.rows, f.p50_us, f.p99_us);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  Workload w;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--count") {
      w.count = std::atol(argv[i + 1]);
    } else if (flag == "--batch") {
      w.batch = std::max(1L, std::atol(argv[i + 1]));
    } else if (flag == "--queries") {
      w.queries = std::max(1, std::atoi(argv[i + 1]));
    } else if (flag == "--dir") {
      w.dir = argv[i + 1];
    } else {
      std::fprintf(stderr, "usage: store_bench [--count N] [--batch B] [--queries Q] [--dir D]\n");
      return 2;
    }
  }
  std::filesystem::remove_all(w.dir);
  const auto queries = make_queries(w);
  std::printf("store_bench: %ld sightings, %d datasets, %d sources, fetches of %ld (synced)\n",
              w.count, w.datasets, w.sources, w.batch);
  print("rocksdb", w, run_rocks(w, queries));
  print("sqlite", w, run_sqlite(w, queries));
  std::filesystem::remove_all(w.dir);
  return 0;
}
