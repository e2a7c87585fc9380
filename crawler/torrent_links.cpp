#include "crawler/torrent_links.h"

#include <fstream>

#include "crawler/fetched_documents.h"
#include "model/text.h"
#include "model/url.h"

namespace leakwatch::crawler {

namespace {

std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// One .torrent over HTTP, through the source's proxy, bounded by the torrent size limit.
Result<Manifest> fetch_torrent(HttpClient& client, const CrawlOptions& options,
                               const std::string& url, CrawlResult& result) {
  const TorrentLimits limits;
  HttpRequest request{.url = url, .proxy_url = options.proxy_url, .limits = options.limits};
  request.limits.max_body_bytes = limits.max_bytes;
  ++result.pages_fetched;
  const auto response = client.get(request);
  if (!response) return response.error();
  result.bytes_fetched += response->body_bytes;
  if (response->status != 200) return Error{url + ": HTTP " + std::to_string(response->status)};
  auto manifest = parse_torrent_file(bytes_of(response->body), url, limits);
  if (!manifest) return manifest.error();
  manifest->source = options.source_name;
  manifest->fetched_at = result.manifest.fetched_at;
  note_document(*manifest, "torrent", url, response->body);
  return manifest;
}

}  // namespace

bool is_torrent_name(std::string_view path) {
  return ascii_lower(path.substr(path.size() < 8 ? 0 : path.size() - 8)) == ".torrent";
}

CrawlResult crawl_torrent_file(HttpClient& client, const CrawlOptions& options) {
  CrawlResult result = start_crawl(options);
  auto manifest = fetch_torrent(client, options, options.url, result);
  if (!manifest) {
    result.error = manifest.error().message;
    return result;
  }
  result.http_status = 200;
  result.manifest = std::move(manifest).value();
  result.status = ScanStatus::ok;
  return result;
}

void fetch_linked_torrents(HttpClient& client, const CrawlOptions& options, CrawlResult& result) {
  std::vector<std::string> urls;
  for (const auto& e : result.manifest.entries) {
    if (!e.url.empty() && is_torrent_name(e.path)) urls.push_back(e.url);
  }
  for (const auto& url : urls) {
    if (result.torrents.size() >= options.max_torrents) {
      result.problems.push_back(options.url + ": stopped reading torrents at max_torrents=" +
                                std::to_string(options.max_torrents));
      break;
    }
    auto manifest = fetch_torrent(client, options, url, result);
    if (!manifest) {
      result.problems.push_back(manifest.error().message);
      continue;
    }
    result.torrents.push_back(std::move(manifest).value());
  }
}

Result<Manifest> read_torrent_file(const std::filesystem::path& path, const TorrentLimits& limits) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return Error{path.string() + ": " + ec.message()};
  if (size > limits.max_bytes) {
    return Error{path.string() + ": torrent file of " + std::to_string(size) +
                 " bytes is over the limit of " + std::to_string(limits.max_bytes)};
  }
  std::ifstream in(path, std::ios::binary);
  std::string bytes(size, '\0');
  if (!in || !in.read(bytes.data(), static_cast<std::streamsize>(size))) {
    return Error{path.string() + ": cannot read"};
  }
  auto manifest = parse_torrent_file(bytes_of(bytes), path.string(), limits);
  if (manifest) manifest->fetched_at = now();
  return manifest;
}

}  // namespace leakwatch::crawler
