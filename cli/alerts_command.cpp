// `leakwatch alerts list|retry|test HOOK` (docs/ALERTS.md), and the delivery
// step `scan` runs at the end of its pass.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "alerts/dispatcher.h"
#include "cli/alert_delivery.h"
#include "cli/commands.h"
#include "model/json.h"

namespace leakwatch::app {

namespace {

constexpr const char* kVersion = "0.1.0";

nlohmann::json delivery_json(const store::AlertDelivery& d) {
  auto time = [](const std::optional<Timestamp>& t) {
    return t ? nlohmann::json(format_rfc3339(*t)) : nlohmann::json(nullptr);
  };
  return {{"hook", d.hook},
          {"id", d.alert_id},
          {"event", d.event},
          {"state", store::delivery_state_name(d.state)},
          {"attempts", d.attempts},
          {"last_error", d.last_error},
          {"dataset", d.dataset},
          {"source", d.source},
          {"locator", d.locator},
          {"confidence", confidence_name(d.confidence)},
          {"created", format_rfc3339(d.created)},
          {"next_attempt", time(d.next_attempt)},
          {"delivered_at", time(d.delivered_at)}};
}

void print_table(const std::vector<store::AlertDelivery>& list) {
  std::cout << std::left << std::setw(14) << "HOOK" << std::setw(10) << "STATE" << std::setw(9)
            << "ATTEMPTS" << std::setw(38) << "ID" << std::setw(11) << "CONFIDENCE" << std::setw(24)
            << "DATASET" << std::setw(18) << "SOURCE"
            << "WHEN / LAST ERROR\n";
  for (const auto& d : list) {
    std::string when;
    if (d.state == store::DeliveryState::delivered && d.delivered_at) {
      when = "delivered " + format_rfc3339(*d.delivered_at);
    } else {
      if (d.next_attempt) when = "next " + format_rfc3339(*d.next_attempt);
      if (!d.last_error.empty()) when += (when.empty() ? "" : ": ") + d.last_error;
    }
    std::cout << std::left << std::setw(14) << d.hook << std::setw(10)
              << store::delivery_state_name(d.state) << std::setw(9) << d.attempts << std::setw(38)
              << d.alert_id << std::setw(11) << confidence_name(d.confidence) << std::setw(24)
              << d.dataset << std::setw(18) << d.source << alerts::valid_utf8(when) << "\n";
  }
}

int print_outcomes(const std::vector<alerts::HookOutcome>& outcomes) {
  bool waiting = false;
  for (const auto& o : outcomes) {
    std::cout << "hook " << o.hook << ": " << o.delivered << " delivered, " << o.waiting
              << " waiting";
    if (o.failed_attempts) std::cout << ", " << o.failed_attempts << " failed attempts";
    if (!o.last_error.empty()) std::cout << " (last error: " << o.last_error << ")";
    std::cout << "\n";
    waiting |= o.waiting > 0;
  }
  return waiting ? kExitRuntime : kExitOk;
}

}  // namespace

alerts::TransportContext transport_context() {
  alerts::TransportContext c;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0 && host[0]) c.hostname = host;
  if (c.hostname.empty()) c.hostname = "-";
  c.procid = std::to_string(::getpid());
  c.version = kVersion;
  return c;
}

Result<std::vector<alerts::HookOutcome>> deliver_alerts(store::Store& store,
                                                        const config::Config& config,
                                                        const alerts::DispatchOptions& options,
                                                        DeliveryLog log) {
  if (config.hooks.empty()) return std::vector<alerts::HookOutcome>{};
  alerts::Dispatcher dispatcher(store, config, transport_context());
  auto outcomes = dispatcher.run(options);
  if (!outcomes) return outcomes;
  for (const auto& o : *outcomes) {
    const bool happened = o.delivered || o.failed_attempts;
    if (happened || (o.waiting && log == DeliveryLog::every_hook)) {
      spdlog::info("alerts hook={} delivered={} waiting={} failed_attempts={}", o.hook, o.delivered,
                   o.waiting, o.failed_attempts);
    }
    if (!o.last_error.empty()) {
      spdlog::warn("alerts hook={} still pending={} last_error={}", o.hook, o.waiting,
                   o.last_error);
    }
  }
  return outcomes;
}

