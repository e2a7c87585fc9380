// Sources that are one document rather than a folder tree: checksum lists, JSON file trees,
// text dumps; and the dispatch that picks the right reader for a source (leak post pages are
// in page_crawl.cpp).
#include <algorithm>
#include <cctype>

#include "crawler/checksum_list.h"
#include "crawler/crawl.h"
#include "crawler/fetched_documents.h"
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

bool is_zip_signature(std::string_view body) {
  return body.starts_with("PK\x03\x04") || body.starts_with("PK\x05\x06");
}

// A bencoded dictionary with an info dictionary near its start: a .torrent file.
bool looks_like_torrent(std::string_view body) {
  return body.size() > 10 && body.front() == 'd' &&
         std::isdigit(static_cast<unsigned char>(body[1])) &&
         body.substr(0, 1u << 16).find("4:info") != std::string_view::npos;
}

std::string_view skip_space(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  return s;
}

bool looks_like_html(std::string_view body) {
  const auto head = ascii_lower(skip_space(body).substr(0, 1024));
  return head.starts_with("<!doctype html") || head.starts_with("<html") ||
         head.find("<head") != std::string::npos || head.find("<body") != std::string::npos ||
         head.find("<title") != std::string::npos || head.find("<a href") != std::string::npos;
}

// Text a person could read: no NUL bytes and few control characters in the first 4 KiB.
bool looks_like_text(std::string_view body) {
  const auto head = body.substr(0, 4096);
  std::size_t control = 0;
  for (const unsigned char c : head) {
    if (c == 0) return false;
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f') ++control;
  }
  return control * 20 <= head.size();
}

bool looks_like_checksums(std::string_view body, std::string_view name) {
  const auto list = parse_checksum_list(body.substr(0, 1u << 16), name, 1000);
  return list && !list->lines.empty() && list->bad_lines * 10 <= list->lines.size();
}

// A listing of a server leakwatch knows (nginx, Apache, lighttpd, python's http.server), or any
// page titled like one ("Index of /..."). Any other HTML page with relative links would parse
// as a generic listing too, but it is a page (a forum post): read as one, its file links are
// entries and its folder links listings all the same.
bool is_listing(std::string_view body, std::string_view content_type) {
  const auto listing = parse_listing(body, content_type, 1);
  if (!listing) return false;
  if (listing->format != "generic") return true;
  const auto head = ascii_lower(body.substr(0, 4096));
  return head.find("<title>index of") != std::string::npos ||
         head.find("<title>directory listing for") != std::string::npos ||
         head.find("<h1>index of") != std::string::npos;
}

}  // namespace

CrawlKind detect_kind(std::string_view content_type, std::string_view body,
                      std::string_view file_name) {
  std::string type = ascii_lower(content_type.substr(0, content_type.find(';')));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  // 1. What the server says it is, where that is specific.
  if (type == "application/zip" || type == "application/x-zip-compressed")
    return CrawlKind::archive;
  if (type == "application/x-bittorrent") return CrawlKind::torrent;
  if (type == "text/html" || type == "application/xhtml+xml")
    return is_listing(body, type) ? CrawlKind::listing : CrawlKind::page;
  if (type == "application/json")
    return is_listing(body, type) ? CrawlKind::listing : CrawlKind::json_tree;
  if (type == "application/xml" || type == "text/xml")
    return is_listing(body, type) ? CrawlKind::listing : CrawlKind::text;
  if (type.starts_with("text/") && type != "text/plain" && type != "text/csv") {
    // text/x-... and the like: read as text unless it is a checksum list.
    return looks_like_checksums(body, file_name) ? CrawlKind::checksums : CrawlKind::text;
  }
  // 2. Sniffing, for text/plain (checksum lists and dumps share it) and for
  //    application/octet-stream or no type at all.
  if (is_zip_signature(body)) return CrawlKind::archive;
  if (looks_like_torrent(body)) return CrawlKind::torrent;
  const auto start = skip_space(body);
  if (type != "text/plain" && type != "text/csv") {
    if (looks_like_html(body))
      return is_listing(body, "text/html") ? CrawlKind::listing : CrawlKind::page;
    if (start.starts_with("<list>") && is_listing(body, "text/xml")) return CrawlKind::listing;
    if (start.starts_with("[") || start.starts_with("{")) {
      if (is_listing(body, "application/json")) return CrawlKind::listing;
      if (start.starts_with("{")) return CrawlKind::json_tree;
    }
  }
  if (looks_like_checksums(body, file_name)) return CrawlKind::checksums;
  if (looks_like_text(body)) return CrawlKind::text;
  return CrawlKind::auto_detect;  // binary of no kind leakwatch reads
}

