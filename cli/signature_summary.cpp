#include "cli/signature_summary.h"

#include <nlohmann/json.hpp>

#include "model/json.h"
#include "model/units.h"
#include "report/report_escape.h"

namespace leakwatch::app {

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

}  // namespace leakwatch::app

namespace leakwatch::app {

namespace {

nlohmann::json ref_json(const store::SignatureFileRef& r) {
  return {{"path", r.path}, {"size", r.size}, {"digest", r.digest}};
}

nlohmann::json time_or_null(const std::optional<Timestamp>& t) {
  return t ? nlohmann::json(format_rfc3339(*t)) : nlohmann::json(nullptr);
}

nlohmann::json change_json(const store::SignatureChange& c) {
  auto refs = [](const std::vector<store::SignatureFileRef>& list) {
    auto out = nlohmann::json::array();
    for (const auto& r : list) out.push_back(ref_json(r));
    return out;
  };
  auto changed = nlohmann::json::array();
  for (const auto& f : c.changed) {
    changed.push_back({{"path", f.after.path},
                       {"before", {{"size", f.before.size}, {"digest", f.before.digest}}},
                       {"after", {{"size", f.after.size}, {"digest", f.after.digest}}}});
  }
  return {{"files_added", c.files_added},     {"files_removed", c.files_removed},
          {"files_changed", c.files_changed}, {"added", refs(c.added)},
          {"removed", refs(c.removed)},       {"changed", changed}};
}

std::string ref_text(const store::SignatureFileRef& r) {
  return display_text(r.path) + "  " + std::to_string(r.size) +
         (r.digest.empty() ? "" : "  " + r.digest);
}

std::string counts_text(std::uint64_t files, std::uint64_t bytes, std::uint64_t records,
                        std::uint64_t honeytokens, std::uint64_t name_patterns) {
  return std::to_string(files) + " files (" + format_size(bytes) + "), " + std::to_string(records) +
         " record rows, " + std::to_string(honeytokens) + " honeytokens, " +
         std::to_string(name_patterns) + " name patterns";
}

}  // namespace

void print_signature_history(std::ostream& out, const Signature& current,
                             const std::vector<store::SignatureVersion>& history,
                             std::string_view format) {
  const auto total = history.size() + 1;
  if (format == "json") {
    auto versions = nlohmann::json::array();
    for (std::size_t i = 0; i < history.size(); ++i) {
      const auto& v = history[i];
      versions.push_back({{"version", i + 1},
                          {"current", false},
                          {"description", v.description},
                          {"created", format_rfc3339(v.created)},
                          {"imported", time_or_null(v.imported)},
                          {"replaced", format_rfc3339(v.replaced)},
                          {"files", v.files},
                          {"bytes", v.bytes},
                          {"records", v.records},
                          {"honeytokens", v.honeytokens},
                          {"name_patterns", v.name_patterns},
                          {"change", change_json(v.change)}});
    }
    versions.push_back({{"version", total},
                        {"current", true},
                        {"description", current.description},
                        {"created", format_rfc3339(current.created)},
                        {"imported", time_or_null(current.imported)},
                        {"replaced", nullptr},
                        {"files", current.files.size()},
                        {"bytes", total_size(current)},
                        {"records", current.records.rows},
                        {"honeytokens", current.honeytoken_hashes.size()},
                        {"name_patterns", current.name_patterns.size()},
                        {"change", nullptr}});
    out << dump_json({{"dataset", current.dataset}, {"versions", versions}}, 2) << "\n";
    return;
  }
  out << "dataset: " << display_text(current.dataset) << " (" << total << " version"
      << (total == 1 ? "" : "s") << ", oldest first)\n";
  for (std::size_t i = 0; i < history.size(); ++i) {
    const auto& v = history[i];
    const auto& c = v.change;
    out << "version " << i + 1 << ": created " << format_rfc3339(v.created);
    if (v.imported) out << ", imported " << format_rfc3339(*v.imported);
    out << ", replaced " << format_rfc3339(v.replaced) << "\n  "
        << counts_text(v.files, v.bytes, v.records, v.honeytokens, v.name_patterns) << "\n";
    out << "  replaced by: " << c.files_added << " added, " << c.files_removed << " removed, "
        << c.files_changed << " changed; records " << v.records << " -> " << c.records_after
        << ", honeytokens " << v.honeytokens << " -> " << c.honeytokens_after << ", name patterns "
        << v.name_patterns << " -> " << c.name_patterns_after << "\n";
    for (const auto& r : c.added) out << "    + " << ref_text(r) << "\n";
    for (const auto& r : c.removed) out << "    - " << ref_text(r) << "\n";
    for (const auto& f : c.changed) {
      out << "    ~ " << ref_text(f.before) << " -> " << f.after.size
          << (f.after.digest.empty() ? "" : "  " + f.after.digest) << "\n";
    }
    const auto listed = c.added.size() + c.removed.size() + c.changed.size();
    const auto counted = c.files_added + c.files_removed + c.files_changed;
    if (listed < counted) {
      out << "    (" << counted - listed << " more not listed: at most "
          << store::kMaxSignatureChangePaths << " paths of each kind are kept)\n";
    }
  }
  out << "version " << total << " (current): created " << format_rfc3339(current.created);
  if (current.imported) out << ", imported " << format_rfc3339(*current.imported);
  out << "\n  "
      << counts_text(current.files.size(), total_size(current), current.records.rows,
                     current.honeytoken_hashes.size(), current.name_patterns.size())
      << "\n";
}

}  // namespace leakwatch::app
