#include "model/json.h"

#include <algorithm>
#include <array>
#include <functional>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace leakwatch {

using nlohmann::json;

namespace {

Timestamp time_from(const json& j) {
  const auto t = parse_rfc3339(j.get<std::string>());
  if (!t) throw std::invalid_argument("not an RFC 3339 time: " + j.get<std::string>());
  return *t;
}

template <typename T>
void get_optional(const json& j, const char* key, T& out) {
  if (const auto it = j.find(key); it != j.end() && !it->is_null()) it->get_to(out);
}

template <typename T>
Result<T> parse_text(std::string_view text, std::string_view what) {
  try {
    return json::parse(text).get<T>();
  } catch (const std::exception& e) {
    return Error{std::string(what) + ": invalid JSON: " + e.what()};
  }
}

}  // namespace

void to_json(json& j, const Digest& d) {
  j = json{{"kind", digest_kind_name(d.kind)}, {"hex", d.hex()}};
}

void from_json(const json& j, Digest& d) {
  const auto name = j.at("kind").get<std::string>();
  const auto kind = parse_digest_kind(name);
  if (!kind) throw std::invalid_argument("unknown digest kind: " + name);
  const auto parsed = Digest::from_hex(*kind, j.at("hex").get<std::string>());
  if (!parsed) throw std::invalid_argument("bad " + name + " hex");
  d = *parsed;
}

void to_json(json& j, const FileEntry& e) {
  j = json{{"path", e.path}};
  if (e.size) j["size"] = *e.size;
  if (e.size_estimate) j["size_estimate"] = *e.size_estimate;
  if (!e.digests.empty()) j["digests"] = e.digests.vector();
  if (!e.url.empty()) j["url"] = e.url.str();
  if (e.torrent_offset) j["torrent_offset"] = *e.torrent_offset;
  if (e.pad) j["pad"] = true;
}

void from_json(const json& j, FileEntry& e) {
  e = FileEntry{};
  j.at("path").get_to(e.path);
  if (const auto it = j.find("size"); it != j.end() && !it->is_null())
    e.size = it->get<std::uint64_t>();
  if (const auto it = j.find("size_estimate"); it != j.end() && !it->is_null()) {
    e.size_estimate = it->get<std::uint64_t>();
  }
  if (const auto it = j.find("digests"); it != j.end() && !it->is_null())
    e.digests = it->get<std::vector<Digest>>();
  if (const auto it = j.find("url"); it != j.end() && !it->is_null())
    e.url = it->get<std::string>();
  if (const auto it = j.find("torrent_offset"); it != j.end() && !it->is_null()) {
    e.torrent_offset = it->get<std::uint64_t>();
  }
  get_optional(j, "pad", e.pad);
}

void to_json(json& j, const TorrentLayout& t) {
  json pieces = json::array();
  for (const auto& p : t.piece_hashes) pieces.push_back(to_hex(p));
  j = json{{"name", t.name},
           {"infohash_v1", t.infohash_v1},
           {"infohash_v2", t.infohash_v2},
           {"piece_length", t.piece_length},
           {"piece_hashes", pieces}};
}

void from_json(const json& j, TorrentLayout& t) {
  t = TorrentLayout{};
  get_optional(j, "name", t.name);
  get_optional(j, "infohash_v1", t.infohash_v1);
  get_optional(j, "infohash_v2", t.infohash_v2);
  get_optional(j, "piece_length", t.piece_length);
  if (const auto it = j.find("piece_hashes"); it != j.end()) {
    for (const auto& h : *it) {
      const auto d = Digest::from_hex(DigestKind::sha1, h.get<std::string>());
      if (!d) throw std::invalid_argument("bad piece hash");
      std::array<std::uint8_t, 20> raw{};
      std::copy_n(d->bytes.begin(), raw.size(), raw.begin());
      t.piece_hashes.push_back(raw);
    }
  }
}

void to_json(json& j, const TextBlob& t) {
  j = json{{"origin", t.origin}, {"text", t.text}};
}

