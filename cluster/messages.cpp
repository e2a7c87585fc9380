#include "cluster/messages.h"

#include <zstd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "matcher/names.h"
#include "model/json.h"

namespace leakwatch::cluster {

namespace {

using nlohmann::json;

std::optional<config::SourceKind> kind_named(std::string_view name) {
  for (int k = 0; k <= static_cast<int>(config::SourceKind::page); ++k) {
    if (config::source_kind_name(static_cast<config::SourceKind>(k)) == name) {
      return static_cast<config::SourceKind>(k);
    }
  }
  return std::nullopt;
}

json source_json(const config::SourceConfig& s) {
  json j = {{"name", s.name},
            {"url", s.url},
            {"kind", std::string(config::source_kind_name(s.kind))},
            {"depth", s.depth},
            {"fetch_content", s.fetch_content == config::FetchContent::candidates},
            {"max_pages", s.max_pages},
            {"max_entries", s.max_entries},
            {"max_page_bytes", s.max_page_bytes},
            {"content_budget", s.content_budget},
            {"timeout_ms", s.timeout.count()},
            {"concurrency", s.concurrency},
            {"request_interval_ms", s.request_interval.count()},
            {"probe_sizes", s.probe_sizes},
            {"probe_budget", s.probe_budget},
            {"linked_text_budget", s.linked_text_budget},
            {"json_path_keys", s.json_path_keys},
            {"json_size_keys", s.json_size_keys},
            {"json_children_keys", s.json_children_keys}};
  if (s.proxy) j["proxy"] = *s.proxy;
  if (s.magnet_timeout) j["magnet_timeout_ms"] = s.magnet_timeout->count();
  return j;
}

config::SourceConfig source_from_json(const json& j) {
  config::SourceConfig s;
  s.name = j.at("name").get<std::string>();
  s.url = j.at("url").get<std::string>();
  const auto kind = kind_named(j.at("kind").get<std::string>());
  if (!kind) throw std::invalid_argument("unknown kind");
  s.kind = *kind;
  if (j.contains("proxy")) s.proxy = j.at("proxy").get<std::string>();
  // Limits are clamped to what a config may say (config/source_table.cpp): a job is input.
  s.depth = std::clamp(j.at("depth").get<int>(), 0, 64);
  s.fetch_content = j.at("fetch_content").get<bool>() ? config::FetchContent::candidates
                                                      : config::FetchContent::never;
  s.max_pages = j.at("max_pages").get<std::uint64_t>();
  s.max_entries = j.at("max_entries").get<std::uint64_t>();
  s.max_page_bytes = j.at("max_page_bytes").get<std::uint64_t>();
  s.content_budget = j.at("content_budget").get<std::uint64_t>();
  s.timeout =
      std::chrono::milliseconds{std::max<std::int64_t>(1, j.at("timeout_ms").get<std::int64_t>())};
  if (j.contains("magnet_timeout_ms")) {
    s.magnet_timeout = std::chrono::milliseconds{
        std::max<std::int64_t>(1, j.at("magnet_timeout_ms").get<std::int64_t>())};
  }
  s.concurrency = std::clamp(j.at("concurrency").get<int>(), 1, 1024);
  s.request_interval = std::chrono::milliseconds{
      std::max<std::int64_t>(0, j.at("request_interval_ms").get<std::int64_t>())};
  s.probe_sizes = j.at("probe_sizes").get<bool>();
  s.probe_budget = j.at("probe_budget").get<std::uint64_t>();
  s.linked_text_budget = j.at("linked_text_budget").get<std::uint64_t>();
  s.json_path_keys = j.at("json_path_keys").get<std::vector<std::string>>();
  s.json_size_keys = j.at("json_size_keys").get<std::vector<std::string>>();
  s.json_children_keys = j.at("json_children_keys").get<std::vector<std::string>>();
  return s;
}

}  // namespace

std::uint64_t name_hash(std::string_view normalised_name) {
  std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a 64
  for (const char c : normalised_name) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

WantedFiles wanted_files(const matcher::FingerprintIndex& index) {
  WantedFiles out;
  for (const auto& sig : index.signatures()) {
    for (const auto& file : sig.files) {
      out.sizes.push_back(file.size);
      out.by_name[name_hash(matcher::normalise_name(file.path))].push_back(file.size);
    }
  }
  std::sort(out.sizes.begin(), out.sizes.end());
  out.sizes.erase(std::unique(out.sizes.begin(), out.sizes.end()), out.sizes.end());
  for (auto& [hash, sizes] : out.by_name) {
    std::sort(sizes.begin(), sizes.end());
    sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
  }
  return out;
}

app::CrawlWants crawl_wants(const WantedFiles& wanted) {
  auto shared = std::make_shared<const WantedFiles>(wanted);
  app::CrawlWants wants;
  wants.wants_size = [shared](const FileEntry& e) {
    if (e.size) return false;
    const auto it = shared->by_name.find(name_hash(matcher::normalise_name(e.path)));
    if (it == shared->by_name.end()) return false;
    if (!e.size_estimate) return true;
    return std::any_of(it->second.begin(), it->second.end(), [&](std::uint64_t size) {
      return app::rounded_size_could_be(*e.size_estimate, size);
    });
  };
  wants.wants_content = [shared](const FileEntry& e) {
    return e.size && std::binary_search(shared->sizes.begin(), shared->sizes.end(), *e.size);
  };
  return wants;
}

std::string encode_job(const Job& job) {
  json names = json::object();
  for (const auto& [hash, sizes] : job.wanted.by_name) names[std::to_string(hash)] = sizes;
  const json j = {{"job", job.id},
                  {"created", format_rfc3339(job.created)},
                  {"source", source_json(job.source)},
                  {"wanted", {{"sizes", job.wanted.sizes}, {"by_name", names}}}};
  return j.dump();
}

Result<Job> decode_job(std::string_view bytes) {
  try {
    const auto j = json::parse(bytes);
    Job job;
    job.id = j.at("job").get<std::string>();
    const auto created = parse_rfc3339(j.at("created").get<std::string>());
    if (!created) return Error{"job " + job.id + ": bad created time"};
    job.created = *created;
    job.source = source_from_json(j.at("source"));
    job.wanted.sizes = j.at("wanted").at("sizes").get<std::vector<std::uint64_t>>();
    std::sort(job.wanted.sizes.begin(), job.wanted.sizes.end());
    for (const auto& [hash, sizes] : j.at("wanted").at("by_name").items()) {
      job.wanted.by_name[std::stoull(hash)] = sizes.get<std::vector<std::uint64_t>>();
    }
    if (job.id.empty() || job.source.name.empty()) return Error{"job without id or source"};
    return job;
  } catch (const std::exception& e) {
    return Error{std::string("not a leakwatch job: ") + e.what()};
  }
}

Result<std::string> encode_result(const ScanResult& result, std::uint64_t max_bytes) {
  const auto& c = result.crawled;
  json torrents = json::array();
  for (const auto& t : c.torrents) torrents.push_back(json::parse(to_json_text(t)));
  std::string text = json{
      {"job", result.job_id},
      {"worker", result.worker},
      {"record", json::parse(to_json_text(c.record))},
      {"torrents", torrents},
      {"problems", c.problems},
      {"etag", c.etag},
      {"last_modified",
       c.last_modified}}.dump();
  // The manifest goes last, as its own JSON text: it is the big part (200,000 entries and more),
  // written by the model's streaming writer.
  text += '\n';
  text += to_json_text(c.manifest);
  if (text.size() > max_bytes) {
    return Error{"result of " + std::to_string(text.size()) + " bytes is over [cluster] " +
                 "max_result_bytes (" + std::to_string(max_bytes) + ")"};
  }
  std::string out(ZSTD_compressBound(text.size()), '\0');
  const auto n = ZSTD_compress(out.data(), out.size(), text.data(), text.size(), 3);
  if (ZSTD_isError(n)) return Error{std::string("compressing the result: ") + ZSTD_getErrorName(n)};
  out.resize(n);
  return out;
}

Result<ScanResult> decode_result(std::string_view bytes, std::uint64_t max_bytes) {
  const auto size = ZSTD_getFrameContentSize(bytes.data(), bytes.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
    return Error{"result is not a zstd frame of known size"};
  }
  if (size > max_bytes) {
    return Error{"result of " + std::to_string(size) + " bytes is over [cluster] max_result_bytes"};
  }
  std::string text(size, '\0');
  const auto n = ZSTD_decompress(text.data(), text.size(), bytes.data(), bytes.size());
  if (ZSTD_isError(n) || n != size) return Error{"result does not decompress"};
  const auto newline = text.find('\n');
  if (newline == std::string::npos) return Error{"result has no manifest"};
  try {
    const auto head = json::parse(std::string_view(text).substr(0, newline));
    ScanResult out;
    out.job_id = head.at("job").get<std::string>();
    out.worker = head.at("worker").get<std::string>();
    auto record = scan_record_from_json_text(head.at("record").dump(), "result record");
    if (!record) return record.error();
    out.crawled.record = std::move(record).value();
    for (const auto& t : head.at("torrents")) {
      auto m = manifest_from_json_text(t.dump(), "result torrent");
      if (!m) return m.error();
      out.crawled.torrents.push_back(std::move(m).value());
    }
    out.crawled.problems = head.at("problems").get<std::vector<std::string>>();
    out.crawled.etag = head.at("etag").get<std::string>();
    out.crawled.last_modified = head.at("last_modified").get<std::string>();
    auto manifest =
        manifest_from_json_text(std::string_view(text).substr(newline + 1), "result manifest");
    if (!manifest) return manifest.error();
    out.crawled.manifest = std::move(manifest).value();
    return out;
  } catch (const std::exception& e) {
    return Error{std::string("result is not readable: ") + e.what()};
  }
}

std::vector<std::string_view> split_chunks(std::string_view bytes, std::size_t chunk_size) {
  std::vector<std::string_view> out;
  for (std::size_t at = 0; at < bytes.size(); at += chunk_size) {
    out.push_back(bytes.substr(at, chunk_size));
  }
  if (out.empty()) out.emplace_back();
  return out;
}

}  // namespace leakwatch::cluster
