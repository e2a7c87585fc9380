// Store values that can be big (a source's latest manifest and its change records) are kept as
// zstd frames of their JSON text: the 200,000-entry manifest of the crawl benchmark is 8 MB of
// text and well under 1 MB as a frame, and that is what the write batch, the WAL and the memtable
// then hold. Values written before schema 3 are the text itself. A zstd frame starts with bytes
// no JSON text starts with, so readers take either.
#pragma once

#include <istream>
#include <memory>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

#include "model/result.h"

namespace leakwatch::store {

bool is_frame(std::string_view value);

// Compresses text as it is made: write() the pieces, then finish() gives the frame.
class FrameWriter {
 public:
  FrameWriter();
  ~FrameWriter();
  FrameWriter(const FrameWriter&) = delete;
  FrameWriter& operator=(const FrameWriter&) = delete;

  void write(std::string_view text);
  std::string finish();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
  std::string frame_;
};

std::string frame_of(std::string_view text);

// The text of a stored value, framed or not, whole (for values that are small once read).
Result<std::string> text_of(std::string_view value, std::string_view what);

// A stored value's text as a stream, decompressed as it is read: a big manifest is parsed without
// its text ever being whole in memory. `value` must outlive the stream. A damaged frame (a bad
// checksum, a cut, bytes after its end) ends the stream and error() says why: check it even when
// the text parsed.
class FrameStream : public std::istream {
 public:
  explicit FrameStream(std::string_view value);
  explicit FrameStream(std::string&&) = delete;  // the stream would outlive a temporary
  ~FrameStream() override;
  const std::string& error() const;

 private:
  class Buffer;
  std::unique_ptr<Buffer> buffer_;
};

}  // namespace leakwatch::store
