// `leakwatch sightings`: what was seen, newest first, as a table, JSON Lines or CSV; with
// --follow, each sighting as it is recorded.
#include <pthread.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "model/json.h"
#include "model/sighting_history.h"
#include "report/export_misp.h"
#include "report/export_stix.h"
#include "report/sighting_output.h"

namespace leakwatch::app {

namespace {

std::optional<Timestamp> parse_time_arg(const std::string& flag, const std::string& value) {
  if (value.empty()) return std::nullopt;
  const auto t = parse_rfc3339(value);
  if (!t)
    throw UsageError{flag + ": '" + value +
                     "' is not an RFC 3339 time (2026-11-23T14:00:00Z or 2026-11-23)"};
  return t;
}

// --follow looks back this far behind the clock on every poll: a sighting's last_seen is the
// time its index was fetched, which precedes the moment the scan records it by up to the
// source's scan time.
constexpr std::chrono::hours kFollowLookback{24};

void print_sighting(std::ostream& out, const std::string& format, const Sighting& s) {
  if (format == "json") {
    out << to_json_text(s) << "\n";
  } else if (format == "csv") {
    print_sighting_csv_row(out, s);
  } else {
    print_sighting_table_row(out, s);
  }
}

// What makes a sighting worth printing again: anything but a re-sight that only moves last_seen.
std::string material_state(const Sighting& s) {
  return std::to_string(static_cast<int>(s.confidence)) + "/" + std::to_string(s.files_matched) +
         "/" + std::to_string(s.bytes_matched) + "/" + std::to_string(s.records_matched) + "/" +
         std::to_string(s.evidence.size()) + "/" + std::to_string(to_unix_ms(s.first_seen));
}

// Streams sightings recorded (or changed) after it starts until SIGINT or SIGTERM: the store is
// a read-only secondary instance that catches up with the writer on every poll, so it runs
// beside `scan` or the daemon. The signals were blocked by the caller before any thread started;
// they are taken here with sigtimedwait, which is also the poll timer (no handler, no global).
int follow_sightings(store::Store& store, store::SightingFilter filter, const std::string& format,
                     std::chrono::milliseconds interval, const sigset_t& stop_signals) {
  std::map<std::string, std::string> known;  // dataset \0 locator -> material state
  auto key = [](const Sighting& s) { return s.dataset + std::string(1, '\0') + s.locator; };
  const auto asked_since = filter.since;
  auto initial = store.for_each_sighting(filter, [&](const Sighting& s) {
    known.emplace(key(s), material_state(s));
    return true;
  });
  if (!initial) return fail(kExitRuntime, initial.error().message);
  // The header comes once the current state is known: from here on, every change is printed.
  if (format == "table") print_sighting_table_header(std::cout);
  if (format == "csv") print_sighting_csv_header(std::cout);
  std::cout << std::flush;
  const auto ts = timespec{static_cast<time_t>(interval.count() / 1000),
                           static_cast<long>(interval.count() % 1000) * 1'000'000};
  for (;;) {
    const int sig = ::sigtimedwait(&stop_signals, nullptr, &ts);
    if (sig == SIGINT || sig == SIGTERM) return kExitOk;
    if (auto r = store.refresh(); !r) return fail(kExitRuntime, r.error().message);
    const auto horizon = leakwatch::now() - kFollowLookback;
    filter.since = asked_since ? std::max(*asked_since, horizon) : horizon;
    std::vector<Sighting> changed;
    auto polled = store.for_each_sighting(filter, [&](const Sighting& s) {
      auto state = material_state(s);
      auto [it, added] = known.try_emplace(key(s), state);
      if (added || it->second != state) {
        it->second = std::move(state);
        changed.push_back(s);
      }
      return true;
    });
    if (!polled) return fail(kExitRuntime, polled.error().message);
    // Oldest first within one poll, so the stream reads in the order things were seen.
    // Reverse iterators, not std::views::reverse: clang 14 cannot instantiate libstdc++ 12's views.
    std::for_each(changed.rbegin(), changed.rend(),
                  [&](const auto& s) { print_sighting(std::cout, format, s); });
    std::cout << std::flush;
    if (!std::cout) return kExitRuntime;  // the reader went away
  }
}

Result<bool> dataset_known(store::Store& store, const std::string& dataset) {
  auto sig = store.get_signature(dataset);
  if (!sig) return sig.error();
  if (*sig) return true;
  // Its signature may have been removed while its sightings stay.
  bool any = false;
  store::SightingFilter filter;
  filter.dataset = dataset;
  auto r = store.for_each_sighting(filter, [&](const Sighting&) {
    any = true;
    return false;
  });
  if (!r) return r.error();
  return any;
}

Result<bool> source_known(Context& ctx, store::Store& store, const std::string& source) {
  if (auto config = ctx.config(); config) {
    for (const auto& s : (*config)->sources) {
      if (s.name == source) return true;
    }
  }
  auto state = store.get_source_state(source);
  if (!state) return state.error();
  if (*state) return true;
  bool any = false;
  store::SightingFilter filter;
  filter.source = source;
  auto r = store.for_each_sighting(filter, [&](const Sighting&) {
    any = true;
    return false;
  });
  if (!r) return r.error();
  return any;
}

}  // namespace

void register_sightings(CLI::App& app, Context& ctx, CommandRun& run) {
  struct Args {
    std::string dataset, source, since, until, changed_since, min_confidence = "possible",
                                                              format = "table";
    std::size_t limit = 0;
    bool follow = false;
    double interval = 1.0;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("sightings", "List recorded sightings, newest first");
  cmd->add_option("--dataset", a->dataset, "only this dataset");
  cmd->add_option("--source", a->source, "only this source");
  cmd->add_option("--since", a->since, "last seen at or after this time (RFC 3339)");
  cmd->add_option("--until", a->until, "first seen at or before this time (RFC 3339)");
  cmd->add_option("--changed-since", a->changed_since,
                  "only sightings first seen, or raised in confidence, at or after this time "
                  "(RFC 3339): what is new since yesterday");
  cmd->add_option("--min-confidence", a->min_confidence, "possible, likely or confirmed")
      ->check(CLI::IsMember({"possible", "likely", "confirmed"}));
  cmd->add_option("--format", a->format,
                  "table, json (JSON Lines), csv, stix (STIX 2.1 bundle) or misp (MISP events)")
      ->check(CLI::IsMember({"table", "json", "csv", "stix", "misp"}));
  cmd->add_option("--limit", a->limit, "at most this many (0: all)");
  cmd->add_flag("--follow", a->follow,
                "instead of listing, print each sighting as it is recorded (new, or changed in "
                "confidence, files, bytes or records matched) until interrupted; works beside "
                "a running scan or daemon");
  cmd->add_option("--interval", a->interval, "with --follow: seconds between looks (default 1)")
      ->check(CLI::Range(0.05, 3600.0));
  cmd->callback([&ctx, &run, a] {
    run = [&ctx, a]() -> int {
      store::SightingFilter filter;
      if (!a->dataset.empty()) filter.dataset = a->dataset;
      if (!a->source.empty()) filter.source = a->source;
      filter.since = parse_time_arg("--since", a->since);
      filter.until = parse_time_arg("--until", a->until);
      if (filter.since && filter.until && *filter.since > *filter.until) {
        throw UsageError{"--since " + a->since + " is after --until " + a->until};
      }
      filter.min_confidence = *parse_confidence(a->min_confidence);
      if (a->follow && a->limit) throw UsageError{"--limit cannot be combined with --follow"};
      if (a->follow && (a->format == "stix" || a->format == "misp"))
        throw UsageError{"--format " + a->format + " is one document; it cannot --follow"};
      sigset_t stop_signals;
      sigemptyset(&stop_signals);
      if (a->follow) {
        // Blocked before the store starts its threads, so every thread inherits the mask and
        // the signals wait for sigtimedwait in follow_sightings.
        sigaddset(&stop_signals, SIGINT);
        sigaddset(&stop_signals, SIGTERM);
        ::pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
      }
      const auto changed_after = parse_time_arg("--changed-since", a->changed_since);
      if (changed_after && a->follow) {
        throw UsageError{"--changed-since cannot be combined with --follow"};
      }
      // A changed sighting was seen at or after the time, so the index bounds the scan.
      if (changed_after)
        filter.since = std::max(filter.since.value_or(*changed_after), *changed_after);
      auto store = ctx.store(store::OpenMode::read_only);
      if (!store) return fail(kExitRuntime, store.error().message);
      // A filter naming nothing known would print an empty list that reads as "nothing seen".
      if (filter.dataset) {
        auto known = dataset_known(**store, *filter.dataset);
        if (!known) return fail(kExitRuntime, known.error().message);
        if (!*known) {
          return fail(kExitUsage, "--dataset: unknown dataset '" + *filter.dataset +
                                      "': no signature and no sighting of that name (see "
                                      "`leakwatch signatures list`)");
        }
      }
      if (filter.source) {
        auto known = source_known(ctx, **store, *filter.source);
        if (!known) return fail(kExitRuntime, known.error().message);
        if (!*known) {
          return fail(kExitUsage, "--source: unknown source '" + *filter.source +
                                      "': not in the config and never scanned");
        }
      }
      if (a->follow) {
        const auto interval = std::chrono::milliseconds(std::lround(a->interval * 1000));
        return follow_sightings(**store, filter, a->format, interval, stop_signals);
      }
      if (a->format == "table") print_sighting_table_header(std::cout);
      if (a->format == "csv") print_sighting_csv_header(std::cout);
      std::size_t count = 0;
      std::vector<Sighting> exported;  // stix and misp are one document over all sightings
      auto done = (*store)->for_each_sighting(filter, [&](const Sighting& s) {
        if (changed_after && !changed_since(s, *changed_after)) return true;
        if (a->format == "stix" || a->format == "misp") {
          exported.push_back(s);
        } else {
          print_sighting(std::cout, a->format, s);
        }
        return a->limit == 0 || ++count < a->limit;
      });
      if (!done) return fail(kExitRuntime, done.error().message);
      if (a->format == "stix") std::cout << dump_json(stix_bundle(exported), 2) << "\n";
      if (a->format == "misp") std::cout << dump_json(misp_events(exported), 2) << "\n";
      return kExitOk;
    };
  });
}

}  // namespace leakwatch::app
