// `leakwatch sightings`: what was seen, newest first, as a table, JSON Lines or CSV.
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "app/export_misp.h"
#include "app/export_stix.h"
#include "app/sighting_output.h"
#include "model/json.h"

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

}  // namespace

void register_sightings(CLI::App& app, Context& ctx, CommandRun& run) {
  struct Args {
    std::string dataset, source, since, until, min_confidence = "possible", format = "table";
    std::size_t limit = 0;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("sightings", "List recorded sightings, newest first");
  cmd->add_option("--dataset", a->dataset, "only this dataset");
  cmd->add_option("--source", a->source, "only this source");
  cmd->add_option("--since", a->since, "last seen at or after this time (RFC 3339)");
  cmd->add_option("--until", a->until, "first seen at or before this time (RFC 3339)");
  cmd->add_option("--min-confidence", a->min_confidence, "possible, likely or confirmed")
      ->check(CLI::IsMember({"possible", "likely", "confirmed"}));
  cmd->add_option("--format", a->format,
                  "table, json (JSON Lines), csv, stix (STIX 2.1 bundle) or misp (MISP events)")
      ->check(CLI::IsMember({"table", "json", "csv", "stix", "misp"}));
  cmd->add_option("--limit", a->limit, "at most this many (0: all)");
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
      auto store = ctx.store(store::OpenMode::read_only);
      if (!store) return fail(kExitRuntime, store.error().message);
      if (a->format == "table") print_sighting_table_header(std::cout);
      if (a->format == "csv") print_sighting_csv_header(std::cout);
      std::size_t count = 0;
      std::vector<Sighting> exported;  // stix and misp are one document over all sightings
      auto done = (*store)->for_each_sighting(filter, [&](const Sighting& s) {
        if (a->format == "stix" || a->format == "misp") {
          exported.push_back(s);
        } else if (a->format == "json") {
          std::cout << to_json_text(s) << "\n";
        } else if (a->format == "csv") {
          print_sighting_csv_row(std::cout, s);
        } else {
          print_sighting_table_row(std::cout, s);
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
