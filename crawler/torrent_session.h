// Magnet links resolved to their metadata (BEP 9, ut_metadata) and nothing more: one libtorrent
// session with disk I/O disabled, every torrent in upload mode with its files at dont_download,
// and each torrent removed the moment its metadata arrives. Many magnets are fetched at once.
//
// Through a proxy every peer and tracker connection goes through it, hostnames are resolved by
// it, and the DHT, local peer discovery, UPnP, NAT-PMP and uTP are off (Tor's SOCKS carries no
// UDP); a proxy that does not answer fails the fetch, and nothing connects directly.
// libtorrent stays in crawler/torrent*.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "crawler/torrent_file.h"
#include "model/manifest.h"

namespace leakwatch::crawler {

struct MagnetFetchOptions {
  std::string
      proxy_url;  // socks5h://, socks5:// (user:pass@ for socks5_pw), http://; empty: direct
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};  // per magnet, from its start
  TorrentLimits limits;  // max_bytes is also the session's max_metadata_size
  // Only without a proxy (the operator's explicit choice): find peers through the DHT too.
  bool dht = false;
  // Interfaces to listen on when direct; a proxied session listens nowhere reachable.
  std::string listen_interfaces = "0.0.0.0:0";
  // Called every `progress_interval` while magnets are pending, with what is pending ("2 of 3
  // magnets pending: btih:0123abcd... 0 peers, ...; up to 48 s more"), so a wait is never silent.
  std::function<void(const std::string&)> on_progress;
  std::chrono::milliseconds progress_interval{std::chrono::seconds(10)};
};

struct MagnetFetch {
  std::string magnet;                // as given
  std::optional<Manifest> manifest;  // set when the metadata arrived and parsed
  std::string error;                 // why not, naming the magnet
  std::chrono::milliseconds elapsed{};
  std::uint64_t payload_bytes = 0;   // piece data downloaded: 0 by construction, measured anyway
  std::uint64_t protocol_bytes = 0;  // everything else received (handshakes, metadata)
  std::vector<std::string> notes;    // what was skipped and why (UDP trackers through SOCKS ...)
};

// Fetches the metadata of every magnet at once in one session; returns in input order. Waits at
// most the per-magnet timeout after the last one starts.
std::vector<MagnetFetch> fetch_magnet_metadata(const std::vector<std::string>& magnets,
                                               const MagnetFetchOptions& options);

}  // namespace leakwatch::crawler
