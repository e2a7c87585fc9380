#include "config/tables.h"

namespace leakwatch::config {

// [daemon] max_concurrent_sources, max_requests_in_flight, grace.
void read_daemon_table(Validator& v, const toml::table& root, DaemonConfig& daemon) {
  const auto* node = root.get("daemon");
  if (!node) return;
  const auto* t = node->as_table();
  if (!t) {
    v.fail(node->source(), "daemon", "must be a table ([daemon])");
    return;
  }
  v.check_keys(*t, {"max_concurrent_sources", "max_requests_in_flight", "grace"}, "daemon");
  daemon.max_concurrent_sources = static_cast<std::size_t>(
      v.integer(*t, "max_concurrent_sources", "daemon", 1, 4096)
          .value_or(static_cast<std::int64_t>(daemon.max_concurrent_sources)));
  daemon.max_requests_in_flight = static_cast<std::size_t>(
      v.integer(*t, "max_requests_in_flight", "daemon", 1, 4096)
          .value_or(static_cast<std::int64_t>(daemon.max_requests_in_flight)));
  daemon.grace = v.duration(*t, "grace", "daemon").value_or(daemon.grace);
}

}  // namespace leakwatch::config
