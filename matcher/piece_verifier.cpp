#include "matcher/piece_verifier.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <vector>

namespace leakwatch::matcher {

namespace {

// Closes the descriptor on every path out.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

}  // namespace

std::optional<bool> LocalPieceVerifier::verify(const SignatureFile& file, std::uint64_t offset,
                                               std::uint64_t length,
                                               const std::array<std::uint8_t, 20>& sha1) const {
  if (file.original_path.empty() || length == 0 || length > limits_.max_piece_bytes) {
    return std::nullopt;
  }
  if (offset > file.size || length > file.size - offset) return std::nullopt;
  // Reserve the bytes first, so concurrent checks cannot overrun the budget together.
  if (bytes_read_.fetch_add(length) + length > limits_.budget_bytes) {
    bytes_read_.fetch_sub(length);
    return std::nullopt;
  }
  const Fd f(::open(file.original_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  struct stat st {};
  // The original must still be the file that was signed, at least by its size.
  if (f.fd < 0 || ::fstat(f.fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<std::uint64_t>(st.st_size) != file.size) {
    return std::nullopt;
  }
  const std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha1(), nullptr) != 1) return std::nullopt;
  std::vector<std::uint8_t> buffer(std::min<std::uint64_t>(length, 1u << 20));
  std::uint64_t done = 0;
  while (done < length) {
    const auto want = std::min<std::uint64_t>(buffer.size(), length - done);
    const auto got = ::pread(f.fd, buffer.data(), want, static_cast<off_t>(offset + done));
    if (got <= 0) return std::nullopt;
    EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<std::size_t>(got));
    done += static_cast<std::uint64_t>(got);
  }
  std::array<std::uint8_t, 20> out{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1 || len != 20) return std::nullopt;
  return out == sha1;
}

}  // namespace leakwatch::matcher
