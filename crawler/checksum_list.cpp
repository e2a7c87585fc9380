#include "crawler/checksum_list.h"

#include <algorithm>
#include <cctype>

#include "model/text.h"

namespace leakwatch::crawler {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool is_hex(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c); });
}

std::string clean_path(std::string_view p, bool windows_separators = false) {
  while (p.starts_with("./")) p.remove_prefix(2);
  std::string out(p);
  if (windows_separators) std::replace(out.begin(), out.end(), '\\', '/');
  return out;
}

// GNU escapes names holding '\\' or '\n' with a leading backslash: "\\" and "\n" inside.
std::string unescape_gnu(std::string_view name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '\\' && i + 1 < name.size()) {
      out += name[i + 1] == 'n' ? '\n' : name[i + 1];
      ++i;
    } else {
      out += name[i];
    }
  }
  return out;
}

std::optional<DigestKind> kind_for_hex(std::size_t hex_len, bool xxh_hint) {
  switch (hex_len) {
    case 64:
      return DigestKind::sha256;
    case 40:
      return DigestKind::sha1;
    case 32:
      return xxh_hint ? DigestKind::xxh3_128 : DigestKind::md5;
    case 8:
      return DigestKind::crc32;
    default:
      return std::nullopt;
  }
}

std::optional<DigestKind> kind_for_bsd(std::string_view algo) {
  const auto a = ascii_lower(algo);
  if (a == "sha256") return DigestKind::sha256;
  if (a == "sha1") return DigestKind::sha1;
  if (a == "md5") return DigestKind::md5;
  if (a == "xxh128") return DigestKind::xxh3_128;
  if (a == "crc32") return DigestKind::crc32;
  return std::nullopt;
}

}  // namespace

bool looks_like_checksum_file(std::string_view file_name) {
  const auto n = ascii_lower(file_name);
  for (const auto* suffix : {".sha256", ".sha1", ".md5", ".sfv", ".sha256sum", ".md5sum",
                             ".sha1sum", ".xxh128", ".checksums"}) {
    if (n.ends_with(suffix)) return true;
  }
  for (const auto* name : {"sha256sums", "sha1sums", "md5sums", "xxh128sums", "checksums",
                           "sha256sums.txt", "md5sums.txt", "sha1sums.txt", "checksums.txt",
                           "md5sum.txt", "sha256sum.txt", "hashes.txt"}) {
    if (n == name) return true;
  }
  return false;
}

Result<ChecksumList> parse_checksum_list(std::string_view text, std::string_view file_name,
                                         std::size_t max_lines) {
  const auto fname = ascii_lower(file_name);
  const bool sfv = fname.ends_with(".sfv");
  const bool xxh_hint = fname.find("xxh") != std::string::npos;
  ChecksumList out;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 BOM
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    auto line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto t = trim(line);
    if (t.empty() || t.front() == ';' || t.front() == '#') continue;
    if (out.lines.size() >= max_lines) {
      out.truncated = true;
      break;
    }
    if (sfv) {
      // "path/with spaces.bin 1A2B3C4D": the CRC is the last field.
      const auto space = t.find_last_of(" \t");
      const auto hex = space == std::string_view::npos ? std::string_view{} : t.substr(space + 1);
      const auto d = hex.size() == 8 ? Digest::from_hex(DigestKind::crc32, hex) : std::nullopt;
      if (!d) {
        ++out.bad_lines;
        continue;
      }
      out.lines.push_back({clean_path(trim(t.substr(0, space)), true), *d});
      continue;
    }
    // BSD: ALGO (path) = hex; GNU --tag prefixes a '\\' when the name is escaped.
    const bool bsd_escaped = t.starts_with('\\');
    const auto bsd = bsd_escaped ? t.substr(1) : t;
    if (const auto open = bsd.find(" ("); open != std::string_view::npos) {
      const auto close = bsd.rfind(") = ");
      if (close != std::string_view::npos && close > open) {
        const auto kind = kind_for_bsd(bsd.substr(0, open));
        const auto hex = trim(bsd.substr(close + 4));
        if (kind && hex.size() == 2 * digest_size(*kind)) {
          if (const auto d = Digest::from_hex(*kind, hex)) {
            const auto name = bsd.substr(open + 2, close - open - 2);
            out.lines.push_back(
                {clean_path(bsd_escaped ? unescape_gnu(name) : std::string(name)), *d});
            continue;
          }
        }
      }
    }
    // GNU: [\]hex  path   or   hex *path (binary mode)
    std::string_view rest = line;
    const bool escaped = rest.starts_with('\\');
    if (escaped) rest.remove_prefix(1);
    const auto space = rest.find(' ');
    const auto hex = rest.substr(0, space);
    const auto kind = is_hex(hex) ? kind_for_hex(hex.size(), xxh_hint) : std::nullopt;
    if (!kind || space == std::string_view::npos || space + 2 > rest.size() ||
        (rest[space + 1] != ' ' && rest[space + 1] != '*')) {
      ++out.bad_lines;
      continue;
    }
    auto name = rest.substr(space + 2);
    if (name.empty()) {
      ++out.bad_lines;
      continue;
    }
    out.lines.push_back({clean_path(escaped ? unescape_gnu(name) : std::string(name)),
                         *Digest::from_hex(*kind, hex)});
  }
  if (out.lines.empty()) {
    return Error{std::string(file_name) + ": no checksum lines (" + std::to_string(out.bad_lines) +
                 " lines not understood)"};
  }
  return out;
}

}  // namespace leakwatch::crawler
