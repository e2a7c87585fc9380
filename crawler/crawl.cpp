#include "crawler/crawl.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <unordered_map>

#include "crawler/checksum_list.h"
#include "crawler/fetched_documents.h"
#include "crawler/listing.h"
#include "crawler/torrent_links.h"
#include "crawler/zip_directory.h"
#include "model/url.h"

namespace leakwatch::crawler {

namespace {

struct PendingPage {
  Url url;
  std::string prefix;  // path of this folder relative to the root, "" or "a/b/"
  int depth = 0;
};

// Only folders below the source root on the same origin are part of the source.
bool within_root(const Url& root, const Url& candidate) {
  return candidate.scheme == root.scheme && candidate.host == root.host &&
         candidate.effective_port() == root.effective_port() &&
         candidate.path.starts_with(root.path);
}

void hash_candidates(HttpClient& client, const CrawlOptions& options, CrawlResult& result) {
  std::uint64_t budget = options.content_budget;
  for (auto& entry : result.manifest.entries) {
    if (!options.wants_content(entry) || entry.url.empty()) continue;
    if (!entry.size || *entry.size > budget) {
      result.problems.push_back(entry.url.str() + ": not hashed, content budget left " +
                                std::to_string(budget) + " bytes");
      continue;
    }
    HttpRequest request{.url = entry.url, .proxy_url = options.proxy_url, .limits = options.limits};
    request.limits.max_body_bytes = *entry.size;  // a candidate is exactly the signature's size
    auto digester = options.make_digester();
    const auto response = client.get(request, [&](std::span<const std::uint8_t> chunk) {
      digester->update(chunk);
      return true;
    });
    if (!response) {
      result.problems.push_back(response.error().message);
      continue;
    }
    budget -= response->body_bytes;
    result.bytes_fetched += response->body_bytes;
    result.content_bytes += response->body_bytes;
    if (response->status != 200 || response->body_bytes != *entry.size) {
      result.problems.push_back(entry.url.str() + ": content fetch returned HTTP " +
                                std::to_string(response->status) + " with " +
                                std::to_string(response->body_bytes) + " bytes");
      continue;
    }
    for (const auto& d : digester->finish()) entry.digests.push_back(d);
    ++result.files_hashed;
  }
}

// Checksum lists published beside the files prove content without downloading it: fetch each
// (an index page, same limits), and attach its digests to the entries it names. Files it names
// that the listing did not show are added: the list is evidence of them too.
void apply_checksum_lists(HttpClient& client, const CrawlOptions& options, CrawlResult& result) {
  std::vector<std::size_t> lists;
  for (std::size_t i = 0; i < result.manifest.entries.size(); ++i) {
    const auto& e = result.manifest.entries[i];
    const auto slash = e.path.rfind('/');
    if (!e.url.empty() &&
        looks_like_checksum_file(slash == std::string::npos ? e.path : e.path.substr(slash + 1))) {
      lists.push_back(i);
    }
  }
  if (lists.empty()) return;
  // Keys view the entries' own paths: entries are a deque, so adding one moves no other.
  std::unordered_map<std::string_view, std::size_t> by_path;
  by_path.reserve(result.manifest.entries.size());
  for (std::size_t i = 0; i < result.manifest.entries.size(); ++i)
    by_path.insert_or_assign(result.manifest.entries[i].path, i);  // the last of duplicates
  for (const auto index : lists) {
    if (result.pages_fetched >= options.max_pages) break;
    const FileEntry list_entry = result.manifest.entries[index];
    HttpRequest request{
        .url = list_entry.url, .proxy_url = options.proxy_url, .limits = options.limits};
    const auto response = client.get(request);
    ++result.pages_fetched;
    if (!response) {
      result.problems.push_back(response.error().message);
      continue;
    }
    result.bytes_fetched += response->body_bytes;
    if (response->status != 200) {
      result.problems.push_back(list_entry.url.str() + ": HTTP " +
                                std::to_string(response->status));
      continue;
    }
    note_document(result.manifest, "checksums", list_entry.url.str(), response->body);
    const auto slash = list_entry.path.rfind('/');
    const std::string folder =
        slash == std::string::npos ? "" : list_entry.path.substr(0, slash + 1);
    auto parsed = parse_checksum_list(response->body, list_entry.path, options.max_entries);
    if (!parsed) {
      result.problems.push_back(list_entry.url.str() + ": " + parsed.error().message);
      continue;
    }
    for (const auto& line : parsed->lines) {
      const std::string path = folder + line.path;
      auto it = by_path.find(path);
      if (it == by_path.end()) {
        if (result.manifest.entries.size() >= options.max_entries) break;
        FileEntry added;
        added.path = path;
        result.manifest.entries.push_back(std::move(added));
        it =
            by_path.emplace(result.manifest.entries.back().path, result.manifest.entries.size() - 1)
                .first;
      }
      auto& digests = result.manifest.entries[it->second].digests;
      if (std::find(digests.begin(), digests.end(), line.digest) == digests.end())
        digests.push_back(line.digest);
    }
  }
}

bool is_zip_name(std::string_view path);

bool needs_url(const CrawlOptions& options, const FileEntry& entry) {
  const auto slash = entry.path.rfind('/');
  const auto name = slash == std::string::npos ? std::string_view(entry.path)
                                               : std::string_view(entry.path).substr(slash + 1);
  return (options.wants_content && options.wants_content(entry)) ||
         (options.wants_size && !entry.size && options.wants_size(entry)) || is_zip_name(name) ||
         looks_like_checksum_file(name) || is_torrent_name(name);
}

bool is_zip_name(std::string_view path) {
  if (path.size() < 4) return false;
  std::string ext(path.substr(path.size() - 4));
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".zip";
}

std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// Lists a remote zip with two Range requests (tail, then central directory unless the tail
// already holds it). Entries are named "archive.zip!inner/path" and carry size and CRC-32.
Result<FileEntries> list_remote_zip(HttpClient& client, const CrawlOptions& options,
                                    const std::string& url, const std::string& prefix,
                                    CrawlResult& result) {
  HttpRequest tail_request{.url = url, .proxy_url = options.proxy_url, .limits = options.limits};
  tail_request.tail_bytes = kZipTailBytes;
  tail_request.limits.max_body_bytes = kZipTailBytes;  // a server ignoring Range is cut off here
  const auto tail = client.get(tail_request);
  if (!tail) {
    // More than the tail asked for: the server answered with the whole file.
    if (tail.error().message.find("exceeds the limit") != std::string::npos)
      return Error{url + ": the server ignores Range requests (it sent more than the " +
                   std::to_string(kZipTailBytes) +
                   " bytes asked for), so the zip directory cannot be read without downloading "
                   "the whole archive; not listed"};
    return tail.error();
  }
  result.bytes_fetched += tail->body_bytes;
  result.archive_bytes += tail->body_bytes;
  if (tail->status != 206 && tail->status != 200)
    return Error{url + ": HTTP " + std::to_string(tail->status)};
  const std::uint64_t file_size =
      tail->status == 206 && tail->total_size ? *tail->total_size : tail->body.size();
  const std::uint64_t tail_offset =
      tail->status == 206 && tail->range_start ? *tail->range_start : 0;
  auto where = parse_zip_tail(bytes_of(tail->body), tail_offset, file_size);
  if (!where) return Error{url + ": " + where.error().message};
  if (where->cd_size > options.limits.max_body_bytes) {
    return Error{url + ": zip central directory of " + std::to_string(where->cd_size) +
                 " bytes exceeds the page limit"};
  }
  std::string directory;
  if (where->cd_offset >= tail_offset) {
    directory = tail->body.substr(where->cd_offset - tail_offset, where->cd_size);
  } else if (where->cd_size > 0) {
    HttpRequest cd_request{.url = url, .proxy_url = options.proxy_url, .limits = options.limits};
    cd_request.range = {where->cd_offset, where->cd_offset + where->cd_size - 1};
    cd_request.limits.max_body_bytes = where->cd_size;
    const auto cd = client.get(cd_request);
    if (!cd) return cd.error();
    result.bytes_fetched += cd->body_bytes;
    result.archive_bytes += cd->body_bytes;
    if (cd->status != 206 || cd->body.size() != where->cd_size) {
      return Error{url + ": range request for the zip central directory returned HTTP " +
                   std::to_string(cd->status)};
    }
    directory = cd->body;
  }
  // The directory is the index of the archive: what its listing rests on.
  note_document(result.manifest, "zip-directory", url, directory);
  const std::uint64_t room =
      options.max_entries -
      std::min<std::uint64_t>(options.max_entries, result.manifest.entries.size());
  auto listed = parse_zip_central_directory(bytes_of(directory), room);
  if (!listed) return Error{url + ": " + listed.error().message};
  if (listed->truncated) result.problems.push_back(url + ": zip listing stopped at max_entries");
  FileEntries out;
  for (const auto& z : listed->entries) {
    FileEntry e;
    e.path = prefix + "!" + z.path;
    e.size = z.size;
    const std::uint8_t crc[4] = {
        static_cast<std::uint8_t>(z.crc32 >> 24), static_cast<std::uint8_t>(z.crc32 >> 16),
        static_cast<std::uint8_t>(z.crc32 >> 8), static_cast<std::uint8_t>(z.crc32)};
    e.digests.push_back(Digest::from_bytes(DigestKind::crc32, crc));
    out.push_back(std::move(e));
  }
  ++result.archives_listed;
  return out;
}

void list_archives(HttpClient& client, const CrawlOptions& options, CrawlResult& result) {
  std::vector<std::pair<std::string, std::string>> archives;  // url, path
  for (const auto& e : result.manifest.entries) {
    if (!e.url.empty() && is_zip_name(e.path)) archives.emplace_back(e.url, e.path);
  }
  for (const auto& [url, path] : archives) {
    if (result.archives_listed >= options.max_archives) {
      result.problems.push_back(options.url + ": stopped listing archives at max_archives=" +
                                std::to_string(options.max_archives));
      break;
    }
    auto entries = list_remote_zip(client, options, url, path, result);
    if (!entries) {
      result.problems.push_back(entries.error().message);
      continue;
    }
    for (auto& e : *entries) result.manifest.entries.push_back(std::move(e));
  }
}

// Size probes: the exact size of entries the app asks about (a name that matches a signature
// file, no exact size in the listing), learnt without their content: HEAD's Content-Length, or
// where that gives none, a `Range: bytes=0-0` GET's Content-Range total (one byte at most is
// read). At most options.probe_budget entries, through the source's proxy and rate limit.
void probe_sizes(HttpClient& client, const CrawlOptions& options, CrawlResult& result) {
  if (!options.wants_size || options.probe_budget == 0) return;
  std::vector<std::size_t> todo;
  std::uint64_t wanted = 0;
  for (std::size_t i = 0; i < result.manifest.entries.size(); ++i) {
    const auto& e = result.manifest.entries[i];
    if (e.size || e.url.empty() || !options.wants_size(e)) continue;
    ++wanted;
    if (todo.size() < options.probe_budget) todo.push_back(i);
  }
  if (wanted > todo.size()) {
    result.notes.push_back(
        "size probes stopped at probe_budget=" + std::to_string(options.probe_budget) + ": " +
        std::to_string(wanted - todo.size()) + " name-matched entries left " +
        "without an exact size");
  }
  if (todo.empty()) return;
  const auto request_for = [&](std::size_t i, bool head) {
    HttpRequest r{.url = result.manifest.entries[i].url,
                  .proxy_url = options.proxy_url,
                  .limits = options.limits};
    r.head = head;
    if (!head) {
      r.range = std::pair<std::uint64_t, std::uint64_t>{0, 0};
      r.limits.max_body_bytes = 1;  // a server ignoring Range is cut off at once
    }
    return r;
  };
  for (const bool head : {true, false}) {
    std::vector<HttpRequest> requests;
    requests.reserve(todo.size());
    for (const auto i : todo) requests.push_back(request_for(i, head));
    result.size_probes += requests.size();
    const auto answers = client.get_many(requests, options.concurrency);
    std::vector<std::size_t> left;
    for (std::size_t k = 0; k < answers.size(); ++k) {
      auto& entry = result.manifest.entries[todo[k]];
      const auto& a = answers[k];
      std::optional<std::uint64_t> size;
      if (a && head && a->status == 200) size = a->content_length;
      if (a && !head && a->status == 206) size = a->total_size;
      if (a) result.bytes_fetched += a->body_bytes;
      if (size) {
        entry.size = *size;
      } else if (head) {
        left.push_back(todo[k]);
      }
    }
    todo = std::move(left);
    if (todo.empty()) break;
  }
}

}  // namespace

void examine_files(HttpClient& client, const CrawlOptions& options, CrawlResult& result) {
  probe_sizes(client, options, result);
  apply_checksum_lists(client, options, result);
  if (options.max_archives > 0) list_archives(client, options, result);
  if (options.max_torrents > 0) fetch_linked_torrents(client, options, result);
  if (options.wants_content && options.make_digester && options.content_budget > 0) {
    hash_candidates(client, options, result);
  }
}

CrawlResult start_crawl(const CrawlOptions& options) {
  CrawlResult result;
  result.manifest.source = options.source_name;
  result.manifest.locator = options.url;
  result.manifest.fetched_at = now();
  return result;
}

void finish_crawl(CrawlResult& result, bool ok) {
  result.status = !ok                       ? ScanStatus::failed
                  : result.problems.empty() ? ScanStatus::ok
                                            : ScanStatus::partial;
  if (!result.problems.empty() && result.error.empty()) result.error = result.problems.front();
}

CrawlResult crawl_archive(HttpClient& client, const CrawlOptions& options) {
  CrawlResult result = start_crawl(options);
  const auto url = parse_url(options.url);
  if (!url) {
    result.error = options.url + ": not a URL";
    return result;
  }
  const auto slash = url->path.rfind('/');
  auto name = percent_decode(url->path.substr(slash + 1));
  if (name.empty()) name = "archive.zip";
  auto entries = list_remote_zip(client, options, options.url, name, result);
  ++result.pages_fetched;
  if (!entries) {
    result.error = entries.error().message;
    return result;
  }
  result.manifest.entries = std::move(entries).value();
  finish_crawl(result, true);
  return result;
}

CrawlResult crawl_listing(HttpClient& client, const CrawlOptions& options) {
  CrawlResult result = start_crawl(options);

  auto root = parse_url(options.url);
  if (!root) {
    result.error = options.url + ": not a URL";
    return result;
  }
  if (is_zip_name(root->path)) return crawl_archive(client, options);

  // Breadth first, one folder level at a time, each level fetched concurrently.
  std::vector<PendingPage> level{{*root, "", 0}};
  std::set<std::string> visited{root->str()};
  bool root_ok = false;
  bool incomplete = false;
  bool entries_full = false;

  while (!level.empty() && !entries_full) {
    const std::uint64_t allowed =
        options.max_pages - std::min(options.max_pages, result.pages_fetched);
    if (level.size() > allowed) {
      result.problems.push_back(
          options.url + ": stopped at max_pages=" + std::to_string(options.max_pages) + " with " +
          std::to_string(level.size() - allowed) + " folders left");
      incomplete = true;
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
    std::vector<PendingPage> next_level;
    // Each page is parsed, and its body dropped, as soon as it arrives.
    const auto on_page = [&](std::size_t i, Result<HttpResponse> response) {
      if (entries_full) return;
      PendingPage& page = level[i];
      const std::string& page_url = requests[i].url;
      // Links resolve against the URL that answered (after the server's redirects); the
      // source's root is the folder that answered for the configured URL.
      if (response && !response->effective_url.empty()) {
        if (auto answered = parse_url(response->effective_url)) {
          page.url = std::move(*answered);
          if (page.depth == 0) {
            root = page.url;
            root->path = root->path.substr(0, root->path.rfind('/') + 1);
            visited.insert(page.url.str());
          }
        }
      }
      if (page.depth == 0 && response) {
        result.http_status = response->status;
        result.latency = response->elapsed;
      }
      if (!response) {
        result.problems.push_back(response.error().message);
        incomplete = true;
        return;
      }
      result.bytes_fetched += response->body_bytes;
      if (response->status != 200) {
        result.problems.push_back(page_url + ": HTTP " + std::to_string(response->status));
        incomplete = true;
        return;
      }
      const std::size_t room =
          options.max_entries -
          std::min<std::uint64_t>(options.max_entries, result.manifest.entries.size());
      auto listing = parse_listing(response->body, response->content_type, room + 1);
      if (!listing) {
        result.problems.push_back(page_url + ": " + listing.error().message);
        incomplete = true;
        return;
      }
      if (page.depth == 0) root_ok = true;
      note_document(result.manifest, "listing", page_url, response->body);
      for (auto& e : listing->entries) {
        const auto target = resolve_url(page.url, e.href);
        if (!target || !within_root(*root, *target)) continue;
        if (e.is_dir) {
          if (page.depth >= options.depth) continue;
          if (!visited.insert(target->str()).second) continue;
          next_level.push_back({*target, page.prefix + e.name + "/", page.depth + 1});
          continue;
        }
        if (result.manifest.entries.size() >= options.max_entries) {
          result.problems.push_back(
              page_url + ": stopped at max_entries=" + std::to_string(options.max_entries));
          incomplete = true;
          entries_full = true;
          break;
        }
        FileEntry entry;
        entry.path = page.prefix + e.name;
        (e.size_exact ? entry.size : entry.size_estimate) = e.size;
        // The file's own URL is kept only where something may fetch from it (content, an
        // archive's directory, a checksum list): most entries are names and sizes only.
        if (needs_url(options, entry)) entry.url = target->str(true);
        result.manifest.entries.push_back(std::move(entry));
      }
    };
    if (level.size() == 1 && level[0].depth == 0 && options.first_page) {
      // Fetched and counted by the caller.
      --result.pages_fetched;
      const auto bytes = result.bytes_fetched;
      on_page(0, *options.first_page);
      result.bytes_fetched = bytes;
    } else {
      client.get_each(requests, options.concurrency, on_page);
    }
    level = std::move(next_level);
  }

  // Pages complete in any order: sort, so a manifest (and its evidence) is the same every time.
  std::sort(result.manifest.entries.begin(), result.manifest.entries.end(),
            [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
  if (root_ok) examine_files(client, options, result);

  if (!root_ok) {
    result.status = ScanStatus::failed;
  } else {
    result.status = incomplete ? ScanStatus::partial : ScanStatus::ok;
  }
  if (!result.problems.empty()) result.error = result.problems.front();
  return result;
}

}  // namespace leakwatch::crawler
