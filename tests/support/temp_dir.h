// TempDir: a fresh folder under $TMPDIR for one test, removed with everything in it afterwards.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace leakwatch::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Writes `content` to `file`, creating parent folders.
void write_file(const std::filesystem::path& file, std::string_view content);
std::string read_file(const std::filesystem::path& file);
// Deterministic pseudo-random bytes (xorshift), so fixtures are reproducible from a seed.
std::string random_bytes(std::size_t size, std::uint64_t seed);

}  // namespace leakwatch::testing
