#include "matcher/file_hasher.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace leakwatch::matcher {

namespace {

struct EvpDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct XxhDeleter {
  void operator()(XXH3_state_t* s) const { XXH3_freeState(s); }
};

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

constexpr std::size_t kReadBuffer = 1 << 20;

}  // namespace

struct MultiHasher::State {
  std::unique_ptr<EVP_MD_CTX, EvpDeleter> sha256{EVP_MD_CTX_new()};
  std::unique_ptr<XXH3_state_t, XxhDeleter> xxh3{XXH3_createState()};
};

MultiHasher::MultiHasher() : state_(std::make_unique<State>()) {
  EVP_DigestInit_ex(state_->sha256.get(), EVP_sha256(), nullptr);
  XXH3_128bits_reset(state_->xxh3.get());
}

MultiHasher::~MultiHasher() = default;

void MultiHasher::update(std::span<const std::uint8_t> chunk) {
  EVP_DigestUpdate(state_->sha256.get(), chunk.data(), chunk.size());
  XXH3_128bits_update(state_->xxh3.get(), chunk.data(), chunk.size());
  bytes_ += chunk.size();
}

std::vector<Digest> MultiHasher::finish() {
  std::vector<Digest> out;
  std::uint8_t sha[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(state_->sha256.get(), sha, &len);
  out.push_back(Digest::from_bytes(DigestKind::sha256, {sha, len}));
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(state_->xxh3.get()));
  out.push_back(
      Digest::from_bytes(DigestKind::xxh3_128, {canonical.digest, sizeof canonical.digest}));
  return out;
}

Result<SignatureFile> hash_file(const std::filesystem::path& file, std::string relative_path) {
  FileDescriptor fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return Error{file.string() + ": cannot open: " + std::strerror(errno)};
  ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  std::vector<std::uint8_t> buffer(kReadBuffer);
  MultiHasher hasher;
  while (true) {
    const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error{file.string() + ": read failed: " + std::strerror(errno)};
    }
    if (n == 0) break;
    hasher.update({buffer.data(), static_cast<std::size_t>(n)});
  }
  SignatureFile out;
  out.path = std::move(relative_path);
  out.size = hasher.bytes();
  out.digests = hasher.finish();
  return out;
}

}  // namespace leakwatch::matcher
