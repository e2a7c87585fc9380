// `leakwatch sign` and `leakwatch signatures ...`: make, list, show, share and remove dataset
// signatures. Signatures hold hashes only; bundles are versioned JSON another team can import.
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
#include "matcher/records_key.h"
#include "matcher/records_signer.h"
#include "matcher/signer.h"
#include "model/json.h"
#include "model/units.h"

namespace leakwatch::app {

namespace {

constexpr const char* kBundleFormat = "leakwatch-signature-bundle";

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

std::string records_summary(const RecordSet& r) {
  std::string out = std::to_string(r.rows) + " rows;";
  for (const auto& c : r.columns) {
    out += " " + c.name + " (" + c.normaliser + ", " + std::to_string(c.fingerprints.size()) +
           " values, pattern " + c.pattern + ")";
  }
  return out;
}

std::uint64_t total_size(const Signature& s) {
  std::uint64_t total = 0;
  for (const auto& f : s.files) total += f.size;
  return total;
}

}  // namespace

void register_sign(CLI::App& app, Context& ctx, CommandRun& run) {
  struct Args {
    std::string dataset, description, records;
    std::vector<std::string> columns, normalisers, honeytokens, patterns, paths;
    unsigned threads = 0;
    bool keep_source = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "sign", "Sign a sensitive dataset: hash its files into a signature (hashes only)");
  cmd->footer(
      "Every file under each PATH is hashed in one streaming pass (size, sha256, sha1, md5,\n"
      "xxh3-128, crc32, BitTorrent v2 root, v1 head pieces 16 KiB..16 MiB); the signature\n"
      "stores the hashes and relative paths, never content. Signing an existing\n"
      "dataset name replaces its signature. Unreadable files are reported and skipped.\n"
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
  cmd->add_option("--columns", args->columns, "CSV columns to fingerprint, with --records")
      ->delimiter(',');
  cmd->add_option("--normaliser", args->normalisers,
                  "COLUMN=text|email|phone|digits|exact (default: guessed); repeatable")
      ->allow_extra_args(false);
  cmd->add_option("--honeytoken", args->honeytokens,
                  "a planted unique string (stored hashed); repeatable")
      ->allow_extra_args(false);  // one value per flag, so a PATH after it stays a PATH
  cmd->add_option("--pattern", args->patterns,
                  "a glob over remote file names, e.g. 'payroll*.xlsx' (possible only); or, "
                  "with --records, COLUMN=REGEX: the column's candidate pattern; repeatable")
      ->allow_extra_args(false);
  cmd->add_option("--threads", args->threads, "hashing threads (default: every core)");
  cmd->add_flag("--keep-source", args->keep_source,
                "record each file's absolute path, so pieces of torrents that split files\n"
                "unaligned can be checked against the local original (docs/MATCHING.md)");
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
      if (name.size() > 128 ||
          name.find_first_not_of(
              "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") !=
              std::string::npos) {
        return fail(kExitUsage, "sign: dataset name '" + name +
                                    "' may use only letters, digits, '-', '_' and '.'");
      }
      auto store = ctx.store(store::OpenMode::read_write);
      if (!store) return fail(kExitRuntime, store.error().message);

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
      if (!args->records.empty()) {
        auto key = matcher::load_or_create_record_key(ctx.data_dir(), args->dataset);
        if (!key) return fail(kExitRuntime, key.error().message);
        auto signed_records = matcher::sign_records(args->records, *key, record_options);
        if (!signed_records) return fail(kExitRuntime, signed_records.error().message);
        for (const auto& p : signed_records->problems)
          spdlog::warn("sign dataset={} records: {}", args->dataset, p);
        records = std::move(signed_records).value();
        report->signature.records = std::move(records->records);
      }
      const double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      for (const auto& s : report->skipped)
        spdlog::warn("sign dataset={} skipped: {}", args->dataset, s);
      if (auto put = (*store)->put_signature(report->signature); !put)
        return fail(kExitRuntime, put.error().message);
      const auto& sig = report->signature;
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
        std::cout << "; key " << matcher::record_key_path(ctx.data_dir(), sig.dataset).string();
      }
      if (!report->skipped.empty())
        std::cout << "; " << report->skipped.size() << " skipped (see warnings)";
      std::cout << "\n";
      return kExitOk;
    };
  });
}

