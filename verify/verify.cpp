// Evaluation of a verify query. Its JSON form is in verify_json.cpp, the renderers for people in
// verify_render.cpp (text, Markdown) and verify_html.cpp.
#include "verify/verify.h"

#include <algorithm>
#include <map>

#include "model/sighting_history.h"

namespace leakwatch::app {

namespace {

// An --as-of slightly ahead of this machine's clock (another host's clock) is not a mistake.
constexpr std::chrono::minutes kFutureTolerance{5};

std::optional<Timestamp> parse_time(std::string_view flag, std::string_view text,
                                    std::string& error) {
  if (text.empty()) return std::nullopt;
  const auto t = parse_rfc3339(text);
  if (!t) {
    error = std::string(flag) + ": '" + std::string(text) +
            "' is not an RFC 3339 time (2026-11-23T14:00:00Z or 2026-11-23)";
  }
  return t;
}

std::string fetch_content_name(config::FetchContent f) {
  return f == config::FetchContent::candidates ? "candidates" : "never";
}

ScanMark mark_of(const store::ScanSummary& r) {
  return {r.started, r.ended, r.status, r.entries_seen, std::string(r.error)};
}

// Coverage rows: every configured source (enabled or not) plus unconfigured sources with scans.
Result<std::vector<SourceCoverageReport>> collect_coverage(store::Store& store,
                                                           const config::Config& config,
                                                           Timestamp since, Timestamp until) {
  std::map<std::string, SourceCoverageReport> rows;
  for (const auto& s : config.sources) {
    auto& row = rows[s.name];
    row.source = s.name;
    row.enabled = s.enabled;
    row.required = s.enabled;
    row.kind = std::string(config::source_kind_name(s.kind));
    row.fetch_content = fetch_content_name(s.fetch_content);
    row.via_proxy = s.proxy.has_value();
    row.url = s.url;
    row.proxy = s.proxy.value_or("");
    row.coverage.source = s.name;
  }
  // Retention: what was removed, per source the store knows (configured ones).
  for (auto& [name, row] : rows) {
    auto pruned = store.scans_pruned_through(name);
    if (!pruned) return pruned.error();
    row.scans_pruned_through = *pruned;
  }
  if (since <= until) {
    // One pass over the store's coverage aggregate (one record per source and day, never the
    // scan records' JSON): the counts, the marks and what was searched.
    store::ScanFilter filter;
    filter.since = since;
    filter.until = until;
    SourceCoverageReport* row = nullptr;  // summaries come source by source
    const auto add_once = [](std::vector<std::string>& list, std::string_view v) {
      if (std::find(list.begin(), list.end(), v) == list.end()) list.emplace_back(v);
    };
    auto scanned = store.for_each_scan_summary(filter, [&](const store::ScanSummary& r) {
      if (!row || row->source != r.source) {
        auto [it, added] = rows.try_emplace(std::string(r.source));
        row = &it->second;
        if (added) {
          row->source = std::string(r.source);
          row->configured = false;
          row->enabled = false;
          row->required = false;
        }
        if (row->coverage.scans == 0) row->coverage = store::SourceCoverage{.source = row->source};
      }
      store::add_scan(row->coverage, r);
      row->covered = row->coverage.ok > 0;
      row->scans.push_back(mark_of(r));
      if (r.status != ScanStatus::ok) row->failures.push_back(mark_of(r));
      if (!r.locator.empty()) add_once(row->urls_scanned, r.locator);
      add_once(row->proxies_used, r.proxy);
      return true;
    });
    if (!scanned) return scanned.error();
  }
  std::vector<SourceCoverageReport> out;
  for (auto& [name, row] : rows) {
    auto by_start = [](const ScanMark& a, const ScanMark& b) { return a.started < b.started; };
    std::stable_sort(row.scans.begin(), row.scans.end(), by_start);
    if (row.scans.size() > kMaxScanMarks) {
      row.marks_truncated = row.scans.size() - kMaxScanMarks;
      row.scans.erase(row.scans.begin(),
                      row.scans.begin() + static_cast<std::ptrdiff_t>(row.marks_truncated));
    }
    std::stable_sort(row.failures.begin(), row.failures.end(),
                     [&](const ScanMark& a, const ScanMark& b) { return by_start(b, a); });
    if (row.failures.size() > kMaxFailures) row.failures.resize(kMaxFailures);
    out.push_back(std::move(row));
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.required != b.required ? a.required : false;
  });
  return out;
}

std::string signed_words(const VerifyReport& r) {
  if (r.signature_imported && *r.signature_imported >= r.signature_created) {
    return "imported into this store at " + format_rfc3339(*r.signature_imported);
  }
  return "created at " + format_rfc3339(r.signature_created);
}

void add_limitations(VerifyReport& report, const config::Config& config) {
  auto add = [&](std::string kind, std::string source, std::string message) {
    report.limitations.push_back({std::move(kind), std::move(source), std::move(message)});
  };
  const auto enabled = std::count_if(config.sources.begin(), config.sources.end(),
                                     [](auto& s) { return s.enabled; });
  if (enabled == 0) {
    add("no-sources", "",
        "No source is configured and enabled: nothing was searched, so absence of sightings "
        "shows nothing.");
  }
  if (report.matchable_since > report.as_of) {
    add("before-signature", "",
        "The signature was " + signed_words(report) +
            ", after the as-of time: no scan could "
            "have matched it by then.");
  } else if (report.coverage_since > report.since) {
    add("before-signature", "",
        "The signature was " + signed_words(report) +
            "; scans before that could not have matched it, so coverage counts from then.");
  }
  if (report.signature_imported && *report.signature_imported > report.signature_created) {
    add("imported", "",
        "The signature was created at " + format_rfc3339(report.signature_created) +
            " by whoever exported it and imported here at " +
            format_rfc3339(*report.signature_imported) +
            ": this store's scans before the import could not have matched it.");
  }
  if (report.signature_replaced) {
    add("replaced", "",
        "The signature was replaced at " + format_rfc3339(*report.signature_replaced) +
            ", after the as-of time: this report uses the version in force then (version " +
            std::to_string(report.signature_version) + " of " +
            std::to_string(report.signature_versions) + ", created " +
            format_rfc3339(report.signature_created) + ", " + std::to_string(report.dataset_files) +
            " files); see `leakwatch signatures history " + report.dataset + "`.");
  } else if (report.last_replaced) {
    add("replaced", "",
        "The signature in force at the as-of time replaced an earlier version at " +
            format_rfc3339(*report.last_replaced) +
            "; coverage counts from the current version's creation. See `leakwatch signatures "
            "history " +
            report.dataset + "`.");
  }
  for (const auto& row : report.coverage) {
    const auto& c = row.coverage;
    if (!row.configured) {
      add("unconfigured", row.source,
          "Scanned in the window but no longer in the config: its scans are shown, not required.");
      continue;
    }
    if (!row.enabled) {
      add("disabled", row.source, "Disabled in the config (enabled = false): not searched.");
      continue;
    }
    if (c.scans == 0) {
      add("never-scanned", row.source, "Not scanned at all in the window.");
    } else if (c.ok == 0 && c.partial == 0) {
      add("unreachable", row.source,
          "Every scan in the window failed (" + std::to_string(c.failed) +
              "); last error: " + (c.last_error.empty() ? "(none recorded)" : c.last_error));
    } else if (c.ok == 0) {
      add("partial-only", row.source,
          "Only partial scans in the window (a limit was hit or part of the index failed); "
          "last error: " +
              (c.last_error.empty() ? "(none recorded)" : c.last_error));
    } else if (c.entries_last_success == 0 && c.entries_max == 0 && row.kind != "text") {
      add("no-entries", row.source,
          "Scanned successfully but listed no entries in the window: an empty or hidden index.");
    }
    // Retention removed scans inside the window: what they covered cannot be shown any more.
    if (row.scans_pruned_through && *row.scans_pruned_through >= report.coverage_since) {
      add("pruned", row.source,
          "Coverage before " + format_rfc3339(*row.scans_pruned_through) +
              " pruned: scan records of this source started up to then were removed by the "
              "store's retention ([store] scan_retention, scans_per_source); the scans shown "
              "are those kept.");
    }
    // A text dump is read whole (up to its cap) for records and honeytokens: it has no files.
    if (row.fetch_content == "never" && c.scans > 0 && row.kind != "text") {
      add("name-only", row.source,
          "File content is never fetched (fetch_content = \"never\"): only names, sizes and "
          "digests the index itself publishes were compared; a renamed copy without published "
          "digests would be missed.");
    }
  }
  bool later_evidence = false;
  for (const auto& s : report.sightings) later_evidence |= s.last_seen > report.as_of;
  if (later_evidence) {
    add("later-evidence", "",
        "Some sightings were seen again after the as-of time: their confidence and counts are "
        "the ones they had at the as-of time, but the evidence listed is as recorded now.");
  }
  if (report.inexact_sightings > 0) {
    add("before-history", "",
        std::to_string(report.inexact_sightings) +
            " sighting(s) were recorded before this store kept confidence history (" +
            (report.history_since
                 ? "it keeps it from " + format_rfc3339(*report.history_since)
                 : std::string("it keeps none yet: an older store read as it is")) +
            "): their confidence as of " + format_rfc3339(report.as_of) +
            " is the one recorded then, which may be higher than it was at that time.");
  }
  if (report.exposure.from_evidence > 0) {
    add("exposure-from-evidence", "",
        std::to_string(report.exposure.from_evidence) +
            " sighting(s) were recorded before the store kept what each matched: their files in "
            "the exposure come from their evidence lists (capped), their record rows are not "
            "counted.");
  }
}

// The document a locator names: a URL's own, without a "!path/inside.zip" suffix.
std::string document_url(std::string_view locator) {
  const auto bang = locator.find('!');
  return std::string(locator.substr(0, bang));
}

// For each sighting, the index documents at its locator that its sources' newest scan at or
// before as_of fetched (a listing page under the locator, the archive's directory, the torrent).
Result<std::vector<std::vector<FetchedDocument>>> documents_behind(store::Store& store,
                                                                   const VerifyReport& r) {
  std::vector<std::vector<FetchedDocument>> out(r.sightings.size());
  std::map<std::string, std::optional<ScanRecord>> newest;  // per source
  for (const auto& s : r.sightings) {
    for (const auto& seen : s.sources) newest.try_emplace(seen.source);
  }
  for (auto& [source, record] : newest) {
    store::ScanFilter filter;
    filter.source = source;
    filter.since = r.since;
    filter.until = r.as_of;
    auto scanned = store.for_each_scan(filter, [&](const ScanRecord& scan) {
      if (!scan.documents.empty()) record = scan;  // oldest first: the last one is the newest
      return true;
    });
    if (!scanned) return scanned.error();
  }
  for (std::size_t i = 0; i < r.sightings.size(); ++i) {
    const auto& s = r.sightings[i];
    const auto url = document_url(s.locator);
    for (const auto& seen : s.sources) {
      const auto& record = newest[seen.source];
      if (!record) continue;
      for (const auto& d : record->documents) {
        if (out[i].size() >= kMaxSightingDocuments) break;
        if (d.url == s.locator || d.url == url || d.url.starts_with(url)) out[i].push_back(d);
      }
    }
  }
  return out;
}

void decide(VerifyReport& report) {
  for (const auto& row : report.coverage) {
    if (row.required && !row.covered) report.uncovered.push_back(row.source);
  }
  const bool any_required = std::any_of(report.coverage.begin(), report.coverage.end(),
                                        [](const auto& r) { return r.required; });
  if (!report.sightings.empty()) {
    report.verdict = Verdict::refuted;
    std::size_t confirmed = 0;
    for (const auto& s : report.sightings) confirmed += s.confidence == Confidence::confirmed;
    report.verdict_reason = std::to_string(report.sightings.size()) +
                            " confirmed or likely sighting(s) (" + std::to_string(confirmed) +
                            " confirmed) as of " + format_rfc3339(report.as_of) + ".";
  } else if (report.matchable_since > report.as_of) {
    report.verdict = Verdict::insufficient_coverage;
    report.verdict_reason = "The as-of time " + format_rfc3339(report.as_of) +
                            " is before the signature was " + signed_words(report) +
                            ": nothing could have been matched by then.";
  } else if (!any_required) {
    report.verdict = Verdict::insufficient_coverage;
    report.verdict_reason = "No sighting, but no source is enabled: nothing was searched.";
  } else if (!report.uncovered.empty()) {
    report.verdict = Verdict::insufficient_coverage;
    std::string names;
    for (const auto& n : report.uncovered) names += (names.empty() ? "" : ", ") + n;
    report.verdict_reason = "No sighting, but " + std::to_string(report.uncovered.size()) +
                            " enabled source(s) had no successful scan in the window: " + names +
                            ".";
  } else {
    report.verdict = Verdict::not_observed;
    report.verdict_reason =
        "No confirmed or likely sighting, and every enabled source had a successful scan in "
        "the window.";
  }
}

}  // namespace

