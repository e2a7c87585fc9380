#include "matcher/signer.h"

#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "matcher/file_hasher.h"
#include "matcher/records_normalise.h"

namespace leakwatch::matcher {

namespace {

struct Job {
  std::filesystem::path file;
  std::string relative;
  std::uint64_t size_hint = 0;
};

Digest sha256_of(std::string_view text) {
  std::uint8_t out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), out, &len, EVP_sha256(), nullptr);
  return Digest::from_bytes(DigestKind::sha256, {out, len});
}

}  // namespace

Result<SignReport> sign_paths(const std::vector<std::filesystem::path>& paths,
                              const SignOptions& options) {
  namespace fs = std::filesystem;
  if (options.dataset.empty()) return Error{"sign: a dataset name is required"};
  SignReport report;
  std::vector<Job> jobs;
  for (const auto& root : paths) {
    std::error_code ec;
    const auto status = fs::symlink_status(root, ec);
    if (ec || !fs::exists(status)) {
      report.skipped.push_back(root.string() + ": does not exist");
      continue;
    }
    if (fs::is_regular_file(status)) {
      jobs.push_back({root, root.filename().string(), fs::file_size(root, ec)});
      continue;
    }
    if (!fs::is_directory(status)) {
      report.skipped.push_back(root.string() + ": not a regular file or folder");
      continue;
    }
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
    if (ec) {
      report.skipped.push_back(root.string() + ": " + ec.message());
      continue;
    }
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) {
        report.skipped.push_back(root.string() + ": " + ec.message());
        break;
      }
      const auto st = it->symlink_status(ec);
      if (ec || !fs::is_regular_file(st)) continue;
      jobs.push_back(
          {it->path(), fs::relative(it->path(), root, ec).generic_string(), it->file_size(ec)});
    }
  }
  // Largest first, so one big file does not end up alone on one core at the end.
  std::sort(jobs.begin(), jobs.end(),
            [](const Job& a, const Job& b) { return a.size_hint > b.size_hint; });

  std::vector<std::optional<SignatureFile>> results(jobs.size());
  std::vector<std::string> errors(jobs.size());
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  std::atomic<std::uint64_t> bytes{0};
  const unsigned threads = std::max(
      1u,
      std::min<unsigned>(options.threads ? options.threads : std::thread::hardware_concurrency(),
                         static_cast<unsigned>(std::max<std::size_t>(1, jobs.size()))));
  auto worker = [&] {
    for (std::size_t i = next++; i < jobs.size(); i = next++) {
      auto hashed = hash_file(jobs[i].file, jobs[i].relative);
      if (hashed && options.keep_source) {
        std::error_code ec;
        const auto absolute = fs::absolute(jobs[i].file, ec);
        hashed->original_path = (ec ? jobs[i].file : absolute).lexically_normal().string();
      }
      if (hashed) {
        bytes += hashed->size;
        results[i] = std::move(hashed).value();
      } else {
        errors[i] = hashed.error().message;
      }
      const auto d = ++done;
      if (options.on_progress) options.on_progress(d, jobs.size(), bytes.load());
    }
  };
  {
    std::vector<std::jthread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
  }

  Signature& sig = report.signature;
  sig.dataset = options.dataset;
  sig.description = options.description;
  sig.created = now();
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (results[i]) {
      sig.files.push_back(std::move(*results[i]));
    } else {
      report.skipped.push_back(errors[i]);
    }
  }
  std::sort(sig.files.begin(), sig.files.end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });
  for (const auto& token : options.honeytokens) {
    sig.honeytoken_hashes.push_back(sha256_of(token));
    sig.honeytoken_shapes.push_back(honeytoken_shape(token));
  }
  sig.name_patterns = options.name_patterns;
  report.bytes_hashed = bytes.load();
  if (sig.files.empty() && sig.honeytoken_hashes.empty() && sig.name_patterns.empty()) {
    std::string why = "sign: no readable files";
    if (!report.skipped.empty()) why += " (" + report.skipped.front() + ")";
    return Error{why};
  }
  return report;
}

}  // namespace leakwatch::matcher
