// Leak post pages: an HTML page whose links are the index. The page's text is kept for record
// and honeytoken matching; its links within the source are followed, breadth first, one level
// at a time (each level fetched concurrently): further pages and folder listings below the
// post's folder, files on the same site as entries (checksum lists and zip directories among
// them are read, .torrent files parsed, candidates hashed), and magnet links collected for the
// app's torrent session. Everything is bounded by the source's depth, max_pages and max_entries.
#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "crawler/checksum_list.h"
#include "crawler/crawl.h"
#include "crawler/fetched_documents.h"
#include "crawler/html_tree.h"
#include "crawler/listing.h"
#include "model/text.h"
#include "model/url.h"

namespace leakwatch::crawler {

namespace {

constexpr std::size_t kMaxMagnets = 1000;

}  // namespace

Result<PostPage> parse_post_page(std::string_view body) {
  auto doc = parse_html(body);
  if (!doc) return doc.error();
  PostPage page;
  const xmlNode* root = reinterpret_cast<const xmlNode*>(doc->get());
  for (const xmlNode* n = root; n;) {
    bool skip = false;
    if (n->type == XML_TEXT_NODE && n->content) {
      const std::string_view text = reinterpret_cast<const char*>(n->content);
      if (text.find_first_not_of(" \t\r\n\f") != std::string_view::npos) {
        page.text += text;
        page.text += '\n';
      }
    } else if (is_element(n, "script") || is_element(n, "style")) {
      skip = true;
    } else if (is_element(n, "a")) {
      if (auto href = attribute(n, "href")) page.hrefs.push_back(std::move(*href));
    }
    n = next_node(n, root, skip);
  }
  return page;
}

namespace {

// What a link on a post points at, from its path alone (the post may link anything).
enum class LinkKind { page, folder, file };

LinkKind link_kind(const Url& target) {
  if (target.path.ends_with('/')) return LinkKind::folder;
  const auto slash = target.path.rfind('/');
  const std::string name = ascii_lower(target.path.substr(slash + 1));
  if (looks_like_checksum_file(name)) return LinkKind::file;
  if (name.find('.') == std::string::npos || is_page_name(name)) return LinkKind::page;
  return LinkKind::file;
}

bool same_origin(const Url& a, const Url& b) {
  return a.scheme == b.scheme && a.host == b.host && a.effective_port() == b.effective_port();
}

bool is_magnet(std::string_view href) {
  return href.size() > 7 && ascii_lower(href.substr(0, 7)) == "magnet:";
}

struct PendingPage {
  Url url;
  int depth = 0;
};

// Files a post links that are read elsewhere (archives' directories, checksum lists, torrents)
// or that are media: not fetched as possible text. Everything else is fetched and sniffed.
bool may_be_text(const Url& target) {
  const auto slash = target.path.rfind('/');
  const std::string name = ascii_lower(percent_decode(target.path.substr(slash + 1)));
  if (looks_like_checksum_file(name)) return false;
  for (const auto* ext :
       {".zip",  ".torrent", ".7z",   ".rar",  ".gz",     ".tgz", ".bz2",  ".xz",   ".zst",
        ".tar",  ".iso",     ".jpg",  ".jpeg", ".png",    ".gif", ".webp", ".bmp",  ".tif",
        ".tiff", ".mp4",     ".mkv",  ".avi",  ".mov",    ".mp3", ".wav",  ".pdf",  ".exe",
        ".dll",  ".bin",     ".img",  ".db",   ".sqlite", ".pst", ".doc",  ".docx", ".xls",
        ".xlsx", ".ppt",     ".pptx", ".odt",  ".ods"}) {
    if (name.ends_with(ext)) return false;
  }
  return true;
}

constexpr std::size_t kSniffBytes = 4096;
// Same-site documents tried as linked text per source (each costs a request, and at most
// kSniffBytes when it is not text).
constexpr std::size_t kMaxLinkedTexts = 64;

// Documents linked from the post on the same site (plates.txt, dump.csv, /raw/abc) that turn
// out to be text (sniffed from their first bytes: never by name alone) join the manifest's
// texts, where records and honeytokens are matched as in a `text` source. Within
// options.linked_text_budget bytes in all; what is not text is dropped after its first 4 KiB.
void read_linked_texts(HttpClient& client, const CrawlOptions& options,
                       const std::vector<Url>& links, CrawlResult& result) {
  std::uint64_t budget = options.linked_text_budget;
  if (budget == 0) return;  // off
  for (const auto& link : links) {
    if (budget == 0) {
      result.problems.push_back(options.url + ": linked text budget of " +
                                std::to_string(options.linked_text_budget) +
                                " bytes spent before " + link.str());
      break;
    }
    if (result.pages_fetched >= options.max_pages) break;
    const std::uint64_t cap = std::min<std::uint64_t>(budget, options.limits.max_body_bytes);
    const auto slash = link.path.rfind('/');
    const std::string name = percent_decode(link.path.substr(slash + 1));
    std::string body;
    bool capped = false;
    bool rejected = false;
    HttpRequest request{
        .url = link.str(true), .proxy_url = options.proxy_url, .limits = options.limits};
    request.limits.max_body_bytes = cap + (1u << 20);  // the sink stops first
    ++result.pages_fetched;
    const auto response = client.get(request, [&](std::span<const std::uint8_t> chunk) {
      const bool sniffed = body.size() >= kSniffBytes;
      body.append(reinterpret_cast<const char*>(chunk.data()),
                  std::min<std::uint64_t>(chunk.size(), cap - body.size()));
      if (!sniffed && body.size() >= kSniffBytes &&
          detect_kind("", body, name) != CrawlKind::text) {
        rejected = true;
        return false;
      }
      if (body.size() >= cap) {
        capped = true;
        return false;
      }
      return true;
    });
    result.bytes_fetched += body.size();
    if (rejected) continue;
    if (!response && !capped) {
      result.problems.push_back(response.error().message);
      continue;
    }
    if (response && response->status != 200) continue;  // a dead link is not a failed scan
    if (body.size() < kSniffBytes && detect_kind("", body, name) != CrawlKind::text) continue;
    budget -= body.size();
    if (capped)
      result.problems.push_back(link.str() + ": linked text read up to " + std::to_string(cap) +
                                " bytes (linked text budget)");
    result.manifest.texts.push_back({link.str(), std::move(body)});
  }
}

}  // namespace

bool is_page_name(std::string_view file_name) {
  const std::string name = ascii_lower(file_name);
  for (const auto* ext : {".html", ".htm", ".xhtml", ".shtml", ".php", ".asp", ".aspx", ".jsp"}) {
    if (name.ends_with(ext)) return true;
  }
  return false;
}

CrawlResult crawl_pages(HttpClient& client, const CrawlOptions& options) {
  CrawlResult result = start_crawl(options);
  const auto configured = parse_url(options.url);
  if (!configured) {
    result.error = options.url + ": not a URL";
    return result;
  }
  // The source is the post's folder: pages and listings below it are followed, files anywhere
  // on the same site are entries, other sites are never contacted. When the server redirects
  // the post, the URL that answered is the post (set below, before its links are read).
  Url root = *configured;
  std::string root_dir = root.path.substr(0, root.path.rfind('/') + 1);
  const auto relative_path = [&](const Url& u) {
    const std::string p =
        u.path.starts_with(root_dir) ? u.path.substr(root_dir.size()) : u.path.substr(1);
    return percent_decode(p);
  };

  std::vector<PendingPage> level{{root, 0}};
  std::set<std::string> seen{root.str(true)};  // pages, folders and files already taken
  std::vector<Url> folders;                    // listings to read, with their depth below
  std::vector<int> folder_depths;
  std::set<std::string> magnets;  // sorted and unique, at most kMaxMagnets
  std::vector<Url> text_links;    // same-site documents that may be text (read_linked_texts)
  bool root_ok = false;
  bool entries_full = false;
  std::uint64_t text_kept = 0;
  bool text_full = false;

  const auto add_entry = [&](const Url& target) {
    if (result.manifest.entries.size() >= options.max_entries) {
      if (!entries_full)
        result.problems.push_back(
            options.url + ": stopped at max_entries=" + std::to_string(options.max_entries));
      entries_full = true;
      return;
    }
    FileEntry e;
    e.path = relative_path(target);
    e.url = target.str(true);
    result.manifest.entries.push_back(std::move(e));
  };

  while (!level.empty()) {
    const std::uint64_t allowed =
        options.max_pages - std::min(options.max_pages, result.pages_fetched);
    if (level.size() > allowed) {
      result.problems.push_back(options.url +
                                ": stopped at max_pages=" + std::to_string(options.max_pages) +
                                " with " + std::to_string(level.size() - allowed) + " pages left");
      level.resize(allowed);
      if (level.empty()) break;
    }
    std::vector<HttpRequest> requests;
    requests.reserve(level.size());
    for (const auto& page : level) {
      requests.push_back(
          {.url = page.url.str(true), .proxy_url = options.proxy_url, .limits = options.limits});
    }
    result.pages_fetched += level.size();
    std::vector<PendingPage> next;
    client.get_each(
        requests, options.concurrency, [&](std::size_t i, Result<HttpResponse> response) {
          const PendingPage& page = level[i];
          if (page.depth == 0 && response) {
            result.http_status = response->status;
            result.latency = response->elapsed;
            result.etag = response->etag;
            result.last_modified = response->last_modified;
          }
          if (!response) {
            if (page.depth == 0) result.error = response.error().message;
            result.problems.push_back(response.error().message);
            return;
          }
          result.bytes_fetched += response->body_bytes;
          if (response->status != 200) {
            const std::string why = requests[i].url + ": HTTP " + std::to_string(response->status);
            if (page.depth == 0) result.error = why;
            result.problems.push_back(why);
            return;
          }
          // Links resolve against the URL that answered, after the server's redirects; for the
          // post itself that URL is also the source's root, which within-root is judged by.
          Url page_url = page.url;
          if (!response->effective_url.empty()) {
            if (auto answered = parse_url(response->effective_url)) page_url = std::move(*answered);
          }
          if (page.depth == 0) {
            root_ok = true;
            root = page_url;
            root_dir = root.path.substr(0, root.path.rfind('/') + 1);
            seen.insert(root.str(true));
          }
          // The document is named by the URL that answered it.
          note_document(result.manifest, "page",
                        response->effective_url.empty() ? requests[i].url : response->effective_url,
                        response->body);
          auto parsed_page = parse_post_page(response->body);
          if (!parsed_page) {
            result.problems.push_back(requests[i].url + ": " + parsed_page.error().message);
            return;
          }
          PostPage& parsed = *parsed_page;
          if (text_kept + parsed.text.size() > options.text_budget) {
            if (!text_full)
              result.problems.push_back(options.url + ": page text beyond text_budget=" +
                                        std::to_string(options.text_budget) + " bytes not kept");
            text_full = true;
          } else {
            text_kept += parsed.text.size();
            result.manifest.texts.push_back({requests[i].url, std::move(parsed.text)});
          }
          for (const auto& href : parsed.hrefs) {
            if (is_magnet(href)) {
              if (magnets.size() < kMaxMagnets) magnets.insert(decode_html_entities(href));
              continue;
            }
            const auto target = resolve_url(page_url, href);
            if (!target || (target->scheme != "http" && target->scheme != "https") ||
                !same_origin(*target, root)) {
              continue;
            }
            const std::string key = target->str(true);
            if (seen.contains(key)) continue;
            const LinkKind kind = link_kind(*target);
            const bool below = target->path.starts_with(root_dir);
            switch (kind) {
              case LinkKind::page:
                if (!below || page.depth >= options.depth) {
                  // Not a page of the source; but a paste's raw URL elsewhere on the site
                  // ("/raw/abc": no extension, no folder) is read if it is text.
                  const auto name = target->path.substr(target->path.rfind('/') + 1);
                  if (name.find('.') == std::string::npos && target->query.empty() &&
                      text_links.size() < kMaxLinkedTexts) {
                    seen.insert(key);
                    text_links.push_back(*target);
                  }
                  continue;
                }
                seen.insert(key);
                next.push_back({*target, page.depth + 1});
                break;
              case LinkKind::folder:
                if (!below || page.depth >= options.depth) continue;
                seen.insert(key);
                folders.push_back(*target);
                folder_depths.push_back(options.depth - page.depth - 1);
                break;
              case LinkKind::file:
                seen.insert(key);
                add_entry(*target);
                if (may_be_text(*target) && text_links.size() < kMaxLinkedTexts)
                  text_links.push_back(*target);
                break;
            }
          }
        });
    level = std::move(next);
  }
  result.magnets.insert(result.magnets.end(), magnets.begin(), magnets.end());

  if (root_ok) examine_files(client, options, result);
  if (root_ok) read_linked_texts(client, options, text_links, result);

  // Folder listings linked from the post are crawled as listings, with what is left of the
  // page, archive and content budgets; their entries join the post's, under their folder.
  for (std::size_t i = 0; i < folders.size() && root_ok; ++i) {
    const std::uint64_t pages_left =
        options.max_pages - std::min(options.max_pages, result.pages_fetched);
    if (pages_left == 0) {
      result.problems.push_back(options.url + ": stopped at max_pages=" +
                                std::to_string(options.max_pages) + " before " + folders[i].str());
      break;
    }
    CrawlOptions sub = options;
    sub.url = folders[i].str(true);
    sub.depth = folder_depths[i];
    sub.max_pages = pages_left;
    sub.max_entries = options.max_entries -
                      std::min<std::uint64_t>(options.max_entries, result.manifest.entries.size());
    sub.max_archives =
        options.max_archives - std::min(options.max_archives, result.archives_listed);
    sub.content_budget =
        options.content_budget - std::min(options.content_budget, result.content_bytes);
    CrawlResult listed = crawl_listing(client, sub);
    result.pages_fetched += listed.pages_fetched;
    result.bytes_fetched += listed.bytes_fetched;
    result.files_hashed += listed.files_hashed;
    result.content_bytes += listed.content_bytes;
    result.archives_listed += listed.archives_listed;
    result.archive_bytes += listed.archive_bytes;
    result.size_probes += listed.size_probes;
    for (auto& n : listed.notes) result.notes.push_back(std::move(n));
    if (listed.status == ScanStatus::failed) {
      result.problems.push_back(listed.error);
      continue;
    }
    for (auto& p : listed.problems) result.problems.push_back(std::move(p));
    const std::string prefix = relative_path(folders[i]);
    for (auto& e : listed.manifest.entries) {
      e.path = prefix + e.path;
      result.manifest.entries.push_back(std::move(e));
    }
  }

  std::stable_sort(result.manifest.entries.begin(), result.manifest.entries.end(),
                   [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
  finish_crawl(result, root_ok);
  return result;
}

}  // namespace leakwatch::crawler
