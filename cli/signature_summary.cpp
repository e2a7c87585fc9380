#include "cli/signature_summary.h"

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
