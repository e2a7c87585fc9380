// DigestSink: where the crawler streams file content it was allowed to fetch
// (`fetch_content = "candidates"`). The app supplies the matcher's hasher, so the crawler hashes
// content in memory without knowing the matcher, and never writes content to disk.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "model/digest.h"

namespace leakwatch {

class DigestSink {
 public:
  virtual ~DigestSink() = default;
  virtual void update(std::span<const std::uint8_t> chunk) = 0;
  virtual std::vector<Digest> finish() = 0;
};

using DigestSinkFactory = std::function<std::unique_ptr<DigestSink>()>;

}  // namespace leakwatch