void from_json(const json& j, TextBlob& t) {
  j.at("origin").get_to(t.origin);
  j.at("text").get_to(t.text);
}

void to_json(json& j, const Manifest& m) {
  j = json{{"source", m.source},
           {"locator", m.locator},
           {"fetched_at", format_rfc3339(m.fetched_at)},
           {"entries", m.entries}};
  if (!m.texts.empty()) j["texts"] = m.texts;
  if (m.torrent) j["torrent"] = *m.torrent;
}

void from_json(const json& j, Manifest& m) {
  m = Manifest{};
  j.at("source").get_to(m.source);
  j.at("locator").get_to(m.locator);
  m.fetched_at = time_from(j.at("fetched_at"));
  get_optional(j, "entries", m.entries);
  get_optional(j, "texts", m.texts);
  if (const auto it = j.find("torrent"); it != j.end() && !it->is_null()) {
    m.torrent = it->get<TorrentLayout>();
  }
}

void to_json(json& j, const Evidence& e) {
  j = json{
      {"kind", e.kind}, {"file", e.file}, {"remote_path", e.remote_path}, {"detail", e.detail}};
}

void from_json(const json& j, Evidence& e) {
  j.at("kind").get_to(e.kind);
  get_optional(j, "file", e.file);
  get_optional(j, "remote_path", e.remote_path);
  get_optional(j, "detail", e.detail);
}

void to_json(json& j, const SourceSeen& s) {
  j = json{{"source", s.source},
           {"first_seen", format_rfc3339(s.first_seen)},
           {"last_seen", format_rfc3339(s.last_seen)}};
}

void from_json(const json& j, SourceSeen& s) {
  j.at("source").get_to(s.source);
  s.first_seen = time_from(j.at("first_seen"));
  s.last_seen = time_from(j.at("last_seen"));
}

void to_json(json& j, const ConfidenceChange& c) {
  j = json{{"at", format_rfc3339(c.at)},       {"confidence", confidence_name(c.confidence)},
           {"evidence", c.evidence},           {"files_matched", c.files_matched},
           {"bytes_matched", c.bytes_matched}, {"records_matched", c.records_matched}};
  if (c.inferred) j["inferred"] = true;
}

void from_json(const json& j, ConfidenceChange& c) {
  c = ConfidenceChange{};
  c.at = time_from(j.at("at"));
  const auto conf = parse_confidence(j.at("confidence").get<std::string>());
  if (!conf) throw std::invalid_argument("unknown confidence in history");
  c.confidence = *conf;
  get_optional(j, "evidence", c.evidence);
  get_optional(j, "files_matched", c.files_matched);
  get_optional(j, "bytes_matched", c.bytes_matched);
  get_optional(j, "records_matched", c.records_matched);
  get_optional(j, "inferred", c.inferred);
}

void to_json(json& j, const FetchedDocument& d) {
  j = json{{"kind", d.kind},
           {"url", d.url},
           {"fetched_at", format_rfc3339(d.fetched_at)},
           {"sha256", d.sha256},
           {"size", d.size}};
}

void from_json(const json& j, FetchedDocument& d) {
  d = FetchedDocument{};
  get_optional(j, "kind", d.kind);
  j.at("url").get_to(d.url);
  d.fetched_at = time_from(j.at("fetched_at"));
  j.at("sha256").get_to(d.sha256);
  get_optional(j, "size", d.size);
}

void to_json(json& j, const Sighting& s) {
  j = json{{"dataset", s.dataset},
           {"source", s.source},
           {"locator", s.locator},
           {"confidence", confidence_name(s.confidence)},
           {"evidence", s.evidence},
           {"files_matched", s.files_matched},
           {"dataset_files", s.dataset_files},
           {"bytes_matched", s.bytes_matched},
           {"records_matched", s.records_matched},
           {"first_seen", format_rfc3339(s.first_seen)},
           {"last_seen", format_rfc3339(s.last_seen)},
           {"sources", s.sources},
           {"history", s.history}};
}

