#include "scan/scan_pipeline.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

#include "crawler/crawl.h"
#include "matcher/file_hasher.h"
#include "matcher/names.h"
#include "matcher/score.h"
#include "model/digest.h"
#include "net/proxy_health.h"
#include "scan/torrent_scan.h"

namespace leakwatch::app {

// A listing's rounded size ("12.5K", "13K", "1.2M"): servers print two or three significant
// digits (Apache "13K" for 12.7 KiB, lighttpd "12.5K"), so the printed value is within about 5%
// of the size; 1/16 plus 512 bytes leaves room for either rounding direction and for small files.
bool rounded_size_could_be(std::uint64_t estimate, std::uint64_t exact) {
  const std::uint64_t diff = estimate > exact ? estimate - exact : exact - estimate;
  return diff <= estimate / 16 + 512;
}

CrawlWants crawl_wants(const matcher::FingerprintIndex& index) {
  CrawlWants wants;
  // A name some signature file has, and no exact size: worth one HEAD, unless the listing's
  // rounded size already rules out every file of that name.
  wants.wants_size = [&index](const FileEntry& e) {
    if (e.size) return false;
    bool could_match = false;
    index.for_each_name_match(matcher::normalise_name(e.path), [&](const matcher::FileRef& ref) {
      if (!e.size_estimate || rounded_size_could_be(*e.size_estimate, index.file(ref).size))
        could_match = true;
    });
    return could_match;
  };
  wants.wants_content = [&index](const FileEntry& e) { return e.size && index.has_size(*e.size); };
  return wants;
}

std::string new_scan_id() {
  std::random_device rd;
  std::array<std::uint8_t, 6> rnd{};
  for (auto& b : rnd) b = static_cast<std::uint8_t>(rd());
  std::string ts = format_rfc3339(now());
  std::erase_if(ts, [](char c) { return c == '-' || c == ':' || c == '.'; });
  return ts + "-" + to_hex(rnd);
}

matcher::ScoreRules score_rules_for(const config::Config& config) {
  matcher::ScoreRules rules;
  for (const auto& d : config.datasets) {
    matcher::ScoreRules r = rules;
    r.likely_name_size_files = d.likely_name_size_files.value_or(r.likely_name_size_files);
    r.confirmed_crc_files = d.confirmed_crc_files.value_or(r.confirmed_crc_files);
    r.records_likely = d.records_likely.value_or(r.records_likely);
    r.records_confirmed = d.records_confirmed.value_or(r.records_confirmed);
    r.record_min_columns = d.record_min_columns.value_or(r.record_min_columns);
    r.record_window = d.record_window.value_or(r.record_window);
    rules.datasets.emplace(d.name, std::move(r));
  }
  return rules;
}

SourceOutcome scan_source(const config::SourceConfig& source, const config::Config& config,
                          const matcher::FingerprintIndex& index, crawler::HttpClient& client,
                          const std::string& scan_id, const SourcePrior& prior,
                          crawler::CpuGate* gate) {
  // An exception escaping a worker thread (scan's pass, the daemon's per-source threads) would
  // end the process and every source in flight: a bug met on one source's bytes fails that
  // source, named, and the others go on.
  const auto started = now();
  try {
    return score_crawled(
        crawl_for_scan(source, config, crawl_wants(index), client, scan_id, prior, gate), config,
        index);
  } catch (const std::exception& e) {
    SourceOutcome out;
    out.record.scan_id = scan_id;
    out.record.source = source.name;
    out.record.locator = source.url;
    out.record.started = started;
    out.record.ended = now();
    out.record.status = ScanStatus::failed;
    out.record.error = "source '" + source.name + "': internal error: " + e.what();
    spdlog::error("source={} internal error: {}", source.name, e.what());
    return out;
  }
}

CrawledSource crawl_for_scan(const config::SourceConfig& source, const config::Config& config,
                             const CrawlWants& wants, crawler::HttpClient& client,
                             const std::string& scan_id, const SourcePrior& prior,
                             crawler::CpuGate* gate) {
  CrawledSource out;
  ScanRecord& rec = out.record;
  rec.scan_id = scan_id;
  rec.source = source.name;
  rec.locator = source.url;
  rec.started = now();

  crawler::CrawlOptions options;
  options.source_name = source.name;
  options.url = source.url;
  options.depth = source.depth;
  options.max_pages = source.max_pages;
  options.max_entries = source.max_entries;
  options.limits.max_body_bytes = source.max_page_bytes;
  options.limits.timeout = source.timeout;
  options.magnet_timeout = source.magnet_timeout;
  options.concurrency.in_flight = static_cast<std::size_t>(source.concurrency);
  options.concurrency.per_host = static_cast<std::size_t>(source.concurrency);
  options.concurrency.interval = source.request_interval;
  if (!source.json_path_keys.empty()) options.json_keys.path = source.json_path_keys;
  if (!source.json_size_keys.empty()) options.json_keys.size = source.json_size_keys;
  if (!source.json_children_keys.empty()) options.json_keys.children = source.json_children_keys;
  if (source.proxy) {
    // A single proxy is used as configured (its failure fails the fetch); a pool is
    // health-checked in order and the first reachable member is used. Never direct.
    const auto members = config.proxies_for(*source.proxy);
    const config::ProxyConfig* chosen = members.size() == 1 ? members.front() : nullptr;
    std::string down;
    for (std::size_t i = 0; members.size() > 1 && i < members.size(); ++i) {
      const auto health =
          crawler::check_proxy_reachable(members[i]->parsed, std::chrono::seconds(5));
      if (health) {
        chosen = members[i];
        break;
      }
      spdlog::warn("source={} pool={} proxy={} down: {}", source.name, *source.proxy,
                   members[i]->name, health.error().message);
      down += (down.empty() ? "" : "; ") + health.error().message;
    }
    if (!chosen) {
      rec.status = ScanStatus::failed;
      rec.error = members.empty()
                      ? "source '" + source.name + "': proxy '" + *source.proxy + "' is not defined"
                      : "source '" + source.name + "': no proxy of pool '" + *source.proxy +
                            "' is reachable (" + down + "); not fetched";
      rec.proxy = *source.proxy;
      rec.ended = now();
      return out;
    }
    options.proxy_url = config::proxy_url_for_source(*chosen, source.name);
    options.proxy_name = chosen->name;
    rec.proxy = chosen->name;
  }
  if (source.probe_sizes && source.probe_budget > 0 && wants.wants_size) {
    options.wants_size = wants.wants_size;
    options.probe_budget = source.probe_budget;
  }
  options.linked_text_budget = source.linked_text_budget;
  options.text_budget = source.text_budget;
  if (source.fetch_content == config::FetchContent::candidates && wants.wants_content) {
    options.wants_content = wants.wants_content;
    options.make_digester = [] { return std::make_unique<matcher::MultiHasher>(); };
    options.content_budget = source.content_budget;
  }

  using config::SourceKind;
  switch (source.kind) {
    case SourceKind::auto_detect:
      options.kind = crawler::CrawlKind::auto_detect;
      break;
    case SourceKind::listing:
      options.kind = crawler::CrawlKind::listing;
      break;
    case SourceKind::json_tree:
      options.kind = crawler::CrawlKind::json_tree;
      break;
    case SourceKind::checksums:
      options.kind = crawler::CrawlKind::checksums;
      break;
    case SourceKind::archive:
      options.kind = crawler::CrawlKind::archive;
      break;
    case SourceKind::text:
      options.kind = crawler::CrawlKind::text;
      break;
    case SourceKind::page:
      options.kind = crawler::CrawlKind::page;
      break;
    case SourceKind::torrent:
      options.kind = crawler::CrawlKind::torrent;
      break;
    case SourceKind::magnet:
      break;  // not HTTP: resolved through a torrent session below
  }
  // A magnet given with kind = "auto" is a magnet all the same.
  const bool magnet = source.kind == SourceKind::magnet || source.url.starts_with("magnet:");

  spdlog::info("scan started source={} url={} proxy={}", source.name, source.url,
               rec.proxy.empty() ? "direct" : rec.proxy);
  // Conditional request only when the last manifest is at hand to score again on a 304.
  if (prior.load_manifest) {
    options.etag = prior.etag;
    options.last_modified = prior.last_modified;
  }
  const auto fetch = [&] {
    // A torrent session only waits (peers, trackers): no CPU slot is held meanwhile.
    const auto waiting = [gate](auto&& work) {
      if (gate) gate->release();
      work();
      if (gate) gate->acquire();
    };
    crawler::CrawlResult got;
    if (magnet) {
      waiting([&] { got = crawl_magnet(options); });
    } else {
      got = crawler::crawl_source(client, options);
    }
    if (!got.magnets.empty()) waiting([&] { resolve_found_magnets(options, got); });
    return got;
  };
  auto crawl = fetch();
  if (crawl.not_modified && prior.load_manifest) {
    spdlog::info("source={} unchanged since the last scan (HTTP 304): scoring its last manifest",
                 source.name);
    auto stored = prior.load_manifest();
    if (stored && *stored) {
      const auto fetched_at = crawl.manifest.fetched_at;
      crawl.manifest = std::move(**stored);
      crawl.manifest.fetched_at = fetched_at;
    } else {
      // Nothing to score again: fetch the whole index, or the source would fail on every scan.
      spdlog::warn("source={} HTTP 304, but its last manifest {}: fetching it again in full",
                   source.name,
                   stored ? std::string("is no longer stored")
                          : "cannot be read (" + stored.error().message + ")");
      options.etag.clear();
      options.last_modified.clear();
      crawl = fetch();
    }
  }
  // A 304 is scored again from the stored manifest, which keeps no text bodies (never hoard) and
  // not the torrents and magnets the index linked to: a source whose crawl found any of them is
  // asked in full next time (no validators kept), or their sightings would not be re-seen.
  const bool replayable =
      crawl.manifest.texts.empty() && crawl.torrents.empty() && crawl.magnets.empty();
  out.etag = replayable ? crawl.etag : std::string();
  out.last_modified = replayable ? crawl.last_modified : std::string();
  rec.ended = now();
  rec.status = crawl.status;
  rec.error = crawl.error;
  rec.entries_seen = crawl.manifest.entries.size();
  rec.bytes_fetched = crawl.bytes_fetched;
  rec.pages_fetched = crawl.pages_fetched;
  rec.content_checked = crawl.files_hashed > 0;
  rec.files_hashed = crawl.files_hashed;
  rec.content_bytes = crawl.content_bytes;
  rec.archives_listed = crawl.archives_listed;
  rec.archive_bytes = crawl.archive_bytes;
  rec.size_probes = crawl.size_probes;
  rec.http_status = crawl.http_status;
  rec.latency_ms = static_cast<std::uint64_t>(crawl.latency.count());
  rec.notes = crawl.notes;
  for (const auto& t : crawl.torrents) rec.entries_seen += t.entries.size();
  // The index documents behind this scan's evidence: the source's own, then each torrent's.
  const auto keep_documents = [&rec](const Manifest& m) {
    for (const auto& d : m.documents) {
      if (rec.documents.size() < kMaxFetchedDocuments) {
        rec.documents.push_back(d);
      } else {
        ++rec.documents_omitted;
      }
    }
    rec.documents_omitted += m.documents_omitted;
  };
  keep_documents(crawl.manifest);
  for (const auto& t : crawl.torrents) keep_documents(t);
  if (rec.status == ScanStatus::failed && prior.consecutive_failures + 1 >= kDownAfterFailures) {
    rec.marked_down = true;
    spdlog::warn("source={} marked down: {} failed scans in a row", source.name,
                 prior.consecutive_failures + 1);
  }
  out.problems = std::move(crawl.problems);
  for (const auto& p : out.problems) spdlog::warn("source={} problem: {}", source.name, p);
  // A failure is logged once: here, unless it was one of the problems above.
  if (rec.status == ScanStatus::failed && !rec.error.empty() &&
      std::find(out.problems.begin(), out.problems.end(), rec.error) == out.problems.end())
    spdlog::warn("source={} failed: {}", source.name, rec.error);
  out.manifest = std::move(crawl.manifest);
  out.torrents = std::move(crawl.torrents);
  return out;
}

SourceOutcome score_crawled(CrawledSource crawled, const config::Config& config,
                            const matcher::FingerprintIndex& index) {
  SourceOutcome out;
  out.record = std::move(crawled.record);
  out.problems = std::move(crawled.problems);
  out.etag = std::move(crawled.etag);
  out.last_modified = std::move(crawled.last_modified);
  const ScanRecord& rec = out.record;
  // v1 pieces of files a torrent does not align are checked against originals kept by
  // `sign --keep-source` (local reads, bounded; nothing when no signature kept them).
  const matcher::LocalPieceVerifier verifier;
  auto rules = score_rules_for(config);
  rules.piece_verifier = &verifier;
  out.sightings = matcher::score(crawled.manifest, index, rules);
  // Text dumps and page text: record rows and honeytokens (also honeytokens inside entry names).
  matcher::merge_sightings(out.sightings, matcher::score_text(crawled.manifest, index, rules),
                           rules.max_evidence);
  // Each torrent a source links to is its own locator (its info-hash).
  for (const auto& t : crawled.torrents) {
    for (auto& s : matcher::score(t, index, rules)) out.sightings.push_back(std::move(s));
  }
  if (rec.status != ScanStatus::failed) out.manifest = std::move(crawled.manifest);
  spdlog::info(
      "scan finished source={} status={} entries={} pages={} bytes={} files_hashed={} sightings={}",
      rec.source, scan_status_name(rec.status), rec.entries_seen, rec.pages_fetched,
      rec.bytes_fetched, rec.files_hashed, out.sightings.size());
  return out;
}

}  // namespace leakwatch::app
