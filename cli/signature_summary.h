// One-line summaries of a signature, printed by `sign` and `signatures list|show`.
#pragma once

#include <cstdint>
#include <string>

#include "model/signature.h"

namespace leakwatch::app {

// "N rows; col (normaliser, V values, pattern P) ..."
std::string records_summary(const RecordSet& r);
// The signed files' bytes, all together.
std::uint64_t total_size(const Signature& s);

}  // namespace leakwatch::app
