// Signature bundles: one dataset's signature in a versioned JSON file that another team can
// import (`signatures export` / `signatures import`). A bundle holds hashes only, never where
// the originals live (`original_path` is dropped on export), and a record key only when the
// exporter asked for it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "model/result.h"
#include "model/signature.h"
#include "model/time.h"

namespace leakwatch {

inline constexpr std::string_view kSignatureBundleFormat = "leakwatch-signature-bundle";

struct SignatureBundle {
  Signature signature;
  std::optional<std::string> record_key_hex;  // the dataset's record key, when exported with it
  std::string exported;                       // RFC 3339, as the exporter wrote it
};

// The bundle's JSON text (one trailing newline).
std::string write_signature_bundle(Signature signature,
                                   const std::optional<std::string>& record_key_hex,
                                   Timestamp exported);

// Reads a bundle; errors name `origin` (the file). Newer bundle versions are refused.
Result<SignatureBundle> read_signature_bundle(std::string_view text, const std::string& origin);

}  // namespace leakwatch
