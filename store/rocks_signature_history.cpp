// Replaced signatures (store.h SignatureVersion): the diff a replacement makes, its JSON form,
// and the signature_history family put_signature writes in the replacement's batch.
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "model/json.h"
#include "store/rocks_db.h"

namespace leakwatch::store {

namespace {

rocksdb::Slice slice(std::string_view s) {
  return {s.data(), s.size()};
}

SignatureFileRef ref_of(const SignatureFile& f) {
  SignatureFileRef r{.path = f.path, .size = f.size, .digest = {}};
  const auto sha = std::find_if(f.digests.begin(), f.digests.end(),
                                [](const Digest& d) { return d.kind == DigestKind::sha256; });
  const auto* d = sha != f.digests.end() ? &*sha : (f.digests.empty() ? nullptr : &f.digests[0]);
  if (d) r.digest = std::string(digest_kind_name(d->kind)) + ":" + d->hex();
  return r;
}

std::uint64_t bytes_of(const Signature& s) {
  std::uint64_t total = 0;
  for (const auto& f : s.files) total += f.size;
  return total;
}

nlohmann::json ref_json(const SignatureFileRef& r) {
  return {{"path", r.path}, {"size", r.size}, {"digest", r.digest}};
}

SignatureFileRef ref_from(const nlohmann::json& j) {
  return {j.at("path").get<std::string>(), j.at("size").get<std::uint64_t>(),
          j.at("digest").get<std::string>()};
}

Timestamp time_from(const nlohmann::json& j, const char* key) {
  const auto t = parse_rfc3339(j.at(key).get<std::string>());
  if (!t) throw std::runtime_error(std::string(key) + " is not an RFC 3339 time");
  return *t;
}

std::optional<Timestamp> optional_time_from(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  return time_from(j, key);
}

nlohmann::json optional_time_json(const std::optional<Timestamp>& t) {
  return t ? nlohmann::json(format_rfc3339(*t)) : nlohmann::json(nullptr);
}

}  // namespace

SignatureVersion replaced_version(const Signature& old, const Signature& replacement,
                                  Timestamp replaced) {
  SignatureVersion v;
  v.dataset = old.dataset;
  v.description = old.description;
  v.created = old.created;
  v.imported = old.imported;
  v.replaced = replaced;
  v.files = old.files.size();
  v.bytes = bytes_of(old);
  v.records = old.records.rows;
  v.honeytokens = old.honeytoken_hashes.size();
  v.name_patterns = old.name_patterns.size();
  v.record_key_id = old.records.key_id;

  auto& c = v.change;
  c.created_after = replacement.created;
  c.imported_after = replacement.imported;
  c.description_after = replacement.description;
  c.files_after = replacement.files.size();
  c.bytes_after = bytes_of(replacement);
  c.records_after = replacement.records.rows;
  c.honeytokens_after = replacement.honeytoken_hashes.size();
  c.name_patterns_after = replacement.name_patterns.size();

  // By path (a path signed twice in one version: the last one counts, as a lookup would).
  std::map<std::string_view, const SignatureFile*> before;
  std::map<std::string_view, const SignatureFile*> after;
  for (const auto& f : old.files) before[f.path] = &f;
  for (const auto& f : replacement.files) after[f.path] = &f;
  for (const auto& [path, f] : before) {
    const auto it = after.find(path);
    if (it == after.end()) {
      ++c.files_removed;
      if (c.removed.size() < kMaxSignatureChangePaths) c.removed.push_back(ref_of(*f));
    } else if (f->size != it->second->size || f->digests != it->second->digests) {
      ++c.files_changed;
      if (c.changed.size() < kMaxSignatureChangePaths) {
        c.changed.push_back({ref_of(*f), ref_of(*it->second)});
      }
    }
  }
  for (const auto& [path, f] : after) {
    if (before.contains(path)) continue;
    ++c.files_added;
    if (c.added.size() < kMaxSignatureChangePaths) c.added.push_back(ref_of(*f));
  }
  return v;
}

std::string signature_history_key(std::string_view dataset, Timestamp replaced) {
  std::string key(dataset);
  key += '\0';
  key += be64(ordered_ms(replaced));
  return key;
}

std::string to_json_text(const SignatureVersion& v) {
  const auto& c = v.change;
  auto refs = [](const std::vector<SignatureFileRef>& list) {
    auto out = nlohmann::json::array();
    for (const auto& r : list) out.push_back(ref_json(r));
    return out;
  };
  auto changed = nlohmann::json::array();
  for (const auto& f : c.changed) {
    changed.push_back({{"before", ref_json(f.before)}, {"after", ref_json(f.after)}});
  }
  const nlohmann::json j{{"dataset", v.dataset},
                         {"description", v.description},
                         {"created", format_rfc3339(v.created)},
                         {"imported", optional_time_json(v.imported)},
                         {"replaced", format_rfc3339(v.replaced)},
                         {"files", v.files},
                         {"bytes", v.bytes},
                         {"records", v.records},
                         {"honeytokens", v.honeytokens},
                         {"name_patterns", v.name_patterns},
                         {"record_key_id", v.record_key_id},
                         {"change",
                          {{"files_added", c.files_added},
                           {"files_removed", c.files_removed},
                           {"files_changed", c.files_changed},
                           {"added", refs(c.added)},
                           {"removed", refs(c.removed)},
                           {"changed", changed},
                           {"created_after", format_rfc3339(c.created_after)},
                           {"imported_after", optional_time_json(c.imported_after)},
                           {"description_after", c.description_after},
                           {"files_after", c.files_after},
                           {"bytes_after", c.bytes_after},
                           {"records_after", c.records_after},
                           {"honeytokens_after", c.honeytokens_after},
                           {"name_patterns_after", c.name_patterns_after}}}};
  return dump_json(j);
}

Result<SignatureVersion> signature_version_from_json_text(std::string_view text,
                                                          std::string_view what) {
  try {
    const auto j = nlohmann::json::parse(text);
    SignatureVersion v;
    v.dataset = j.at("dataset").get<std::string>();
    v.description = j.at("description").get<std::string>();
    v.created = time_from(j, "created");
    v.imported = optional_time_from(j, "imported");
    v.replaced = time_from(j, "replaced");
    v.files = j.at("files").get<std::uint64_t>();
    v.bytes = j.at("bytes").get<std::uint64_t>();
    v.records = j.at("records").get<std::uint64_t>();
    v.honeytokens = j.at("honeytokens").get<std::uint64_t>();
    v.name_patterns = j.at("name_patterns").get<std::uint64_t>();
    v.record_key_id = j.at("record_key_id").get<std::string>();
    const auto& cj = j.at("change");
    auto& c = v.change;
    c.files_added = cj.at("files_added").get<std::uint64_t>();
    c.files_removed = cj.at("files_removed").get<std::uint64_t>();
    c.files_changed = cj.at("files_changed").get<std::uint64_t>();
    for (const auto& r : cj.at("added")) c.added.push_back(ref_from(r));
    for (const auto& r : cj.at("removed")) c.removed.push_back(ref_from(r));
    for (const auto& r : cj.at("changed")) {
      c.changed.push_back({ref_from(r.at("before")), ref_from(r.at("after"))});
    }
    c.created_after = time_from(cj, "created_after");
    c.imported_after = optional_time_from(cj, "imported_after");
    c.description_after = cj.at("description_after").get<std::string>();
    c.files_after = cj.at("files_after").get<std::uint64_t>();
    c.bytes_after = cj.at("bytes_after").get<std::uint64_t>();
    c.records_after = cj.at("records_after").get<std::uint64_t>();
    c.honeytokens_after = cj.at("honeytokens_after").get<std::uint64_t>();
    c.name_patterns_after = cj.at("name_patterns_after").get<std::uint64_t>();
    return v;
  } catch (const std::exception& e) {
    return Error{std::string(what) + ": " + e.what()};
  }
}

Result<std::vector<SignatureVersion>> Store::signature_history(std::string_view dataset) {
  std::vector<SignatureVersion> out;
  if (!impl_->cf[kSignatureHistory]) return out;  // an older store read as it is: none kept
  std::string prefix(dataset);
  prefix += '\0';
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf[kSignatureHistory]));
  for (it->Seek(slice(prefix)); it->Valid() && it->key().starts_with(slice(prefix)); it->Next()) {
    auto v = signature_version_from_json_text(
        it->value().ToStringView(), "stored signature history of '" + std::string(dataset) + "'");
    if (!v) return v.error();
    out.push_back(std::move(v).value());
  }
  if (!it->status().ok()) {
    return status_error("reading the signature history of '" + std::string(dataset) + "'",
                        it->status());
  }
  return out;
}