void register_alerts(CLI::App& app, Context& ctx, CommandRun& run) {
  auto* alerts = app.add_subcommand("alerts", "List, retry or test alert deliveries to hooks");
  alerts->require_subcommand(1);
  alerts->footer(
      "Alerts are raised when a sighting is first recorded at or above a hook's min_confidence "
      "and when its confidence rises; `scan` delivers them at the end of its pass. See "
      "docs/ALERTS.md.");

  struct ListArgs {
    std::string state;
    std::string format = "table";
  };
  auto la = std::make_shared<ListArgs>();
  auto* list = alerts->add_subcommand("list", "List alert deliveries per hook (newest last)");
  list->add_option("--state", la->state, "only pending, delivered or failing")
      ->check(CLI::IsMember({"pending", "delivered", "failing"}));
  list->add_option("--format", la->format, "table or json (JSON Lines)")
      ->check(CLI::IsMember({"table", "json"}))
      ->default_val("table");
  list->callback([&ctx, &run, la] {
    run = [&ctx, la] {
      auto cfg = ctx.config();
      if (!cfg) return fail(kExitUsage, cfg.error().message);
      auto store = ctx.store(store::OpenMode::read_only);
      if (!store) return fail(kExitRuntime, store.error().message);
      auto all = alerts::list_deliveries(**store, **cfg);
      if (!all) return fail(kExitRuntime, all.error().message);
      std::vector<store::AlertDelivery> shown;
      for (auto& d : *all) {
        if (la->state.empty() || store::delivery_state_name(d.state) == la->state) {
          shown.push_back(std::move(d));
        }
      }
      if (la->format == "json") {
        for (const auto& d : shown) std::cout << dump_json(delivery_json(d)) << "\n";
      } else {
        print_table(shown);
      }
      return kExitOk;
    };
  });

  auto hook = std::make_shared<std::string>();
  auto* retry = alerts->add_subcommand(
      "retry", "Deliver what is pending now, without waiting for the backoff");
  retry->add_option("--hook", *hook, "only this hook");
  retry->footer("Exit code 0 when nothing is left pending, 1 otherwise (the reasons are printed).");
  retry->callback([&ctx, &run, hook] {
    run = [&ctx, hook] {
      auto cfg = ctx.config();
      if (!cfg) return fail(kExitUsage, cfg.error().message);
      if (!hook->empty() && !(*cfg)->find_hook(*hook)) {
        return fail(kExitUsage, "alerts retry: no hook named '" + *hook + "' in the config");
      }
      if ((*cfg)->hooks.empty())
        return fail(kExitUsage, "alerts retry: the config has no [[hook]]");
      auto store = ctx.store(store::OpenMode::read_write);
      if (!store) return fail(kExitRuntime, store.error().message);
      alerts::DispatchOptions options;
      options.ignore_backoff = true;
      if (!hook->empty()) options.only_hook = *hook;
      auto outcomes = deliver_alerts(**store, **cfg, options);
      if (!outcomes) return fail(kExitRuntime, outcomes.error().message);
      return print_outcomes(*outcomes);
    };
  });

  auto test_hook = std::make_shared<std::string>();
  auto* test = alerts->add_subcommand("test", "Send a marked test alert to one hook now");
  test->add_option("HOOK", *test_hook, "hook name")->required();
  test->footer("Exit code 0 only when the receiver acknowledged the test alert.");
  test->callback([&ctx, &run, test_hook] {
    run = [&ctx, test_hook] {
      auto cfg = ctx.config();
      if (!cfg) return fail(kExitUsage, cfg.error().message);
      const auto* h = (*cfg)->find_hook(*test_hook);
      if (!h)
        return fail(kExitUsage, "alerts test: no hook named '" + *test_hook + "' in the config");
      auto context = transport_context();
      context.config = *cfg;
      auto transport = alerts::make_transport(*h, context);
      if (!transport) return fail(kExitRuntime, transport.error().message);
      const auto alert = alerts::make_test_alert(h->name, now());
      const auto sent = (*transport)->send(std::span(&alert, 1));
      if (!sent.acknowledged) return fail(kExitRuntime, sent.error);
      std::cout << "hook " << h->name << ": test alert " << alert.id << " acknowledged\n";
      return kExitOk;
    };
  });
}

}  // namespace leakwatch::app
