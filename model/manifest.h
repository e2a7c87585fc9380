// Manifest: what one fetch of one index revealed. Produced by the crawler, consumed by the
// matcher; a plain value with no behaviour, so both sides can be tested on their own.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "model/digest.h"
#include "model/packed.h"
#include "model/scan_record.h"
#include "model/time.h"

namespace leakwatch {

// One file an index names. A big listing or torrent holds hundreds of thousands of these, so
// the fields are packed (model/packed.h): 80 bytes, where std::optional and std::string for
// every field took 144 (docs/PERFORMANCE.md, "Crawler memory").
struct FileEntry {
  std::string path;  // relative to the index root, '/'-separated, URL-decoded
  OptionalU64 size;  // exact bytes; unknown when the index does not say
  // A rounded size from a listing that prints "1.2M" or "0.1K": never used as an exact size.
  OptionalU64 size_estimate;
  DigestList digests;  // whatever the index carried (or content hashing produced)
  SparseString url;    // where the file itself lives, kept only where something may fetch it
  // Torrents: the file's byte offset in the concatenated payload; pad files (BEP 47) are marked.
  OptionalU64 torrent_offset;
  bool pad = false;
};

// Entries in blocks: growing never copies the entries already held, so a crawl's peak is the
// entries themselves and not twice them, and references to entries stay valid.
using FileEntries = std::deque<FileEntry>;

// A torrent's piece layout, for v1 piece-hash matching.
struct TorrentLayout {
  std::string name;
  std::string infohash_v1;  // hex, empty if none
  std::string infohash_v2;  // hex, empty if none
  std::uint64_t piece_length = 0;
  std::vector<std::array<std::uint8_t, 20>> piece_hashes;
};

// A text dump (paste, .txt, .csv, page text) handed to the record matcher, already capped.
struct TextBlob {
  std::string origin;  // URL or remote path
  std::string text;
};

struct Manifest {
  std::string source;   // config source name ("adhoc" for `check`)
  std::string locator;  // URL, magnet/infohash, or `URL!path/inside.zip`
  Timestamp fetched_at{};
  FileEntries entries;
  std::vector<TextBlob> texts;
  std::optional<TorrentLayout> torrent;
  // The index documents this manifest was read from (never file content or text bodies), for
  // the scan record; not stored with the manifest.
  std::vector<FetchedDocument> documents;
  std::uint64_t documents_omitted = 0;  // beyond kMaxFetchedDocuments
};

}  // namespace leakwatch