Result<void> Store::put_signature(const Signature& signature,
                                  std::optional<Timestamp> replaced_at) {
  if (auto w = impl_->writable("put_signature"); !w) return w.error();
  const std::lock_guard lock(impl_->write_mutex);  // read the old one, then replace it
  auto existing = get_signature(signature.dataset);
  if (!existing) return existing.error();
  rocksdb::WriteBatch batch;
  if (*existing) {
    auto history = signature_history(signature.dataset);
    if (!history) return history.error();
    Timestamp replaced = replaced_at.value_or(now());
    // Keys are by replacement time: never onto (or before) the previous version's.
    if (!history->empty() && replaced <= history->back().replaced) {
      replaced = history->back().replaced + std::chrono::milliseconds{1};
    }
    const auto version = replaced_version(**existing, signature, replaced);
    batch.Put(impl_->cf[kSignatureHistory], signature_history_key(signature.dataset, replaced),
              to_json_text(version));
    // The oldest beyond the bound go in the same batch.
    const std::size_t kept = history->size() + 1;
    for (std::size_t i = 0; kept > kSignatureHistoryLimit && i < kept - kSignatureHistoryLimit;
         ++i) {
      batch.Delete(impl_->cf[kSignatureHistory],
                   signature_history_key(signature.dataset, (*history)[i].replaced));
    }
  }
  batch.Put(impl_->cf[kSignatures], signature.dataset, to_json_text(signature));
  batch.Put(impl_->cf[kShapes], signature.dataset, pack_shape(shape_of(signature)));
  const auto s = impl_->db->Write(impl_->write_options(), &batch);
  if (!s.ok()) return status_error("signature '" + signature.dataset + "'", s);
  return {};
}

}  // namespace leakwatch::store
