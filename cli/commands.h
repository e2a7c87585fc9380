// The CLI (contract: docs/CONTRACTS.md "CLI"). Each register_* adds one command (or group) to
// the CLI11 app and, when it is chosen, stores what to run in `run`. Commands return an exit code.
#pragma once

#include <functional>

#include "cli/context.h"

namespace CLI {
class App;
}

namespace leakwatch::app {

using CommandRun = std::function<int()>;

void register_sign(CLI::App& app, Context& ctx, CommandRun& run);
void register_signatures(CLI::App& app, Context& ctx, CommandRun& run);
void register_scan_and_check(CLI::App& app, Context& ctx, CommandRun& run);
void register_sightings(CLI::App& app, Context& ctx, CommandRun& run);
void register_db(CLI::App& app, Context& ctx, CommandRun& run);
void register_serve(CLI::App& app, Context& ctx, CommandRun& run);
void register_verify(CLI::App& app, Context& ctx, CommandRun& run);
void register_alerts(CLI::App& app, Context& ctx, CommandRun& run);
void register_daemon(CLI::App& app, Context& ctx, CommandRun& run);
void register_worker(CLI::App& app, Context& ctx, CommandRun& run);
void register_cluster(CLI::App& app, Context& ctx, CommandRun& run);
void register_exposure(CLI::App& app, Context& ctx, CommandRun& run);

// Prints "leakwatch: <message>" to stderr (once; callers do not log the same error again).
int fail(int code, const std::string& message);

}  // namespace leakwatch::app
