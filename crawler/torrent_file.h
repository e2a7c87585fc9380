// Torrents as indexes: a .torrent file (or the info dictionary a magnet's peers hand over) read
// into a Manifest with every file's path, size, offset and hashes, and magnet links read into
// their info-hashes, trackers and peers. Reading a torrent never touches its payload.
// libtorrent stays inside crawler/torrent*.cpp; this header is ours.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/manifest.h"
#include "model/result.h"

namespace leakwatch::crawler {

// Hostile metadata is bounded before and while it is decoded.
struct TorrentLimits {
  std::uint64_t max_bytes = 16u << 20;  // the whole .torrent (or info dictionary)
  std::uint64_t max_files = 1'000'000;  // file entries, pad files included
  int max_pieces = 0x200000;            // v1 pieces (2 Mi pieces = 40 MiB of hashes)
  int max_depth = 100;                  // bencode nesting
  int max_tokens = 3'000'000;           // bencode tokens
};

// A .torrent file. The manifest's locator is the torrent's normalised magnet
// (`torrent_locator`), so the same torrent from any URL or magnet is one locator; `origin` (URL or
// file name) only names the source in errors. Source and fetch time are the caller's.
Result<Manifest> parse_torrent_file(std::span<const std::uint8_t> bytes, std::string_view origin,
                                    const TorrentLimits& limits = {});
// A bare info dictionary, as BEP 9 (ut_metadata) delivers it.
Result<Manifest> parse_torrent_info(std::span<const std::uint8_t> info, std::string_view origin,
                                    const TorrentLimits& limits = {});

// The locator every sighting of this torrent is recorded under: `magnet:?xt=urn:btih:<v1 hex>`
// when the torrent has a v1 info-hash, else `magnet:?xt=urn:btmh:1220<v2 hex>`.
std::string torrent_locator(const TorrentLayout& layout);

struct MagnetLink {
  std::string infohash_v1;            // hex, lower case; empty if the link has no btih
  std::string infohash_v2;            // hex, lower case; empty if the link has no btmh
  std::string name;                   // dn=
  std::vector<std::string> trackers;  // tr=
  std::vector<std::string> peers;     // x.pe= as "host:port"
  std::string locator;                // normalised: magnet:?xt=urn:btih:... (see torrent_locator)
};

// btih (40 hex or 32 base32 characters) and btmh (multihash 1220 + 64 hex) links.
Result<MagnetLink> parse_magnet(std::string_view uri);

}  // namespace leakwatch::crawler
