#include "model/packed.h"

#include <ostream>

namespace leakwatch {

std::ostream& operator<<(std::ostream& out, OptionalU64 v) {
  if (v) return out << *v;
  return out << "(none)";
}

std::ostream& operator<<(std::ostream& out, const SparseString& s) {
  return out << s.str();
}

}  // namespace leakwatch