std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::refuted:
      return "refuted";
    case Verdict::not_observed:
      return "not-observed";
    case Verdict::insufficient_coverage:
      return "insufficient-coverage";
  }
  return "insufficient-coverage";
}

int verdict_exit_code(Verdict v) {
  switch (v) {
    case Verdict::refuted:
      return 10;
    case Verdict::not_observed:
      return 0;
    case Verdict::insufficient_coverage:
      return 11;
  }
  return 11;
}

Result<VerifyQuery> parse_verify_query(std::string dataset, std::string_view as_of,
                                       std::string_view since, Timestamp now) {
  if (dataset.empty()) return Error{"--dataset: a dataset name is required"};
  VerifyQuery q;
  q.dataset = std::move(dataset);
  std::string error;
  q.as_of = parse_time("--as-of", as_of, error);
  if (!error.empty()) return Error{error};
  q.since = parse_time("--since", since, error);
  if (!error.empty()) return Error{error};
  if (q.as_of && *q.as_of > now + kFutureTolerance) {
    return Error{"--as-of " + std::string(as_of) + " is in the future (now is " +
                 format_rfc3339(now) + "): a claim cannot be checked against scans not yet run"};
  }
  const auto end = q.as_of.value_or(now);
  if (q.since && *q.since > end) {
    return Error{"--since " + std::string(since) + " is after " +
                 (q.as_of ? "--as-of " + std::string(as_of) : "now (" + format_rfc3339(now) + ")") +
                 ": the window is reversed"};
  }
  return q;
}

