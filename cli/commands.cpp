#include "cli/commands.h"

#include <iostream>

namespace leakwatch::app {

int fail(int code, const std::string& message) {
  std::cerr << "leakwatch: " << message << "\n";
  return code;
}

}  // namespace leakwatch::app
