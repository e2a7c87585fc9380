// `leakwatch verify`: the claim "DATASET was not identified" evaluated over a window, with the
// verdict as the exit code (0 not-observed, 10 refuted, 11 insufficient-coverage;
// docs/CONTRACTS.md "Verify").
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "cli/private_file.h"
#include "verify/verify.h"

namespace leakwatch::app {

namespace {

constexpr const char* kFooter =
    "Verdicts and exit codes: refuted (10) a confirmed or likely sighting first seen at or "
    "before --as-of; not-observed (0) none, and every enabled source had a successful scan in "
    "the window; insufficient-coverage (11) none, but some enabled source had no successful "
    "scan in the window. Errors exit 1, usage errors 2.\n"
    "Window: --since defaults to 30 days before --as-of (default now), never before the "
    "signature was created; scans before the signature existed could not have matched it. "
    "A date alone (2026-11-23) means 00:00:00Z that day.";

}  // namespace

void register_verify(CLI::App& app, Context& ctx, CommandRun& run) {
  struct Args {
    std::string dataset, as_of, since, format = "text", output;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("verify",
                                 "Evaluate the claim \"DATASET was not identified\": refuted, "
                                 "not-observed or insufficient-coverage");
  cmd->add_option("--dataset", a->dataset, "dataset name (as signed)")->required();
  cmd->add_option("--as-of", a->as_of,
                  "evaluate the claim as of this time (RFC 3339; default now)");
  cmd->add_option("--since", a->since,
                  "start of the coverage window (RFC 3339; default 30 days before --as-of, not "
                  "before the signature was created)");
  cmd->add_option("--format", a->format, "text, json, markdown or html")
      ->check(CLI::IsMember({"text", "json", "markdown", "html"}));
  cmd->add_option("--output", a->output,
                  "write the report to this file instead of stdout (the verdict still sets the "
                  "exit code)");
  cmd->footer(kFooter);
  cmd->callback([&ctx, &run, a] {
    run = [&ctx, a]() -> int {
      const auto now = leakwatch::now();
      auto query = parse_verify_query(a->dataset, a->as_of, a->since, now);
      if (!query) throw UsageError{query.error().message};
      auto config = ctx.config();
      if (!config) return fail(kExitUsage, config.error().message);
      auto store = ctx.store(store::OpenMode::read_only);
      if (!store) return fail(kExitRuntime, store.error().message);
      if (!(*store)->scan_days_complete()) {
        spdlog::warn(
            "the store has no coverage aggregate yet (written by an older leakwatch): verify "
            "reads every scan record, which is slow on a big store; any writing command (e.g. "
            "`leakwatch db compact`) builds it once");
      }
      auto report = evaluate_verify(**store, **config, *query, now);
      if (!report) {
        return fail(report.error().kind == VerifyErrorKind::store ? kExitRuntime : kExitUsage,
                    report.error().message);
      }
      const auto text = render_report(*report, a->format);
      if (!text) throw UsageError{"--format: unknown format '" + a->format + "'"};
      if (a->output.empty()) {
        std::cout << *text << std::flush;
        if (!std::cout) return fail(kExitRuntime, "cannot write the report to stdout");
      } else {
        if (auto w = replace_private_file(a->output, *text); !w)
          return fail(kExitRuntime, "cannot write the report: " + w.error().message);
        if (!ctx.options().quiet) {
          std::cerr << "leakwatch: verify " << report->dataset << ": "
                    << verdict_name(report->verdict) << "; report written to " << a->output << "\n";
        }
      }
      return verdict_exit_code(report->verdict);
    };
  });
}

}  // namespace leakwatch::app
