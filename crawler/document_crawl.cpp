// Sources that are one document rather than a folder tree: checksum lists, JSON file trees,
// text dumps; and the dispatch that picks the right reader for a source (leak post pages are
// in page_crawl.cpp).
#include <algorithm>
#include <cctype>

#include "crawler/checksum_list.h"
#include "crawler/crawl.h"
#include "crawler/listing.h"
#include "crawler/torrent_links.h"
#include "model/text.h"
#include "model/url.h"

namespace leakwatch::crawler {

namespace {

std::string basename_of(const Url& url) {
  const auto slash = url.path.rfind('/');
  return percent_decode(slash == std::string::npos ? url.path : url.path.substr(slash + 1));
}

CrawlKind kind_from_url(const Url& url) {
  const auto name = ascii_lower(basename_of(url));
  if (name.ends_with(".zip")) return CrawlKind::archive;
  if (name.ends_with(".torrent")) return CrawlKind::torrent;
  if (is_page_name(name)) return CrawlKind::page;
  if (looks_like_checksum_file(name)) return CrawlKind::checksums;
  if (name.ends_with(".json")) return CrawlKind::json_tree;
  for (const auto* ext : {".txt", ".csv", ".log", ".tsv", ".sql", ".dump"}) {
    if (name.ends_with(ext)) return CrawlKind::text;
  }
  return CrawlKind::listing;
}

// The body, or the reason there is none. A text dump is read up to the byte cap (and marked
// partial), every other kind must fit.
Result<HttpResponse> fetch_document(HttpClient& client, const CrawlOptions& options,
                                    CrawlResult& result, bool truncate_to_cap) {
  HttpRequest request{.url = options.url,
                      .proxy_url = options.proxy_url,
                      .limits = options.limits,
                      .if_none_match = options.etag,
                      .if_modified_since = options.last_modified};
  ++result.pages_fetched;
  if (!truncate_to_cap) {
    auto r = client.get(request);
    if (r) result.bytes_fetched += r->body_bytes;
    return r;
  }
  std::string body;
  const std::uint64_t cap = options.limits.max_body_bytes;
  bool capped = false;
  request.limits.max_body_bytes = cap + (1u << 20);  // the sink stops first
  auto r = client.get(request, [&](std::span<const std::uint8_t> chunk) {
    const auto take = std::min<std::uint64_t>(chunk.size(), cap - body.size());
    body.append(reinterpret_cast<const char*>(chunk.data()), take);
    if (body.size() >= cap) {
      capped = true;
      return false;
    }
    return true;
  });
  result.bytes_fetched += body.size();
  if (!r && !capped) return r;
  if (capped)
    result.problems.push_back(options.url + ": text read up to its cap of " + std::to_string(cap) +
                              " bytes");
  HttpResponse response = r ? std::move(r).value() : HttpResponse{.status = 200};
  response.body = std::move(body);
  return response;
}

bool status_ok(const Result<HttpResponse>& r, const std::string& url, CrawlResult& result) {
  if (!r) {
    result.error = r.error().message;
    return false;
  }
  if (r->status != 200) {
    result.error = url + ": HTTP " + std::to_string(r->status);
    return false;
  }
  return true;
}

}  // namespace

CrawlResult crawl_source(HttpClient& client, const CrawlOptions& options) {
  CrawlResult result = start_crawl(options);
  const auto url = parse_url(options.url);
  if (!url) {
    result.error = options.url + ": not a URL";
    return result;
  }
  CrawlKind kind = options.kind == CrawlKind::auto_detect ? kind_from_url(*url) : options.kind;
  if (kind == CrawlKind::torrent) return crawl_torrent_file(client, options);
  if (kind == CrawlKind::page) return crawl_pages(client, options);
  if (kind == CrawlKind::listing || kind == CrawlKind::archive) {
    auto listed = crawl_listing(client, options);
    // auto: an HTML page that is not a listing is read as a leak post instead.
    if (options.kind == CrawlKind::auto_detect && listed.status == ScanStatus::failed &&
        listed.error.find("not a directory listing") != std::string::npos) {
      return crawl_pages(client, options);
    } else {
      return listed;
    }
  }

  const auto response = fetch_document(client, options, result, kind == CrawlKind::text);
  if (response) {
    result.http_status = response->status;
    result.latency = response->elapsed;
  }
  if (response && response->status == 304) {
    result.not_modified = true;
    result.etag = options.etag;
    result.last_modified = options.last_modified;
    finish_crawl(result, true);
    return result;
  }
  if (!status_ok(response, options.url, result)) return result;
  result.etag = response->etag;
  result.last_modified = response->last_modified;
  const std::string& body = response->body;

  switch (kind) {
    case CrawlKind::checksums: {
      auto list = parse_checksum_list(body, basename_of(*url), options.max_entries);
      if (!list) {
        result.error = options.url + ": " + list.error().message;
        return result;
      }
      for (const auto& line : list->lines) {
        FileEntry e;
        e.path = line.path;
        e.digests.push_back(line.digest);
        result.manifest.entries.push_back(std::move(e));
      }
      if (list->bad_lines) {
        result.problems.push_back(options.url + ": " + std::to_string(list->bad_lines) +
                                  " lines not understood");
      }
      if (list->truncated) result.problems.push_back(options.url + ": stopped at max_entries");
      break;
    }
    case CrawlKind::json_tree: {
      auto tree = parse_json_tree(body, options.json_keys, options.max_entries);
      if (!tree) {
        result.error = options.url + ": " + tree.error().message;
        return result;
      }
      result.manifest.entries = std::move(tree->entries);
      if (tree->truncated) result.problems.push_back(options.url + ": stopped at max_entries");
      break;
    }
    case CrawlKind::text:
      result.manifest.texts.push_back({options.url, body});
      break;
    case CrawlKind::auto_detect:
    case CrawlKind::page:
    case CrawlKind::listing:
    case CrawlKind::archive:
    case CrawlKind::torrent:
      break;
  }
  finish_crawl(result, true);
  return result;
}

}  // namespace leakwatch::crawler
