// Commands of the contract whose issue has not landed. They accept their documented options so
// --help already tells the truth about the interface, and running them says so and exits 2:
// they never pretend.
#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace leakwatch::app {

namespace {

// `keep` holds the storage CLI11 writes the options into for as long as the app lives.
void pending(CLI::App* cmd, CommandRun& run, const std::string& name, const std::string& when,
             std::shared_ptr<void> keep = nullptr) {
  cmd->footer("Not available yet: " + when + ".");
  cmd->callback([&run, name, when, keep] {
    run = [name, when] { return fail(kExitUsage, name + ": not available yet; " + when); };
  });
}

}  // namespace

void register_pending(CLI::App& app, Context& /*ctx*/, CommandRun& run) {
  auto* daemon =
      app.add_subcommand("daemon", "Run scheduled scans, alert delivery and the HTTP API");
  pending(daemon, run, "daemon", "no issue has delivered the scheduler yet");
}

}  // namespace leakwatch::app
