#include "matcher/file_hasher.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>
#include <xxhash.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

namespace leakwatch::matcher {

namespace {

struct EvpDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct EvpMdDeleter {
  void operator()(EVP_MD* m) const { EVP_MD_free(m); }
};
struct XxhDeleter {
  void operator()(XXH3_state_t* s) const { XXH3_freeState(s); }
};
using EvpContext = std::unique_ptr<EVP_MD_CTX, EvpDeleter>;
using Hash32 = std::array<std::uint8_t, 32>;

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
// Every hasher sees a slice while it is still in L1/L2, rather than each re-reading 1 MiB.
constexpr std::size_t kSlice = 64 * 1024;

// Fetched once: implicit fetches inside EVP_DigestInit_ex cost a lock per call in OpenSSL 3.
const EVP_MD* fetched(const char* name) {
  struct Fetched {
    std::unique_ptr<EVP_MD, EvpMdDeleter> sha256{EVP_MD_fetch(nullptr, "SHA256", nullptr)};
    std::unique_ptr<EVP_MD, EvpMdDeleter> sha1{EVP_MD_fetch(nullptr, "SHA1", nullptr)};
    std::unique_ptr<EVP_MD, EvpMdDeleter> md5{EVP_MD_fetch(nullptr, "MD5", nullptr)};
  };
  static const Fetched all;
  if (std::strcmp(name, "SHA256") == 0) return all.sha256.get();
  if (std::strcmp(name, "SHA1") == 0) return all.sha1.get();
  return all.md5.get();
}

EvpContext new_context(const char* name) {
  EvpContext ctx{EVP_MD_CTX_new()};
  EVP_DigestInit_ex(ctx.get(), fetched(name), nullptr);
  return ctx;
}

// BEP 52 merkle root, built leaf by leaf with only the pending perfect subtrees kept
// (at most one per level, so O(log n) memory).
class MerkleBuilder {
 public:
  void add_leaf(const Hash32& leaf) {
    Node node{0, leaf};
    while (!stack_.empty() && stack_.back().level == node.level) {
      node = Node{node.level + 1, parent(stack_.back().hash, node.hash)};
      stack_.pop_back();
    }
    stack_.push_back(node);
    ++leaves_;
  }

  // BEP 52: leaves beyond the end of the file are 32 zero bytes, up to a power of two.
  std::optional<Hash32> root() {
    if (stack_.empty()) return std::nullopt;
    std::uint32_t target = 0;
    while ((std::uint64_t{1} << target) < leaves_) ++target;
    while (stack_.size() > 1 || stack_.back().level < target) {
      Node right = stack_.back();
      stack_.pop_back();
      if (!stack_.empty() && stack_.back().level == right.level) {
        Node left = stack_.back();
        stack_.pop_back();
        stack_.push_back({right.level + 1, parent(left.hash, right.hash)});
      } else {
        stack_.push_back({right.level + 1, parent(right.hash, zero_subtree(right.level))});
      }
    }
    return stack_.back().hash;
  }

 private:
  struct Node {
    std::uint32_t level;
    Hash32 hash;
  };

  Hash32 parent(const Hash32& left, const Hash32& right) {
    std::array<std::uint8_t, 64> both;
    std::copy(left.begin(), left.end(), both.begin());
    std::copy(right.begin(), right.end(), both.begin() + 32);
    Hash32 out;
    EVP_Digest(both.data(), both.size(), out.data(), nullptr, fetched("SHA256"), nullptr);
    return out;
  }

  // Root of a subtree of 2^level zero leaves.
  Hash32 zero_subtree(std::uint32_t level) {
    while (zeros_.size() <= level) {
      zeros_.push_back(zeros_.empty() ? Hash32{} : parent(zeros_.back(), zeros_.back()));
    }
    return zeros_[level];
  }

