// The one libtorrent session wrapper: settings that keep a metadata fetch from downloading,
// writing or leaking anything, and the alert loop that turns metadata into Manifests.
#include "crawler/torrent_session.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

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
#include <memory>

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
  if (!url || url->host.empty()) return Error{"proxy '" + proxy_url + "' is not a URL"};
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

// Behind a SOCKS5 proxy libtorrent 2.0.8 opens, for every listen socket, a UDP socket and a
// SOCKS5 "UDP ASSOCIATE" tunnel for it, whatever the settings (session_impl::setup_listener calls
// udp_socket::set_proxy_settings, which starts the tunnel for proxy types socks5 and
// socks5_pw); Tor refuses it and libtorrent asks again every 5 s. It skips both when the UDP
// socket cannot be bound. So the session listens (TCP, on loopback, for tracker announces) on a
// port whose UDP side this object holds bound (never sending), with no retry on the next port
// and no fallback to a system port: libtorrent's UDP bind fails and nothing UDP is ever sent.
class UdpPortHold {
 public:
  UdpPortHold() {
    for (int attempt = 0; attempt < 20 && port_ == 0; ++attempt) {
      fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      if (fd_ < 0) return;
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      socklen_t len = sizeof addr;
      if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
          ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0 &&
          tcp_port_free(addr)) {
        port_ = ntohs(addr.sin_port);
        return;
      }
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~UdpPortHold() {
    if (fd_ >= 0) ::close(fd_);
  }
  UdpPortHold(const UdpPortHold&) = delete;
  UdpPortHold& operator=(const UdpPortHold&) = delete;
  int port() const { return port_; }  // 0: none could be held

 private:
  static bool tcp_port_free(const sockaddr_in& addr) {
    const int tcp = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (tcp < 0) return false;
    const int one = 1;
    ::setsockopt(tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    const bool free = ::bind(tcp, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
    ::close(tcp);
    return free;
  }
  int fd_ = -1;
  int port_ = 0;
};

lt::settings_pack session_settings(const MagnetFetchOptions& options, const Proxy& proxy,
                                   int held_udp_port) {
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
  pack.set_str(sp::listen_interfaces,
               proxied ? "127.0.0.1:" + std::to_string(held_udp_port) : options.listen_interfaces);
  if (proxied) {
    // See UdpPortHold: the UDP bind must fail, not move to another port.
    pack.set_int(sp::max_retry_port_bind, 0);
    pack.set_bool(sp::listen_system_port_fallback, false);
  }
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
    pack.set_str(sp::proxy_hostname, proxy.url.host);
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

  const std::unique_ptr<UdpPortHold> udp_hold = proxied ? std::make_unique<UdpPortHold>() : nullptr;
  if (udp_hold && udp_hold->port() == 0)
    return fail_all("no loopback port free for the torrent session; not fetched");
  lt::session_params params(session_settings(options, *proxy, udp_hold ? udp_hold->port() : 0));
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
      fetch.notes.push_back(
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
  while (!pending.empty()) {
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
