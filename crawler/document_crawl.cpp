// Sources that are one document rather than a folder tree: checksum lists, JSON file trees,
// text dumps and leak post pages; and the dispatch that picks the right reader for a source.
#include <gumbo.h>

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
  if (looks_like_checksum_file(name)) return CrawlKind::checksums;
  if (name.ends_with(".json")) return CrawlKind::json_tree;
  for (const auto* ext : {".txt", ".csv", ".log", ".tsv", ".sql", ".dump"}) {
    if (name.ends_with(ext)) return CrawlKind::text;
  }
  return CrawlKind::listing;
}

void finish(CrawlResult& result, bool ok) {
  result.status = !ok                       ? ScanStatus::failed
                  : result.problems.empty() ? ScanStatus::ok
                                            : ScanStatus::partial;
  if (!result.problems.empty() && result.error.empty()) result.error = result.problems.front();
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

void page_text(const GumboNode* node, std::string& out, int depth = 0) {
  if (depth > 256) return;
  if (node->type == GUMBO_NODE_TEXT) {
    out += node->v.text.text;
    out += '\n';
    return;
  }
  if (node->type != GUMBO_NODE_ELEMENT) return;
  const auto tag = node->v.element.tag;
  if (tag == GUMBO_TAG_SCRIPT || tag == GUMBO_TAG_STYLE) return;
  const GumboVector& children = node->v.element.children;
  for (unsigned i = 0; i < children.length; ++i)
    page_text(static_cast<const GumboNode*>(children.data[i]), out, depth + 1);
}

void collect_links(const GumboNode* node, std::vector<std::string>& out, int depth = 0) {
  if (depth > 256 || node->type != GUMBO_NODE_ELEMENT) return;
  if (node->v.element.tag == GUMBO_TAG_A) {
    if (const GumboAttribute* href = gumbo_get_attribute(&node->v.element.attributes, "href")) {
      out.emplace_back(href->value);
    }
  }
  const GumboVector& children = node->v.element.children;
  for (unsigned i = 0; i < children.length; ++i) {
    collect_links(static_cast<const GumboNode*>(children.data[i]), out, depth + 1);
  }
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
  if (kind == CrawlKind::listing || kind == CrawlKind::archive) {
    auto listed = crawl_listing(client, options);
    // auto: an HTML page that is not a listing is read as a leak post instead.
    if (options.kind == CrawlKind::auto_detect && listed.status == ScanStatus::failed &&
        listed.error.find("not a directory listing") != std::string::npos) {
      kind = CrawlKind::page;
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
    finish(result, true);
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
    case CrawlKind::page: {
      // A leak post: its links (files, archives on the same site) become entries, its text is
      // kept for record and honeytoken matching.
      std::vector<std::string> hrefs;
      std::string text;
      if (GumboOutput* doc =
              gumbo_parse_with_options(&kGumboDefaultOptions, body.data(), body.size())) {
        collect_links(doc->root, hrefs);
        page_text(doc->root, text);
        gumbo_destroy_output(&kGumboDefaultOptions, doc);
      }
      constexpr std::size_t kMaxMagnets = 1000;
      for (const auto& href : hrefs) {
        // Magnet links are resolved later by the app, through a torrent session.
        if (href.starts_with("magnet:?")) {
          if (result.magnets.size() < kMaxMagnets &&
              std::find(result.magnets.begin(), result.magnets.end(), href) ==
                  result.magnets.end()) {
            result.magnets.push_back(href);
          }
          continue;
        }
        const auto target = resolve_url(*url, href);
        if (!target || target->host != url->host || target->path.ends_with('/') ||
            (target->scheme != "http" && target->scheme != "https")) {
          continue;
        }
        if (result.manifest.entries.size() >= options.max_entries) {
          result.problems.push_back(options.url + ": stopped at max_entries");
          break;
        }
        FileEntry e;
        const auto slash = target->path.rfind('/');
        e.path = percent_decode(target->path.substr(slash + 1));
        e.url = target->str(true);
        result.manifest.entries.push_back(std::move(e));
      }
      result.manifest.texts.push_back({options.url, std::move(text)});
      if (options.max_torrents > 0) fetch_linked_torrents(client, options, result);
      break;
    }
    case CrawlKind::auto_detect:
    case CrawlKind::listing:
    case CrawlKind::archive:
    case CrawlKind::torrent:
      break;
  }
  finish(result, true);
  return result;
}

}  // namespace leakwatch::crawler
