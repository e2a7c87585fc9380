// Crawling one source: fetch its index pages through its proxy, follow sub-folders within the
// source and within limits, and build the Manifest. Optionally hash the content of candidate
// files in memory (`fetch_content = "candidates"`), within a byte budget.
// The crawler never writes to the store and knows nothing of signatures: the app tells it which
// files are candidates and hands it a digester.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crawler/json_tree.h"
#include "model/digest_sink.h"
#include "model/manifest.h"
#include "model/scan_record.h"
#include "net/http_client.h"

namespace leakwatch::crawler {

// What the source URL points at. `auto_detect` fetches the URL as written and decides from the
// answer after redirects, never from the URL's name (see detect_kind).
enum class CrawlKind { auto_detect, listing, json_tree, checksums, archive, text, page, torrent };

// What an answer is, for `auto`: its Content-Type where that is specific (zip, bittorrent, HTML:
// a listing if any supported server's listing parses, else a leak post page; JSON: a listing or
// a JSON tree), else sniffed from the body in this order: zip signature, bencoded torrent, HTML
// (listing or page), nginx XML/JSON listing, JSON tree, checksum list, readable text.
// auto_detect when it is none of these (binary). `file_name` only picks a checksum list's
// digest kind where the hex length is ambiguous.
CrawlKind detect_kind(std::string_view content_type, std::string_view body,
                      std::string_view file_name);

struct CrawlOptions {
  CrawlKind kind = CrawlKind::auto_detect;
  JsonTreeKeys json_keys;
  std::string source_name;
  std::string url;
  std::string proxy_url;   // empty: direct
  std::string proxy_name;  // for the scan record
  int depth = 4;
  std::uint64_t max_pages = 2000;
  std::uint64_t max_entries = 1'000'000;
  // Zip archives whose central directory is read with two Range requests per archive.
  std::uint64_t max_archives = 50;
  // .torrent files linked from a listing or page, each fetched and read into its own manifest.
  std::uint64_t max_torrents = 200;
  FetchLimits limits;
  // The wait for the metadata of the source's magnet links, all at once (unset: limits.timeout).
  std::optional<std::chrono::milliseconds> magnet_timeout;
  Concurrency concurrency;
  // Content hashing: off unless both are set. Files for which `wants_content` is true are
  // streamed through a fresh digester; their digests join the entry.
  std::function<bool(const FileEntry&)> wants_content;
  DigestSinkFactory make_digester;
  std::uint64_t content_budget = 0;
  // Size probes (examine_files, before content hashing): entries without an exact size for
  // which `wants_size` is true get it from HEAD's Content-Length, or where that gives none from
  // a Range: bytes=0-0 GET's Content-Range, at most `probe_budget` entries per crawl, through
  // the proxy and within the rate limit (`concurrency`). 0: none.
  std::function<bool(const FileEntry&)> wants_size;
  std::uint64_t probe_budget = 0;
  // Leak posts: bytes of same-site documents the post links (plates.txt, /raw/abc) read as
  // text, in all, for record and honeytoken matching.
  std::uint64_t linked_text_budget = 8ull << 20;
  // Page text a post crawl keeps for record and honeytoken matching, over all its pages: past
  // it, further pages are still followed for links but their text is dropped (and said so).
  std::uint64_t text_budget = 64ull << 20;
  // Validators from the last successful fetch of a single-document source (checksum list, JSON
  // tree, text dump, page): sent as If-None-Match / If-Modified-Since. Folder listings are always
  // fetched in full, since an unchanged top page says nothing of its sub-folders.
  std::string etag;
  std::string last_modified;
  // auto: the answer already fetched for `url` (a listing's first page is not fetched again).
  const HttpResponse* first_page = nullptr;
};

struct CrawlResult {
  Manifest manifest;
  ScanStatus status = ScanStatus::failed;
  std::string error;                  // first error; more in `problems`
  std::vector<std::string> problems;  // every page or file that failed, with its URL
  std::uint64_t pages_fetched = 0;
  std::uint64_t bytes_fetched = 0;  // index bytes plus content bytes
  std::uint64_t files_hashed = 0;
  std::uint64_t content_bytes = 0;
  std::uint64_t archives_listed = 0;
  std::uint64_t archive_bytes = 0;  // bytes fetched to list them (ranges, not the archives)
  std::uint64_t size_probes = 0;    // HEAD and Range 0-0 requests made to learn exact sizes
  // The document answered 304 Not Modified: nothing new to read; the manifest is empty and the
  // caller reuses the last one.
  bool not_modified = false;
  long http_status = 0;  // of the source URL itself
  std::chrono::milliseconds latency{};
  std::string etag;  // validators of this answer, for the next conditional request
  std::string last_modified;
  // Torrents the source links to (.torrent files, fetched and read: one manifest each, located
  // by info-hash) and magnet links it shows (resolved by the app through a torrent session).
  std::vector<Manifest> torrents;
  std::vector<std::string> magnets;
  std::vector<std::string> notes;  // for the scan record: what was skipped and why
};

// An empty result for this source, stamped with its name, locator and the time now.
CrawlResult start_crawl(const CrawlOptions& options);
// Its status from how it went: failed unless `ok`, else partial when problems were met, else ok;
// the first problem becomes the error when none was set.
void finish_crawl(CrawlResult& result, bool ok);

// One source of any kind.
CrawlResult crawl_source(HttpClient& client, const CrawlOptions& options);
// A leak post page: its text is kept, its links within the source followed to `depth`: pages
// and folder listings below the post's folder are read, files on the same site become entries
// (then examined as below, .torrent files among them), magnet links collected in `magnets`.
// Pages are always read in full (a post's page can stay the same while what it links changes).
CrawlResult crawl_pages(HttpClient& client, const CrawlOptions& options);
// A post page read: its links (as written, entities decoded) and its text, one line per text
// node (scripts and styles left out). An error for a page nested too deep to read whole.
struct PostPage {
  std::vector<std::string> hrefs;
  std::string text;
};
Result<PostPage> parse_post_page(std::string_view body);
// A file name that is a web page (.html, .php, ...), read as a post rather than a file.
bool is_page_name(std::string_view file_name);
// What a crawl does with the files it found that have a URL: checksum lists are read and their
// digests attached, zip directories listed by byte ranges, .torrent files read into `torrents`,
// and candidates hashed in memory when content hashing is on.
void examine_files(HttpClient& client, const CrawlOptions& options, CrawlResult& result);
// A directory listing, followed into sub-folders (also reached through crawl_source). A URL
// ending in ".zip" is listed as one archive. The URL is fetched as written (a folder URL without
// its slash is redirected by the server); links resolve against the URL that answered, and the
// source's root is the folder of that URL.
CrawlResult crawl_listing(HttpClient& client, const CrawlOptions& options);
// A zip archive at `options.url`, listed by two Range requests.
CrawlResult crawl_archive(HttpClient& client, const CrawlOptions& options);

}  // namespace leakwatch::crawler
