// Alert delivery state: one record per alert and hook, and one rate-limit window per hook. Every
// update is one synced batch, so "delivered" is durable before the next alert goes out.
#include <nlohmann/json.hpp>

#include "model/json.h"
#include "store/rocks_db.h"

namespace leakwatch::store {

namespace {

std::string delivery_key(std::string_view hook, std::string_view alert_id) {
  std::string key(hook);
  key.push_back('\0');
  key.append(alert_id);
  return key;
}

nlohmann::json optional_time(const std::optional<Timestamp>& t) {
  return t ? nlohmann::json(format_rfc3339(*t)) : nlohmann::json(nullptr);
}

std::optional<Timestamp> read_optional_time(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  const auto t = parse_rfc3339(j.at(key).get<std::string>());
  if (!t) throw std::runtime_error(std::string("bad time in '") + key + "'");
  return t;
}

std::string to_json_text(const AlertDelivery& d) {
  return dump_json(nlohmann::json{{"hook", d.hook},
                                  {"alert_id", d.alert_id},
                                  {"outbox_id", d.outbox_id},
                                  {"event", d.event},
                                  {"dataset", d.dataset},
                                  {"source", d.source},
                                  {"locator", d.locator},
                                  {"confidence", confidence_name(d.confidence)},
                                  {"state", delivery_state_name(d.state)},
                                  {"attempts", d.attempts},
                                  {"last_error", d.last_error},
                                  {"created", format_rfc3339(d.created)},
                                  {"next_attempt", optional_time(d.next_attempt)},
                                  {"delivered_at", optional_time(d.delivered_at)}});
}

Result<AlertDelivery> delivery_from_json_text(std::string_view text, std::string_view what) {
  try {
    const auto j = nlohmann::json::parse(text);
    AlertDelivery d;
    d.hook = j.at("hook").get<std::string>();
    d.alert_id = j.at("alert_id").get<std::string>();
    d.outbox_id = j.at("outbox_id").get<std::uint64_t>();
    d.event = j.at("event").get<std::string>();
    d.dataset = j.at("dataset").get<std::string>();
    d.source = j.at("source").get<std::string>();
    d.locator = j.at("locator").get<std::string>();
    const auto c = parse_confidence(j.at("confidence").get<std::string>());
    const auto s = parse_delivery_state(j.at("state").get<std::string>());
    if (!c || !s) throw std::runtime_error("bad confidence or state");
    d.confidence = *c;
    d.state = *s;
    d.attempts = j.at("attempts").get<std::uint32_t>();
    d.last_error = j.at("last_error").get<std::string>();
    const auto created = read_optional_time(j, "created");
    if (!created) throw std::runtime_error("missing time 'created'");
    d.created = *created;
    d.next_attempt = read_optional_time(j, "next_attempt");
    d.delivered_at = read_optional_time(j, "delivered_at");
    return d;
  } catch (const std::exception& e) {
    return Error{std::string(what) + ": " + e.what()};
  }
}

std::string to_json_text(const HookWindow& w) {
  return dump_json(
      nlohmann::json{{"hook", w.hook}, {"start", format_rfc3339(w.start)}, {"count", w.count}});
}

Result<HookWindow> window_from_json_text(std::string_view text, std::string_view what) {
  try {
    const auto j = nlohmann::json::parse(text);
    HookWindow w;
    w.hook = j.at("hook").get<std::string>();
    const auto start = read_optional_time(j, "start");
    if (!start) throw std::runtime_error("missing time 'start'");
    w.start = *start;
    w.count = j.at("count").get<std::uint32_t>();
    return w;
  } catch (const std::exception& e) {
    return Error{std::string(what) + ": " + e.what()};
  }
}

// A read-only store opened on a database no writer has given these families yet has none.
bool has_family(const Store::Impl& impl, Family f) {
  return impl.cf[f] != nullptr;
}

}  // namespace

std::string_view delivery_state_name(DeliveryState s) {
  switch (s) {
    case DeliveryState::pending:
      return "pending";
    case DeliveryState::delivered:
      return "delivered";
    case DeliveryState::failing:
      return "failing";
  }
  return "pending";
}

std::optional<DeliveryState> parse_delivery_state(std::string_view name) {
  for (const auto s : {DeliveryState::pending, DeliveryState::delivered, DeliveryState::failing}) {
    if (delivery_state_name(s) == name) return s;
  }
  return std::nullopt;
}

Result<std::optional<AlertDelivery>> Store::get_alert_delivery(std::string_view hook,
                                                               std::string_view alert_id) {
  if (!has_family(*impl_, kAlertDeliveries)) return std::optional<AlertDelivery>();
  std::string value;
  const auto key = delivery_key(hook, alert_id);
  const auto s = impl_->db->Get(rocksdb::ReadOptions(), impl_->cf[kAlertDeliveries], key, &value);
  if (s.IsNotFound()) return std::optional<AlertDelivery>();
  const std::string what = "delivery of " + std::string(alert_id) + " to " + std::string(hook);
  if (!s.ok()) return status_error(what, s);
  auto d = delivery_from_json_text(value, what);
  if (!d) return d.error();
  return std::optional<AlertDelivery>(std::move(d).value());
}

Result<void> Store::for_each_alert_delivery(
    const std::function<bool(const AlertDelivery&)>& visit) {
  if (!has_family(*impl_, kAlertDeliveries)) return {};
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf[kAlertDeliveries]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto d = delivery_from_json_text(it->value().ToStringView(), "alert delivery");
    if (!d) return d.error();
    if (!visit(*d)) break;
  }
  if (!it->status().ok()) return status_error("reading alert deliveries", it->status());
  return {};
}

Result<std::optional<HookWindow>> Store::get_hook_window(std::string_view hook) {
  if (!has_family(*impl_, kHookWindows)) return std::optional<HookWindow>();
  std::string value;
  const auto s =
      impl_->db->Get(rocksdb::ReadOptions(), impl_->cf[kHookWindows], std::string(hook), &value);
  if (s.IsNotFound()) return std::optional<HookWindow>();
  const std::string what = "rate window of hook " + std::string(hook);
  if (!s.ok()) return status_error(what, s);
  auto w = window_from_json_text(value, what);
  if (!w) return w.error();
  return std::optional<HookWindow>(std::move(w).value());
}

Result<void> Store::update_deliveries(const DeliveryUpdate& update) {
  if (auto w = impl_->writable("update_deliveries"); !w) return w.error();
  rocksdb::WriteBatch batch;
  for (const auto& d : update.deliveries) {
    batch.Put(impl_->cf[kAlertDeliveries], delivery_key(d.hook, d.alert_id), to_json_text(d));
  }
  if (update.window) {
    batch.Put(impl_->cf[kHookWindows], update.window->hook, to_json_text(*update.window));
  }
  for (const auto id : update.remove_outbox) batch.Delete(impl_->cf[kOutbox], be64(id));
  const auto s = impl_->db->Write(impl_->write_options(), &batch);
  if (!s.ok()) return status_error("recording alert deliveries", s);
  return {};
}

}  // namespace leakwatch::store
