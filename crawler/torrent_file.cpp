// .torrent files and magnet links through libtorrent's own parsers (bdecode with depth and token
// limits, torrent_info with a piece cap), converted at once into our model types.
#include "crawler/torrent_file.h"

#include <algorithm>
#include <libtorrent/bdecode.hpp>
#include <libtorrent/error_code.hpp>
#include <libtorrent/magnet_uri.hpp>
#include <libtorrent/torrent_info.hpp>

#include "model/digest.h"

namespace leakwatch::crawler {

namespace {

template <typename Hash>
std::string hash_hex(const Hash& h) {
  return to_hex(
      {reinterpret_cast<const std::uint8_t*>(h.data()), static_cast<std::size_t>(h.size())});
}

std::string endpoint_text(const lt::tcp::endpoint& e) {
  const auto address = e.address().to_string();
  return (e.address().is_v6() ? "[" + address + "]" : address) + ":" + std::to_string(e.port());
}

Result<Manifest> manifest_of(const lt::torrent_info& ti, std::string_view origin,
                             const TorrentLimits& limits) {
  const auto& files = ti.files();
  if (static_cast<std::uint64_t>(files.num_files()) > limits.max_files) {
    return Error{std::string(origin) + ": torrent lists " + std::to_string(files.num_files()) +
                 " files, more than the limit of " + std::to_string(limits.max_files)};
  }
  Manifest m;
  TorrentLayout layout;
  layout.name = ti.name();
  if (ti.info_hashes().has_v1()) layout.infohash_v1 = hash_hex(ti.info_hashes().v1);
  if (ti.info_hashes().has_v2()) layout.infohash_v2 = hash_hex(ti.info_hashes().v2);
  layout.piece_length = static_cast<std::uint64_t>(ti.piece_length());
  if (ti.v1()) {
    layout.piece_hashes.resize(static_cast<std::size_t>(ti.num_pieces()));
    for (int p = 0; p < ti.num_pieces(); ++p) {
      const char* h = ti.hash_for_piece_ptr(lt::piece_index_t{p});
      std::copy_n(reinterpret_cast<const std::uint8_t*>(h), 20, layout.piece_hashes[p].begin());
    }
  }
  for (const auto i : files.file_range()) {
    FileEntry e;
    e.path = files.file_path(i);
    e.size = static_cast<std::uint64_t>(files.file_size(i));
    e.torrent_offset = static_cast<std::uint64_t>(files.file_offset(i));
    e.pad = files.pad_file_at(i);
    // BEP 52: every non-empty file of a v2 torrent has a pieces root.
    if (ti.v2() && !e.pad) {
      if (const char* root = files.root_ptr(i)) {
        const std::span<const std::uint8_t> bytes{reinterpret_cast<const std::uint8_t*>(root), 32};
        if (std::any_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b != 0; })) {
          e.digests.push_back(Digest::from_bytes(DigestKind::btv2_root, bytes));
        }
      }
    }
    m.entries.push_back(std::move(e));
  }
  m.torrent = std::move(layout);
  m.locator = torrent_locator(*m.torrent);
  return m;
}

Result<Manifest> parse_bencoded_torrent(std::span<const char> bytes, std::string_view origin,
                                        const TorrentLimits& limits) {
  lt::error_code ec;
  int error_pos = 0;
  const lt::bdecode_node root =
      lt::bdecode(bytes, ec, &error_pos, limits.max_depth, limits.max_tokens);
  if (ec) {
    return Error{std::string(origin) + ": not a torrent: bencode " + ec.message() + " at byte " +
                 std::to_string(error_pos)};
  }
  if (root.type() != lt::bdecode_node::dict_t) {
    return Error{std::string(origin) + ": not a torrent: not a bencoded dictionary"};
  }
  lt::load_torrent_limits cfg;
  cfg.max_buffer_size = static_cast<int>(std::min<std::uint64_t>(limits.max_bytes, INT32_MAX));
  cfg.max_pieces = limits.max_pieces;
  cfg.max_decode_depth = limits.max_depth;
  cfg.max_decode_tokens = limits.max_tokens;
  try {
    const lt::torrent_info ti(root, cfg);
    return manifest_of(ti, origin, limits);
  } catch (const lt::system_error& e) {
    return Error{std::string(origin) + ": not a valid torrent: " + e.code().message()};
  } catch (const std::exception& e) {
    return Error{std::string(origin) + ": not a valid torrent: " + e.what()};
  }
}