void register_signatures(CLI::App& app, Context& ctx, CommandRun& run) {
  auto* group =
      app.add_subcommand("signatures", "List, show, export, import or remove dataset signatures");
  group->require_subcommand(1);

  auto* list = group->add_subcommand("list", "List the stored signatures");
  auto list_format = std::make_shared<std::string>("table");
  list->add_option("--format", *list_format, "table or json (one object per line)")
      ->check(CLI::IsMember({"table", "json"}));
  list->callback([&ctx, &run, list_format] {
    run = [&ctx, list_format]() -> int {
      auto store = ctx.store(store::OpenMode::read_only);
      if (!store) return fail(kExitRuntime, store.error().message);
      auto sigs = (*store)->list_signatures();
      if (!sigs) return fail(kExitRuntime, sigs.error().message);
      if (*list_format == "json") {
        for (const auto& s : *sigs) {
          const nlohmann::json row{{"dataset", s.dataset},
                                   {"description", s.description},
                                   {"created", format_rfc3339(s.created)},
                                   {"files", s.files.size()},
                                   {"bytes", total_size(s)}};
          std::cout << dump_json(row) << "\n";
        }
        return kExitOk;
      }
      std::cout << std::left << std::setw(24) << "DATASET" << std::setw(8) << "FILES"
                << std::setw(12) << "SIZE" << std::setw(22) << "CREATED"
                << "DESCRIPTION\n";
      for (const auto& s : *sigs) {
        std::cout << std::left << std::setw(24) << s.dataset << std::setw(8) << s.files.size()
                  << std::setw(12) << format_size(total_size(s)) << std::setw(22)
                  << format_rfc3339(s.created) << s.description << "\n";
      }
      return kExitOk;
    };
  });

  auto* show = group->add_subcommand("show", "Show one signature (files and digests)");
  auto show_name = std::make_shared<std::string>();
  auto show_format = std::make_shared<std::string>("text");
  show->add_option("NAME", *show_name, "dataset name")->required();
  show->add_option("--format", *show_format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  show->callback([&ctx, &run, show_name, show_format] {
    run = [&ctx, show_name, show_format]() -> int {
      auto store = ctx.store(store::OpenMode::read_only);
      if (!store) return fail(kExitRuntime, store.error().message);
      auto sig = (*store)->get_signature(*show_name);
      if (!sig) return fail(kExitRuntime, sig.error().message);
      if (!*sig) return fail(kExitRuntime, "no signature named '" + *show_name + "'");
      const auto& s = **sig;
      if (*show_format == "json") {
        std::cout << dump_json(nlohmann::json(s), 2) << "\n";
        return kExitOk;
      }
      std::cout << "dataset:     " << s.dataset << "\ndescription: " << s.description
                << "\ncreated:     " << format_rfc3339(s.created)
                << "\nfiles:       " << s.files.size() << " (" << format_size(total_size(s))
                << ")\nhoneytokens: " << s.honeytoken_hashes.size() << "\n";
      if (!s.records.empty())
        std::cout << "records:     " << records_summary(s.records) << "; key id "
                  << s.records.key_id << "\n";
      for (const auto& f : s.files) {
        std::cout << "  " << f.path << "  " << f.size;
        for (const auto& d : f.digests)
          std::cout << "  " << digest_kind_name(d.kind) << ":" << d.hex();
        std::cout << "\n";
      }
      return kExitOk;
    };
  });

  auto* exp = group->add_subcommand("export",
                                    "Write one signature to a bundle file another team can import");
  auto exp_args = std::make_shared<std::pair<std::string, std::string>>();
  auto exp_with_key = std::make_shared<bool>(false);
  exp->add_option("NAME", exp_args->first, "dataset name")->required();
  exp->add_option("FILE", exp_args->second, "bundle file to write (JSON)")->required();
  exp->add_flag("--with-key", *exp_with_key,
                "include the dataset's record key (whoever holds the bundle can then test "
                "guesses of values against it)");
  exp->callback([&ctx, &run, exp_args, exp_with_key] {
    run = [&ctx, exp_args, exp_with_key]() -> int {
      auto store = ctx.store(store::OpenMode::read_only);
      if (!store) return fail(kExitRuntime, store.error().message);
      auto sig = (*store)->get_signature(exp_args->first);
      if (!sig) return fail(kExitRuntime, sig.error().message);
      if (!*sig) return fail(kExitRuntime, "no signature named '" + exp_args->first + "'");
      // Where the originals live here (`sign --keep-source`) is nobody else's business.
      for (auto& f : (*sig)->files) f.original_path.clear();
      nlohmann::json bundle{{"format", kBundleFormat},
                            {"version", kSignatureBundleVersion},
                            {"exported", format_rfc3339(now())},
                            {"signature", **sig}};
      if (*exp_with_key && !(*sig)->records.empty()) {
        auto key =
            matcher::load_record_key(matcher::record_key_path(ctx.data_dir(), exp_args->first));
        if (!key) return fail(kExitRuntime, key.error().message);
        bundle["record_key"] = key->hex();
      } else if (!(*sig)->records.empty()) {
        std::cerr << "leakwatch: note: the bundle holds no record key; the importer matches '"
                  << exp_args->first
                  << "' records only with it (export --with-key, or hand over keys/"
                  << exp_args->first << ".key separately)\n";
      }
      std::ofstream out(exp_args->second, std::ios::binary | std::ios::trunc);
      out << dump_json(bundle, 1) << "\n";
      out.close();
      if (!out) return fail(kExitRuntime, exp_args->second + ": cannot write bundle");
      std::cout << "exported '" << exp_args->first << "' to " << exp_args->second << "\n";
      return kExitOk;
    };
  });

  auto* imp = group->add_subcommand(
      "import", "Import a signature bundle (replaces a signature of the same name)");
  auto imp_file = std::make_shared<std::string>();
  imp->add_option("FILE", *imp_file, "bundle file")->required();
  imp->callback([&ctx, &run, imp_file] {
    run = [&ctx, imp_file]() -> int {
      std::ifstream in(*imp_file, std::ios::binary);
      if (!in) return fail(kExitRuntime, *imp_file + ": cannot open bundle");
      std::stringstream text;
      text << in.rdbuf();
      nlohmann::json bundle;
      try {
        bundle = nlohmann::json::parse(text.str());
      } catch (const std::exception& e) {
        return fail(kExitRuntime, *imp_file + ": not a JSON bundle: " + e.what());
      }
      if (!bundle.is_object() || bundle.value("format", "") != kBundleFormat) {
        return fail(kExitRuntime,
                    *imp_file + ": not a leakwatch signature bundle (format field missing)");
      }
      const int version = bundle.value("version", 0);
      if (version < 1 || version > kSignatureBundleVersion) {
        return fail(kExitRuntime, *imp_file + ": bundle version " + std::to_string(version) +
                                      " is not supported (this leakwatch reads up to " +
                                      std::to_string(kSignatureBundleVersion) + ")");
      }
      if (!bundle.contains("signature"))
        return fail(kExitRuntime, *imp_file + ": bundle has no signature");
      auto sig = signature_from_json_text(dump_json(bundle["signature"]), *imp_file);
      if (!sig) return fail(kExitRuntime, sig.error().message);
      std::optional<matcher::RecordKey> key;
      if (const auto it = bundle.find("record_key"); it != bundle.end() && it->is_string()) {
        auto parsed = matcher::RecordKey::from_hex(it->get<std::string>(), *imp_file);
        if (!parsed) return fail(kExitRuntime, parsed.error().message);
        if (parsed->id() != sig->records.key_id)
          return fail(kExitRuntime, *imp_file + ": the record key is not the signature's (key id " +
                                        parsed->id() + ", signature wants " + sig->records.key_id +
                                        ")");
        key = *parsed;
      }
      auto store = ctx.store(store::OpenMode::read_write);
      if (!store) return fail(kExitRuntime, store.error().message);
      if (auto put = (*store)->put_signature(*sig); !put)
        return fail(kExitRuntime, put.error().message);
      const auto key_file = matcher::record_key_path(ctx.data_dir(), sig->dataset);
      if (key) {
        if (auto saved = matcher::save_record_key(key_file, *key); !saved)
          return fail(kExitRuntime, saved.error().message);
      }
      std::cout << "imported '" << sig->dataset << "' (" << sig->files.size() << " files";
      if (!sig->records.empty()) std::cout << ", records of " << sig->records.rows << " rows";
      std::cout << ")\n";
      if (!sig->records.empty() && !key) {
        const auto have = matcher::load_record_key(key_file);
        if (!have || have->id() != sig->records.key_id) {
          std::cerr << "leakwatch: note: records of '" << sig->dataset
                    << "' are matched only with their key (id " << sig->records.key_id
                    << "): put it in " << key_file.string()
                    << " (mode 0600), or import a bundle exported --with-key\n";
        }
      }
      return kExitOk;
    };
  });

  auto* rm = group->add_subcommand("remove", "Remove a signature (its sightings stay on record)");
  auto rm_name = std::make_shared<std::string>();
  rm->add_option("NAME", *rm_name, "dataset name")->required();
  rm->callback([&ctx, &run, rm_name] {
    run = [&ctx, rm_name]() -> int {
      auto store = ctx.store(store::OpenMode::read_write);
      if (!store) return fail(kExitRuntime, store.error().message);
      auto removed = (*store)->remove_signature(*rm_name);
      if (!removed) return fail(kExitRuntime, removed.error().message);
      if (!*removed) return fail(kExitRuntime, "no signature named '" + *rm_name + "'");
      std::cout << "removed '" << *rm_name << "'\n";
      return kExitOk;
    };
  });
}

int fail(int code, const std::string& message) {
  std::cerr << "leakwatch: " << message << "\n";
  return code;
}

}  // namespace leakwatch::app
