// Remote zip archives listed without downloading them: the end-of-central-directory record
// (APPNOTE 4.3.16, ZIP64 4.3.14/4.3.15) says where the central directory is, and the central
// directory (4.3.12) names every entry with its size and CRC-32. Pure parsers with limits; the
// crawl fetches the two byte ranges they need.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "model/result.h"

namespace leakwatch::crawler {

// How many bytes from the end of an archive hold the EOCD record wherever it can be: the record
// (22 bytes) may be followed by a comment of up to 65535 bytes, and preceded by the ZIP64
// locator (20) and ZIP64 record (56).
inline constexpr std::uint64_t kZipTailBytes = 22 + 65535 + 20 + 56;

struct ZipTail {
  std::uint64_t cd_offset = 0;  // absolute offset of the central directory in the file
  std::uint64_t cd_size = 0;
  std::uint64_t entries = 0;
  bool zip64 = false;
};

// `tail` holds the file's bytes from `tail_offset` to its end (`file_size`).
Result<ZipTail> parse_zip_tail(std::span<const std::uint8_t> tail, std::uint64_t tail_offset,
                               std::uint64_t file_size);

struct ZipEntry {
  std::string path;
  std::uint64_t size = 0;  // uncompressed
  std::uint64_t compressed_size = 0;
  std::uint32_t crc32 = 0;
  bool encrypted = false;
};

struct ZipDirectory {
  std::vector<ZipEntry> entries;  // files only; folders are skipped
  bool truncated = false;         // stopped at max_entries
};

Result<ZipDirectory> parse_zip_central_directory(std::span<const std::uint8_t> cd,
                                                 std::size_t max_entries);

}  // namespace leakwatch::crawler