void from_json(const json& j, Sighting& s) {
  s = Sighting{};
  j.at("dataset").get_to(s.dataset);
  j.at("source").get_to(s.source);
  j.at("locator").get_to(s.locator);
  const auto c = parse_confidence(j.at("confidence").get<std::string>());
  if (!c) throw std::invalid_argument("unknown confidence");
  s.confidence = *c;
  get_optional(j, "evidence", s.evidence);
  get_optional(j, "files_matched", s.files_matched);
  get_optional(j, "dataset_files", s.dataset_files);
  get_optional(j, "bytes_matched", s.bytes_matched);
  get_optional(j, "records_matched", s.records_matched);
  s.first_seen = time_from(j.at("first_seen"));
  s.last_seen = time_from(j.at("last_seen"));
  get_optional(j, "sources", s.sources);
  // Written before sightings kept every source: the one source it names saw it throughout.
  if (s.sources.empty()) s.sources.push_back({s.source, s.first_seen, s.last_seen});
  get_optional(j, "history", s.history);
}

void to_json(json& j, const ScanRecord& r) {
  j = json{{"scan_id", r.scan_id},
           {"source", r.source},
           {"locator", r.locator},
           {"start", format_rfc3339(r.started)},
           {"end", format_rfc3339(r.ended)},
           {"status", scan_status_name(r.status)},
           {"error", r.error},
           {"entries_seen", r.entries_seen},
           {"bytes_fetched", r.bytes_fetched},
           {"pages_fetched", r.pages_fetched},
           {"proxy", r.proxy},
           {"content_checked", r.content_checked},
           {"http_status", r.http_status},
           {"latency_ms", r.latency_ms},
           {"marked_down", r.marked_down},
           {"files_hashed", r.files_hashed},
           {"content_bytes", r.content_bytes},
           {"archives_listed", r.archives_listed},
           {"archive_bytes", r.archive_bytes},
           {"size_probes", r.size_probes}};
  if (!r.notes.empty()) j["notes"] = r.notes;
  if (!r.documents.empty()) j["documents"] = r.documents;
  if (r.documents_omitted > 0) j["documents_omitted"] = r.documents_omitted;
}

void from_json(const json& j, ScanRecord& r) {
  r = ScanRecord{};
  get_optional(j, "scan_id", r.scan_id);
  j.at("source").get_to(r.source);
  get_optional(j, "locator", r.locator);
  r.started = time_from(j.at("start"));
  r.ended = time_from(j.at("end"));
  const auto st = parse_scan_status(j.at("status").get<std::string>());
  if (!st) throw std::invalid_argument("unknown scan status");
  r.status = *st;
  get_optional(j, "error", r.error);
  get_optional(j, "entries_seen", r.entries_seen);
  get_optional(j, "bytes_fetched", r.bytes_fetched);
  get_optional(j, "pages_fetched", r.pages_fetched);
  get_optional(j, "proxy", r.proxy);
  get_optional(j, "content_checked", r.content_checked);
  get_optional(j, "http_status", r.http_status);
  get_optional(j, "latency_ms", r.latency_ms);
  get_optional(j, "marked_down", r.marked_down);
  get_optional(j, "files_hashed", r.files_hashed);
  get_optional(j, "content_bytes", r.content_bytes);
  get_optional(j, "archives_listed", r.archives_listed);
  get_optional(j, "archive_bytes", r.archive_bytes);
  get_optional(j, "size_probes", r.size_probes);
  get_optional(j, "notes", r.notes);
  get_optional(j, "documents", r.documents);
  get_optional(j, "documents_omitted", r.documents_omitted);
}

void to_json(json& j, const HeadPiece& p) {
  j = json{{"piece_length", p.piece_length}, {"sha1", to_hex(p.sha1)}};
}

void from_json(const json& j, HeadPiece& p) {
  j.at("piece_length").get_to(p.piece_length);
  const auto d = Digest::from_hex(DigestKind::sha1, j.at("sha1").get<std::string>());
  if (!d) throw std::invalid_argument("bad head piece sha1");
  std::copy_n(d->bytes.begin(), p.sha1.size(), p.sha1.begin());
}

