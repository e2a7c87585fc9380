#include "crawler/zip_directory.h"

namespace leakwatch::crawler {

namespace {

constexpr std::uint32_t kEocdSig = 0x06054b50;
constexpr std::uint32_t kZip64LocatorSig = 0x07064b50;
constexpr std::uint32_t kZip64EocdSig = 0x06064b50;
constexpr std::uint32_t kCentralSig = 0x02014b50;

std::uint64_t le(std::span<const std::uint8_t> b, std::size_t pos, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = v << 8 | b[pos + static_cast<std::size_t>(i)];
  return v;
}

}  // namespace

Result<ZipTail> parse_zip_tail(std::span<const std::uint8_t> tail, std::uint64_t tail_offset,
                               std::uint64_t file_size) {
  if (tail.size() < 22) return Error{"zip: file too short for an end-of-central-directory record"};
  // Offsets below are relative to where the server says the tail starts: it must lie in the file.
  if (tail_offset > file_size || tail.size() > file_size - tail_offset)
    return Error{"zip: the fetched tail does not fit the file size the server gave"};
  // Scan backwards: the EOCD is the last signature whose comment length reaches the end exactly.
  std::size_t eocd = std::string::npos;
  for (std::size_t i = tail.size() - 22 + 1; i-- > 0;) {
    if (le(tail, i, 4) == kEocdSig && i + 22 + le(tail, i + 20, 2) == tail.size()) {
      eocd = i;
      break;
    }
  }
  if (eocd == std::string::npos) {
    for (std::size_t i = tail.size() - 22 + 1; i-- > 0;) {  // tolerate trailing junk
      if (le(tail, i, 4) == kEocdSig) {
        eocd = i;
        break;
      }
    }
  }
  if (eocd == std::string::npos)
    return Error{"zip: no end-of-central-directory record (not a zip archive?)"};
  ZipTail out;
  out.entries = le(tail, eocd + 10, 2);
  out.cd_size = le(tail, eocd + 12, 4);
  out.cd_offset = le(tail, eocd + 16, 4);
  std::uint64_t cd_end = tail_offset + eocd;  // where the directory really ends
  if (out.entries == 0xFFFF || out.cd_size == 0xFFFFFFFF || out.cd_offset == 0xFFFFFFFF) {
    if (eocd < 20 || le(tail, eocd - 20, 4) != kZip64LocatorSig) {
      return Error{"zip: ZIP64 fields without a ZIP64 locator"};
    }
    const std::uint64_t record = le(tail, eocd - 20 + 8, 8);
    // The 56-byte ZIP64 end record must lie in the tail before its 20-byte locator. Compared
    // without adding to the remote value: `record - tail_offset + 56` wraps for a record near
    // 2^64 and would pass.
    if (record < tail_offset || eocd < 20 + 56 || record - tail_offset > eocd - 20 - 56) {
      return Error{"zip: ZIP64 end record lies outside the fetched tail"};
    }
    const auto r = static_cast<std::size_t>(record - tail_offset);
    if (le(tail, r, 4) != kZip64EocdSig) return Error{"zip: bad ZIP64 end record signature"};
    out.zip64 = true;
    out.entries = le(tail, r + 32, 8);
    out.cd_size = le(tail, r + 40, 8);
    out.cd_offset = le(tail, r + 48, 8);
    cd_end = record;
  }
  if (out.cd_size > cd_end) return Error{"zip: central directory size larger than the file"};
  // Self-extracting archives and concatenations shift every offset: trust where the directory
  // really ends over the offset written in the record (so no sum of remote values is needed).
  out.cd_offset = cd_end - out.cd_size;
  if (cd_end > file_size) return Error{"zip: central directory beyond the end of file"};
  // A directory entry is at least 46 bytes: a count it cannot hold is a lie (a "4 billion
  // entries" claim in a 1 KiB directory); the entry limit applies to what is really there.
  if (out.entries > out.cd_size / 46 + 1) {
    return Error{"zip: directory claims " + std::to_string(out.entries) + " entries in " +
                 std::to_string(out.cd_size) + " bytes"};
  }
  return out;
}

Result<ZipDirectory> parse_zip_central_directory(std::span<const std::uint8_t> cd,
                                                 std::size_t max_entries) {
  ZipDirectory out;
  std::size_t pos = 0;
  while (pos + 46 <= cd.size()) {
    if (le(cd, pos, 4) != kCentralSig) {
      if (out.entries.empty()) return Error{"zip: central directory does not start with an entry"};
      break;  // digital signature or junk after the entries
    }
    const auto flags = le(cd, pos + 8, 2);
    const auto crc = static_cast<std::uint32_t>(le(cd, pos + 16, 4));
    std::uint64_t compressed = le(cd, pos + 20, 4);
    std::uint64_t size = le(cd, pos + 24, 4);
    const auto name_len = static_cast<std::size_t>(le(cd, pos + 28, 2));
    const auto extra_len = static_cast<std::size_t>(le(cd, pos + 30, 2));
    const auto comment_len = static_cast<std::size_t>(le(cd, pos + 32, 2));
    const std::uint64_t offset = le(cd, pos + 42, 4);
    // Each length is at most 65535 and pos + 46 <= cd.size(): the sum cannot wrap.
    const std::size_t next = pos + 46 + name_len + extra_len + comment_len;
    if (next > cd.size()) return Error{"zip: central directory entry runs past the directory"};
    std::string name(reinterpret_cast<const char*>(cd.data() + pos + 46), name_len);
    // ZIP64 extended information (APPNOTE 4.5.3): 8-byte values for the fields set to 0xFFFFFFFF,
    // in the order size, compressed size, offset.
    std::size_t extra = pos + 46 + name_len;
    const std::size_t extra_end = extra + extra_len;
    while (extra + 4 <= extra_end) {
      const auto id = le(cd, extra, 2);
      const auto len = static_cast<std::size_t>(le(cd, extra + 2, 2));
      if (extra + 4 + len > extra_end) break;
      if (id == 0x0001) {
        std::size_t field = extra + 4;
        auto take = [&](std::uint64_t& value) {
          if (value == 0xFFFFFFFF && field + 8 <= extra + 4 + len) {
            value = le(cd, field, 8);
            field += 8;
          }
        };
        take(size);
        take(compressed);
        std::uint64_t off = offset;
        take(off);
      }
      extra += 4 + len;
    }
    pos = next;
    if (name.empty() || name.back() == '/') continue;  // folders
    if (out.entries.size() >= max_entries) {
      out.truncated = true;
      break;
    }
    for (auto& c : name) {
      if (c == '\\') c = '/';
    }
    out.entries.push_back({std::move(name), size, compressed, crc, (flags & 1) != 0});
  }
  return out;
}

}  // namespace leakwatch::crawler
