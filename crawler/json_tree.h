// JSON file trees that leak sites publish ("files.json", API answers of file hosts): nested
// objects with a name or path, a size, optional digests, and child lists. Keys are found by
// configurable names with common defaults. Pure: bytes in, entries out, with limits.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/manifest.h"
#include "model/result.h"

namespace leakwatch::crawler {

struct JsonTreeKeys {
  std::vector<std::string> path = {"path", "name", "filename", "file", "key"};
  std::vector<std::string> size = {"size", "length", "bytes", "filesize", "file_size"};
  std::vector<std::string> children = {"children", "files", "items", "entries", "contents"};
  // Digest fields by kind name ("sha256", ...); a generic "hash"/"checksum" is typed by length.
  std::vector<std::string> hash = {"hash", "checksum", "digest"};
};

struct JsonTree {
  FileEntries entries;
  bool truncated = false;
};

Result<JsonTree> parse_json_tree(std::string_view body, const JsonTreeKeys& keys,
                                 std::size_t max_entries);

}  // namespace leakwatch::crawler
