// Commands of the contract whose issue has not landed. They accept their documented options so
// --help already tells the truth about the interface, and running them says so and exits 2:
// they never pretend.
#include <CLI/CLI.hpp>

#include "app/commands.h"

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
  struct VerifyArgs {
    std::string dataset, as_of, since, format = "text", output;
  };
  auto va = std::make_shared<VerifyArgs>();
  auto* verify = app.add_subcommand("verify",
                                    "Evaluate the claim \"DATASET was not identified\": refuted, "
                                    "not-observed or insufficient-coverage");
  verify->add_option("--dataset", va->dataset, "dataset name")->required();
  verify->add_option("--as-of", va->as_of,
                     "evaluate the claim as of this time (RFC 3339; default now)");
  verify->add_option("--since", va->since, "start of the window (RFC 3339)");
  verify->add_option("--format", va->format, "text, json, markdown or html")
      ->check(CLI::IsMember({"text", "json", "markdown", "html"}));
  verify->add_option("--output", va->output, "write the report to this file");
  pending(verify, run, "verify", "it lands with issue #8 (verify and query)", va);

  auto* daemon =
      app.add_subcommand("daemon", "Run scheduled scans, alert delivery and the HTTP API");
  pending(daemon, run, "daemon", "no issue has delivered the scheduler yet");

  auto* alerts = app.add_subcommand("alerts", "List, retry or test alert deliveries to hooks");
  alerts->require_subcommand(1);
  pending(alerts->add_subcommand("list", "List alerts in the outbox"), run, "alerts list",
          "no issue has delivered alert hooks yet");
  pending(alerts->add_subcommand("retry", "Retry failed deliveries now"), run, "alerts retry",
          "no issue has delivered alert hooks yet");
  auto hook = std::make_shared<std::string>();
  auto* test = alerts->add_subcommand("test", "Send a test alert to one hook");
  test->add_option("HOOK", *hook, "hook name")->required();
  pending(test, run, "alerts test", "no issue has delivered alert hooks yet", hook);
}

}  // namespace leakwatch::app
