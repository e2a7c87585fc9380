// `leakwatch scan` (every enabled source once) and `leakwatch check URL` (one ad hoc fetch).
// Both run the same pipeline; scan always records, check records unless --no-record.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/alert_delivery.h"
#include "cli/commands.h"
#include "crawler/torrent_file.h"
#include "model/json.h"
#include "model/time.h"
#include "model/units.h"
#include "report/sighting_output.h"
#include "scan/scan_pipeline.h"
#include "scan/store_scan.h"
#include "scan/torrent_scan.h"

namespace leakwatch::app {

namespace {

Result<std::vector<Signature>> load_signatures(Context& ctx, bool record) {
  // An unrecorded check in a fresh data dir has nothing to match, and nothing to create.
  const auto data_dir = ctx.data_dir();
  if (!data_dir) return data_dir.error();
  if (!record && !std::filesystem::exists(*data_dir / "db" / "CURRENT"))
    return std::vector<Signature>{};
  auto store = ctx.store(record ? store::OpenMode::read_write : store::OpenMode::read_only);
  if (!store) return store.error();
  return (*store)->list_signatures();
}

// Runs the sources on `jobs` threads (each with its own HTTP client) and hands every outcome to
// `on_done` on the calling thread's lock as soon as that source is finished, so each source is
// recorded the moment it is known: a crash later in the scan loses nothing already seen.
std::vector<SourceOutcome> run_sources(const std::vector<const config::SourceConfig*>& sources,
                                       const std::vector<SourcePrior>& priors,
                                       const config::Config& config,
                                       const matcher::FingerprintIndex& index,
                                       const std::string& scan_id, unsigned jobs,
                                       const std::function<void(SourceOutcome&)>& on_done) {
  std::vector<SourceOutcome> outcomes(sources.size());
  std::atomic<std::size_t> next{0};
  std::mutex done_mutex;
  auto worker = [&] {
    crawler::HttpClient client;
    for (std::size_t i = next++; i < sources.size(); i = next++) {
      // scan_source turns an exception met on one source's bytes into that source's failure.
      auto outcome = scan_source(*sources[i], config, index, client, scan_id, priors[i]);
      const std::lock_guard lock(done_mutex);
      on_done(outcome);
      outcomes[i] = std::move(outcome);
    }
  };
  {
    std::vector<std::jthread> pool;
    const auto threads = std::min<std::size_t>(std::max(1u, jobs), sources.size());
    for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
  }
  return outcomes;
}

// Records one source's outcome (scan record and sightings in one batch); the sightings as
// stored replace the outcome's.
Result<void> record_outcome(Context& ctx, SourceOutcome& o) {
  auto store = ctx.store(store::OpenMode::read_write);
  if (!store) return store.error();
  return app::record_outcome(**store, o);
}

// Prints the run; returns the exit code (1 when any source failed).
int print_run(const std::string& scan_id, const std::vector<SourceOutcome>& outcomes, bool record,
              const std::string& format) {
  std::vector<ScanRecord> records;
  std::vector<Sighting> sightings;
  bool any_failed = false;
  std::size_t ok = 0, partial = 0, failed = 0;
  std::uint64_t entries = 0, bytes = 0;
  for (const auto& o : outcomes) {
    any_failed |= o.record.status == ScanStatus::failed;
    ok += o.record.status == ScanStatus::ok;
    partial += o.record.status == ScanStatus::partial;
    failed += o.record.status == ScanStatus::failed;
    entries += o.record.entries_seen;
    bytes += o.record.bytes_fetched;
    records.push_back(o.record);
    sightings.insert(sightings.end(), o.sightings.begin(), o.sightings.end());
  }
  std::stable_sort(sightings.begin(), sightings.end(), [](const Sighting& a, const Sighting& b) {
    return a.confidence > b.confidence;
  });
  if (format == "json") {
    const nlohmann::json result{
        {"scan_id", scan_id}, {"recorded", record}, {"scans", records}, {"sightings", sightings}};
    std::cout << dump_json(result) << "\n";
  } else {
    std::cout << "scan " << scan_id << (record ? "" : " (not recorded)") << "\n";
    for (const auto& r : records) print_scan_text(std::cout, r);
    std::cout << "\n";
    if (sightings.empty()) std::cout << "no sightings\n";
    for (const auto& s : sightings) {
      print_sighting_text(std::cout, s);
      std::cout << "\n";
    }
    std::cout << "summary: " << records.size() << " sources (" << ok << " ok, " << partial
              << " partial, " << failed << " failed), " << entries << " entries, "
              << format_size(bytes) << " fetched, " << sightings.size() << " sightings\n";
  }
  return any_failed ? kExitRuntime : kExitOk;
}

}  // namespace

void register_scan_and_check(CLI::App& app, Context& ctx, CommandRun& run) {
  struct ScanArgs {
    std::vector<std::string> sources;
    std::string format = "text";
    unsigned jobs = 4;
  };
  auto sa = std::make_shared<ScanArgs>();
  auto* scan = app.add_subcommand(
      "scan", "Scan every enabled source once (or the named ones) and record the results");
  scan->footer(
      "Each source is fetched through its proxy (never directly when one is configured), parsed,\n"
      "matched against every stored signature, and recorded: a scan record per source (coverage "
      "for\n"
      "verify) and one sighting per dataset and locator. Exit code 1 when any source failed.");
  scan->add_option("--source", sa->sources, "only this source; one per flag, repeatable")
      ->allow_extra_args(false);
  scan->add_option("--jobs", sa->jobs, "sources scanned at once (default 4)")
      ->check(CLI::Range(1, 64));
  scan->add_option("--format", sa->format, "text or json (one object)")
      ->check(CLI::IsMember({"text", "json"}));
  scan->callback([&ctx, &run, sa] {
    run = [&ctx, sa]() -> int {
      auto cfg = ctx.config();
      if (!cfg) return fail(kExitUsage, cfg.error().message);
      const config::Config& config = **cfg;
      std::vector<const config::SourceConfig*> chosen;
      for (const auto& name : sa->sources) {
        const auto* s = config.find_source(name);
        if (!s)
          return fail(kExitUsage,
                      "scan: no source named '" + name + "' in " + config.file.string());
        chosen.push_back(s);
      }
      if (sa->sources.empty()) {
        for (const auto& s : config.sources) {
          if (s.enabled) chosen.push_back(&s);
        }
      }
      if (chosen.empty()) {
        return fail(kExitUsage,
                    "scan: no enabled sources" +
                        (config.file.empty() ? std::string(" (no config file; use --config)")
                                             : " in " + config.file.string()));
      }
      auto sigs = load_signatures(ctx, true);
      if (!sigs) return fail(kExitRuntime, sigs.error().message);
      if (sigs->empty())
        spdlog::warn(
            "no signatures stored: the scan records coverage but can find nothing (run leakwatch "
            "sign)");
      const auto data_dir = ctx.data_dir();  // loaded already by load_signatures
      if (!data_dir) return fail(kExitUsage, data_dir.error().message);
      const auto keys = load_record_keys(*data_dir, *sigs);
      const matcher::FingerprintIndex index(std::move(sigs).value(), keys);
      warn_index_problems(index);
      // What the last scans left: validators, and the manifest to score again on a 304.
      std::vector<SourcePrior> priors(chosen.size());
      {
        auto store = ctx.store(store::OpenMode::read_write);
        if (!store) return fail(kExitRuntime, store.error().message);
        for (std::size_t i = 0; i < chosen.size(); ++i) {
          auto prior = load_prior(**store, *chosen[i]);
          if (!prior) return fail(kExitRuntime, prior.error().message);
          priors[i] = std::move(prior).value();
        }
      }
      const auto scan_id = new_scan_id();
      const bool progress = !ctx.options().quiet && ::isatty(STDERR_FILENO);
      std::size_t done = 0;
      std::optional<Error> record_error;
      const auto outcomes =
          run_sources(chosen, priors, config, index, scan_id, sa->jobs, [&](SourceOutcome& o) {
            if (auto recorded = record_outcome(ctx, o); !recorded && !record_error) {
              record_error = recorded.error();
            }
            ++done;
            if (progress) {
              std::fprintf(stderr, "\r\033[Kscan: %zu/%zu sources done (last: %s %s)", done,
                           chosen.size(), o.record.source.c_str(),
                           std::string(scan_status_name(o.record.status)).c_str());
              if (done == chosen.size()) std::fputs("\r\033[K", stderr);
            }
          });
      if (record_error) return fail(kExitRuntime, record_error->message);
      const int code = print_run(scan_id, outcomes, true, sa->format);
      // Alerts of this pass (and any still pending) go out now; a receiver that is down leaves
      // them pending for the next scan or `alerts retry`, it does not fail the scan.
      auto db = ctx.store(store::OpenMode::read_write);
      if (!db) return fail(kExitRuntime, db.error().message);
      if (auto d = deliver_alerts(**db, config, alerts::DispatchOptions{}); !d) {
        return fail(kExitRuntime, "alerts: " + d.error().message);
      }
      return code;
    };
  });

  struct CheckArgs {
    std::string target, proxy, format = "text";
    bool no_record = false;
    bool fetch_content = false;
    int depth = 4;
    int concurrency = 8;
    std::uint64_t max_pages = 2000;
    double timeout = 120;
  };
  auto ca = std::make_shared<CheckArgs>();
  auto* check = app.add_subcommand(
      "check", "Fetch one URL (a leak index) now and match it against every signature");
  check->footer(
      "Example: leakwatch check --proxy socks5h://127.0.0.1:9050 "
      "http://exampleleakxyz.onion/files/\n"
      "A .onion URL needs a socks5h:// proxy. The result is recorded as source 'adhoc' unless "
      "--no-record.\n"
      "Torrents: leakwatch check [--proxy socks5h://...] 'magnet:?xt=urn:btih:...&tr=...' fetches\n"
      "only the metadata (never a piece); a .torrent URL or file is read the same way. Through a\n"
      "proxy, UDP trackers and the DHT are skipped (Tor's SOCKS has no UDP) and the record says "
      "so.");
  check
      ->add_option("TARGET", ca->target,
                   "URL of a leak index (listing, page, .torrent, ...), a magnet: link, or a "
                   ".torrent file")
      ->required();
  check->add_option("--proxy", ca->proxy, "proxy URL: socks5h://, socks5://, http:// or https://");
  check->add_option("--format", ca->format, "text or json (one object)")
      ->check(CLI::IsMember({"text", "json"}));
  check->add_option("--depth", ca->depth, "folder levels to follow")->check(CLI::Range(0, 64));
  check->add_option("--concurrency", ca->concurrency, "requests in flight at once")
      ->check(CLI::Range(1, 256));
  check->add_option("--max-pages", ca->max_pages, "index pages to fetch at most")
      ->check(CLI::Range(1, 10'000'000));
  check->add_flag("--fetch-content", ca->fetch_content,
                  "hash (in memory, then discard) files whose size equals a signature file's");
  check->add_flag("--no-record", ca->no_record, "do not write the result to the store");
  check
      ->add_option("--timeout", ca->timeout,
                   "seconds per request, and for a magnet's metadata (default 120)")
      ->check(CLI::Range(0.1, 86400.0));
  check->callback([&ctx, &run, ca] {
    run = [&ctx, ca]() -> int {
      const bool magnet = ca->target.starts_with("magnet:");
      auto url = parse_url(ca->target);
      // A .torrent file on disk: read and matched here, nothing fetched.
      if (!magnet && (!url || url->scheme == "file") && ca->target.ends_with(".torrent")) {
        auto sigs = load_signatures(ctx, !ca->no_record);
        if (!sigs) return fail(kExitRuntime, sigs.error().message);
        const matcher::FingerprintIndex index(std::move(sigs).value());
        const auto scan_id = new_scan_id();
        std::vector<SourceOutcome> outcomes;
        outcomes.push_back(check_torrent_file(
            std::filesystem::path(url ? percent_decode(url->path) : ca->target), index, scan_id));
        if (!ca->no_record && outcomes.back().record.status != ScanStatus::failed) {
          if (auto recorded = record_outcome(ctx, outcomes.back()); !recorded) {
            return fail(kExitRuntime, recorded.error().message);
          }
        }
        return print_run(scan_id, outcomes, !ca->no_record, ca->format);
      }
      if (magnet) {
        if (auto link = crawler::parse_magnet(ca->target); !link) {
          return fail(kExitUsage, "check: " + link.error().message);
        }
        url.reset();
      } else if (!url || (url->scheme != "http" && url->scheme != "https")) {
        return fail(kExitUsage, "check: '" + ca->target +
                                    "' is not an http:// or https:// URL, a magnet: link or a "
                                    ".torrent file");
      }
      // The config file's [[dataset]] thresholds apply to check as to scan (a bad config is an
      // error here too); its sources and proxies do not.
      auto loaded = ctx.config();
      if (!loaded) return fail(kExitUsage, loaded.error().message);
      config::Config config;
      config.datasets = (*loaded)->datasets;
      config::SourceConfig source;
      source.name = "adhoc";
      source.url = ca->target;
      if (magnet) source.kind = config::SourceKind::magnet;
      source.depth = ca->depth;
      source.concurrency = ca->concurrency;
      source.max_pages = ca->max_pages;
      source.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(ca->timeout * 1000));
      source.fetch_content =
          ca->fetch_content ? config::FetchContent::candidates : config::FetchContent::never;
      if (!ca->proxy.empty()) {
        const auto parsed = parse_url(ca->proxy);
        if (!parsed || (parsed->scheme != "socks5h" && parsed->scheme != "socks5" &&
                        parsed->scheme != "http" && parsed->scheme != "https")) {
          return fail(kExitUsage, "check: --proxy '" + ca->proxy +
                                      "' is not a socks5h://, socks5://, http:// or https:// URL");
        }
        config.proxies.push_back({.name = "cli", .url = ca->proxy, .parsed = *parsed});
        source.proxy = "cli";
      }
      // socks5:// is used as socks5h:// (see net/http_client.h), so either will do.
      if (url && url->is_onion() &&
          !(ca->proxy.starts_with("socks5h://") || ca->proxy.starts_with("socks5://"))) {
        return fail(kExitUsage,
                    "check: a .onion URL needs --proxy socks5h://... (it is never fetched directly "
                    "or resolved locally)");
      }
      auto sigs = load_signatures(ctx, !ca->no_record);
      if (!sigs) return fail(kExitRuntime, sigs.error().message);
      if (sigs->empty())
        spdlog::warn("no signatures stored: nothing can match (run leakwatch sign)");
      const auto data_dir = ctx.data_dir();  // loaded already by load_signatures
      if (!data_dir) return fail(kExitUsage, data_dir.error().message);
      const auto keys = load_record_keys(*data_dir, *sigs);
      const matcher::FingerprintIndex index(std::move(sigs).value(), keys);
      warn_index_problems(index);
      crawler::HttpClient client;
      const auto scan_id = new_scan_id();
      std::vector<SourceOutcome> outcomes;
      outcomes.push_back(scan_source(source, config, index, client, scan_id));
      if (!ca->no_record) {
        if (auto recorded = record_outcome(ctx, outcomes.back()); !recorded) {
          return fail(kExitRuntime, recorded.error().message);
        }
      }
      return print_run(scan_id, outcomes, !ca->no_record, ca->format);
    };
  });
}

}  // namespace leakwatch::app
