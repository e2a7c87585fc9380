// `leakwatch scan` (every enabled source once) and `leakwatch check URL` (one ad hoc fetch).
// Both run the same pipeline; scan always records, check records unless --no-record.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stop_token>
#include <thread>

#include "cli/alert_delivery.h"
#include "cli/commands.h"
#include "crawler/torrent_file.h"
#include "model/json.h"
#include "model/time.h"
#include "model/units.h"
#include "net/fetch_engine.h"
#include "report/sighting_output.h"
#include "scan/scan_pipeline.h"
#include "scan/source_pass.h"
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

// Progress of a long pass on stderr: sources done / in flight / waiting, requests per second
// and the sources in flight longest. On a terminal one line updated every second; otherwise a
// plain line every 10 seconds (so a pass shorter than that prints none).
class PassReporter {
 public:
  PassReporter(const SourcePass& pass, bool terminal)
      : pass_(pass),
        terminal_(terminal),
        thread_([this](const std::stop_token& stop) { report(stop); }) {}
  ~PassReporter() {
    thread_.request_stop();
    cv_.notify_all();
    thread_.join();
    if (terminal_ && printed_) std::fputs("\r\033[K", stderr);
  }
  PassReporter(const PassReporter&) = delete;
  PassReporter& operator=(const PassReporter&) = delete;

 private:
  void report(const std::stop_token& stop) {
    const auto every = terminal_ ? std::chrono::seconds(1) : std::chrono::seconds(10);
    auto last = std::chrono::steady_clock::now();
    std::uint64_t last_requests = 0;
    std::unique_lock lock(mutex_);
    while (true) {
      cv_.wait_for(lock, stop, every, [] { return false; });
      if (stop.stop_requested()) return;
      const auto p = pass_.progress();
      if (p.total == 0) continue;
      const auto now = std::chrono::steady_clock::now();
      const double seconds = std::chrono::duration<double>(now - last).count();
      const double rate =
          seconds > 0 ? static_cast<double>(p.requests_done - last_requests) / seconds : 0;
      last = now;
      last_requests = p.requests_done;
      std::string slowest;
      for (const auto& [name, age] : p.slowest)
        slowest += (slowest.empty() ? "; slowest: " : ", ") + name + " " +
                   std::to_string(age.count()) + "s";
      std::fprintf(stderr,
                   "%sscan: %zu/%zu sources done, %zu in flight, %zu waiting; %.0f req/s, "
                   "%zu requests in flight%s%s",
                   terminal_ ? "\r\033[K" : "", p.done, p.total, p.in_flight, p.waiting, rate,
                   p.requests_in_flight, slowest.c_str(), terminal_ ? "" : "\n");
      std::fflush(stderr);
      printed_ = true;
    }
  }

  const SourcePass& pass_;
  bool terminal_;
  bool printed_ = false;
  std::mutex mutex_;
  std::condition_variable_any cv_;
  std::jthread thread_;  // last: it reads the members above
};

// Records one source's outcome (scan record and sightings in one batch); the sightings as
// stored replace the outcome's.
Result<void> record_outcome(Context& ctx, SourceOutcome& o) {
  auto store = ctx.store(store::OpenMode::read_write);
  if (!store) return store.error();
  return app::record_outcome(**store, o);
}

