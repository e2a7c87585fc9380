#include "alerts/dispatcher.h"

#include <algorithm>
#include <random>
#include <set>
#include <thread>

namespace leakwatch::alerts {

namespace {

using Clock = std::chrono::milliseconds;

bool listed(const std::vector<std::string>& list, const std::string& value) {
  return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

store::AlertDelivery planned(const config::HookConfig& hook, const store::OutboxEntry& e,
                             Timestamp at) {
  store::AlertDelivery d;
  d.hook = hook.name;
  d.alert_id = alert_id(e.sighting.dataset, e.sighting.locator, e.sighting.confidence);
  d.outbox_id = e.id;
  d.event = e.reason == "upgraded" ? "sighting.upgraded" : "sighting.new";
  d.dataset = e.sighting.dataset;
  d.source = e.sighting.source;
  d.locator = e.sighting.locator;
  d.confidence = e.sighting.confidence;
  d.created = at;
  return d;
}

}  // namespace

bool hook_accepts(const config::HookConfig& hook, const Sighting& sighting) {
  return sighting.confidence >= hook.min_confidence && listed(hook.datasets, sighting.dataset) &&
         listed(hook.sources, sighting.source);
}

std::chrono::milliseconds retry_delay(const config::HookConfig& hook, std::uint32_t attempts,
                                      double unit) {
  auto delay = hook.backoff;
  for (std::uint32_t i = 1; i < attempts && delay < hook.backoff_max; ++i) delay *= 2;
  delay = std::min(delay, hook.backoff_max);
  const auto half = delay / 2;
  return half + std::chrono::milliseconds(static_cast<std::int64_t>(
                    static_cast<double>((delay - half).count()) * std::clamp(unit, 0.0, 1.0)));
}

// The work of one hook within a pass.
struct Dispatcher::HookRun {
  const config::HookConfig* hook = nullptr;
  std::vector<store::AlertDelivery> queue;                   // not yet delivered, outbox order
  std::map<std::string, const store::OutboxEntry*> entries;  // by alert id
  std::size_t next = 0;
  std::optional<Timestamp> blocked_until;  // backoff of the head, Retry-After, rate window
  std::optional<store::HookWindow> window;
  std::uint32_t failures = 0;  // in this pass
  HookOutcome outcome;
};

Dispatcher::Dispatcher(store::Store& store, const config::Config& config, TransportContext context,
                       TransportFactory factory)
    : store_(store), config_(config), context_(std::move(context)), factory_(std::move(factory)) {
  context_.config = &config_;
}

Dispatcher::~Dispatcher() = default;

Result<std::vector<HookOutcome>> Dispatcher::run(const DispatchOptions& options) {
  const Timestamp started = now();
  std::vector<store::OutboxEntry> outbox;
  if (auto r = store_.for_each_outbox_entry([&](const store::OutboxEntry& e) {
        outbox.push_back(e);
        return true;
      });
      !r) {
    return r.error();
  }

  // Plan: a record per accepted entry and hook, written before any attempt.
  std::vector<HookRun> runs;
  store::DeliveryUpdate plan;
  for (const auto& hook : config_.hooks) {
    if (options.only_hook && hook.name != *options.only_hook) continue;
    HookRun run;
    run.hook = &hook;
    run.outcome.hook = hook.name;
    auto window = store_.get_hook_window(hook.name);
    if (!window) return window.error();
    run.window = *window;
    std::set<std::string> seen;
    for (const auto& e : outbox) {
      if (!hook_accepts(hook, e.sighting)) continue;
      auto d = planned(hook, e, started);
      if (!seen.insert(d.alert_id).second) continue;  // two entries, one alert id: once
      auto stored = store_.get_alert_delivery(hook.name, d.alert_id);
      if (!stored) return stored.error();
      if (*stored) {
        if ((*stored)->state == store::DeliveryState::delivered) continue;
        d = **stored;
      } else {
        plan.deliveries.push_back(d);
      }
      if (options.ignore_backoff) d.next_attempt.reset();
      run.entries[d.alert_id] = &e;
      run.queue.push_back(std::move(d));
    }
    runs.push_back(std::move(run));
  }
  if (!plan.deliveries.empty()) {
    if (auto r = store_.update_deliveries(plan); !r) return r.error();
  }

  std::mt19937_64 jitter{std::random_device{}()};
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const auto deadline = started + options.max_wait;
  for (;;) {
    std::optional<Timestamp> earliest;  // the next time some hook has work
    for (auto& run : runs) {
      const auto& hook = *run.hook;
      while (run.next < run.queue.size() && run.failures < options.max_failures_per_hook) {
        const Timestamp t = now();
        auto& head = run.queue[run.next];
        std::optional<Timestamp> wait = run.blocked_until;
        if (head.next_attempt && (!wait || *head.next_attempt > *wait)) wait = head.next_attempt;
        if (wait && *wait > t) {
          if (!earliest || *wait < *earliest) earliest = wait;
          break;
        }
        // Transport first: a secret file that cannot be read fails like a receiver.
        auto& transport = transports_[hook.name];
        std::string setup_error;
        if (!transport) {
          auto made = factory_(hook, context_);
          if (made) {
            transport = std::move(made).value();
          } else {
            setup_error = made.error().message;
          }
        }
        const std::size_t size =
            transport ? std::max<std::size_t>(1, transport->batch_size()) : std::size_t{1};
        std::size_t count = std::min(size, run.queue.size() - run.next);
        // Rate limit: deliveries per window; what does not fit waits for the next window.
        store::HookWindow window = run.window.value_or(store::HookWindow{hook.name, t, 0});
        if (hook.rate_limit) {
          if (t - window.start >= hook.rate_limit->window) window = {hook.name, t, 0};
          const std::size_t room =
              window.count >= hook.rate_limit->count ? 0 : hook.rate_limit->count - window.count;
          if (room == 0) {
            run.blocked_until = window.start + hook.rate_limit->window;
            if (!earliest || *run.blocked_until < *earliest) earliest = run.blocked_until;
            break;
          }
          count = std::min(count, room);
          window.count += static_cast<std::uint32_t>(count);
        }
        std::vector<Alert> batch;
        for (std::size_t i = 0; i < count; ++i) {
          const auto& d = run.queue[run.next + i];
          batch.push_back(make_alert(run.entries.at(d.alert_id)->sighting,
                                     run.entries.at(d.alert_id)->reason, t));
        }
        SendResult sent;
        if (transport) {
          sent = transport->send(batch);
        } else {
          sent.error = setup_error;
        }
        const Timestamp done = now();
        store::DeliveryUpdate update;
        if (hook.rate_limit) {
          update.window = window;
          run.window = window;
        }
        if (sent.acknowledged) {
          for (std::size_t i = 0; i < count; ++i) {
            auto d = run.queue[run.next + i];
            d.state = store::DeliveryState::delivered;
            d.attempts += 1;
            d.delivered_at = done;
            d.next_attempt.reset();
            update.deliveries.push_back(std::move(d));
          }
          run.next += count;
          run.blocked_until.reset();
          run.outcome.delivered += count;
        } else {
          // Only the head is charged an attempt: the rest of a batch waits behind it.
          auto& d = run.queue[run.next];
          d.state = store::DeliveryState::failing;
          d.attempts += 1;
          d.last_error = sent.error;
          const auto delay = sent.retry_after ? std::min<std::chrono::milliseconds>(
                                                    *sent.retry_after, std::chrono::hours{24})
                                              : retry_delay(hook, d.attempts, unit(jitter));
          d.next_attempt = done + delay;
          run.blocked_until = d.next_attempt;
          update.deliveries.push_back(d);
          run.outcome.failed_attempts += 1;
          run.failures += 1;
          run.outcome.last_error = sent.error;
          transports_.erase(hook.name);  // a fresh connection next time
        }
        if (auto r = store_.update_deliveries(update); !r) return r.error();
      }
    }
    if (!earliest || *earliest > deadline) break;
    const auto pause = *earliest - now();
    if (pause.count() > 0) std::this_thread::sleep_for(pause);
  }

  std::vector<HookOutcome> outcomes;
  for (auto& run : runs) {
    run.outcome.waiting = run.queue.size() - run.next;
    outcomes.push_back(run.outcome);
  }

  // Outbox entries every configured hook is done with (delivered, or filtered out).
  store::DeliveryUpdate cleanup;
  for (const auto& e : outbox) {
    bool done = true;
    for (const auto& hook : config_.hooks) {
      if (!hook_accepts(hook, e.sighting)) continue;
      auto d = store_.get_alert_delivery(
          hook.name, alert_id(e.sighting.dataset, e.sighting.locator, e.sighting.confidence));
      if (!d) return d.error();
      if (!*d || (*d)->state != store::DeliveryState::delivered) {
        done = false;
        break;
      }
    }
    if (done && !config_.hooks.empty()) cleanup.remove_outbox.push_back(e.id);
  }
  if (!cleanup.remove_outbox.empty()) {
    if (auto r = store_.update_deliveries(cleanup); !r) return r.error();
  }
  return outcomes;
}

Result<std::vector<store::AlertDelivery>> list_deliveries(store::Store& store,
                                                          const config::Config& config) {
  std::vector<store::AlertDelivery> out;
  std::set<std::pair<std::string, std::string>> known;
  if (auto r = store.for_each_alert_delivery([&](const store::AlertDelivery& d) {
        known.emplace(d.hook, d.alert_id);
        out.push_back(d);
        return true;
      });
      !r) {
    return r.error();
  }
  if (auto r = store.for_each_outbox_entry([&](const store::OutboxEntry& e) {
        for (const auto& hook : config.hooks) {
          if (!hook_accepts(hook, e.sighting)) continue;
          auto d = planned(hook, e, e.created);
          if (known.emplace(d.hook, d.alert_id).second) out.push_back(std::move(d));
        }
        return true;
      });
      !r) {
    return r.error();
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.outbox_id < b.outbox_id; });
  return out;
}

}  // namespace leakwatch::alerts
