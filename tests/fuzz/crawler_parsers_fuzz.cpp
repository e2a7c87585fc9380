// Fuzz targets for the crawler's parsers: each gets bytes a leak site controls and must answer
// with entries or an error, never a crash, a hang or unbounded memory (limits below).
#include <cstdint>
#include <span>
#include <string_view>

#include "crawler/checksum_list.h"
#include "crawler/json_tree.h"
#include "crawler/listing.h"
#include "crawler/zip_directory.h"

namespace {
constexpr std::size_t kMaxEntries = 10'000;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace leakwatch::crawler;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::span<const std::uint8_t> bytes(data, size);
#if defined(LEAKWATCH_FUZZ_LISTING)
  for (const auto* type : {"text/html", "application/json", "text/xml", ""}) {
    if (auto r = parse_listing(text, type, kMaxEntries)) {
      if (r->entries.size() > kMaxEntries + 1) __builtin_trap();
    }
  }
  (void)parse_html_listing(text, kMaxEntries);
  (void)decode_html_entities(text.substr(0, 4096));
#elif defined(LEAKWATCH_FUZZ_CHECKSUMS)
  for (const auto* name : {"SHA256SUMS", "MD5SUMS", "files.sfv", "CHECKSUMS.txt"}) {
    if (auto r = parse_checksum_list(text, name, kMaxEntries)) {
      if (r->lines.size() > kMaxEntries) __builtin_trap();
    }
  }
#elif defined(LEAKWATCH_FUZZ_JSON_TREE)
  if (auto r = parse_json_tree(text, JsonTreeKeys{}, kMaxEntries)) {
    if (r->entries.size() > kMaxEntries) __builtin_trap();
  }
#elif defined(LEAKWATCH_FUZZ_ZIP)
  (void)parse_zip_tail(bytes, 0, size);
  if (size > 22) (void)parse_zip_tail(bytes.subspan(size / 2), size / 2, size);
  if (auto r = parse_zip_central_directory(bytes, kMaxEntries)) {
    if (r->entries.size() > kMaxEntries) __builtin_trap();
  }
#else
#error "define one LEAKWATCH_FUZZ_* target"
#endif
  return 0;
}