// Prints the run; returns the exit code (1 when any source failed). Prints the outcomes where
// they are, never a copy: at 10,000 sources a copy of every scan record (and, for JSON, one
// document tree of all of them) was most of what the pass held at its end. The JSON is written
// element by element, byte for byte what dumping the whole object would give (keys in order).
int print_run(const std::string& scan_id, const std::vector<SourceOutcome>& outcomes, bool record,
              const std::string& format) {
  bool any_failed = false;
  std::size_t ok = 0, partial = 0, failed = 0;
  std::uint64_t entries = 0, bytes = 0;
  std::vector<const Sighting*> sightings;
  for (const auto& o : outcomes) {
    any_failed |= o.record.status == ScanStatus::failed;
    ok += o.record.status == ScanStatus::ok;
    partial += o.record.status == ScanStatus::partial;
    failed += o.record.status == ScanStatus::failed;
    entries += o.record.entries_seen;
    bytes += o.record.bytes_fetched;
    for (const auto& s : o.sightings) sightings.push_back(&s);
  }
  std::stable_sort(sightings.begin(), sightings.end(), [](const Sighting* a, const Sighting* b) {
    return a->confidence > b->confidence;
  });
  if (format == "json") {
    std::cout << "{\"recorded\":" << (record ? "true" : "false")
              << ",\"scan_id\":" << dump_json(scan_id) << ",\"scans\":[";
    const char* comma = "";
    for (const auto& o : outcomes) {
      std::cout << comma << to_json_text(o.record);
      comma = ",";
    }
    std::cout << "],\"sightings\":[";
    comma = "";
    for (const auto* s : sightings) {
      std::cout << comma << to_json_text(*s);
      comma = ",";
    }
    std::cout << "]}\n";
  } else {
    std::cout << "scan " << scan_id << (record ? "" : " (not recorded)") << "\n";
    for (const auto& o : outcomes) print_scan_text(std::cout, o.record);
    std::cout << "\n";
    if (sightings.empty()) std::cout << "no sightings\n";
    for (const auto* s : sightings) {
      print_sighting_text(std::cout, *s);
      std::cout << "\n";
    }
    std::cout << "summary: " << outcomes.size() << " sources (" << ok << " ok, " << partial
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
    std::size_t jobs = 256;
    std::size_t max_in_flight = 256;
  };
  auto sa = std::make_shared<ScanArgs>();
  auto* scan = app.add_subcommand(
      "scan", "Scan every enabled source once (or the named ones) and record the results");
  scan->footer(
      "Each source is fetched through its proxy (never directly when one is configured), parsed,\n"
      "matched against every stored signature, and recorded: a scan record per source (coverage "
      "for\n"
      "verify) and one sighting per dataset and locator. Exit code 1 when any source failed.\n"
      "All sources share one fetch engine: --jobs sources at once, --max-in-flight requests at\n"
      "once in all, [[proxy]] max_connections per proxy, turns taken fairly between sources.\n"
      "Progress goes to stderr (one updating line on a terminal, a line every 10 s otherwise;\n"
      "none with -q).");
  scan->add_option("--source", sa->sources, "only this source; one per flag, repeatable")
      ->allow_extra_args(false);
  scan->add_option("--jobs", sa->jobs,
                   "sources in flight at once (default 256; never more than --max-in-flight)")
      ->check(CLI::Range(1, 4096));
  scan->add_option("--max-in-flight", sa->max_in_flight,
                   "requests in flight at once across all sources (default 256); [[proxy]] "
                   "max_connections caps each proxy within it")
      ->check(CLI::Range(1, 65536));
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
      // Every source of the pass on one fetch engine: --max-in-flight requests at once in all,
      // [[proxy]] max_connections through each proxy, --jobs sources at once.
      crawler::FetchEngine engine(sa->max_in_flight);
      apply_proxy_caps(engine, config);
      SourcePass pass(engine, PassOptions{.sources_in_flight = sa->jobs});
      // Recorded as each source finishes; only what the summary prints is kept (the manifest
      // went into the store, problems were logged).
      std::vector<SourceOutcome> outcomes(chosen.size());
      std::optional<Error> record_error;
      {
        std::optional<PassReporter> reporter;
        if (!ctx.options().quiet) reporter.emplace(pass, ::isatty(STDERR_FILENO) != 0);
        pass.run(chosen, priors, config, index, scan_id, [&](std::size_t i, SourceOutcome& o) {
          if (auto recorded = record_outcome(ctx, o); !recorded && !record_error) {
            record_error = recorded.error();
          }
          outcomes[i].record = std::move(o.record);
          outcomes[i].sightings = std::move(o.sightings);
          // The text summary prints no documents (the store has them); JSON prints them all.
          if (sa->format != "json")
            std::vector<FetchedDocument>().swap(outcomes[i].record.documents);
        });
      }
      priors.clear();
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
      // The same fetch engine as a scan's, for one source.
      crawler::FetchEngine engine;
      crawler::HttpClient client(engine);
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
