#include "cli/private_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace leakwatch::app {

namespace {

Result<void> write_all(int fd, std::string_view text, const std::filesystem::path& file) {
  while (!text.empty()) {
    const auto n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error{file.string() + ": cannot write: " + std::strerror(errno)};
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fsync(fd) != 0) return Error{file.string() + ": cannot write: " + std::strerror(errno)};
  return {};
}

}  // namespace

Result<void> write_new_private_file(const std::filesystem::path& file, std::string_view text) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Error{file.string() + ": exists already; choose a new file name"};
    return Error{file.string() + ": cannot create: " + std::strerror(errno)};
  }
  auto written = write_all(fd, text, file);
  ::close(fd);
  if (!written) ::unlink(file.c_str());
  return written;
}

Result<void> replace_private_file(const std::filesystem::path& file, std::string_view text) {
  std::string tmp = file.string() + ".XXXXXX";
  const int fd = ::mkostemp(tmp.data(), O_CLOEXEC);  // mode 0600, O_EXCL
  if (fd < 0) return Error{file.string() + ": cannot create: " + std::strerror(errno)};
  auto written = write_all(fd, text, file);
  ::close(fd);
  if (written && ::rename(tmp.c_str(), file.c_str()) != 0)
    written = Error{file.string() + ": cannot write: " + std::strerror(errno)};
  if (!written) ::unlink(tmp.c_str());
  return written;
}

}  // namespace leakwatch::app
