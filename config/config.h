// leakwatch configuration (contract: docs/CONTRACTS.md "Config"): a TOML file of proxies, sources
// and hooks, loaded into typed structs and validated as a whole. Every error names the file, line
// and key. Safety rules that can be decided from the config alone are enforced here: a .onion
// source needs a socks5h proxy, and a source's proxy must exist.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/result.h"
#include "model/sighting.h"
#include "model/url.h"

namespace leakwatch::config {

struct ProxyConfig {
  std::string name;
  std::string url;  // socks5h://, socks5://, http://, https://, optional user:pass@
  Url parsed;
  bool isolate = false;  // distinct SOCKS credentials per source; default true for socks5(h)
  std::string pool;  // proxies sharing a pool name are interchangeable: health-checked, failed over
  // Connections in flight through this proxy across all sources (0: only the global cap).
  std::size_t max_connections = 0;
  int line = 0;
};

enum class SourceKind {
  auto_detect,
  listing,
  json_tree,
  checksums,
  archive,
  torrent,
  magnet,
  text,
  page
};
std::string_view source_kind_name(SourceKind k);

enum class FetchContent { never, candidates };

struct SourceConfig {
  std::string name;
  std::string url;
  SourceKind kind = SourceKind::auto_detect;
  std::optional<std::string> proxy;  // proxy name; a source with a proxy never connects directly
  std::string schedule = "24h";      // a duration ("6h") or a 5-field cron expression
  int depth = 4;                     // how many folder levels below `url` to follow
  FetchContent fetch_content = FetchContent::never;
  bool enabled = true;
  // Limits: hostile sites are the normal case.
  std::uint64_t max_pages = 2000;
  std::uint64_t max_entries = 1'000'000;
  std::uint64_t max_page_bytes = 32ull << 20;
  std::uint64_t content_budget = 256ull << 20;  // bytes of file content hashed per scan
  std::chrono::milliseconds timeout{std::chrono::seconds{120}};  // per request
  // The wait for the metadata of the source's magnet links, all at once (unset: `timeout`).
  std::optional<std::chrono::milliseconds> magnet_timeout;
  int concurrency = 8;  // requests in flight at once for this source (also the per-host limit)
  std::chrono::milliseconds request_interval{0};  // least time between two request starts
  // Size probes: entries whose name matches a signature file and whose listing gives no exact
  // size get it from HEAD (or a Range: bytes=0-0 GET), at most probe_budget per scan. Metadata
  // only: on with fetch_content = "never" too.
  bool probe_sizes = true;
  std::uint64_t probe_budget = 100;
  // Leak posts: bytes of linked same-site text documents read per scan (0: none).
  std::uint64_t linked_text_budget = 8ull << 20;
  // Leak posts: bytes of page text kept per scan (past it, pages are read for links only).
  std::uint64_t text_budget = 64ull << 20;
  // kind = "json-tree": key names tried in order for a file's path, size and child list
  // (empty: the crawler's defaults).
  std::vector<std::string> json_path_keys, json_size_keys, json_children_keys;
  int line = 0;
};

enum class HookKind { syslog, webhook, splunk_hec, jsonl, email };
std::string_view hook_kind_name(HookKind k);  // "syslog" | "webhook" | "splunk-hec" | ...

// rate_limit = "60/m": at most `count` deliveries per `window`; the rest wait, none dropped.
struct RateLimit {
  std::uint32_t count = 0;
  std::chrono::milliseconds window{0};
};

// [[hook]] (contract: docs/CONTRACTS.md "Alerts", docs/ALERTS.md). Secret and token files are read
// (and their permissions checked) when a delivery needs them, not here.
struct HookConfig {
  std::string name;
  HookKind kind = HookKind::jsonl;
  std::string url;  // syslog udp:// tcp:// tls://; http(s)://; smtp(s)://; jsonl: the path
  std::filesystem::path path;  // jsonl: `url` resolved relative to the config file's folder
  std::string format;          // syslog payload: rfc5424 | cef | leef
  Confidence min_confidence = Confidence::likely;
  std::vector<std::string> datasets;  // empty: all
  std::vector<std::string> sources;   // empty: all
  std::optional<RateLimit> rate_limit;
  std::optional<std::string> proxy;  // webhook, splunk-hec: a [[proxy]] name or pool
  std::string secret;                // webhook HMAC key (or secret_file)
  std::filesystem::path secret_file;
  std::string token;  // splunk-hec token (or token_file)
  std::filesystem::path token_file;
  std::vector<std::pair<std::string, std::string>> headers;  // webhook, splunk-hec: extra headers
  std::filesystem::path ca_file;  // tls://, https://, smtp(s)://: trust anchor
  std::vector<std::string> to;    // email
  std::string from;               // email
  // Retries: the first waits `backoff`, then doubling up to `backoff_max`, each with jitter.
  std::chrono::milliseconds backoff{std::chrono::seconds{30}};
  std::chrono::milliseconds backoff_max{std::chrono::hours{1}};
  std::chrono::milliseconds timeout{std::chrono::seconds{30}};  // one delivery attempt
  std::uint64_t rotate_size = 64ull << 20;                      // jsonl: rotate past this size
  int line = 0;
};

// [store]: durability and retention of the embedded database. Retention is applied by the daemon
// (every minute) and by `leakwatch db prune`; it never removes a sighting (store.h Store::prune).
struct StoreConfig {
  bool sync = true;                    // fsync the WAL at every commit point (sightings, outbox)
  std::size_t manifest_history = 100;  // change records kept per locator
  // Scan records started longer ago than this are removed (unset: kept forever); at least 1h.
  std::optional<std::chrono::milliseconds> scan_retention;
  // At most this many scan records per source, the newest (0: no limit).
  std::size_t scans_per_source = 0;
  // Manifest change records older than this are removed, except each locator's newest (unset:
  // only the manifest_history count applies); at least 1h.
  std::optional<std::chrono::milliseconds> manifest_retention;
};

// [api]: the read-only HTTP API (`leakwatch serve`). Tokens are bearer tokens; the token file
// is read (and its permissions checked) by the server when it starts, not here.
struct ApiConfig {
  std::string listen = "127.0.0.1:8765";  // HOST:PORT; HOST an IP literal or "localhost"
  std::vector<std::string> tokens;
  std::filesystem::path token_file;  // resolved relative to the config file's folder
  // Optional TLS for the HTTP service: both or neither, PEM, resolved like token_file.
  std::filesystem::path cert_file;
  std::filesystem::path key_file;
  // Limits of the HTTP service, counted from accept (docs/CONTRACTS.md "[api]").
  std::size_t max_connections = 256;             // open at once; more wait in the backlog
  std::size_t max_connections_per_address = 32;  // open at once from one client address
  std::chrono::milliseconds request_timeout{std::chrono::seconds{10}};     // head received by
  std::chrono::milliseconds connection_timeout{std::chrono::seconds{60}};  // closed by
  std::uint64_t max_request_head = 16 * 1024;  // request line and headers, bytes
  int line = 0;                                // of the [api] table, 0 when absent
};

// [daemon]: `leakwatch daemon` (docs/CONTRACTS.md "Daemon and metrics").
struct DaemonConfig {
  std::size_t max_concurrent_sources = 64;   // sources scanned at once, over all schedules
  std::size_t max_requests_in_flight = 256;  // the fetch engine's global cap (read at start)
  std::chrono::milliseconds grace{std::chrono::seconds{30}};  // for scans in flight on SIGTERM
};

// [cluster] (docs/CONTRACTS.md "Cluster", docs/CLUSTER.md): the NATS JetStream servers that
// carry scan jobs to workers and results back, and how to authenticate to them. Absent: no
// cluster (`daemon` scans on this machine; `worker` and `cluster status` refuse to run).
struct ClusterConfig {
  std::vector<std::string> servers;  // nats://HOST:PORT or tls://HOST:PORT
  std::string name = "leakwatch";    // prefix of its streams, consumers and subjects
  // At most one way to authenticate: a .creds file (JWT + seed), a user with a password file,
  // or an nkey seed file. Files are read when connecting, not here.
  std::filesystem::path credentials_file;
  std::string user;
  std::filesystem::path password_file;
  std::filesystem::path nkey_seed_file;
  // TLS: ca_file to trust the servers' certificates; cert_file + key_file for a client
  // certificate. Any of them turns TLS on.
  std::filesystem::path ca_file;
  std::filesystem::path cert_file;
  std::filesystem::path key_file;
  int replicas = 1;  // copies of each stream (3 for a three-server cluster)
  // A job not acknowledged (or kept alive by in-progress acks) within this is redelivered.
  std::chrono::milliseconds ack_wait{std::chrono::seconds{30}};
  std::chrono::milliseconds heartbeat{std::chrono::seconds{5}};  // worker heartbeat interval
  // A job whose result is not recorded within this of its publishing is given up: taken off the
  // queue and recorded as a failed scan that says why (e.g. no worker has the job's proxy).
  std::chrono::milliseconds job_deadline{std::chrono::hours{1}};
  std::uint64_t max_result_bytes = 1ull << 30;  // one result, compressed, before chunking
  int line = 0;                                 // of the [cluster] table, 0 when absent
  bool enabled() const { return !servers.empty(); }
};

// [[dataset]]: per-dataset scoring thresholds (defaults in docs/MATCHING.md). Unset keys keep
// the defaults.
struct DatasetConfig {
  std::string name;
  std::optional<std::uint32_t> likely_name_size_files;  // name+size files for `likely`
  std::optional<std::uint32_t> confirmed_crc_files;     // crc32+size files for `confirmed`
  std::optional<std::uint32_t> records_likely;          // matched rows for `likely`
  std::optional<std::uint32_t> records_confirmed;       // matched rows for `confirmed`
  std::optional<std::uint32_t> record_min_columns;      // K: columns of a row that must appear
  std::optional<std::uint64_t> record_window;           // ... within this many bytes
  int line = 0;
};

struct Config {
  std::filesystem::path file;      // where it was loaded from (empty for defaults)
  std::filesystem::path data_dir;  // resolved relative to the config file's folder
  StoreConfig store;
  std::vector<ProxyConfig> proxies;
  std::vector<SourceConfig> sources;
  std::vector<HookConfig> hooks;
  ApiConfig api;
  DaemonConfig daemon;
  std::vector<DatasetConfig> datasets;
  ClusterConfig cluster;

