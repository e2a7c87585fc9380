// Key and value encodings of the schema (see rocks_db.h for the layout).
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>

#include "model/json.h"
#include "store/rocks_db.h"

namespace leakwatch::store {

Error status_error(const std::string& what, const rocksdb::Status& s) {
  std::string message = what + ": " + s.ToString();
  if (s.IsNoSpace()) message += " (the disk is full; nothing of this write was recorded)";
  return Error{message};
}

std::string be64(std::uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

std::uint64_t read_be64(std::string_view bytes) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8 && i < bytes.size(); ++i) {
    v = (v << 8) | static_cast<std::uint8_t>(bytes[i]);
  }
  return v;
}

std::uint64_t ordered_ms(Timestamp t) {
  return static_cast<std::uint64_t>(to_unix_ms(t)) ^ (std::uint64_t{1} << 63);
}

Timestamp from_ordered_ms(std::uint64_t v) {
  return from_unix_ms(static_cast<std::int64_t>(v ^ (std::uint64_t{1} << 63)));
}

namespace {

// Later times sort first in a forward scan.
std::string newest_first(Timestamp t) {
  return be64(~ordered_ms(t));
}

}  // namespace

std::string sighting_key(std::string_view dataset, std::string_view locator) {
  std::string key(dataset);
  key += '\0';
  key += locator;
  return key;
}

std::string scan_key(const ScanRecord& r) {
  std::string key = r.source;
  key += '\0';
  key += be64(ordered_ms(r.started));
  key += r.scan_id;
  return key;
}

std::string by_dataset_key(const Sighting& s) {
  std::string key = s.dataset;
  key += '\0';
  key += newest_first(s.last_seen);
  key += s.locator;
  return key;
}

std::string by_source_key(std::string_view source, const Sighting& s) {
  std::string key(source);
  key += '\0';
  key += newest_first(s.last_seen);
  key += sighting_key(s.dataset, s.locator);
  return key;
}

std::string by_time_key(const Sighting& s) {
  return newest_first(s.last_seen) + sighting_key(s.dataset, s.locator);
}

std::string index_value(const Sighting& s) {
  std::string v(1, static_cast<char>(s.confidence));
  v += be64(ordered_ms(s.first_seen));
  return v;
}

std::string member_key(std::string_view dataset, std::string_view locator, Timestamp at) {
  std::string key = sighting_key(dataset, locator);
  key += '\0';
  key += be64(ordered_ms(at));
  return key;
}

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

bool get_varint(std::string_view& in, std::uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in.empty()) return false;
    const auto byte = static_cast<std::uint8_t>(in.front());
    in.remove_prefix(1);
    v |= std::uint64_t{byte & 0x7fu} << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

namespace {

void put_sorted(std::string& out, const std::vector<std::uint32_t>& values) {
  put_varint(out, values.size());
  std::uint32_t last = 0;
  for (const auto v : values) {
    put_varint(out, v - last);
    last = v;
  }
}

bool get_sorted(std::string_view& in, std::vector<std::uint32_t>& out) {
  std::uint64_t count = 0;
  // Each value takes at least one byte: a count beyond what is left is damage, not a size.
  if (!get_varint(in, count) || count > in.size()) return false;
  out.resize(count);
  std::uint64_t value = 0;
  for (auto& v : out) {
    std::uint64_t delta = 0;
    if (!get_varint(in, delta)) return false;
    value += delta;
    if (value > std::numeric_limits<std::uint32_t>::max()) return false;
    v = static_cast<std::uint32_t>(value);
  }
  return true;
}

}  // namespace

std::string pack_members(const std::vector<std::uint32_t>& files,
                         const std::vector<std::uint32_t>& rows) {
  std::string out;
  out.reserve(files.size() + rows.size() + 16);
  put_sorted(out, files);
  put_sorted(out, rows);
  return out;
}