std::optional<VerifyError> check_verify_query(store::Store& store, const VerifyQuery& query) {
  if (query.dataset.empty()) return VerifyError{VerifyErrorKind::bad_query, "no dataset named"};
  if (query.since && query.as_of && *query.since > *query.as_of) {
    return VerifyError{VerifyErrorKind::bad_query,
                       "since " + format_rfc3339(*query.since) + " is after as-of " +
                           format_rfc3339(*query.as_of) + ": the window is reversed"};
  }
  auto sig = store.get_signature(query.dataset);
  if (!sig) return VerifyError{VerifyErrorKind::store, sig.error().message};
  if (!*sig) {
    return VerifyError{VerifyErrorKind::unknown_dataset,
                       "unknown dataset '" + query.dataset +
                           "': no signature of that name (see `leakwatch signatures list`)"};
  }
  return std::nullopt;
}

Result<VerifyReport, VerifyError> evaluate_verify(store::Store& store, const config::Config& config,
                                                  const VerifyQuery& query, Timestamp now) {
  if (auto problem = check_verify_query(store, query)) return *problem;
  auto sig = store.get_signature(query.dataset);
  if (!sig) return VerifyError{VerifyErrorKind::store, sig.error().message};
  const Signature& signature = **sig;
  auto history = store.signature_history(query.dataset);
  if (!history) return VerifyError{VerifyErrorKind::store, history.error().message};

  VerifyReport r;
  r.dataset = query.dataset;
  r.as_of = query.as_of.value_or(now);
  r.description = signature.description;
  r.signature_created = signature.created;
  r.signature_imported = signature.imported;
  r.matchable_since = signature.matchable_since();
  r.dataset_files = signature.files.size();
  r.signature_versions = history->size() + 1;
  r.signature_version = r.signature_versions;
  // The version in force at as_of: the oldest one replaced after it, else the current one.
  for (std::size_t i = 0; i < history->size(); ++i) {
    const auto& v = (*history)[i];
    if (v.replaced <= r.as_of) {
      r.last_replaced = v.replaced;
      continue;
    }
    r.description = v.description;
    r.signature_created = v.created;
    r.signature_imported = v.imported;
    r.matchable_since = v.matchable_since();
    r.dataset_files = v.files;
    r.signature_replaced = v.replaced;
    r.signature_version = i + 1;
    r.current_signature_created = signature.created;
    break;
  }
  r.history_since = store.history_since();
  r.generated = now;
  if (query.since) {
    if (*query.since > r.as_of) {
      return VerifyError{VerifyErrorKind::bad_query,
                         "since " + format_rfc3339(*query.since) + " is after as-of " +
                             format_rfc3339(r.as_of) + ": the window is reversed"};
    }
    r.since = *query.since;
    r.window_rule = "window start given with --since";
  } else {
    r.since_defaulted = true;
    r.since = std::max(r.as_of - kDefaultVerifyWindow, r.matchable_since);
    r.window_rule =
        "default window: the 30 days before as-of, but not before the signature was created "
        "(or imported)";
  }
  if (r.since > r.as_of) {
    // The signature was created after as_of: nothing could have matched it yet.
    r.since = r.as_of;
  }
  r.coverage_since = std::clamp(r.matchable_since, r.since, r.as_of);
  r.claim = "No data of dataset '" + r.dataset + "' was identified, as of " +
            format_rfc3339(r.as_of) + ".";

  store::SightingFilter filter;
  filter.dataset = r.dataset;
  filter.min_confidence = Confidence::possible;
  // Each sighting as it was at as_of: its confidence and counts then, from its history.
  auto seen = store.for_each_sighting(filter, [&](const Sighting& s) {
    const auto state = sighting_at(s, r.as_of, r.history_since);
    if (!state) {
      r.later_sightings += s.confidence >= Confidence::likely;
      return true;
    }
    r.inexact_sightings += !state->exact;
    if (state->state.confidence >= Confidence::likely) {
      Sighting then = s;
      then.confidence = state->state.confidence;
      then.files_matched = state->state.files_matched;
      then.bytes_matched = state->state.bytes_matched;
      then.records_matched = state->state.records_matched;
      r.sightings.push_back(std::move(then));
    } else {
      ++r.possible_sightings;
      r.raised_later += s.confidence >= Confidence::likely;
    }
    return true;
  });
  if (!seen) return VerifyError{VerifyErrorKind::store, seen.error().message};
  std::stable_sort(r.sightings.begin(), r.sightings.end(), [](const auto& a, const auto& b) {
    if (a.confidence != b.confidence) return a.confidence > b.confidence;
    return a.first_seen > b.first_seen;
  });

  // A signature created (or imported) after as_of leaves an empty coverage window.
  const bool empty_window = r.matchable_since > r.as_of;
  auto rows =
      collect_coverage(store, config, r.coverage_since,
                       empty_window ? r.coverage_since - std::chrono::milliseconds{1} : r.as_of);
  if (!rows) return VerifyError{VerifyErrorKind::store, rows.error().message};
  r.coverage = std::move(rows).value();
  auto documents = documents_behind(store, r);
  if (!documents) return VerifyError{VerifyErrorKind::store, documents.error().message};
  r.sighting_documents = std::move(documents).value();
  auto exposure = compute_exposure(store, r.dataset, r.since, r.as_of);
  if (!exposure) return VerifyError{VerifyErrorKind::store, exposure.error().message};
  r.exposure = std::move(exposure).value();
  decide(r);
  add_limitations(r, config);
  return r;
}

}  // namespace leakwatch::app
