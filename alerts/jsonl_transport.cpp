// jsonl hooks: one ECS document per line, appended with O_APPEND and fsynced before the alert
// counts as delivered. Rotation by size keeps every line: before a line would take the file
// past rotate_size, the file is renamed to <path>.<n> (n one above the highest there) and a new
// one begun; no rotated file is ever deleted or overwritten, and a line is never split.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "alerts/document_format.h"
#include "alerts/transport.h"

namespace leakwatch::alerts {

namespace {

namespace fs = std::filesystem;

Result<void> fsync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error{dir.string() + ": " + std::strerror(errno)};
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Error{dir.string() + ": fsync: " + std::strerror(errno)};
  return {};
}

class JsonlTransport final : public Transport {
 public:
  explicit JsonlTransport(const config::HookConfig& hook) : hook_(hook) {}

  SendResult send(std::span<const Alert> batch) override {
    SendResult out;
    for (const auto& alert : batch) {
      if (auto r = append(ecs_line(alert)); !r) {
        out.error = "hook " + hook_.name + " (" + hook_.path.string() + "): " + r.error().message;
        return out;
      }
    }
    out.acknowledged = true;
    return out;
  }

 private:
  Result<void> append(const std::string& line) {
    const fs::path& path = hook_.path;
    std::error_code ec;
    const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    fs::create_directories(dir, ec);
    if (ec) return Error{"cannot create " + dir.string() + ": " + ec.message()};
    const auto size = fs::file_size(path, ec);
    if (!ec && size > 0 && size + line.size() > hook_.rotate_size) {
      if (auto r = rotate(dir); !r) return r;
    }
    // Readable by its user only: the lines name leaked files.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return Error{std::string("open: ") + std::strerror(errno)};
    std::size_t done = 0;
    while (done < line.size()) {
      const ssize_t n = ::write(fd, line.data() + done, line.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const std::string why = std::strerror(errno);
        ::close(fd);
        return Error{"write: " + why};
      }
      done += static_cast<std::size_t>(n);
    }
    const int rc = ::fsync(fd);
    const std::string why = std::strerror(errno);
    ::close(fd);
    if (rc != 0) return Error{"fsync: " + why};
    if (size == 0 || ec) return fsync_dir(dir);  // a new file: its name must be durable too
    return {};
  }

  Result<void> rotate(const fs::path& dir) const {
    const std::string base = hook_.path.filename().string() + ".";
    unsigned long highest = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      const std::string name = e.path().filename().string();
      if (!name.starts_with(base)) continue;
      const std::string rest = name.substr(base.size());
      if (rest.empty() || rest.size() > 9 ||
          rest.find_first_not_of("0123456789") != std::string::npos)
        continue;
      highest = std::max(highest, std::stoul(rest));
    }
    const fs::path target = dir / (base + std::to_string(highest + 1));
    // link + unlink never overwrites: a target that exists is an error, not lost lines.
    if (::link(hook_.path.c_str(), target.c_str()) != 0) {
      return Error{"rotate to " + target.string() + ": " + std::strerror(errno)};
    }
    if (::unlink(hook_.path.c_str()) != 0) {
      return Error{"rotate: unlink: " + std::string(std::strerror(errno))};
    }
    return fsync_dir(dir);
  }

  config::HookConfig hook_;
};

}  // namespace

std::unique_ptr<Transport> make_jsonl_transport(const config::HookConfig& hook) {
  return std::make_unique<JsonlTransport>(hook);
}

}  // namespace leakwatch::alerts
