// The one libtorrent session wrapper: settings that keep a metadata fetch from downloading,
// writing or leaking anything, and the alert loop that turns metadata into Manifests.
#include "crawler/torrent_session.h"

#include <algorithm>
#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/disabled_disk_io.hpp>
#include <libtorrent/magnet_uri.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/session_params.hpp>
#include <libtorrent/settings_pack.hpp>
#include <libtorrent/torrent_info.hpp>
#include <libtorrent/torrent_status.hpp>
#include <map>

#include "crawler/fetched_documents.h"
#include "model/url.h"
#include "net/proxy_health.h"

namespace leakwatch::crawler {

namespace {

using Clock = std::chrono::steady_clock;

// Files set to dont_download before the metadata is known; the rest are covered by upload mode
// (no piece is ever requested) and by the disabled disk (nothing could be written).
constexpr std::size_t kPriorityFiles = 4096;
// Errors kept per magnet for its failure message.
constexpr std::size_t kErrorsKept = 4;

std::string shown(const std::string& magnet) {
  return magnet.size() > 100 ? magnet.substr(0, 100) + "..." : magnet;
}

struct Proxy {
  lt::settings_pack::proxy_type_t type = lt::settings_pack::none;
  Url url;
  std::string user, password;
};

Result<Proxy> parse_proxy(const std::string& proxy_url) {
  Proxy p;
  if (proxy_url.empty()) return p;
  const auto url = parse_url(proxy_url);
  // Never echo the text: a proxy URL may carry a password.
  if (!url || url->host.empty()) return Error{"the torrent proxy URL is not a URL (not shown)"};
  p.url = *url;
  if (!url->userinfo.empty()) {
    const auto colon = url->userinfo.find(':');
    p.user = percent_decode(url->userinfo.substr(0, colon));
    if (colon != std::string::npos) p.password = percent_decode(url->userinfo.substr(colon + 1));
  }
  const bool creds = !url->userinfo.empty();
  if (url->scheme == "socks5" || url->scheme == "socks5h") {
    p.type = creds ? lt::settings_pack::socks5_pw : lt::settings_pack::socks5;
  } else if (url->scheme == "http") {
    p.type = creds ? lt::settings_pack::http_pw : lt::settings_pack::http;
  } else {
    return Error{"proxy scheme '" + url->scheme +
                 "' cannot carry BitTorrent (use socks5h://, socks5:// or http://)"};
  }
  if (url->port == 0) return Error{"proxy '" + url->str() + "' needs an explicit port"};
  return p;
}

lt::settings_pack session_settings(const MagnetFetchOptions& options, const Proxy& proxy) {
  using sp = lt::settings_pack;
  sp pack;
  pack.set_int(sp::alert_mask, lt::alert_category::status | lt::alert_category::error |
                                   lt::alert_category::peer | lt::alert_category::tracker |
                                   lt::alert_category::connect);
  pack.set_int(sp::alert_queue_size, 10000);
  const bool proxied = proxy.type != sp::none;
  // Nothing on UDP: no uTP, no DHT through a proxy, no local discovery, no port mapping.
  pack.set_bool(sp::enable_outgoing_utp, false);
  pack.set_bool(sp::enable_incoming_utp, false);
  pack.set_bool(sp::enable_lsd, false);
  pack.set_bool(sp::enable_upnp, false);
  pack.set_bool(sp::enable_natpmp, false);
  pack.set_bool(sp::enable_dht, !proxied && options.dht);
  pack.set_str(sp::listen_interfaces, proxied ? "127.0.0.1:0" : options.listen_interfaces);
  // Metadata from peers is hostile input: cap its size and its bencode tokens.
  pack.set_int(sp::max_metadata_size,
               static_cast<int>(std::min<std::uint64_t>(options.limits.max_bytes, INT32_MAX)));
  pack.set_int(sp::metadata_token_limit, options.limits.max_tokens);
  pack.set_int(sp::max_piece_count, options.limits.max_pieces);
  // Many magnets at once, several of them served from one address in tests and benchmarks.
  pack.set_bool(sp::allow_multiple_connections_per_ip, true);
  pack.set_int(sp::active_downloads, -1);
  pack.set_int(sp::active_limit, -1);
  pack.set_int(sp::connections_limit, 2000);
  // Removing a torrent announces "stopped"; do not let the session's shutdown wait long for it.
  pack.set_int(sp::stop_tracker_timeout, 1);
  if (proxied) {
    pack.set_int(sp::proxy_type, proxy.type);
    // libtorrent takes an IPv6 literal without the brackets of its URL form.
    std::string host = proxy.url.host;
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
      host = host.substr(1, host.size() - 2);
    pack.set_str(sp::proxy_hostname, host);
    pack.set_int(sp::proxy_port, proxy.url.port);
    pack.set_str(sp::proxy_username, proxy.user);
    pack.set_str(sp::proxy_password, proxy.password);
    pack.set_bool(sp::proxy_hostnames, true);
    pack.set_bool(sp::proxy_peer_connections, true);
    pack.set_bool(sp::proxy_tracker_connections, true);
    pack.set_bool(sp::anonymous_mode, true);
  }
  return pack;
}

struct Pending {
  std::size_t index = 0;
  Clock::time_point deadline{};
  std::vector<std::string> errors;  // the last few peer and tracker errors
  std::size_t peers_connected = 0;
};

void keep_error(Pending& p, std::string text) {
  if (std::find(p.errors.begin(), p.errors.end(), text) != p.errors.end()) return;
  if (p.errors.size() >= kErrorsKept) p.errors.erase(p.errors.begin());
  p.errors.push_back(std::move(text));
}

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

std::string seconds_text(std::chrono::milliseconds ms) {
  const auto tenths = ms.count() / 100;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " s";
}

void record_status(const lt::torrent_handle& h, MagnetFetch& fetch) {
  const lt::torrent_status st = h.status(lt::torrent_handle::query_accurate_download_counters);
  fetch.payload_bytes =
      static_cast<std::uint64_t>(std::max<std::int64_t>(0, st.total_payload_download));
  fetch.protocol_bytes = static_cast<std::uint64_t>(
      std::max<std::int64_t>(0, st.total_download - st.total_payload_download));
}

}  // namespace

std::vector<MagnetFetch> fetch_magnet_metadata(const std::vector<std::string>& magnets,
                                               const MagnetFetchOptions& options) {
  std::vector<MagnetFetch> out(magnets.size());
  for (std::size_t i = 0; i < magnets.size(); ++i) out[i].magnet = magnets[i];
  const auto fail_all = [&](const std::string& why) {
    for (auto& f : out) {
      if (f.error.empty() && !f.manifest) f.error = "magnet " + shown(f.magnet) + ": " + why;
    }
    return out;
  };
  const auto proxy = parse_proxy(options.proxy_url);
  if (!proxy) return fail_all(proxy.error().message);
  const bool proxied = proxy->type != lt::settings_pack::none;
  if (proxied) {
    // A dead proxy fails the fetch at once; libtorrent is never started without it.
    if (auto up = check_proxy_reachable(proxy->url, std::chrono::seconds(5)); !up) {
      return fail_all("proxy unreachable (" + up.error().message +
                      "); not fetched, nothing connected directly");
    }
  }

  lt::session_params params(session_settings(options, *proxy));
  params.disk_io_constructor = lt::disabled_disk_io_constructor;
  lt::session session(std::move(params));

  std::map<lt::torrent_handle, Pending> pending;
  const auto started = Clock::now();
  for (std::size_t i = 0; i < magnets.size(); ++i) {
    MagnetFetch& fetch = out[i];
    auto link = parse_magnet(magnets[i]);
    if (!link) {
      fetch.error = link.error().message;
      continue;
    }
    lt::error_code ec;
    lt::add_torrent_params atp = lt::parse_magnet_uri(magnets[i], ec);
    if (ec) {
      fetch.error = "magnet " + shown(magnets[i]) + ": " + ec.message();
      continue;
    }
    if (!proxied) {
      // Only a proxy may resolve an onion name: never look one up locally.
      const auto onion = std::find_if(atp.trackers.begin(), atp.trackers.end(), [](auto& t) {
        const auto url = parse_url(t);
        return url && url->is_onion();
      });
      if (onion != atp.trackers.end()) {
        fetch.error = "magnet " + shown(magnets[i]) + ": tracker " + *onion +
                      " is a .onion address and needs a socks5h:// proxy (never resolved locally)";
        continue;
      }
    }
    if (proxied) {
      // Tor's SOCKS has no UDP ASSOCIATE: a UDP tracker could only fail (or, elsewhere, leak).
      const auto udp = std::count_if(atp.trackers.begin(), atp.trackers.end(),
                                     [](const std::string& t) { return t.starts_with("udp:"); });
      std::erase_if(atp.trackers, [](const std::string& t) { return t.starts_with("udp:"); });
      if (udp > 0) {
        fetch.notes.push_back(std::to_string(udp) +
                              " UDP tracker(s) skipped: a SOCKS proxy like Tor's carries no UDP");
      }
      fetch.notes.emplace_back(
          "DHT off through the proxy (no UDP): peers only from tr= trackers over TCP and x.pe=");
    }
    atp.save_path = ".";  // never written: the disk I/O is disabled
    atp.flags |= lt::torrent_flags::upload_mode;
    atp.flags &= ~lt::torrent_flags::auto_managed;
    atp.flags &= ~lt::torrent_flags::paused;
    atp.file_priorities.assign(kPriorityFiles, lt::dont_download);
    const lt::torrent_handle h = session.add_torrent(std::move(atp), ec);
    if (ec) {
      fetch.error = "magnet " + shown(magnets[i]) + ": " + ec.message();
      continue;
    }
    if (pending.count(h) > 0) {
      fetch.error = "magnet " + shown(magnets[i]) + ": the same torrent is already being fetched";
      continue;
    }
    pending[h] = Pending{.index = i, .deadline = Clock::now() + options.timeout};
  }

  const auto finish = [&](std::map<lt::torrent_handle, Pending>::iterator it) {
    out[it->second.index].elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
    session.remove_torrent(it->first);
    pending.erase(it);
  };

  std::vector<lt::alert*> alerts;
  auto next_progress = Clock::now() + options.progress_interval;
  while (!pending.empty()) {
    if (options.on_progress && Clock::now() >= next_progress) {
      next_progress = Clock::now() + options.progress_interval;
      std::string what;
      auto latest = Clock::now();
      std::size_t shown_count = 0;
      for (const auto& [handle, p] : pending) {
        latest = std::max(latest, p.deadline);
        if (shown_count++ >= 3) continue;
        const auto& magnet = out[p.index].magnet;
        const auto xt = magnet.find("xt=");
        what += (what.empty() ? "" : ", ") +
                (xt == std::string::npos ? shown(magnet) : magnet.substr(xt + 3, 24) + "...") +
                " " + std::to_string(p.peers_connected) + " peer connection(s)";
      }
      if (pending.size() > 3) what += ", ...";
      options.on_progress(std::to_string(pending.size()) + " of " + std::to_string(magnets.size()) +
                          " magnet(s) waiting for metadata (" + what + "); giving up in at most " +
                          seconds_text(std::chrono::duration_cast<std::chrono::milliseconds>(
                              latest - Clock::now())));
    }
    session.wait_for_alert(std::chrono::milliseconds(50));
    session.pop_alerts(&alerts);
    for (lt::alert* a : alerts) {
      const auto* ta = dynamic_cast<const lt::torrent_alert*>(a);
      if (!ta) continue;
      const auto it = pending.find(ta->handle);
      if (it == pending.end()) continue;  // already finished and removed
      MagnetFetch& fetch = out[it->second.index];
      if (lt::alert_cast<lt::metadata_received_alert>(a)) {
        record_status(it->first, fetch);
        const auto ti = it->first.torrent_file();
        if (!ti) {
          fetch.error = "magnet " + shown(fetch.magnet) + ": metadata announced but missing";
        } else {
          const auto info = ti->info_section();
          auto manifest = parse_torrent_info({reinterpret_cast<const std::uint8_t*>(info.data()),
                                              static_cast<std::size_t>(info.size())},
                                             "magnet " + shown(fetch.magnet), options.limits);
          if (manifest) {
            fetch.manifest = std::move(manifest).value();
            // The info dictionary is the torrent's index: its SHA-1 is the v1 info-hash, and its
            // SHA-256 and size go in the scan record like any index document's.
            note_document(*fetch.manifest, "torrent", fetch.magnet,
                          std::string_view(info.data(), static_cast<std::size_t>(info.size())));
          } else {
            fetch.error = manifest.error().message;
          }
        }
        finish(it);
      } else if (lt::alert_cast<lt::peer_connect_alert>(a)) {
        ++it->second.peers_connected;
      } else if (const auto* mf = lt::alert_cast<lt::metadata_failed_alert>(a)) {
        keep_error(it->second, "metadata rejected: " + mf->error.message());
      } else if (const auto* pe = lt::alert_cast<lt::peer_error_alert>(a)) {
        keep_error(it->second, "peer " + pe->endpoint.address().to_string() + ":" +
                                   std::to_string(pe->endpoint.port()) + " " +
                                   std::string(lt::operation_name(pe->op)) + ": " +
                                   pe->error.message());
      } else if (const auto* pd = lt::alert_cast<lt::peer_disconnected_alert>(a)) {
        if (pd->error) {
          keep_error(it->second, "peer " + pd->endpoint.address().to_string() + ":" +
                                     std::to_string(pd->endpoint.port()) + " " +
                                     std::string(lt::operation_name(pd->op)) + ": " +
                                     pd->error.message());
        }
      } else if (const auto* te = lt::alert_cast<lt::tracker_error_alert>(a)) {
        keep_error(
            it->second,
            "tracker " + std::string(te->tracker_url()) + ": " + te->error.message() +
                (*te->failure_reason() ? std::string(" (") + te->failure_reason() + ")" : ""));
      }
    }
    const auto t = Clock::now();
    for (auto it = pending.begin(); it != pending.end();) {
      auto next = std::next(it);
      if (t >= it->second.deadline) {
        MagnetFetch& fetch = out[it->second.index];
        record_status(it->first, fetch);
        fetch.error = "magnet " + shown(fetch.magnet) + ": no metadata within " +
                      seconds_text(options.timeout) + " (" +
                      std::to_string(it->second.peers_connected) +
                      " peer connection(s), none delivered valid metadata" +
                      (it->second.errors.empty() ? "" : "; " + joined(it->second.errors)) + ")";
        finish(it);
      }
      it = next;
    }
  }
  return out;
}

}  // namespace leakwatch::crawler
