#include "store/value_frame.h"

#include <zstd.h>

#include <array>
#include <cstring>

namespace leakwatch::store {

namespace {

constexpr int kLevel = 3;  // zstd's default: ~300 MB/s here, a tenth of the text for a listing
constexpr std::array<unsigned char, 4> kMagic = {0x28, 0xb5, 0x2f, 0xfd};

}  // namespace

bool is_frame(std::string_view value) {
  return value.size() >= kMagic.size() && std::memcmp(value.data(), kMagic.data(), 4) == 0;
}

struct FrameWriter::Context {
  struct Free {
    void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
  };
  std::unique_ptr<ZSTD_CCtx, Free> cctx{ZSTD_createCCtx()};
  std::array<char, 64 * 1024> out{};
};

FrameWriter::FrameWriter() : context_(std::make_unique<Context>()) {
  if (!context_->cctx) throw std::bad_alloc();
  ZSTD_CCtx_setParameter(context_->cctx.get(), ZSTD_c_compressionLevel, kLevel);
  // A checksum of the text: a damaged value is an error, never a different manifest.
  ZSTD_CCtx_setParameter(context_->cctx.get(), ZSTD_c_checksumFlag, 1);
}

FrameWriter::~FrameWriter() = default;

void FrameWriter::write(std::string_view text) {
  ZSTD_inBuffer in{text.data(), text.size(), 0};
  while (in.pos < in.size) {
    ZSTD_outBuffer out{context_->out.data(), context_->out.size(), 0};
    const auto r = ZSTD_compressStream2(context_->cctx.get(), &out, &in, ZSTD_e_continue);
    if (ZSTD_isError(r)) throw std::runtime_error(ZSTD_getErrorName(r));
    frame_.append(context_->out.data(), out.pos);
  }
}

std::string FrameWriter::finish() {
  ZSTD_inBuffer in{nullptr, 0, 0};
  for (;;) {
    ZSTD_outBuffer out{context_->out.data(), context_->out.size(), 0};
    const auto left = ZSTD_compressStream2(context_->cctx.get(), &out, &in, ZSTD_e_end);
    if (ZSTD_isError(left)) throw std::runtime_error(ZSTD_getErrorName(left));
    frame_.append(context_->out.data(), out.pos);
    if (left == 0) break;
  }
  return std::move(frame_);
}

std::string frame_of(std::string_view text) {
  FrameWriter writer;
  writer.write(text);
  return writer.finish();
}

class FrameStream::Buffer : public std::streambuf {
 public:
  explicit Buffer(std::string_view value) : in_{value.data(), value.size(), 0} {
    if (!is_frame(value)) {  // stored before schema 3: the text itself
      plain_ = value;
      char* begin = const_cast<char*>(plain_.data());  // read only: streambuf wants char*
      setg(begin, begin, begin + plain_.size());
      return;
    }
    dctx_.reset(ZSTD_createDCtx());
    if (!dctx_) error_ = "out of memory";
  }
  const std::string& error() const { return error_; }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    if (!dctx_ || done_ || !error_.empty()) return traits_type::eof();
    for (;;) {
      ZSTD_outBuffer out{buffer_.data(), buffer_.size(), 0};
      const auto left = ZSTD_decompressStream(dctx_.get(), &out, &in_);
      if (ZSTD_isError(left)) {
        error_ = ZSTD_getErrorName(left);
        return traits_type::eof();
      }
      if (left == 0) {  // the frame is complete (its last bytes may be in `out`)
        done_ = true;
        if (in_.pos != in_.size) error_ = "bytes after the end of the frame";
      }
      if (out.pos > 0) {
        setg(buffer_.data(), buffer_.data(), buffer_.data() + out.pos);
        return traits_type::to_int_type(*gptr());
      }
      if (done_) return traits_type::eof();
      if (in_.pos >= in_.size) {
        error_ = "the frame is cut short";
        return traits_type::eof();
      }
    }
  }

 private:
  struct Free {
    void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
  };
  ZSTD_inBuffer in_;
  std::string_view plain_;
  std::unique_ptr<ZSTD_DCtx, Free> dctx_;
  std::array<char, 64 * 1024> buffer_{};
  bool done_ = false;
  std::string error_;
};

FrameStream::FrameStream(std::string_view value)
    : std::istream(nullptr), buffer_(std::make_unique<Buffer>(value)) {
  rdbuf(buffer_.get());
}

FrameStream::~FrameStream() = default;

const std::string& FrameStream::error() const {
  return buffer_->error();
}

Result<std::string> text_of(std::string_view value, std::string_view what) {
  if (!is_frame(value)) return std::string(value);
  FrameStream stream(value);
  std::string text((std::istreambuf_iterator<char>(stream)), std::istreambuf_iterator<char>());
  if (!stream.error().empty()) {
    return Error{std::string(what) + ": damaged compressed value: " + stream.error()};
  }
  return text;
}

}  // namespace leakwatch::store
