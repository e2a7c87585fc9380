// Verify (contract: docs/CONTRACTS.md "Verify"): evaluates the claim "dataset D was not identified"
// over a window [since, as_of] from the store's sightings and scan records, and renders the answer
// for people (text, Markdown, a self-contained HTML page) and programs (JSON). Evaluation reads the
// store and the config only; rendering is pure. Nothing here prints or writes files: the CLI
// (`leakwatch verify`) and the HTTP API both call these and decide where the bytes go.
//
// Verdicts:
//   refuted               a sighting of D that was confirmed or likely at as_of
//   not-observed          none, and every enabled source had an ok scan in the window
//   insufficient-coverage none, but some enabled source had no ok scan in the window (or no
//                         source is enabled at all)
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "model/result.h"
#include "model/scan_record.h"
#include "model/sighting.h"
#include "model/time.h"
#include "store/coverage.h"
#include "store/store.h"
#include "verify/exposure.h"

namespace leakwatch::app {

// The default window: the 30 days before as_of, never starting before the signature existed.
inline constexpr std::chrono::days kDefaultVerifyWindow{30};

struct VerifyQuery {
  std::string dataset;
  std::optional<Timestamp> as_of;  // default: now
  std::optional<Timestamp> since;  // default: as_of - kDefaultVerifyWindow (see above)
};

// Text forms (CLI options, HTTP query parameters) to a query. Errors are the caller's fault
// (CLI exit 2, HTTP 400): empty dataset, a time that is not RFC 3339, since after as_of, as_of
// more than 5 minutes after `now`.
Result<VerifyQuery> parse_verify_query(std::string dataset, std::string_view as_of,
                                       std::string_view since, Timestamp now);

enum class VerifyErrorKind {
  bad_query,        // caller's mistake (CLI exit 2, HTTP 400)
  unknown_dataset,  // no signature of that name (CLI exit 2, HTTP 404)
  store,            // reading the store failed (CLI exit 1, HTTP 500)
};
struct VerifyError {
  VerifyErrorKind kind = VerifyErrorKind::store;
  std::string message;
};

enum class Verdict { refuted, not_observed, insufficient_coverage };
std::string_view verdict_name(Verdict v);  // "refuted" | "not-observed" | "insufficient-coverage"
int verdict_exit_code(Verdict v);          // 10 | 0 | 11 (docs/CONTRACTS.md)

// One scan of the window, for the timeline and the failure list.
struct ScanMark {
  Timestamp started{};
  Timestamp ended{};
  ScanStatus status = ScanStatus::failed;
  std::uint64_t entries_seen = 0;
  std::string error;
};

// What one source contributed to the window.
struct SourceCoverageReport {
  std::string source;
  bool configured = true;  // false: scans are in the store but the source left the config
  bool enabled = true;
  bool required = true;       // counted by the verdict (configured and enabled)
  std::string kind;           // config kind ("" when not configured)
  std::string fetch_content;  // "never" | "candidates" ("" when not configured)
  bool via_proxy = false;
  std::string url;    // the configured URL ("" when not configured)
  std::string proxy;  // the configured proxy (or pool) name, "" when direct
  // What the scans in the window searched: the locators they fetched and the proxies they went
  // through (empty name: direct), in first-use order.
  std::vector<std::string> urls_scanned;
  std::vector<std::string> proxies_used;
  store::SourceCoverage coverage;  // scans, ok/partial/failed, last success, entries, errors
  bool covered = false;            // at least one ok scan in the window
  // Scans in the window, oldest first; at most kMaxScanMarks (the newest), `marks_truncated`
  // says how many older ones were left out.
  std::vector<ScanMark> scans;
  std::uint64_t marks_truncated = 0;
  // The newest failed or partial scans (at most kMaxFailures), newest first.
  std::vector<ScanMark> failures;
  // Retention removed scan records of this source started at or before this time (store.h).
  std::optional<Timestamp> scans_pruned_through;
};
inline constexpr std::size_t kMaxScanMarks = 1000;
inline constexpr std::size_t kMaxFailures = 20;

// Something the verdict cannot show. kind: no-sources | disabled | never-scanned | unreachable
// | partial-only | name-only | no-entries | before-signature | unconfigured | later-evidence
// | pruned | before-history | imported | replaced.
struct Limitation {
  std::string kind;
  std::string source;  // empty when it is about the whole report
  std::string message;
};

struct VerifyReport {
  std::string dataset;
  std::string description;  // of the signature
  Timestamp signature_created{};
  std::optional<Timestamp> signature_imported;  // `signatures import` into this store
  Timestamp matchable_since{};                  // the later of the two: the window's floor
  std::uint64_t dataset_files = 0;
  // Which version of the signature the report used: the one in force at as_of. A signature
  // replaced (`sign --replace`) after as_of is evaluated as it was then: the replaced version's
  // times and counts above, and signature_replaced says when it was replaced (nullopt: the
  // current signature). Versions count 1 (oldest kept) .. signature_versions (the current).
  std::optional<Timestamp> signature_replaced;
  std::uint64_t signature_version = 1;
  std::uint64_t signature_versions = 1;
  // The current signature's creation time when another version was used (else nullopt), and the
  // last replacement at or before as_of (nullopt: none), for the words.
  std::optional<Timestamp> current_signature_created;
  std::optional<Timestamp> last_replaced;
  // From when this store keeps each sighting's confidence changes (nullopt: not yet, an older
  // store read as it is): before it, a sighting's confidence at as_of is the one it had then.
  std::optional<Timestamp> history_since;
  std::string claim;  // "No data of dataset 'D' was identified (as of T)."
  Timestamp as_of{};
  Timestamp since{};           // window start as asked (or defaulted)
  Timestamp coverage_since{};  // window start used for coverage: max(since, matchable_since)
  bool since_defaulted = false;
  std::string window_rule;  // how the window was chosen, in words
  Timestamp generated{};
  Verdict verdict = Verdict::insufficient_coverage;
  std::string verdict_reason;  // one sentence
  // Sightings that were confirmed or likely at as_of, as they were then (confidence and counts
  // from their history; evidence as recorded now), confirmed first, newest first_seen first.
  std::vector<Sighting> sightings;
  // Per sighting (parallel): the index documents its sources' newest scan at or before as_of
  // fetched at its locator, with their SHA-256 (at most kMaxSightingDocuments each).
  std::vector<std::vector<FetchedDocument>> sighting_documents;
  std::uint64_t inexact_sightings = 0;         // recorded before history_since: state as of then
  std::uint64_t raised_later = 0;              // possible at as_of, confirmed or likely now
  std::uint64_t possible_sightings = 0;        // names/patterns only: never evidence, only counted
  std::uint64_t later_sightings = 0;           // confirmed/likely, first seen after as_of
  std::vector<SourceCoverageReport> coverage;  // required sources first, then by name
  std::vector<std::string> uncovered;          // required sources without an ok scan in the window
  std::vector<Limitation> limitations;
  Exposure exposure;
};
inline constexpr std::size_t kMaxSightingDocuments = 20;

// The query against the store (the dataset must be signed), before anything is evaluated;
// evaluate_verify and evaluate_exposure run it first.
std::optional<VerifyError> check_verify_query(store::Store& store, const VerifyQuery& query);

// Evaluates the claim. `now` is the report's generation time (and the default as_of). Returns
// the report, or an error whose kind says whose fault it is (a bad query, an unknown dataset, the
// store) and whose message names the problem.
Result<VerifyReport, VerifyError> evaluate_verify(store::Store& store, const config::Config& config,
                                                  const VerifyQuery& query,
                                                  Timestamp now = leakwatch::now());

// The JSON form (schema in docs/VERIFY.md): one object.
nlohmann::json to_json(const VerifyReport& report);
// The exposure section's JSON (also `leakwatch exposure --format json`).
nlohmann::json to_json(const Exposure& exposure);
// The exposure section for people, and the cumulative chart as an inline SVG.
std::string render_exposure_text(const Exposure& exposure);
std::string render_exposure_svg(const Exposure& exposure, Timestamp since, Timestamp as_of);

// Human forms. Every string from the store or a leak site is escaped for its format.
std::string render_text(const VerifyReport& report);
std::string render_markdown(const VerifyReport& report);
// One self-contained HTML5 document: inline CSS, an inline SVG timeline, no scripts, no external
// resources (it is opened on air-gapped responder machines).
std::string render_html(const VerifyReport& report);

// `leakwatch exposure`: the exposure section alone, over the window verify would use.
struct ExposureReport {
  std::string dataset;
  Timestamp since{};
  Timestamp as_of{};
  Timestamp generated{};
  Exposure exposure;
};
Result<ExposureReport, VerifyError> evaluate_exposure(store::Store& store, const VerifyQuery& query,
                                                      Timestamp now = leakwatch::now());
// "text" | "json" | "markdown"; nullopt for any other name.
std::optional<std::string> render_exposure_report(const ExposureReport& report,
                                                  std::string_view format);

// "text" | "json" | "markdown" | "html"; nullopt for any other name.
std::optional<std::string> render_report(const VerifyReport& report, std::string_view format);

}  // namespace leakwatch::app
