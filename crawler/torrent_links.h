// Torrents reached over HTTP or on disk: a source that is a .torrent URL, .torrent files linked
// from a listing or a leak post, and a .torrent file given to `check`. Each becomes a manifest
// of its own, located by info-hash (torrent_locator), so the same torrent seen through another
// URL or as a magnet updates the same sightings. No libtorrent here (see torrent_file.h).
#pragma once

#include <filesystem>
#include <string_view>

#include "crawler/crawl.h"
#include "crawler/torrent_file.h"

namespace leakwatch::crawler {

bool is_torrent_name(std::string_view path);

// A source whose URL is a .torrent file: one fetch (at most TorrentLimits::max_bytes), one
// manifest.
CrawlResult crawl_torrent_file(HttpClient& client, const CrawlOptions& options);

// Fetches the .torrent entries of `result.manifest` that carry a URL (at most
// options.max_torrents) and appends one manifest per torrent to `result.torrents`; failures go
// to `result.problems`.
void fetch_linked_torrents(HttpClient& client, const CrawlOptions& options, CrawlResult& result);

// A .torrent file on disk (`leakwatch check FILE.torrent`), read within the same limits.
Result<Manifest> read_torrent_file(const std::filesystem::path& path,
                                   const TorrentLimits& limits = {});

}  // namespace leakwatch::crawler