namespace {

// How a document is read: whole (it must fit the page limit), up to the cap (a text dump is
// read that far and marked partial), or sniffed (`auto`: up to the cap, and stopped at a zip
// signature, since an archive's directory is read by byte ranges instead).
enum class ReadMode { whole, up_to_cap, sniff };

struct Fetched {
  bool capped = false;  // the body was cut at the cap
  bool zip = false;     // sniff: stopped at a zip signature
};

// The body, or the reason there is none.
Result<HttpResponse> fetch_document(HttpClient& client, const CrawlOptions& options,
                                    CrawlResult& result, ReadMode mode, Fetched& fetched) {
  HttpRequest request{.url = options.url,
                      .proxy_url = options.proxy_url,
                      .limits = options.limits,
                      .if_none_match = options.etag,
                      .if_modified_since = options.last_modified};
  ++result.pages_fetched;
  if (mode == ReadMode::whole) {
    auto r = client.get(request);
    if (r) result.bytes_fetched += r->body_bytes;
    return r;
  }
  std::string body;
  const std::uint64_t cap = options.limits.max_body_bytes;
  request.limits.max_body_bytes = cap + (1u << 20);  // the sink stops first
  auto r = client.get(request, [&](std::span<const std::uint8_t> chunk) {
    const auto take = std::min<std::uint64_t>(chunk.size(), cap - body.size());
    body.append(reinterpret_cast<const char*>(chunk.data()), take);
    if (mode == ReadMode::sniff && body.size() >= 4 && is_zip_signature(body)) {
      fetched.zip = true;
      return false;
    }
    if (body.size() >= cap) {
      fetched.capped = true;
      return false;
    }
    return true;
  });
  result.bytes_fetched += body.size();
  if (!r && !fetched.capped && !fetched.zip) return r;
  if (fetched.capped && mode == ReadMode::up_to_cap)
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

// A single document's answer read as `kind` (checksum list, JSON tree or text dump).
CrawlResult read_document(CrawlKind kind, const HttpResponse& response, const CrawlOptions& options,
                          const Url& url, CrawlResult result) {
  result.etag = response.etag;
  result.last_modified = response.last_modified;
  const std::string& body = response.body;
  // A text dump may be the leaked data itself: not noted.
  if (kind == CrawlKind::checksums || kind == CrawlKind::json_tree) {
    note_document(result.manifest, kind == CrawlKind::checksums ? "checksums" : "json-tree",
                  options.url, body);
  }
  switch (kind) {
    case CrawlKind::checksums: {
      auto list = parse_checksum_list(body, basename_of(url), options.max_entries);
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

// auto: one GET of the URL as written; the answer (after the server's redirects) says what it
// is. Listings and archives go on from there (the listing's first page is not fetched again).
CrawlResult crawl_detected(HttpClient& client, const CrawlOptions& options, CrawlResult result,
                           const Url& url) {
  Fetched fetched;
  auto response = fetch_document(client, options, result, ReadMode::sniff, fetched);
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
  CrawlOptions next = options;
  if (!response->effective_url.empty()) next.url = response->effective_url;
  next.kind = fetched.zip ? CrawlKind::archive
                          : detect_kind(response->content_type, response->body, basename_of(url));
  if (next.kind != CrawlKind::auto_detect && next.kind != CrawlKind::text && fetched.capped) {
    result.error = options.url + ": response body exceeds the limit of " +
                   std::to_string(options.limits.max_body_bytes) + " bytes";
    return result;
  }
  auto merge = [&](CrawlResult inner) {
    // Sightings stay with the configured URL (a torrent keeps its info-hash locator).
    if (!inner.manifest.torrent) inner.manifest.locator = options.url;
    inner.pages_fetched += result.pages_fetched;
    inner.bytes_fetched += result.bytes_fetched;
    if (inner.http_status == 0) inner.http_status = result.http_status;
    if (inner.latency.count() == 0) inner.latency = result.latency;
    return inner;
  };
  switch (next.kind) {
    case CrawlKind::archive:
      return merge(crawl_archive(client, next));
    case CrawlKind::listing: {
      next.first_page = &*response;
      return merge(crawl_listing(client, next));
    }
    case CrawlKind::page:
      return merge(crawl_pages(client, next));
    case CrawlKind::torrent:
      return merge(crawl_torrent_file(client, next));
    case CrawlKind::auto_detect:
      result.error = options.url + ": not a leak index leakwatch reads (" +
                     (response->content_type.empty() ? std::string("binary content")
                                                     : response->content_type) +
                     "); set the source's kind";
      return result;
    case CrawlKind::checksums:
    case CrawlKind::json_tree:
    case CrawlKind::text:
      break;
  }
  if (fetched.capped && next.kind == CrawlKind::text)
    result.problems.push_back(options.url + ": text read up to its cap of " +
                              std::to_string(options.limits.max_body_bytes) + " bytes");
  return read_document(next.kind, *response, options, url, std::move(result));
}

}  // namespace

CrawlResult crawl_source(HttpClient& client, const CrawlOptions& options) {
  CrawlResult result = start_crawl(options);
  const auto url = parse_url(options.url);
  if (!url) {
    result.error = options.url + ": not a URL";
    return result;
  }
  if (options.kind == CrawlKind::auto_detect)
    return crawl_detected(client, options, std::move(result), *url);
  const CrawlKind kind = options.kind;
  if (kind == CrawlKind::torrent) return crawl_torrent_file(client, options);
  if (kind == CrawlKind::page) return crawl_pages(client, options);
  if (kind == CrawlKind::archive) return crawl_archive(client, options);
  if (kind == CrawlKind::listing) return crawl_listing(client, options);

  Fetched fetched;
  const auto response =
      fetch_document(client, options, result,
                     kind == CrawlKind::text ? ReadMode::up_to_cap : ReadMode::whole, fetched);
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
  return read_document(kind, *response, options, *url, std::move(result));
}

}  // namespace leakwatch::crawler