  std::vector<Node> stack_;
  std::vector<Hash32> zeros_;
  std::uint64_t leaves_ = 0;
};

}  // namespace

struct MultiHasher::State {
  EvpContext sha256 = new_context("SHA256");
  EvpContext sha1 = new_context("SHA1");
  EvpContext md5 = new_context("MD5");
  EvpContext leaf = new_context("SHA256");
  std::unique_ptr<XXH3_state_t, XxhDeleter> xxh3{XXH3_createState()};
  uLong crc = crc32_z(0, nullptr, 0);
  std::size_t leaf_fill = 0;  // bytes of the current 16 KiB block already in `leaf`
  MerkleBuilder merkle;
};

MultiHasher::MultiHasher() : state_(std::make_unique<State>()) {
  XXH3_128bits_reset(state_->xxh3.get());
}

MultiHasher::~MultiHasher() = default;

void MultiHasher::update(std::span<const std::uint8_t> chunk) {
  while (!chunk.empty()) {
    // Stop at the next head-piece boundary so the SHA-1 state can be snapshotted exactly there.
    std::size_t n = std::min(chunk.size(), kSlice);
    if (bytes_ < kMaxHeadPiece) {
      std::uint64_t next = kMinHeadPiece;
      while (next <= bytes_) next *= 2;
      n = static_cast<std::size_t>(std::min<std::uint64_t>(n, next - bytes_));
    }
    absorb(chunk.first(n));
    chunk = chunk.subspan(n);
  }
}

void MultiHasher::absorb(std::span<const std::uint8_t> chunk) {
  auto& s = *state_;
  EVP_DigestUpdate(s.sha256.get(), chunk.data(), chunk.size());
  EVP_DigestUpdate(s.sha1.get(), chunk.data(), chunk.size());
  EVP_DigestUpdate(s.md5.get(), chunk.data(), chunk.size());
  XXH3_128bits_update(s.xxh3.get(), chunk.data(), chunk.size());
  s.crc = crc32_z(s.crc, chunk.data(), chunk.size());
  for (auto rest = chunk; !rest.empty();) {
    const std::size_t take = std::min(rest.size(), kMerkleBlock - s.leaf_fill);
    EVP_DigestUpdate(s.leaf.get(), rest.data(), take);
    s.leaf_fill += take;
    rest = rest.subspan(take);
    if (s.leaf_fill == kMerkleBlock) {
      Hash32 leaf;
      EVP_DigestFinal_ex(s.leaf.get(), leaf.data(), nullptr);
      EVP_DigestInit_ex(s.leaf.get(), nullptr, nullptr);
      s.merkle.add_leaf(leaf);
      s.leaf_fill = 0;
    }
  }
  bytes_ += chunk.size();
  // update() cuts chunks at powers of two, so a boundary is always a chunk end.
  if (bytes_ >= kMinHeadPiece && bytes_ <= kMaxHeadPiece && (bytes_ & (bytes_ - 1)) == 0) {
    EvpContext copy{EVP_MD_CTX_new()};
    EVP_MD_CTX_copy_ex(copy.get(), s.sha1.get());
    HeadPiece piece;
    piece.piece_length = bytes_;
    EVP_DigestFinal_ex(copy.get(), piece.sha1.data(), nullptr);
    head_pieces_.push_back(piece);
  }
}

std::vector<Digest> MultiHasher::finish() {
  auto& s = *state_;
  std::vector<Digest> out;
  std::uint8_t md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(s.sha256.get(), md, &len);
  out.push_back(Digest::from_bytes(DigestKind::sha256, {md, len}));
  EVP_DigestFinal_ex(s.sha1.get(), md, &len);
  out.push_back(Digest::from_bytes(DigestKind::sha1, {md, len}));
  EVP_DigestFinal_ex(s.md5.get(), md, &len);
  out.push_back(Digest::from_bytes(DigestKind::md5, {md, len}));
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(s.xxh3.get()));
  out.push_back(
      Digest::from_bytes(DigestKind::xxh3_128, {canonical.digest, sizeof canonical.digest}));
  // Big-endian, as zip tools and .sfv files print it.
  const std::array<std::uint8_t, 4> crc = {
      static_cast<std::uint8_t>(s.crc >> 24), static_cast<std::uint8_t>(s.crc >> 16),
      static_cast<std::uint8_t>(s.crc >> 8), static_cast<std::uint8_t>(s.crc)};
  out.push_back(Digest::from_bytes(DigestKind::crc32, crc));
  // BEP 52: the last block is hashed at its real (short) length; an empty file has no root.
  if (s.leaf_fill > 0) {
    Hash32 leaf;
    EVP_DigestFinal_ex(s.leaf.get(), leaf.data(), nullptr);
    s.merkle.add_leaf(leaf);
    s.leaf_fill = 0;
  }
  if (const auto root = s.merkle.root())
    out.push_back(Digest::from_bytes(DigestKind::btv2_root, *root));
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
  out.head_pieces = hasher.head_pieces();
  return out;
}

}  // namespace leakwatch::matcher