Result<void> check_size(std::uint64_t size, std::string_view origin, const TorrentLimits& limits,
                        std::string_view what) {
  if (size > limits.max_bytes) {
    return Error{std::string(origin) + ": " + std::string(what) + " of " + std::to_string(size) +
                 " bytes is over the limit of " + std::to_string(limits.max_bytes)};
  }
  if (size == 0) return Error{std::string(origin) + ": empty " + std::string(what)};
  return {};
}

}  // namespace

Result<Manifest> parse_torrent_file(std::span<const std::uint8_t> bytes, std::string_view origin,
                                    const TorrentLimits& limits) {
  if (auto ok = check_size(bytes.size(), origin, limits, "torrent file"); !ok) return ok.error();
  return parse_bencoded_torrent({reinterpret_cast<const char*>(bytes.data()), bytes.size()}, origin,
                                limits);
}

Result<Manifest> parse_torrent_info(std::span<const std::uint8_t> info, std::string_view origin,
                                    const TorrentLimits& limits) {
  if (auto ok = check_size(info.size(), origin, limits, "info dictionary"); !ok) {
    return ok.error();
  }
  // torrent_info reads a whole metainfo file: wrap the dictionary as its "info" key.
  std::string wrapped = "d4:info";
  wrapped.append(reinterpret_cast<const char*>(info.data()), info.size());
  wrapped += 'e';
  return parse_bencoded_torrent(wrapped, origin, limits);
}

std::string torrent_locator(const TorrentLayout& layout) {
  if (!layout.infohash_v1.empty()) return "magnet:?xt=urn:btih:" + layout.infohash_v1;
  return "magnet:?xt=urn:btmh:1220" + layout.infohash_v2;
}

Result<MagnetLink> parse_magnet(std::string_view uri) {
  constexpr std::size_t kMaxMagnetBytes = 64 * 1024;
  constexpr std::size_t kMaxTrackers = 200;
  constexpr std::size_t kMaxPeers = 1000;
  const std::string shown(uri.substr(0, 80));
  if (uri.size() > kMaxMagnetBytes) {
    return Error{"magnet link '" + shown + "...' is longer than " +
                 std::to_string(kMaxMagnetBytes) + " bytes"};
  }
  if (!uri.starts_with("magnet:?")) return Error{"'" + shown + "' is not a magnet:? link"};
  lt::error_code ec;
  const lt::add_torrent_params p =
      lt::parse_magnet_uri(lt::string_view(uri.data(), uri.size()), ec);
  if (ec) return Error{"magnet link '" + shown + "': " + ec.message()};
  MagnetLink link;
  if (p.info_hashes.has_v1()) link.infohash_v1 = hash_hex(p.info_hashes.v1);
  if (p.info_hashes.has_v2()) link.infohash_v2 = hash_hex(p.info_hashes.v2);
  if (link.infohash_v1.empty() && link.infohash_v2.empty()) {
    return Error{"magnet link '" + shown + "' has no btih or btmh info-hash"};
  }
  if (p.trackers.size() > kMaxTrackers || p.peers.size() > kMaxPeers) {
    return Error{"magnet link '" + shown + "' lists more than " + std::to_string(kMaxTrackers) +
                 " trackers or " + std::to_string(kMaxPeers) + " peers"};
  }
  link.name = p.name;
  link.trackers.assign(p.trackers.begin(), p.trackers.end());
  for (const auto& e : p.peers) link.peers.push_back(endpoint_text(e));
  TorrentLayout layout{.infohash_v1 = link.infohash_v1, .infohash_v2 = link.infohash_v2};
  link.locator = torrent_locator(layout);
  return link;
}

}  // namespace leakwatch::crawler
