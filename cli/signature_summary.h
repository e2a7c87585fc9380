// One-line summaries of a signature, printed by `sign` and `signatures list|show`.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "model/signature.h"
#include "store/store.h"

namespace leakwatch::app {

// "N rows; col (normaliser, V values, pattern P) ..."
std::string records_summary(const RecordSet& r);
// The signed files' bytes, all together.
std::uint64_t total_size(const Signature& s);
// `signatures history`: the replaced versions (oldest first) and the current signature, as
// "text" or "json" (docs/CONTRACTS.md).
void print_signature_history(std::ostream& out, const Signature& current,
                             const std::vector<store::SignatureVersion>& history,
                             std::string_view format);

}  // namespace leakwatch::app