void to_json(json& j, const SignatureFile& f) {
  j = json{{"path", f.path}, {"size", f.size}, {"digests", f.digests}};
  if (!f.head_pieces.empty()) j["head_pieces"] = f.head_pieces;
  if (!f.original_path.empty()) j["original_path"] = f.original_path;
}

void from_json(const json& j, SignatureFile& f) {
  f = SignatureFile{};
  j.at("path").get_to(f.path);
  j.at("size").get_to(f.size);
  get_optional(j, "digests", f.digests);
  get_optional(j, "head_pieces", f.head_pieces);
  get_optional(j, "original_path", f.original_path);
}

namespace {

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(const std::vector<std::uint8_t>& bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = bytes[i] << 16 | bytes[i + 1] << 8 | bytes[i + 2];
    for (int shift : {18, 12, 6, 0}) out.push_back(kBase64[(v >> shift) & 63]);
  }
  if (const auto rest = bytes.size() - i; rest > 0) {
    const std::uint32_t v = bytes[i] << 16 | (rest == 2 ? bytes[i + 1] << 8 : 0);
    out.push_back(kBase64[(v >> 18) & 63]);
    out.push_back(kBase64[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kBase64[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::vector<std::uint8_t> base64_decode(std::string_view text) {
  std::array<int, 256> value{};
  value.fill(-1);
  for (int i = 0; i < 64; ++i) value[static_cast<unsigned char>(kBase64[i])] = i;
  if (text.size() % 4 != 0) throw std::invalid_argument("base64 length is not a multiple of 4");
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    std::uint32_t v = 0;
    int pad = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        ++pad;
        v <<= 6;
        continue;
      }
      const int d = value[static_cast<unsigned char>(c)];
      if (d < 0 || pad > 0) throw std::invalid_argument("bad base64");
      v = v << 6 | static_cast<std::uint32_t>(d);
    }
    out.push_back(static_cast<std::uint8_t>(v >> 16));
    if (pad < 2) out.push_back(static_cast<std::uint8_t>(v >> 8));
    if (pad < 1) out.push_back(static_cast<std::uint8_t>(v));
  }
  return out;
}

// Fixed-width big-endian integers, base64: 10 million fingerprints are 107 MB of JSON, not 400.
template <typename T>
std::string pack_numbers(const std::vector<T>& values) {
  std::vector<std::uint8_t> bytes;
  bytes.reserve(values.size() * sizeof(T));
  for (const T v : values) {
    for (int shift = 8 * (sizeof(T) - 1); shift >= 0; shift -= 8) {
      bytes.push_back(static_cast<std::uint8_t>(v >> shift));
    }
  }
  return base64_encode(bytes);
}

template <typename T>
std::vector<T> unpack_numbers(const json& j) {
  const auto bytes = base64_decode(j.get<std::string>());
  if (bytes.size() % sizeof(T) != 0) throw std::invalid_argument("packed numbers are truncated");
  std::vector<T> out(bytes.size() / sizeof(T));
  for (std::size_t i = 0; i < out.size(); ++i) {
    T v = 0;
    for (std::size_t k = 0; k < sizeof(T); ++k)
      v = static_cast<T>(v << 8 | bytes[i * sizeof(T) + k]);
    out[i] = v;
  }
  return out;
}

}  // namespace

void to_json(json& j, const RecordColumn& c) {
  j = json{{"name", c.name},
           {"normaliser", c.normaliser},
           {"pattern", c.pattern},
           {"min_length", c.min_length},
           {"max_length", c.max_length},
           {"min_digits", c.min_digits},
           {"min_letters", c.min_letters},
           {"values", c.fingerprints.size()},
           {"fingerprints", pack_numbers(c.fingerprints)}};
  if (!c.rows.empty()) j["rows"] = pack_numbers(c.rows);
}

void from_json(const json& j, RecordColumn& c) {
  c = RecordColumn{};
  j.at("name").get_to(c.name);
  j.at("normaliser").get_to(c.normaliser);
  j.at("pattern").get_to(c.pattern);
  get_optional(j, "min_length", c.min_length);
  get_optional(j, "max_length", c.max_length);
  get_optional(j, "min_digits", c.min_digits);
  get_optional(j, "min_letters", c.min_letters);
  c.fingerprints = unpack_numbers<std::uint64_t>(j.at("fingerprints"));
  if (const auto it = j.find("rows"); it != j.end()) c.rows = unpack_numbers<std::uint32_t>(*it);
  if (!c.rows.empty() && c.rows.size() != c.fingerprints.size())
    throw std::invalid_argument("record column '" + c.name + "': rows and fingerprints differ");
}

void to_json(json& j, const RecordSet& r) {
  j = json{{"key_id", r.key_id}, {"rows", r.rows}, {"columns", r.columns}};
}

void from_json(const json& j, RecordSet& r) {
  r = RecordSet{};
  j.at("key_id").get_to(r.key_id);
  get_optional(j, "rows", r.rows);
  j.at("columns").get_to(r.columns);
}

void to_json(json& j, const Signature& s) {
  j = json{{"dataset", s.dataset},
           {"description", s.description},
           {"created", format_rfc3339(s.created)},
           {"files", s.files},
           {"name_patterns", s.name_patterns},
           {"honeytoken_hashes", s.honeytoken_hashes}};
  if (!s.honeytoken_shapes.empty()) j["honeytoken_shapes"] = s.honeytoken_shapes;
  if (!s.records.empty()) j["records"] = s.records;
  if (s.imported) j["imported"] = format_rfc3339(*s.imported);
}

void from_json(const json& j, Signature& s) {
  s = Signature{};
  j.at("dataset").get_to(s.dataset);
  get_optional(j, "description", s.description);
  s.created = time_from(j.at("created"));
  get_optional(j, "files", s.files);
  get_optional(j, "name_patterns", s.name_patterns);
  get_optional(j, "honeytoken_hashes", s.honeytoken_hashes);
  get_optional(j, "honeytoken_shapes", s.honeytoken_shapes);
  get_optional(j, "records", s.records);
  if (const auto it = j.find("imported"); it != j.end() && !it->is_null()) {
    s.imported = time_from(*it);
  }
}

// Remote names are whatever bytes a listing carried (often Latin-1): invalid UTF-8 becomes
// U+FFFD instead of nlohmann's default, an exception that would lose the whole record.
std::string dump_json(const json& j, int indent) {
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

std::optional<std::string> json_text_replacement(std::string_view s) {
  if (std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }))
    return std::nullopt;
  auto back = json::parse(dump_json(json(std::string(s)))).get<std::string>();
  if (back == s) return std::nullopt;
  return back;
}

