// `leakwatch sign`: hash a dataset's files (and optionally the values of chosen record columns)
// into a signature. Signatures hold hashes only.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"
#include "cli/signature_summary.h"
#include "matcher/records_key.h"
#include "matcher/records_signer.h"
#include "matcher/signer.h"
#include "model/dataset_name.h"
#include "model/json.h"
#include "model/time.h"
#include "model/units.h"

namespace leakwatch::app {

namespace {

// A one-line progress display on stderr, only on a terminal and not with -q.
class ProgressLine {
 public:
  explicit ProgressLine(bool enabled)
      : enabled_(enabled), started_(std::chrono::steady_clock::now()) {}
  ~ProgressLine() {
    if (enabled_ && drawn_) std::fputs("\r\033[K", stderr);
  }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  void update(std::size_t done, std::size_t total, std::uint64_t bytes) {
    if (!enabled_) return;
    const std::lock_guard lock(mutex_);
    const auto t = std::chrono::steady_clock::now();
    if (done != total && t - last_ < std::chrono::milliseconds(100)) return;
    last_ = t;
    const double secs = std::chrono::duration<double>(t - started_).count();
    const double rate = secs > 0 ? static_cast<double>(bytes) / secs : 0;
    const double eta = done > 0 && done < total
                           ? secs * static_cast<double>(total - done) / static_cast<double>(done)
                           : 0;
    std::fprintf(stderr, "\r\033[Ksigning: %zu/%zu files, %s, %s/s, ETA %.0fs", done, total,
                 format_size(bytes).c_str(), format_size(static_cast<std::uint64_t>(rate)).c_str(),
                 eta);
    drawn_ = true;
  }

