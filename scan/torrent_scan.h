// Torrents in the scan pipeline: a magnet source resolved to its metadata through the source's
// proxy, magnet links that a page showed resolved the same way (all in one session), and a local
// .torrent file given to `leakwatch check`.
#pragma once

#include <filesystem>
#include <string>

#include "crawler/crawl.h"
#include "scan/scan_pipeline.h"

namespace leakwatch::app {

// A `kind = "magnet"` source (or `check magnet:...`): the magnet at options.url.
crawler::CrawlResult crawl_magnet(const crawler::CrawlOptions& options);

// Resolves `crawl.magnets` and appends their manifests to `crawl.torrents`; failures become
// problems, notes join `crawl.notes`.
void resolve_found_magnets(const crawler::CrawlOptions& options, crawler::CrawlResult& crawl);

// `leakwatch check FILE.torrent`: read, score, and a scan record for source "adhoc".
SourceOutcome check_torrent_file(const std::filesystem::path& file,
                                 const matcher::FingerprintIndex& index,
                                 const std::string& scan_id);

}  // namespace leakwatch::app