Result<MemberGroup> unpack_members(std::string_view key, std::string_view value) {
  MemberGroup g;
  const auto nul = key.find('\0');
  if (nul == std::string_view::npos || key.size() < nul + 1 + 9 || key[key.size() - 9] != '\0') {
    return Error{"malformed sighting_members key"};
  }
  g.locator = std::string(key.substr(nul + 1, key.size() - 9 - nul - 1));
  g.at = from_ordered_ms(read_be64(key.substr(key.size() - 8)));
  if (!get_sorted(value, g.files) || !get_sorted(value, g.rows) || !value.empty()) {
    return Error{"damaged sighting_members value at " + g.locator};
  }
  return g;
}

std::string pack_shape(const DatasetShape& shape) {
  std::string out;
  out.reserve(shape.file_sizes.size() * 3 + 16);
  put_varint(out, shape.records);
  put_varint(out, shape.file_sizes.size());
  for (const auto size : shape.file_sizes) put_varint(out, size);
  return out;
}

Result<DatasetShape> unpack_shape(std::string_view value, std::string_view what) {
  DatasetShape shape;
  std::uint64_t count = 0;
  if (!get_varint(value, shape.records) || !get_varint(value, count) || count > value.size()) {
    return Error{std::string(what) + ": damaged dataset shape"};
  }
  shape.file_sizes.resize(count);
  for (auto& size : shape.file_sizes) {
    if (!get_varint(value, size)) return Error{std::string(what) + ": damaged dataset shape"};
    shape.bytes += size;
  }
  if (!value.empty()) return Error{std::string(what) + ": damaged dataset shape"};
  return shape;
}

void put_index_entries(Store::Impl& impl, rocksdb::WriteBatch& batch, const Sighting& s) {
  const auto value = index_value(s);
  batch.Put(impl.cf[kByDataset], by_dataset_key(s), value);
  for (const auto& seen : s.sources)
    batch.Put(impl.cf[kBySource], by_source_key(seen.source, s), value);
  batch.Put(impl.cf[kByTime], by_time_key(s), value);
}

void delete_index_entries(Store::Impl& impl, rocksdb::WriteBatch& batch, const Sighting& s) {
  batch.Delete(impl.cf[kByDataset], by_dataset_key(s));
  for (const auto& seen : s.sources)
    batch.Delete(impl.cf[kBySource], by_source_key(seen.source, s));
  batch.Delete(impl.cf[kByTime], by_time_key(s));
}

namespace {

nlohmann::json optional_time(const std::optional<Timestamp>& t) {
  return t ? nlohmann::json(format_rfc3339(*t)) : nlohmann::json(nullptr);
}

std::optional<Timestamp> read_optional_time(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  const auto t = parse_rfc3339(j.at(key).get<std::string>());
  if (!t) throw std::runtime_error(std::string("bad time in '") + key + "'");
  return t;
}

Timestamp read_time(const nlohmann::json& j, const char* key) {
  const auto t = read_optional_time(j, key);
  if (!t) throw std::runtime_error(std::string("missing time '") + key + "'");
  return *t;
}

template <typename T, typename Parse>
Result<T> parse_json_text(std::string_view text, std::string_view what, Parse parse) {
  try {
    return parse(nlohmann::json::parse(text));
  } catch (const std::exception& e) {
    return Error{std::string(what) + ": " + e.what()};
  }
}

}  // namespace

std::string to_json_text(const SourceState& s) {
  nlohmann::json history = nlohmann::json::array();
  for (const auto& h : s.history) {
    history.push_back({{"at", format_rfc3339(h.at)}, {"status", scan_status_name(h.status)}});
  }
  return nlohmann::json{{"source", s.source},
                        {"etag", s.etag},
                        {"last_modified", s.last_modified},
                        {"last_attempt", optional_time(s.last_attempt)},
                        {"last_success", optional_time(s.last_success)},
                        {"consecutive_failures", s.consecutive_failures},
                        {"history", history},
                        {"scans_pruned_through", optional_time(s.scans_pruned_through)}}
      .dump();
}

