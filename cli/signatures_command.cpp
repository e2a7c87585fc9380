// `leakwatch signatures list|show|history|export|import|remove`: the stored signatures, their
// replaced versions, and bundles (model/signature_bundle.h) to share them with another team.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"
#include "cli/private_file.h"
#include "cli/signature_summary.h"
#include "matcher/records_key.h"
#include "model/json.h"
#include "model/signature_bundle.h"
#include "model/units.h"
#include "report/report_escape.h"

namespace leakwatch::app {

void register_signatures(CLI::App& app, Context& ctx, CommandRun& run) {
  auto* group =
      app.add_subcommand("signatures",
                         "List, show, export, import or remove dataset signatures, or show a "
                         "signature's replaced versions (history)");
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
      // Columns as wide as their widest value, two spaces apart: a long dataset name or a time
      // with milliseconds never runs into the next column.
      std::vector<std::array<std::string, 6>> rows{
          {"DATASET", "FILES", "SIZE", "CREATED", "IMPORTED", "DESCRIPTION"}};
      for (const auto& s : *sigs) {
        rows.push_back({display_text(s.dataset), std::to_string(s.files.size()),
                        format_size(total_size(s)), format_rfc3339(s.created),
                        s.imported ? format_rfc3339(*s.imported) : "-",
                        display_text(s.description)});
      }
      std::array<std::size_t, 6> width{};
      for (const auto& row : rows) {
        for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
      }
      for (const auto& row : rows) {
        std::string line;
        for (std::size_t c = 0; c + 1 < row.size(); ++c) {
          line += row[c] + std::string(width[c] - row[c].size() + 2, ' ');
        }
        std::cout << line << row.back() << "\n";
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

  auto* hist = group->add_subcommand(
      "history",
      "Show every version of a signature: the replaced ones (sign --replace, signatures import\n"
      "over a signed name), oldest first, with when each was replaced and what the replacement\n"
      "changed, then the current one");
  auto hist_name = std::make_shared<std::string>();
  auto hist_format = std::make_shared<std::string>("text");
  hist->add_option("NAME", *hist_name, "dataset name")->required();
  hist->add_option("--format", *hist_format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  hist->callback([&ctx, &run, hist_name, hist_format] {
    run = [&ctx, hist_name, hist_format]() -> int {
      auto store = ctx.store(store::OpenMode::read_only);
      if (!store) return fail(kExitRuntime, store.error().message);
      auto sig = (*store)->get_signature(*hist_name);
      if (!sig) return fail(kExitRuntime, sig.error().message);
      if (!*sig) return fail(kExitRuntime, "no signature named '" + *hist_name + "'");
      auto history = (*store)->signature_history(*hist_name);
      if (!history) return fail(kExitRuntime, history.error().message);
      print_signature_history(std::cout, **sig, *history, *hist_format);
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
      std::optional<std::string> key_hex;
      if (*exp_with_key && !(*sig)->records.empty()) {
        const auto data_dir = ctx.data_dir();
        if (!data_dir) return fail(kExitRuntime, data_dir.error().message);
        auto key = matcher::load_record_key(matcher::record_key_path(*data_dir, exp_args->first));
        if (!key) return fail(kExitRuntime, key.error().message);
        key_hex = key->hex();
      } else if (!(*sig)->records.empty()) {
        std::cerr << "leakwatch: note: the bundle holds no record key; the importer matches '"
                  << exp_args->first
                  << "' records only with it (export --with-key, or hand over keys/"
                  << exp_args->first << ".key separately)\n";
      }
      // A bundle may hold the record key: created for this user only, never over a file.
      if (auto written = write_new_private_file(
              exp_args->second, write_signature_bundle(std::move(**sig), key_hex, now()));
          !written)
        return fail(kExitRuntime, written.error().message);
      std::cout << "exported '" << exp_args->first << "' to " << exp_args->second << "\n";
      return kExitOk;
    };
  });

  auto* imp = group->add_subcommand(
      "import",
      "Import a signature bundle (replaces a signature of the same name; the replaced one is\n"
      "kept in `signatures history NAME`)");
  auto imp_file = std::make_shared<std::string>();
  imp->add_option("FILE", *imp_file, "bundle file")->required();
  imp->callback([&ctx, &run, imp_file] {
    run = [&ctx, imp_file]() -> int {
      std::ifstream in(*imp_file, std::ios::binary);
      if (!in) return fail(kExitRuntime, *imp_file + ": cannot open bundle");
      std::stringstream text;
      text << in.rdbuf();
      auto bundle = read_signature_bundle(text.str(), *imp_file);
      if (!bundle) return fail(kExitRuntime, bundle.error().message);
      auto* sig = &bundle->signature;
      std::optional<matcher::RecordKey> key;
      if (bundle->record_key_hex) {
        auto parsed = matcher::RecordKey::from_hex(*bundle->record_key_hex, *imp_file);
        if (!parsed) return fail(kExitRuntime, parsed.error().message);
        if (parsed->id() != sig->records.key_id)
          return fail(kExitRuntime, *imp_file + ": the record key is not the signature's (key id " +
                                        parsed->id() + ", signature wants " + sig->records.key_id +
                                        ")");
        key = *parsed;
      }
      // Nothing here can have matched it before now, whatever its creator's time says.
      sig->imported = now();
      auto store = ctx.store(store::OpenMode::read_write);
      if (!store) return fail(kExitRuntime, store.error().message);
      auto existing = (*store)->get_signature(sig->dataset);
      if (!existing) return fail(kExitRuntime, existing.error().message);
      if (auto put = (*store)->put_signature(*sig); !put)
        return fail(kExitRuntime, put.error().message);
      if (*existing) {
        std::cerr << "leakwatch: note: replaced the signature of '" << sig->dataset << "' created "
                  << format_rfc3339((*existing)->created) << " (" << (*existing)->files.size()
                  << " files); the old version is kept (leakwatch signatures history "
                  << sig->dataset << ")\n";
      }
      const auto data_dir = ctx.data_dir();
      if (!data_dir) return fail(kExitRuntime, data_dir.error().message);
      const auto key_file = matcher::record_key_path(*data_dir, sig->dataset);
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

}  // namespace leakwatch::app
