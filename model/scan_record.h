// ScanRecord (contract: docs/CONTRACTS.md "Scan record"): what one run did for one source. `verify`
// computes coverage from these, so a failed scan is recorded as faithfully as a successful one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/time.h"

namespace leakwatch {

enum class ScanStatus : std::uint8_t { ok, partial, failed };

// An index document one fetch read (a listing page, checksum list, JSON tree, torrent metadata,
// zip directory): its URL, when it was fetched, its SHA-256 and size, so a report can state what
// the evidence rested on. Never leaked file content nor a text dump's body.
struct FetchedDocument {
  std::string kind;  // listing | checksums | json-tree | torrent | zip-directory | page
  std::string url;
  Timestamp fetched_at{};
  std::string sha256;  // lower-case hex of the bytes as received
  std::uint64_t size = 0;

  friend bool operator==(const FetchedDocument&, const FetchedDocument&) = default;
};
// Documents kept per scan record; more are counted in documents_omitted.
inline constexpr std::size_t kMaxFetchedDocuments = 10'000;

std::string_view scan_status_name(ScanStatus s);
std::optional<ScanStatus> parse_scan_status(std::string_view name);

struct ScanRecord {
  std::string scan_id;  // unique per run; shared by every source of one `scan`
  std::string source;
  std::string locator;
  Timestamp started{};
  Timestamp ended{};
  ScanStatus status = ScanStatus::failed;
  std::string error;
  std::uint64_t entries_seen = 0;
  std::uint64_t bytes_fetched = 0;
  std::uint64_t pages_fetched = 0;
  std::string proxy;             // proxy name, empty when direct
  bool content_checked = false;  // fetch_content was on and at least one file was hashed
  // Availability: the answer to the source's own URL (0 when none came) and how long it took.
  long http_status = 0;
  std::uint64_t latency_ms = 0;
  // This scan failed and so did the ones before it: the source is down, not just flaky.
  bool marked_down = false;
  // What content verification and archive listing cost, within bytes_fetched: candidate files
  // hashed in memory, and zip directories read by byte ranges (never the archives themselves).
  std::uint64_t files_hashed = 0;
  std::uint64_t content_bytes = 0;
  std::uint64_t archives_listed = 0;
  std::uint64_t archive_bytes = 0;
  // Size probes (HEAD / Range 0-0 requests) made to learn exact sizes of name-matched files.
  std::uint64_t size_probes = 0;
  // What the scan could not do and why, without it being an error (e.g. "UDP trackers skipped:
  // the SOCKS proxy carries no UDP").
  std::vector<std::string> notes;
  std::vector<FetchedDocument> documents;  // index documents read, in fetch order
  std::uint64_t documents_omitted = 0;     // beyond kMaxFetchedDocuments

  friend bool operator==(const ScanRecord&, const ScanRecord&) = default;
};

}  // namespace leakwatch
