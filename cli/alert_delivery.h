// The alert delivery step the commands share: `scan` at the end of its pass, `alerts retry`, and
// the daemon's delivery thread (about once a second).
#pragma once

#include <vector>

#include "alerts/dispatcher.h"

namespace leakwatch::app {

// The host name, process id and version that syslog headers and HEC events carry.
alerts::TransportContext transport_context();
// What deliver_alerts logs: every hook with work (a command's one pass), or only hooks where
// something happened in this pass (the daemon, whose passes repeat every second).
enum class DeliveryLog { every_hook, changes_only };

// Delivers the outbox to the config's hooks (nothing without hooks) and logs each hook's
// outcome once; a receiver that fails leaves its alerts pending, it is no error here.
Result<std::vector<alerts::HookOutcome>> deliver_alerts(store::Store& store,
                                                        const config::Config& config,
                                                        const alerts::DispatchOptions& options,
                                                        DeliveryLog log = DeliveryLog::every_hook);

}  // namespace leakwatch::app
