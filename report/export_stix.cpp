#include "report/export_stix.h"

#include <openssl/sha.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "model/json.h"

namespace leakwatch::app {

namespace {

using nlohmann::json;

// STIX 2.1 section 2.9: the namespace of deterministic SCO ids.
constexpr Uuid kStixScoNamespace = {0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c,
                                    0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7};

constexpr const char* kIdentityCreated = "2026-01-01T00:00:00.000Z";

// STIX 2.1 section 3.2: created and modified are precise to the millisecond, always written
// with three digits (format_rfc3339 leaves out a zero fraction).
std::string stix_time(Timestamp t) {
  auto text = format_rfc3339(t);
  if (text.find('.') != std::string::npos) return text;
  return text.substr(0, text.size() - 1) + ".000Z";
}

std::string object_id(std::string_view type, std::string_view name) {
  return std::string(type) + "--" +
         uuid_text(uuid_v5(kLeakwatchUuidNamespace, std::string(type) + "\n" + std::string(name)));
}

// STIX 2.1 section 2.9: an SCO id is UUIDv5 over the canonical JSON (RFC 8785) of its ID
// contributing properties. nlohmann dumps object keys sorted and without whitespace, which is
// JCS for the strings and objects used here.
std::string sco_id(std::string_view type, const json& contributing) {
  return std::string(type) + "--" + uuid_text(uuid_v5(kStixScoNamespace, contributing.dump()));
}

// STIX patterning string literal: single quotes, with ' and \ escaped.
std::string pattern_literal(std::string_view s) {
  std::string out = "'";
  for (const char c : s) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string base_name(std::string_view path) {
  const auto slash = path.find_last_of("/!");
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// Confidence (STIX 2.1 appendix A, 0-100): confirmed / likely / possible.
int stix_confidence(Confidence c) {
  switch (c) {
    case Confidence::confirmed:
      return 90;
    case Confidence::likely:
      return 60;
    case Confidence::possible:
      return 30;
  }
  return 0;
}

// The STIX hash key for an evidence kind, or empty: the hash-algorithm-ov names, and custom keys
// (STIX 2.1 section 2.7: custom hash names match [a-zA-Z0-9_-]{3,250}) for the proofs STIX has
// no name for, so none of them is reduced to a file name pattern.
std::string_view hash_name(std::string_view kind) {
  if (kind == "sha256") return "SHA-256";
  if (kind == "sha1") return "SHA-1";
  if (kind == "md5") return "MD5";
  if (kind == "xxh3") return "x_xxh3_128";
  if (kind == "btv2-root") return "x_btv2_pieces_root";
  if (kind == "btv1-pieces") return "x_btv1_piece_sha1";
  if (kind == "crc32+size") return "x_crc32";
  return {};
}

// The hex digest an evidence row carries: the detail itself, or its first word ("crc32+size":
// "crc size"; "btv1-pieces": the piece hash first); empty when it is not hex.
std::string evidence_hex(const Evidence& e) {
  std::string_view text = e.detail;
  if (const auto sp = text.find(' '); sp != std::string_view::npos) text = text.substr(0, sp);
  const bool hex = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
  return hex ? std::string(text) : std::string();
}

// The exact size an evidence row states ("name+size": "N"; "crc32+size": "crc N"), or 0.
std::uint64_t evidence_size(const Evidence& e) {
  std::string_view text = e.detail;
  if (e.kind == "crc32+size") {
    const auto sp = text.find(' ');
    if (sp == std::string_view::npos) return 0;
    text = text.substr(sp + 1);
  } else if (e.kind != "name+size") {
    return 0;
  }
  if (text.empty() || text.size() > 19 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return 0;
  return std::stoull(std::string(text));
}

// One remote file seen at the locator, with everything the evidence says about it.
struct RemoteFile {
  std::string name;
  std::map<std::string, std::string> hashes;  // STIX algorithm name -> hex
  std::uint64_t size = 0;
};

std::vector<RemoteFile> remote_files(const Sighting& s) {
  std::map<std::string, RemoteFile> by_path;
  for (const auto& e : s.evidence) {
    const auto& path = e.remote_path.empty() ? e.file : e.remote_path;
    if (path.empty()) continue;
    auto& f = by_path[path];
    f.name = base_name(path);
    if (const auto h = hash_name(e.kind); !h.empty()) {
      if (auto hex = evidence_hex(e); !hex.empty()) f.hashes[std::string(h)] = std::move(hex);
    }
    if (const auto size = evidence_size(e)) f.size = size;
  }
  std::vector<RemoteFile> out;
  out.reserve(by_path.size());
  for (auto& [path, f] : by_path) out.push_back(std::move(f));
  return out;
}

json file_sco(const RemoteFile& f) {
  json contributing = json::object();
  // ID contributing properties of file: hashes (one, by precedence MD5, SHA-1, SHA-256), name.
  for (const auto* algorithm : {"MD5", "SHA-1", "SHA-256"}) {
    if (const auto it = f.hashes.find(algorithm); it != f.hashes.end()) {
      contributing["hashes"] = json{{algorithm, it->second}};
      break;
    }
  }
  if (!f.name.empty()) contributing["name"] = f.name;
  json o{{"type", "file"}, {"spec_version", "2.1"}, {"id", sco_id("file", contributing)}};
  if (!f.hashes.empty()) o["hashes"] = f.hashes;
  if (!f.name.empty()) o["name"] = f.name;
  if (f.size) o["size"] = f.size;
  return o;
}

std::string indicator_pattern(const std::vector<RemoteFile>& files) {
  std::vector<std::string> terms;
  for (const auto& f : files) {
    for (const auto& [algorithm, hex] : f.hashes) {
      // A CRC-32 alone is no proof: it is a term only together with the size it was seen with.
      if (algorithm == "x_crc32") {
        if (f.size) {
          terms.push_back("[file:hashes." + pattern_literal(algorithm) + " = " +
                          pattern_literal(hex) + " AND file:size = " + std::to_string(f.size) +
                          "]");
        }
        continue;
      }
      terms.push_back("[file:hashes." + pattern_literal(algorithm) + " = " + pattern_literal(hex) +
                      "]");
    }
  }
  if (terms.empty()) {
    for (const auto& f : files) terms.push_back("[file:name = " + pattern_literal(f.name) + "]");
  }
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  std::string pattern;
  for (const auto& t : terms) pattern += (pattern.empty() ? "" : " OR ") + t;
  return pattern;
}

// Every source that saw the locator (the sighting's own first).
json where_sighted(const Sighting& s) {
  json refs = json::array({object_id("identity", "source\n" + s.source)});
  for (const auto& seen : s.sources) {
    auto id = object_id("identity", "source\n" + seen.source);
    if (std::find(refs.begin(), refs.end(), id) == refs.end()) refs.push_back(std::move(id));
  }
  return refs;
}

}  // namespace

const Uuid kLeakwatchUuidNamespace = {0x6c, 0x65, 0x61, 0x6b, 0x77, 0x61, 0x74, 0x63,
                                      0x48, 0x2d, 0x8a, 0x73, 0x74, 0x69, 0x78, 0x32};

Uuid uuid_v5(const Uuid& name_space, std::string_view name) {
  std::string input(name_space.begin(), name_space.end());
  input += name;
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  Uuid u{};
  std::copy(digest, digest + 16, u.begin());
  u[6] = static_cast<std::uint8_t>((u[6] & 0x0f) | 0x50);  // version 5
  u[8] = static_cast<std::uint8_t>((u[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return u;
}

std::string uuid_text(const Uuid& u) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < u.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[u[i] >> 4];
    out += kHex[u[i] & 0xf];
  }
  return out;
}

json stix_bundle(const std::vector<Sighting>& sightings) {
  json objects = json::array();
  // SCOs shared by several sightings appear once: id -> its place in `objects`. A file's id
  // rests on its name when it has no MD5/SHA-1/SHA-256 (STIX 2.1 section 6.7), so two sightings
  // can name one file object with different proofs (a CRC-32 here, a torrent root there): the
  // object then carries both.
  std::map<std::string, std::size_t> emitted;
  std::set<std::string> sources;
  for (const auto& s : sightings) {
    sources.insert(s.source);
    for (const auto& seen : s.sources) sources.insert(seen.source);
  }
  for (const auto& source : sources) {
    // An object's created never changes between versions, and the same source identity appears
    // in every export, whatever its filter: so its times are fixed, not taken from sightings.
    const std::string t = kIdentityCreated;  // milliseconds, as STIX requires
    objects.push_back(json{{"type", "identity"},
                           {"spec_version", "2.1"},
                           {"id", object_id("identity", "source\n" + source)},
                           {"created", t},
                           {"modified", t},
                           {"name", source},
                           {"description", "leakwatch source '" + source + "'"},
                           {"identity_class", "system"}});
  }
  for (const auto& s : sightings) {
    const std::string key = s.dataset + "\n" + s.locator;
    const auto first = stix_time(s.first_seen);
    const auto last = stix_time(s.last_seen);
    const auto files = remote_files(s);

    std::vector<std::string> refs;
    const json locator_contributing{{"value", s.locator}};
    const json locator_sco{{"type", "url"},
                           {"spec_version", "2.1"},
                           {"id", sco_id("url", locator_contributing)},
                           {"value", s.locator}};
    refs.push_back(locator_sco["id"]);
    if (emitted.emplace(refs.back(), objects.size()).second) objects.push_back(locator_sco);
    for (const auto& f : files) {
      auto sco = file_sco(f);
      refs.push_back(sco["id"]);
      if (const auto [it, added] = emitted.emplace(refs.back(), objects.size()); added) {
        objects.push_back(std::move(sco));
      } else {
        auto& kept = objects[it->second];
        if (sco.contains("hashes")) {
          for (const auto& [algorithm, hex] : sco["hashes"].items()) {
            if (!kept["hashes"].contains(algorithm)) kept["hashes"][algorithm] = hex;
          }
        }
        if (sco.contains("size") && !kept.contains("size")) kept["size"] = sco["size"];
      }
    }
    std::sort(refs.begin(), refs.end());
    refs.erase(std::unique(refs.begin(), refs.end()), refs.end());

    const auto count = std::clamp<std::uint64_t>(s.files_matched, 1, 999'999'999);
    const auto observed_id = object_id("observed-data", key);
    objects.push_back(json{{"type", "observed-data"},
                           {"spec_version", "2.1"},
                           {"id", observed_id},
                           {"created", first},
                           {"modified", last},
                           {"first_observed", first},
                           {"last_observed", last},
                           {"number_observed", count},
                           {"object_refs", refs}});

    const auto indicator_id = object_id("indicator", key);
    const bool possible = s.confidence == Confidence::possible;
    auto pattern = indicator_pattern(files);
    if (pattern.empty()) pattern = "[url:value = " + pattern_literal(s.locator) + "]";
    objects.push_back(
        json{{"type", "indicator"},
             {"spec_version", "2.1"},
             {"id", indicator_id},
             {"created", first},
             {"modified", last},
             {"name",
              (possible ? "Possibly files of dataset '" : "Files of dataset '") + s.dataset + "'"},
             {"description",
              possible ? "Names or patterns of the signed dataset '" + s.dataset + "' seen at " +
                             s.locator + ": not evidence (a decoy or a coincidence is as likely)"
                       : "Files of the signed dataset '" + s.dataset + "' as seen at " + s.locator},
             // A name-only sighting proves nothing was compromised (indicator-type-ov "unknown").
             {"indicator_types", {possible ? "unknown" : "compromised"}},
             {"pattern", pattern},
             {"pattern_type", "stix"},
             {"valid_from", first}});

    json kinds = json::array();
    std::set<std::string> seen_kinds;
    for (const auto& e : s.evidence) {
      if (seen_kinds.insert(e.kind).second) kinds.push_back(e.kind);
    }
    objects.push_back(
        json{{"type", "sighting"},
             {"spec_version", "2.1"},
             {"id", object_id("sighting", key)},
             {"created", first},
             {"modified", last},
             {"first_seen", first},
             {"last_seen", last},
             {"count", count},
             {"sighting_of_ref", indicator_id},
             {"observed_data_refs", {observed_id}},
             {"where_sighted_refs", where_sighted(s)},
             {"confidence", stix_confidence(s.confidence)},
             {"description", std::string(confidence_name(s.confidence)) + " sighting of dataset '" +
                                 s.dataset + "' at " + s.locator},
             {"x_leakwatch_dataset", s.dataset},
             {"x_leakwatch_locator", s.locator},
             {"x_leakwatch_confidence", confidence_name(s.confidence)},
             {"x_leakwatch_files_matched", s.files_matched},
             {"x_leakwatch_dataset_files", s.dataset_files},
             {"x_leakwatch_bytes_matched", s.bytes_matched},
             {"x_leakwatch_evidence_kinds", kinds}});
  }
  // The bundle id is derived from what it holds, so the same export has the same id.
  std::string all_ids;
  for (const auto& o : objects) all_ids += o["id"].get<std::string>() + "\n";
  return json{
      {"type", "bundle"}, {"id", object_id("bundle", all_ids)}, {"objects", std::move(objects)}};
}

}  // namespace leakwatch::app
