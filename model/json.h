// JSON forms of the model types. These are the contract shapes that `--format json`, the store
// and signature bundles use: field names follow docs/CONTRACTS.md, times are RFC 3339 UTC strings,
// digests lower-case hex.
#pragma once

#include <functional>
#include <iosfwd>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "model/manifest.h"
#include "model/result.h"
#include "model/scan_record.h"
#include "model/sighting.h"
#include "model/signature.h"

namespace leakwatch {

void to_json(nlohmann::json& j, const Digest& d);
void from_json(const nlohmann::json& j, Digest& d);
void to_json(nlohmann::json& j, const FileEntry& e);
void from_json(const nlohmann::json& j, FileEntry& e);
void to_json(nlohmann::json& j, const TorrentLayout& t);
void from_json(const nlohmann::json& j, TorrentLayout& t);
void to_json(nlohmann::json& j, const TextBlob& t);
void from_json(const nlohmann::json& j, TextBlob& t);
void to_json(nlohmann::json& j, const Manifest& m);
void from_json(const nlohmann::json& j, Manifest& m);
void to_json(nlohmann::json& j, const Evidence& e);
void from_json(const nlohmann::json& j, Evidence& e);
void to_json(nlohmann::json& j, const SourceSeen& s);
void from_json(const nlohmann::json& j, SourceSeen& s);
void to_json(nlohmann::json& j, const ConfidenceChange& c);
void from_json(const nlohmann::json& j, ConfidenceChange& c);
void to_json(nlohmann::json& j, const FetchedDocument& d);
void from_json(const nlohmann::json& j, FetchedDocument& d);
void to_json(nlohmann::json& j, const Sighting& s);
void from_json(const nlohmann::json& j, Sighting& s);
void to_json(nlohmann::json& j, const ScanRecord& r);
void from_json(const nlohmann::json& j, ScanRecord& r);
void to_json(nlohmann::json& j, const HeadPiece& p);
void from_json(const nlohmann::json& j, HeadPiece& p);
void to_json(nlohmann::json& j, const SignatureFile& f);
void from_json(const nlohmann::json& j, SignatureFile& f);
void to_json(nlohmann::json& j, const RecordColumn& c);
void from_json(const nlohmann::json& j, RecordColumn& c);
void to_json(nlohmann::json& j, const RecordSet& r);
void from_json(const nlohmann::json& j, RecordSet& r);
void to_json(nlohmann::json& j, const Signature& s);
void from_json(const nlohmann::json& j, Signature& s);

// JSON text that never throws: bytes that are not UTF-8 (common in leaked file names) become
// U+FFFD. indent -1 is one line.
std::string dump_json(const nlohmann::json& j, int indent = -1);
// The form a string reads back as from the JSON text dump_json wrote, when that differs from the
// string (it is not UTF-8: U+FFFD stands in place of the bytes that are not); nullopt when the
// string reads back as itself.
std::optional<std::string> json_text_replacement(std::string_view s);

// One-line JSON text of a model value, and the way back with errors as values
// (`what` names the input in the error: a file name, a store key).
std::string to_json_text(const Sighting& s);
std::string to_json_text(const ScanRecord& r);
std::string to_json_text(const Signature& s);
// Text dumps and page text may be the leaked data itself: the store drops them.
enum class ManifestTexts { keep, drop };
std::string to_json_text(const Manifest& m, ManifestTexts texts = ManifestTexts::keep);
// The same text handed to `sink` in pieces (about 64 KiB each), for writers that compress or
// send it as it is made.
void write_json_text(const Manifest& m, ManifestTexts texts,
                     const std::function<void(std::string_view)>& sink);
Result<Sighting> sighting_from_json_text(std::string_view text, std::string_view what);
Result<ScanRecord> scan_record_from_json_text(std::string_view text, std::string_view what);
Result<Signature> signature_from_json_text(std::string_view text, std::string_view what);
Result<Manifest> manifest_from_json_text(std::string_view text, std::string_view what);
// The same, handing each entry to `visit` as it is read instead of keeping it: the manifest
// returned has no entries. For reading a big manifest's paths without holding the manifest.
Result<Manifest> visit_manifest_json_text(std::string_view text, std::string_view what,
                                          const std::function<void(FileEntry&&)>& visit);
Result<Manifest> visit_manifest_json_text(std::istream& text, std::string_view what,
                                          const std::function<void(FileEntry&&)>& visit);

}  // namespace leakwatch
