#include "scan/torrent_scan.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "crawler/torrent_links.h"
#include "crawler/torrent_session.h"
#include "matcher/score.h"

namespace leakwatch::app {

namespace {

crawler::MagnetFetchOptions fetch_options(const crawler::CrawlOptions& options) {
  crawler::MagnetFetchOptions o;
  o.proxy_url = options.proxy_url;
  // All of a source's magnets wait at once: one bound for the source.
  o.timeout = options.magnet_timeout.value_or(options.limits.timeout);
  o.on_progress = [source = options.source_name](const std::string& pending) {
    spdlog::info("source={} {}", source, pending);
  };
  return o;
}

void add_notes(std::vector<std::string>& into, const std::vector<std::string>& notes) {
  for (const auto& n : notes) {
    if (std::find(into.begin(), into.end(), n) == into.end()) into.push_back(n);
  }
}

}  // namespace

crawler::CrawlResult crawl_magnet(const crawler::CrawlOptions& options) {
  crawler::CrawlResult result = crawler::start_crawl(options);
  auto fetched = crawler::fetch_magnet_metadata({options.url}, fetch_options(options));
  auto& f = fetched.front();
  result.pages_fetched = 1;
  result.bytes_fetched = f.protocol_bytes + f.payload_bytes;
  result.latency = f.elapsed;
  add_notes(result.notes, f.notes);
  if (!f.manifest) {
    result.error = f.error;
    return result;
  }
  const auto fetched_at = result.manifest.fetched_at;
  result.manifest = std::move(*f.manifest);
  result.manifest.source = options.source_name;
  result.manifest.fetched_at = fetched_at;
  result.status = ScanStatus::ok;
  spdlog::info("source={} magnet resolved to {} ({} files) in {} ms, payload bytes {}",
               options.source_name, result.manifest.locator, result.manifest.entries.size(),
               f.elapsed.count(), f.payload_bytes);
  return result;
}

void resolve_found_magnets(const crawler::CrawlOptions& options, crawler::CrawlResult& crawl) {
  if (crawl.magnets.empty()) return;
  auto magnets = crawl.magnets;
  if (magnets.size() > options.max_torrents) {
    crawl.problems.push_back(options.url + ": resolving only the first " +
                             std::to_string(options.max_torrents) + " of " +
                             std::to_string(magnets.size()) + " magnet links (max_torrents)");
    magnets.resize(options.max_torrents);
  }
  std::uint64_t payload = 0, resolved = 0;
  const auto started = std::chrono::steady_clock::now();
  auto fetched = crawler::fetch_magnet_metadata(magnets, fetch_options(options));
  for (auto& f : fetched) {
    crawl.bytes_fetched += f.protocol_bytes + f.payload_bytes;
    payload += f.payload_bytes;
    resolved += f.manifest.has_value();
    add_notes(crawl.notes, f.notes);
    if (!f.manifest) {
      crawl.problems.push_back(f.error);
      continue;
    }
    f.manifest->source = options.source_name;
    f.manifest->fetched_at = crawl.manifest.fetched_at;
    crawl.torrents.push_back(std::move(*f.manifest));
  }
  spdlog::info("source={} magnets resolved {} of {} in {} ms, payload bytes {}",
               options.source_name, resolved, magnets.size(),
               std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started)
                   .count(),
               payload);
  if (crawl.status == ScanStatus::ok && !crawl.problems.empty()) {
    crawl.status = ScanStatus::partial;
    if (crawl.error.empty()) crawl.error = crawl.problems.front();
  }
}

SourceOutcome check_torrent_file(const std::filesystem::path& file,
                                 const matcher::FingerprintIndex& index,
                                 const std::string& scan_id) {
  SourceOutcome out;
  ScanRecord& rec = out.record;
  rec.scan_id = scan_id;
  rec.source = "adhoc";
  std::error_code ec;
  const auto absolute = std::filesystem::absolute(file, ec);
  rec.locator = (ec ? file : absolute).string();
  rec.started = now();
  auto manifest = crawler::read_torrent_file(file);
  rec.ended = now();
  if (!manifest) {
    rec.status = ScanStatus::failed;
    rec.error = manifest.error().message;
    return out;
  }
  manifest->source = "adhoc";
  rec.status = ScanStatus::ok;
  rec.entries_seen = manifest->entries.size();
  rec.pages_fetched = 1;
  rec.bytes_fetched = std::filesystem::file_size(file, ec);
  const matcher::LocalPieceVerifier verifier;
  matcher::ScoreRules rules;
  rules.piece_verifier = &verifier;
  out.sightings = matcher::score(*manifest, index, rules);
  out.manifest = std::move(manifest).value();
  return out;
}

}  // namespace leakwatch::app