std::string to_json_text(const Sighting& s) {
  return dump_json(json(s));
}
std::string to_json_text(const ScanRecord& r) {
  return dump_json(json(r));
}
std::string to_json_text(const Signature& s) {
  return dump_json(json(s));
}
// Written value by value: a manifest of hundreds of thousands of entries (or a torrent of
// millions of pieces) never exists as one JSON document in memory.
void write_json_text(const Manifest& m, ManifestTexts texts,
                     const std::function<void(std::string_view)>& sink) {
  std::string out = "{\"source\":" + dump_json(json(m.source));
  out += ",\"locator\":" + dump_json(json(m.locator));
  out += ",\"fetched_at\":" + dump_json(json(format_rfc3339(m.fetched_at)));
  out += ",\"entries\":[";
  constexpr std::size_t kChunk = 64 * 1024;  // handed to the sink in pieces of about this size
  const auto flush_if_full = [&] {
    if (out.size() >= kChunk) {
      sink(out);
      out.clear();
    }
  };
  bool first = true;
  for (const auto& e : m.entries) {
    if (!first) out += ',';
    first = false;
    out += dump_json(json(e));
    flush_if_full();
  }
  out += ']';
  if (texts == ManifestTexts::keep && !m.texts.empty()) {
    out += ",\"texts\":" + dump_json(json(m.texts));
  }
  if (m.torrent) {
    const auto& t = *m.torrent;
    out += ",\"torrent\":{\"name\":" + dump_json(json(t.name));
    out += ",\"infohash_v1\":" + dump_json(json(t.infohash_v1));
    out += ",\"infohash_v2\":" + dump_json(json(t.infohash_v2));
    out += ",\"piece_length\":" + std::to_string(t.piece_length);
    out += ",\"piece_hashes\":[";
    for (std::size_t i = 0; i < t.piece_hashes.size(); ++i) {
      if (i > 0) out += ',';
      out += '"' + to_hex(t.piece_hashes[i]) + '"';
      flush_if_full();
    }
    out += "]}";
  }
  out += '}';
  sink(out);
}

