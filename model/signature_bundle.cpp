#include "model/signature_bundle.h"

#include <nlohmann/json.hpp>

#include "model/dataset_name.h"
#include "model/json.h"

namespace leakwatch {

std::string write_signature_bundle(Signature signature,
                                   const std::optional<std::string>& record_key_hex,
                                   Timestamp exported) {
  // Where the originals live here (`sign --keep-source`) is nobody else's business.
  for (auto& f : signature.files) f.original_path.clear();
  signature.imported.reset();  // when this store imported it is this store's matter
  nlohmann::json bundle{{"format", kSignatureBundleFormat},
                        {"version", kSignatureBundleVersion},
                        {"exported", format_rfc3339(exported)},
                        {"signature", signature}};
  if (record_key_hex) bundle["record_key"] = *record_key_hex;
  return dump_json(bundle, 1) + "\n";
}

Result<SignatureBundle> read_signature_bundle(std::string_view text, const std::string& origin) {
  nlohmann::json bundle;
  try {
    bundle = nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    return Error{origin + ": not a JSON bundle: " + e.what()};
  }
  if (!bundle.is_object() || !bundle.contains("format") || !bundle["format"].is_string() ||
      bundle["format"].get<std::string>() != kSignatureBundleFormat) {
    return Error{origin + ": not a leakwatch signature bundle (format field missing)"};
  }
  const auto& v = bundle.find("version");
  const int version = v != bundle.end() && v->is_number_integer() ? v->get<int>() : 0;
  if (version < 1 || version > kSignatureBundleVersion) {
    return Error{origin + ": bundle version " + std::to_string(version) +
                 " is not supported (this leakwatch reads up to " +
                 std::to_string(kSignatureBundleVersion) + ")"};
  }
  if (!bundle.contains("signature")) return Error{origin + ": bundle has no signature"};
  auto sig = signature_from_json_text(dump_json(bundle["signature"]), origin);
  if (!sig) return sig.error();
  // The name becomes a key file name (keys/NAME.key): "../x" or "/abs" would leave the folder.
  if (!is_dataset_name(sig->dataset)) {
    return Error{
        origin + ": bundle dataset name " +
        nlohmann::json(sig->dataset).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace) +
        " is not a dataset name (letters, digits, '-', '_', '.')"};
  }
  // A path on the exporter's machine means nothing here, and a scan would open that file.
  for (auto& f : sig->files) f.original_path.clear();
  SignatureBundle out;
  out.signature = std::move(sig).value();
  if (const auto it = bundle.find("record_key"); it != bundle.end() && it->is_string()) {
    out.record_key_hex = it->get<std::string>();
  }
  if (const auto it = bundle.find("exported"); it != bundle.end() && it->is_string()) {
    out.exported = it->get<std::string>();
  }
  return out;
}

}  // namespace leakwatch
