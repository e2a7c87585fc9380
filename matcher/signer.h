// Signing: turn an organisation's sensitive files into a Signature that holds only hashes.
// Files are hashed in parallel, each in one streaming pass; an unreadable file is reported and
// skipped, never fatal for the rest.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "model/result.h"
#include "model/signature.h"

namespace leakwatch::matcher {

struct SignOptions {
  std::string dataset;
  std::string description;
  std::vector<std::string> honeytokens;    // stored as SHA-256 only
  std::vector<std::string> name_patterns;  // globs over remote basenames (`sign --pattern`)
  unsigned threads = 0;                    // 0: every core
  // Record each file's absolute path (`sign --keep-source`) for on-demand piece checks.
  bool keep_source = false;
  // Progress callback (files done, files total, bytes done); called from worker threads.
  std::function<void(std::size_t, std::size_t, std::uint64_t)> on_progress;
};

struct SignReport {
  Signature signature;
  std::vector<std::string> skipped;  // "path: reason" for every file that could not be read
  std::uint64_t bytes_hashed = 0;
};

// `paths` are files or folders (walked recursively, symlinks not followed). Relative paths in the
// signature are relative to each given folder (or the file's own name for a file argument).
Result<SignReport> sign_paths(const std::vector<std::filesystem::path>& paths,
                              const SignOptions& options);

}  // namespace leakwatch::matcher
