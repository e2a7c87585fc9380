// Dispatcher: delivers the store's outbox to the configured hooks, durably and exactly once per
// alert id and hook. For each hook an outbox entry is an alert when its sighting passes the
// hook's filters (min_confidence, datasets, sources); its delivery record (store) is written
// before the first attempt and after every attempt, so the backoff, the last error and
// "delivered" survive restarts. Deliveries to one hook go in outbox order, one at a time (a
// Splunk HEC batch counts as one): a kill can repeat only the one delivery that was cut
// between send and acknowledgement, and then with the same id. Rate limits delay, never drop.
// An outbox entry is removed once every configured hook has delivered it or filtered it out.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alerts/transport.h"
#include "config/config.h"
#include "store/store.h"

namespace leakwatch::alerts {

struct DispatchOptions {
  // How long one pass keeps waiting for retries that come due (backoff, Retry-After, rate
  // limit); what is due later stays pending for the next pass.
  std::chrono::milliseconds max_wait{std::chrono::seconds{20}};
  // A hook that failed this many times in one pass waits for the next pass (a receiver that is
  // down does not hold a scan for the whole max_wait).
  std::uint32_t max_failures_per_hook = 5;
  // Retry now what is waiting for its backoff (`alerts retry`); rate limits still apply.
  bool ignore_backoff = false;
  std::optional<std::string> only_hook;  // deliver to this hook alone
};

struct HookOutcome {
  std::string hook;
  std::uint64_t delivered = 0;  // in this pass
  std::uint64_t failed_attempts = 0;
  std::uint64_t waiting = 0;  // still pending or failing after the pass
  std::string last_error;
};

// Whether a hook takes this sighting: confidence at or above min_confidence, dataset and source
// in its lists (empty lists take all).
bool hook_accepts(const config::HookConfig& hook, const Sighting& sighting);
// The wait before retry number `attempts` (1 = after the first failure): backoff doubling up to
// backoff_max, then a uniform jitter over its upper half (`unit` in [0,1)).
std::chrono::milliseconds retry_delay(const config::HookConfig& hook, std::uint32_t attempts,
                                      double unit);

// The transport of a hook; tests and benches may supply their own.
using TransportFactory = std::function<Result<std::unique_ptr<Transport>>(const config::HookConfig&,
                                                                          const TransportContext&)>;

class Dispatcher {
 public:
  Dispatcher(store::Store& store, const config::Config& config, TransportContext context,
             TransportFactory factory = make_transport);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // One pass: plans new deliveries from the outbox, sends what is due, waits up to
  // options.max_wait for more to come due, removes finished outbox entries. An error is only
  // a store error; receivers' failures are in the outcomes (and in the delivery records).
  Result<std::vector<HookOutcome>> run(const DispatchOptions& options);

 private:
  struct HookRun;
  store::Store& store_;
  const config::Config& config_;
  TransportContext context_;
  TransportFactory factory_;
  std::map<std::string, std::unique_ptr<Transport>> transports_;
};

// A hook's delivery records as `alerts list` shows them, plus the deliveries not planned yet
// (outbox entries the hook accepts that have no record: pending).
Result<std::vector<store::AlertDelivery>> list_deliveries(store::Store& store,
                                                          const config::Config& config);

}  // namespace leakwatch::alerts