std::string to_json_text(const Manifest& m, ManifestTexts texts) {
  std::string out;
  write_json_text(m, texts, [&](std::string_view piece) { out += piece; });
  return out;
}

Result<Sighting> sighting_from_json_text(std::string_view text, std::string_view what) {
  return parse_text<Sighting>(text, what);
}
Result<ScanRecord> scan_record_from_json_text(std::string_view text, std::string_view what) {
  return parse_text<ScanRecord>(text, what);
}
Result<Signature> signature_from_json_text(std::string_view text, std::string_view what) {
  return parse_text<Signature>(text, what);
}
namespace {

template <typename Input>
Result<Manifest> visit_manifest(Input&& input, std::string_view what,
                                const std::function<void(FileEntry&&)>& visit) {
  // The parser hands each entry (and each piece hash) to the callback once it is complete and
  // drops it from the document, so only the small rest of the manifest is ever a JSON tree.
  std::string top_key;    // the member of the manifest object being read
  std::string inner_key;  // the member of "torrent" being read
  std::vector<std::array<std::uint8_t, 20>> pieces;
  const json::parser_callback_t keep = [&](int depth, json::parse_event_t event,
                                           json& parsed) -> bool {
    if (event == json::parse_event_t::key) {
      if (depth == 1) {
        top_key = parsed.get<std::string>();
        if (top_key == "torrent") pieces.clear();  // a repeated member counts once, the last
      }
      if (depth == 2 && top_key == "torrent") inner_key = parsed.get<std::string>();
      return true;
    }
    if (event == json::parse_event_t::object_end && depth == 2 && top_key == "entries") {
      visit(parsed.get<FileEntry>());
      return false;
    }
    if (event == json::parse_event_t::value && depth == 3 && top_key == "torrent" &&
        inner_key == "piece_hashes") {
      const auto d = Digest::from_hex(DigestKind::sha1, parsed.get<std::string>());
      if (!d) throw std::invalid_argument("bad piece hash");
      auto& raw = pieces.emplace_back();
      std::copy_n(d->bytes.begin(), raw.size(), raw.begin());
      return false;
    }
    return true;
  };
  try {
    auto m = json::parse(std::forward<Input>(input), keep).template get<Manifest>();
    if (m.torrent) m.torrent->piece_hashes = std::move(pieces);
    return m;
  } catch (const std::exception& e) {
    return Error{std::string(what) + ": invalid JSON: " + e.what()};
  }
}

}  // namespace

Result<Manifest> visit_manifest_json_text(std::string_view text, std::string_view what,
                                          const std::function<void(FileEntry&&)>& visit) {
  return visit_manifest(text, what, visit);
}

Result<Manifest> visit_manifest_json_text(std::istream& text, std::string_view what,
                                          const std::function<void(FileEntry&&)>& visit) {
  return visit_manifest(text, what, visit);
}

Result<Manifest> manifest_from_json_text(std::string_view text, std::string_view what) {
  FileEntries entries;
  auto m =
      visit_manifest_json_text(text, what, [&](FileEntry&& e) { entries.push_back(std::move(e)); });
  if (m) m->entries = std::move(entries);
  return m;
}

}  // namespace leakwatch
