// `leakwatch exposure --dataset D [--as-of T] [--since T] [--format text|json|markdown]`: how
// much of a dataset was seen as of a time (the exposure section of `verify`, alone).
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"
#include "verify/verify.h"

namespace leakwatch::app {

void register_exposure(CLI::App& app, Context& ctx, CommandRun& run) {
  struct Args {
    std::string dataset, as_of, since, format = "text";
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "exposure",
      "How much of a dataset was seen: distinct files, bytes and record rows in confirmed or "
      "likely sightings as of a time (a union across sources, never a sum)");
  cmd->add_option("--dataset", a->dataset, "dataset name (as signed)")->required();
  cmd->add_option("--as-of", a->as_of, "as of this time (RFC 3339; default now)");
  cmd->add_option("--since", a->since,
                  "start of the growth series (RFC 3339; default 30 days before --as-of, not "
                  "before the signature was created or imported)");
  cmd->add_option("--format", a->format, "text, json or markdown")
      ->check(CLI::IsMember({"text", "json", "markdown"}));
  cmd->callback([&ctx, &run, a] {
    run = [&ctx, a]() -> int {
      const auto now = leakwatch::now();
      auto query = parse_verify_query(a->dataset, a->as_of, a->since, now);
      if (!query) throw UsageError{query.error().message};
      auto store = ctx.store(store::OpenMode::read_only);
      if (!store) return fail(kExitRuntime, store.error().message);
      auto report = evaluate_exposure(**store, *query, now);
      if (!report) {
        return fail(report.error().kind == VerifyErrorKind::store ? kExitRuntime : kExitUsage,
                    report.error().message);
      }
      const auto text = render_exposure_report(*report, a->format);
      if (!text) throw UsageError{"--format: unknown format '" + a->format + "'"};
      std::cout << *text << std::flush;
      if (!std::cout) return fail(kExitRuntime, "cannot write to stdout");
      return 0;
    };
  });
}

}  // namespace leakwatch::app
