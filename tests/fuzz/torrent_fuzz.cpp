// Fuzz target: .torrent bytes and magnet links from a leak site (libtorrent's bdecode under our
// limits, then our own manifest building).
#include <cstdint>
#include <span>
#include <string_view>

#include "crawler/torrent_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace leakwatch::crawler;
  const std::span<const std::uint8_t> bytes(data, size);
  (void)parse_torrent_file(bytes, "fuzz.torrent");
  (void)parse_torrent_info(bytes, "fuzz-info");
  (void)parse_magnet(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