 private:
  bool enabled_;
  bool drawn_ = false;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_{};
};

// `--pattern COLUMN=REGEX` names a record column's candidate pattern when COLUMN is one of
// --columns; any other --pattern is a glob over remote file names.
std::optional<std::pair<std::string, std::string>> column_pattern(
    const std::string& arg, const std::vector<std::string>& columns) {
  const auto eq = arg.find('=');
  if (eq == std::string::npos) return std::nullopt;
  const auto column = arg.substr(0, eq);
  if (std::find(columns.begin(), columns.end(), column) == columns.end()) return std::nullopt;
  return std::pair(column, arg.substr(eq + 1));
}

}  // namespace

void register_sign(CLI::App& app, Context& ctx, CommandRun& run) {
  struct Args {
    std::string dataset, description, records;
    std::vector<std::string> columns, normalisers, honeytokens, patterns, paths;
    unsigned threads = 0;
    bool keep_source = false;
    bool replace = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "sign", "Sign a sensitive dataset: hash its files into a signature (hashes only)");
  cmd->footer(
      "Every file under each PATH is hashed in one streaming pass (size, sha256, sha1, md5,\n"
      "xxh3-128, crc32, BitTorrent v2 root, v1 head pieces 16 KiB..16 MiB); the signature\n"
      "stores the hashes and relative paths, never content. An existing dataset name is\n"
      "refused unless --replace is given. Unreadable files are reported and skipped.\n"
      "With --records FILE.csv --columns a,b each value of those columns is normalised and\n"
      "stored only as 8 bytes of HMAC-SHA256 under the dataset's secret key\n"
      "(<data dir>/keys/NAME.key, mode 0600, created on first use); a row is matched in text\n"
      "dumps when enough of its columns appear close together (docs/MATCHING.md). Bad CSV rows\n"
      "are reported and skipped.\n"
      "Example: leakwatch sign --dataset perceptics-images --description 'plate images' "
      "/srv/images\n"
      "Example: leakwatch sign --dataset plates --records plates.csv --columns plate,passport "
      "--pattern plate='[A-Z0-9]{5,8}'");
  cmd->add_option("--dataset", args->dataset, "dataset name (letters, digits, - _ .)")->required();
  cmd->add_option("--description", args->description, "free-text description");
  cmd->add_option("--records", args->records,
                  "CSV file whose --columns are fingerprinted (keyed hashes, never values)");
  // Every list option takes one token per flag (CLI11 would otherwise take the PATHs after it as
  // more values): --columns a,b is one comma-separated token, the others repeat.
  cmd->add_option("--columns", args->columns,
                  "CSV columns to fingerprint, with --records: one comma-separated token "
                  "(--columns plate,state)")
      ->delimiter(',')
      ->allow_extra_args(false);
  cmd->add_option("--normaliser", args->normalisers,
                  "COLUMN=text|email|phone|digits|exact (default: guessed); one per flag, "
                  "repeatable")
      ->allow_extra_args(false);
  cmd->add_option("--honeytoken", args->honeytokens,
                  "a planted unique string (stored hashed); one per flag, repeatable")
      ->allow_extra_args(false);  // one value per flag, so a PATH after it stays a PATH
  cmd->add_option("--pattern", args->patterns,
                  "a glob over remote file names, e.g. 'payroll*.xlsx' (possible only); or, "
                  "with --records, COLUMN=REGEX: the column's candidate pattern; one per flag, "
                  "repeatable")
      ->allow_extra_args(false);
  cmd->add_option("--threads", args->threads, "hashing threads (default: every core)");
  cmd->add_flag("--keep-source", args->keep_source,
                "record each file's absolute path, so pieces of torrents that split files\n"
                "unaligned can be checked against the local original (docs/MATCHING.md)");
  cmd->add_flag("--replace", args->replace,
                "replace the signature of a dataset that is already signed (its creation time\n"
                "and coverage window start again; the old version stays on record with what\n"
                "changed: `signatures history NAME`, and verify --as-of before the replacement\n"
                "uses it)");
  cmd->add_option("PATH", args->paths, "files or folders to sign");
  cmd->callback([&ctx, &run, args] {
    run = [&ctx, args]() -> int {
      if (args->records.empty() != args->columns.empty())
        return fail(kExitUsage, "sign: --records and --columns go together");
      matcher::RecordSignOptions record_options;
      record_options.columns = args->columns;
      std::vector<std::string> globs;
      for (const auto& p : args->patterns) {
        if (auto cp = column_pattern(p, args->columns)) {
          record_options.patterns[cp->first] = cp->second;
        } else {
          globs.push_back(p);
        }
      }
      for (const auto& n : args->normalisers) {
        const auto eq = n.find('=');
        const auto kind =
            eq == std::string::npos ? std::nullopt : matcher::parse_normaliser(n.substr(eq + 1));
        if (!kind || std::find(args->columns.begin(), args->columns.end(), n.substr(0, eq)) ==
                         args->columns.end()) {
          return fail(kExitUsage, "sign --normaliser '" + n +
                                      "': expected COLUMN=text|email|phone|digits|exact with "
                                      "COLUMN one of --columns");
        }
        record_options.normalisers[n.substr(0, eq)] = *kind;
      }
      if (args->paths.empty() && args->honeytokens.empty() && globs.empty() &&
          args->records.empty())
        return fail(kExitUsage, "sign: give at least one PATH (or --records)");
      const auto& name = args->dataset;
      if (!is_dataset_name(name)) {
        return fail(kExitUsage, "sign: dataset name '" + name +
                                    "' may use only letters, digits, '-', '_' and '.'");
      }
      auto store = ctx.store(store::OpenMode::read_write);
      if (!store) return fail(kExitRuntime, store.error().message);
      const auto data_dir = ctx.data_dir();
      if (!data_dir) return fail(kExitRuntime, data_dir.error().message);
      // Signing a name again would silently swap a dataset's files (and restart its coverage):
      // only on request.
      auto existing = (*store)->get_signature(name);
      if (!existing) return fail(kExitRuntime, existing.error().message);
      if (*existing && !args->replace) {
        return fail(kExitRuntime, "sign: dataset '" + name + "' is already signed (" +
                                      std::to_string((*existing)->files.size()) +
                                      " files, created " + format_rfc3339((*existing)->created) +
                                      "); give --replace to replace its signature");
      }

      ProgressLine progress(!ctx.options().quiet && ::isatty(STDERR_FILENO));
      matcher::SignOptions options{
          .dataset = args->dataset,
          .description = args->description,
          .honeytokens = args->honeytokens,
          .name_patterns = globs,
          .threads = args->threads,
          .keep_source = args->keep_source,
          .on_progress = [&progress](std::size_t d, std::size_t t, std::uint64_t b) {
            progress.update(d, t, b);
          }};
      std::vector<std::filesystem::path> paths(args->paths.begin(), args->paths.end());
      const auto started = std::chrono::steady_clock::now();
      Result<matcher::SignReport> report = matcher::SignReport{};
      if (!paths.empty() || !args->honeytokens.empty() || !globs.empty()) {
        report = matcher::sign_paths(paths, options);
      } else {
        report->signature.dataset = args->dataset;
        report->signature.description = args->description;
        report->signature.created = now();
      }
      if (!report) return fail(kExitRuntime, report.error().message);
      std::optional<matcher::RecordSignReport> records;
      std::optional<std::filesystem::path> new_key;  // made by this run: removed if it fails
      if (!args->records.empty()) {
        // A key made for this signing goes again when the signing fails: no key without a
        // signature that uses it.
        const auto key_path = matcher::record_key_path(*data_dir, args->dataset);
        std::error_code ec;
        const bool had_key = std::filesystem::exists(key_path, ec);
        auto key = matcher::load_or_create_record_key(*data_dir, args->dataset);
        if (!key) return fail(kExitRuntime, key.error().message);
        if (!had_key) new_key = key_path;
        auto signed_records = matcher::sign_records(args->records, *key, record_options);
        if (!signed_records) {
          if (new_key) std::filesystem::remove(*new_key, ec);
          return fail(kExitRuntime, signed_records.error().message);
        }
        for (const auto& p : signed_records->problems)
          spdlog::warn("sign dataset={} records: {}", args->dataset, p);
        for (const auto& w : signed_records->warnings)
          spdlog::warn("sign dataset={} records: {}", args->dataset, w);
        records = std::move(signed_records).value();
        report->signature.records = std::move(records->records);
      }
      const double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      for (const auto& s : report->skipped)
        spdlog::warn("sign dataset={} skipped: {}", args->dataset, s);
      if (auto put = (*store)->put_signature(report->signature); !put) {
        std::error_code ec;
        if (new_key) std::filesystem::remove(*new_key, ec);
        return fail(kExitRuntime, put.error().message);
      }
      const auto& sig = report->signature;
      if (*existing) {
        spdlog::warn(
            "sign dataset={} replaced the signature created {} ({} files) with {} files; the old "
            "version is kept (leakwatch signatures history {})",
            name, format_rfc3339((*existing)->created), (*existing)->files.size(), sig.files.size(),
            name);
      }
      std::cout << "signed dataset '" << sig.dataset << "': " << sig.files.size() << " files, "
                << format_size(total_size(sig)) << " in " << std::fixed << std::setprecision(1)
                << secs << " s";
      if (!sig.honeytoken_hashes.empty())
        std::cout << ", " << sig.honeytoken_hashes.size() << " honeytokens";
      if (!sig.name_patterns.empty())
        std::cout << ", " << sig.name_patterns.size() << " name patterns";
      if (records) {
        std::cout << ", records: " << records_summary(sig.records);
        if (records->bad_rows) std::cout << "; " << records->bad_rows << " bad rows skipped";
        std::cout << "; key " << matcher::record_key_path(*data_dir, sig.dataset).string();
      }
      if (!report->skipped.empty())
        std::cout << "; " << report->skipped.size() << " skipped (see warnings)";
      std::cout << "\n";
      return kExitOk;
    };
  });
}

}  // namespace leakwatch::app
