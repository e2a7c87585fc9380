// Fuzz target for the store's manifest values: bytes read as a stored value (a zstd frame or the
// plain JSON text of schema 2), and the same bytes framed, which must read exactly as plain.
#include <cstdint>
#include <string>
#include <string_view>

#include "model/json.h"
#include "store/value_frame.h"

namespace {

leakwatch::Result<leakwatch::Manifest> read(std::string_view value, std::size_t& entries) {
  leakwatch::store::FrameStream text(value);
  entries = 0;
  return leakwatch::visit_manifest_json_text(text, "fuzz",
                                             [&](leakwatch::FileEntry&&) { ++entries; });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::size_t as_is = 0;
  (void)read(bytes, as_is);
  if (leakwatch::store::is_frame(bytes)) return 0;
  // Oracle: plain text and its frame read the same.
  std::size_t plain_entries = 0, framed_entries = 0;
  const auto frame = leakwatch::store::frame_of(bytes);
  const auto plain = read(bytes, plain_entries);
  const auto framed = read(frame, framed_entries);
  if (static_cast<bool>(plain) != static_cast<bool>(framed)) __builtin_trap();
  if (plain_entries != framed_entries) __builtin_trap();
  if (plain && leakwatch::to_json_text(*plain) != leakwatch::to_json_text(*framed))
    __builtin_trap();
  // A damaged frame is an error or a manifest, never a crash.
  if (!frame.empty()) {
    auto damaged = frame;
    damaged[size % damaged.size()] = static_cast<char>(damaged[size % damaged.size()] ^ 0x41);
    std::size_t ignored = 0;
    (void)read(damaged, ignored);
  }
  return 0;
}