Result<SourceState> source_state_from_json_text(std::string_view text, std::string_view what) {
  return parse_json_text<SourceState>(text, what, [](const nlohmann::json& j) {
    SourceState s;
    s.source = j.at("source").get<std::string>();
    s.etag = j.at("etag").get<std::string>();
    s.last_modified = j.at("last_modified").get<std::string>();
    s.last_attempt = read_optional_time(j, "last_attempt");
    s.last_success = read_optional_time(j, "last_success");
    s.consecutive_failures = j.at("consecutive_failures").get<std::uint64_t>();
    for (const auto& h : j.at("history")) {
      const auto status = parse_scan_status(h.at("status").get<std::string>());
      if (!status) throw std::runtime_error("bad scan status in history");
      s.history.push_back({read_time(h, "at"), *status});
    }
    s.scans_pruned_through =
        read_optional_time(j, "scans_pruned_through");  // absent in older stores
    return s;
  });
}

void write_manifest_change_json(std::string_view locator, Timestamp fetched_at,
                                std::uint64_t entries, std::span<const std::string_view> added,
                                std::span<const std::string_view> removed,
                                const std::function<void(std::string_view)>& sink) {
  // Path by path, in pieces: a first scan lists every path of the manifest as added.
  std::string out = "{\"locator\":" + dump_json(nlohmann::json(locator)) +
                    ",\"fetched_at\":" + dump_json(nlohmann::json(format_rfc3339(fetched_at))) +
                    ",\"entries\":" + std::to_string(entries);
  const auto list = [&](const char* key, std::span<const std::string_view> paths) {
    out += std::string(",\"") + key + "\":[";
    for (std::size_t i = 0; i < paths.size(); ++i) {
      if (i > 0) out += ',';
      out += dump_json(nlohmann::json(paths[i]));
      if (out.size() >= 64 * 1024) {
        sink(out);
        out.clear();
      }
    }
    out += ']';
  };
  list("added", added);
  list("removed", removed);
  out += '}';
  sink(out);
}

std::string manifest_change_json_text(std::string_view locator, Timestamp fetched_at,
                                      std::uint64_t entries,
                                      std::span<const std::string_view> added,
                                      std::span<const std::string_view> removed) {
  std::string text;
  write_manifest_change_json(locator, fetched_at, entries, added, removed,
                             [&](std::string_view piece) { text += piece; });
  return text;
}

std::string to_json_text(const ManifestChange& c) {
  const std::vector<std::string_view> added(c.added.begin(), c.added.end());
  const std::vector<std::string_view> removed(c.removed.begin(), c.removed.end());
  return manifest_change_json_text(c.locator, c.fetched_at, c.entries, added, removed);
}

Result<ManifestChange> manifest_change_from_json_text(std::string_view text,
                                                      std::string_view what) {
  return parse_json_text<ManifestChange>(text, what, [](const nlohmann::json& j) {
    ManifestChange c;
    c.locator = j.at("locator").get<std::string>();
    c.fetched_at = read_time(j, "fetched_at");
    c.entries = j.at("entries").get<std::uint64_t>();
    c.added = j.at("added").get<std::vector<std::string>>();
    c.removed = j.at("removed").get<std::vector<std::string>>();
    return c;
  });
}

std::string to_json_text(const OutboxEntry& e) {
  // dump_json: a leaked file name that is not UTF-8 must not make the fetch's batch throw.
  return dump_json(nlohmann::json{{"id", e.id},
                                  {"created", format_rfc3339(e.created)},
                                  {"reason", e.reason},
                                  {"sighting", e.sighting}});
}

Result<OutboxEntry> outbox_entry_from_json_text(std::string_view text, std::string_view what) {
  return parse_json_text<OutboxEntry>(text, what, [](const nlohmann::json& j) {
    OutboxEntry e;
    e.id = j.at("id").get<std::uint64_t>();
    e.created = read_time(j, "created");
    e.reason = j.at("reason").get<std::string>();
    e.sighting = j.at("sighting").get<Sighting>();
    return e;
  });
}

}  // namespace leakwatch::store
