// The low-level SHA-256 calls are deprecated in OpenSSL 3 in favour of EVP, whose contexts are
// heap objects: copying a precomputed HMAC state costs an allocation there, and a text scan
// hashes tens of millions of candidates. The plain SHA256_CTX copy is what HMAC needs.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "matcher/records_key.h"

#include <fcntl.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "model/dataset_name.h"
#include "model/digest.h"

namespace leakwatch::matcher {

std::string RecordKey::hex() const {
  return to_hex(bytes);
}

Result<RecordKey> RecordKey::from_hex(std::string_view hex, std::string_view what) {
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r' || hex.back() == ' '))
    hex.remove_suffix(1);
  RecordKey key;
  const auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() != key.bytes.size() * 2)
    return Error{std::string(what) + ": a record key is 64 hex digits"};
  for (std::size_t i = 0; i < key.bytes.size(); ++i) {
    const int hi = digit(hex[2 * i]), lo = digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return Error{std::string(what) + ": a record key is 64 hex digits"};
    key.bytes[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return key;
}

std::string RecordKey::id() const {
  static constexpr std::string_view kLabel = "leakwatch record key id";
  std::uint8_t out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), bytes.data(), static_cast<int>(bytes.size()),
       reinterpret_cast<const unsigned char*>(kLabel.data()), kLabel.size(), out, &len);
  return to_hex(std::span<const std::uint8_t>(out, 8));
}

RecordKey RecordKey::random() {
  RecordKey key;
  if (RAND_bytes(key.bytes.data(), static_cast<int>(key.bytes.size())) != 1) {
    throw std::runtime_error("OpenSSL RAND_bytes failed: no entropy for a record key");
  }
  return key;
}

std::filesystem::path record_key_path(const std::filesystem::path& data_dir,
                                      std::string_view dataset) {
  return data_dir / "keys" / (std::string(dataset) + ".key");
}

Result<RecordKey> load_record_key(const std::filesystem::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0)
    return Error{file.string() + ": cannot read record key: " + std::strerror(errno)};
  if ((st.st_mode & 077) != 0) {
    std::ostringstream mode;
    mode << std::oct << (st.st_mode & 0777);
    return Error{file.string() + ": record key is readable by group or others (mode 0" +
                 mode.str() + "); chmod 600 it"};
  }
  std::ifstream in(file, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in && !in.eof()) return Error{file.string() + ": cannot read record key"};
  return RecordKey::from_hex(text, file.string());
}

namespace {

// The keys folder, created 0700 (and narrowed to it if it exists wider).
Result<void> make_key_folder(const std::filesystem::path& folder) {
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec) return Error{folder.string() + ": " + ec.message()};
  if (::chmod(folder.c_str(), 0700) != 0)
    return Error{folder.string() +
                 ": cannot make the keys folder private: " + std::strerror(errno)};
  return {};
}

// A new file beside `file` holding the key, created 0600 with O_EXCL under a unique name, written
// and fsynced. The caller renames or links it into place.
Result<std::string> write_key_temp(const std::filesystem::path& file, const RecordKey& key) {
  std::string tmp = file.string() + ".XXXXXX";
  const int fd = ::mkostemp(tmp.data(), O_CLOEXEC);  // O_RDWR | O_CREAT | O_EXCL, mode 0600
  if (fd < 0) return Error{file.string() + ": cannot create record key: " + std::strerror(errno)};
  const std::string text = key.hex() + "\n";
  const bool written = ::fchmod(fd, 0600) == 0 &&
                       ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  const int saved_errno = errno;
  ::close(fd);
  if (!written) {
    ::unlink(tmp.c_str());
    return Error{file.string() + ": cannot write record key: " + std::strerror(saved_errno)};
  }
  return tmp;
}

// A rename or link is durable only once its folder is synced.
Result<void> sync_folder(const std::filesystem::path& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error{folder.string() + ": cannot open to sync: " + std::strerror(errno)};
  const bool ok = ::fsync(fd) == 0;
  const int saved_errno = errno;
  ::close(fd);
  if (!ok) return Error{folder.string() + ": cannot sync: " + std::strerror(saved_errno)};
  return {};
}

}  // namespace

Result<void> save_record_key(const std::filesystem::path& file, const RecordKey& key) {
  // Defence in depth: callers check dataset names, and a key path never climbs out of a folder.
  bool climbs = false;
  for (const auto& part : file) climbs |= part == "..";
  if (climbs || file.extension() != ".key" || !is_dataset_name(file.stem().string()))
    return Error{file.string() + ": not a record key file name (<dataset>.key)"};
  if (auto folder = make_key_folder(file.parent_path()); !folder) return folder.error();
  auto tmp = write_key_temp(file, key);
  if (!tmp) return tmp.error();
  if (::rename(tmp->c_str(), file.c_str()) != 0) {
    const int saved_errno = errno;
    ::unlink(tmp->c_str());
    return Error{file.string() + ": cannot write record key: " + std::strerror(saved_errno)};
  }
  return sync_folder(file.parent_path());
}

Result<RecordKey> load_or_create_record_key(const std::filesystem::path& data_dir,
                                            std::string_view dataset) {
  if (!is_dataset_name(dataset))
    return Error{"dataset name '" + std::string(dataset) + "' cannot name a record key file"};
  const auto file = record_key_path(data_dir, dataset);
  if (std::filesystem::exists(file)) return load_record_key(file);
  if (auto folder = make_key_folder(file.parent_path()); !folder) return folder.error();
  const auto key = RecordKey::random();
  auto tmp = write_key_temp(file, key);
  if (!tmp) return tmp.error();
  // link() creates the name only if nobody has: two `sign` runs of one dataset at once end up
  // with the same key (the first one's), never one replacing the other's.
  const int linked = ::link(tmp->c_str(), file.c_str());
  const int saved_errno = errno;
  ::unlink(tmp->c_str());
  if (linked != 0) {
    if (saved_errno == EEXIST) return load_record_key(file);
    return Error{file.string() + ": cannot create record key: " + std::strerror(saved_errno)};
  }
  if (auto synced = sync_folder(file.parent_path()); !synced) return synced.error();
  return key;
}

RecordHasher::RecordHasher(const RecordKey& key) {
  // RFC 2104 with a 32-byte key: one 64-byte block of key XOR ipad (0x36) / opad (0x5c).
  std::array<std::uint8_t, SHA256_CBLOCK> ipad{}, opad{};
  for (std::size_t i = 0; i < ipad.size(); ++i) {
    const std::uint8_t k = i < key.bytes.size() ? key.bytes[i] : 0;
    ipad[i] = k ^ 0x36;
    opad[i] = k ^ 0x5c;
  }
  SHA256_Init(&inner_);
  SHA256_Update(&inner_, ipad.data(), ipad.size());
  SHA256_Init(&outer_);
  SHA256_Update(&outer_, opad.data(), opad.size());
}

std::uint64_t RecordHasher::fingerprint(std::string_view normalised) const {
  std::uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256_CTX ctx = inner_;
  SHA256_Update(&ctx, normalised.data(), normalised.size());
  SHA256_Final(digest, &ctx);
  ctx = outer_;
  SHA256_Update(&ctx, digest, sizeof digest);
  SHA256_Final(digest, &ctx);
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | digest[i];
  return v;
}

}  // namespace leakwatch::matcher
