// Checksum lists that leak posts publish beside their files: GNU coreutils output
// (sha256sum/sha1sum/md5sum, text and binary mode, escaped names), BSD-style
// `SHA256 (file) = hex`, and .sfv (CRC-32). Pure: bytes in, digests per path out.
// They let a file be proven by content without downloading it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/digest.h"
#include "model/result.h"

namespace leakwatch::crawler {

struct ChecksumLine {
  std::string path;  // as written, '/'-separated, "./" removed
  Digest digest;
};

struct ChecksumList {
  std::vector<ChecksumLine> lines;
  std::size_t bad_lines = 0;  // lines that were neither blank, comments nor checksums
  bool truncated = false;
};

// `file_name` picks the digest kind where the hex length is ambiguous (32 hex digits: md5, or
// xxh3 for *.xxh128 / XXH128SUMS) and selects .sfv parsing. An error when no line parses.
Result<ChecksumList> parse_checksum_list(std::string_view text, std::string_view file_name,
                                         std::size_t max_lines);

// True for names checksum lists usually have: SHA256SUMS, *.sha256, md5sum.txt, *.sfv, ...
bool looks_like_checksum_file(std::string_view file_name);

}  // namespace leakwatch::crawler