  const DatasetConfig* find_dataset(std::string_view name) const;
  const ProxyConfig* find_proxy(std::string_view name) const;
  // What a source's `proxy = NAME` means: that proxy, or every proxy of pool NAME, in file order.
  std::vector<const ProxyConfig*> proxies_for(std::string_view name) const;
  const SourceConfig* find_source(std::string_view name) const;
  const HookConfig* find_hook(std::string_view name) const;
};

// Loads and validates; the error lists every problem found, one per line, as
// `FILE:LINE:COL: KEY: message`.
Result<Config> load_config(const std::filesystem::path& file);
Result<Config> parse_config(std::string_view toml_text, const std::filesystem::path& file_name);

// A proxy URL that curl and libtorrent can both use, with per-source credentials when the proxy
// isolates streams (Tor's IsolateSOCKSAuth: a different username means a different circuit).
// A bearer token the API accepts: RFC 6750 b64token characters, 16 to 512 of them (short ones
// are guessable). Used for tokens in the config and lines of the token file.
bool valid_api_token(std::string_view token);
// "HOST:PORT" or "[v6]:PORT" split; nullopt when malformed or the port is not 0..65535 (0: any
// free port).
struct ListenAddress {
  std::string host;
  int port = 0;
};
std::optional<ListenAddress> parse_listen_address(std::string_view text);
// "60/m", "10/s", "1000/h", "5000/d" or "N/<duration>" ("100/30s"); nullopt when malformed.
std::optional<RateLimit> parse_rate_limit(std::string_view text);

std::string proxy_url_for_source(const ProxyConfig& proxy, std::string_view source_name);

}  // namespace leakwatch::config
