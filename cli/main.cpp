// leakwatch: checks whether an organisation's sensitive datasets are offered on leak sites.
// main() parses the command line, sets up logging and runs one command; anything escaping a
// command becomes a clear message and exit code 1.
#include <malloc.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "cli/commands.h"
#include "cli/context.h"
#include "cli/logging.h"
#include "net/http_client.h"

namespace {

constexpr const char* kDescription =
    "leakwatch: dark-web leak presence monitor.\n"
    "Signs sensitive datasets (hashes only), scans leak indexes through proxies, records every "
    "sighting and scan, and answers whether a dataset was seen.\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace leakwatch::app;
  // A receiver that closes its socket must be an error of that write, not the end of leakwatch.
  std::signal(SIGPIPE, SIG_IGN);
  // Everything leakwatch writes (store, keys, bundles, reports, logs) is its user's alone.
  ::umask(077);
  // Four malloc arenas instead of glibc's 8 per core, for every command, set before any thread
  // starts: a scan runs each source on a thread of its own (256 at once by default), and with an
  // arena each the memory they free stays scattered over them. Measured on a 10,000-source scan:
  // peak RSS 134 MiB with glibc's default, 107 MiB with 4, 105 MiB with 2 but a slower pass (lock
  // contention); the daemon soak 56 MiB after a minute with the default, 39 MiB with 2
  // (docs/PERFORMANCE.md).
  ::mallopt(M_ARENA_MAX, 4);
  GlobalOptions options;
  CLI::App app{kDescription, "leakwatch"};
  app.set_version_flag("--version", "leakwatch 0.1.0");
  app.require_subcommand(1);
  app.fallthrough();
  app.add_option("--config", options.config_file,
                 "config file (TOML); default $LEAKWATCH_CONFIG, else ./leakwatch.toml if present");
  app.add_option("--data-dir", options.data_dir,
                 "data directory (overrides the config's data_dir)");
  app.add_flag("-v,--verbose", options.verbosity, "more log output (-vv for trace)");
  app.add_flag("-q,--quiet", options.quiet, "only warnings and errors; no progress display");
  app.add_option("--log-format", options.log_format, "log format on stderr")
      ->check(CLI::IsMember({"text", "json"}))
      ->default_val("text");

  Context ctx(GlobalOptions{});
  CommandRun run;
  register_sign(app, ctx, run);
  register_signatures(app, ctx, run);
  register_scan_and_check(app, ctx, run);
  register_sightings(app, ctx, run);
  register_db(app, ctx, run);
  register_serve(app, ctx, run);
  register_verify(app, ctx, run);
  register_alerts(app, ctx, run);
  register_daemon(app, ctx, run);
  register_worker(app, ctx, run);
  register_cluster(app, ctx, run);
  register_exposure(app, ctx, run);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }

  try {
    setup_logging(options.quiet ? -1 : options.verbosity, options.log_format);
    ctx = Context(options);
    // A bad config is an error for every command, before it runs: none may fall back to a
    // default data directory (some commands never look at anything but data_dir).
    if (run) {
      if (auto config = ctx.config(); !config) {
        std::cerr << "leakwatch: " << config.error().message << "\n";
        return kExitUsage;
      }
    }
    const leakwatch::crawler::CurlGlobal curl;
    return run ? run() : kExitUsage;
  } catch (const UsageError& e) {
    std::cerr << "leakwatch: " << e.message << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "leakwatch: internal error: " << e.what() << "\n";
    return kExitRuntime;
  }
}
