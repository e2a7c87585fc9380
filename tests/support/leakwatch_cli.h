// Running the built leakwatch binary from tests (LEAKWATCH_BINARY is defined for every test
// target).
#pragma once

#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace leakwatch::testing {

// `leakwatch -q --data-dir DIR/DATA ARGS...`
inline CommandResult leakwatch_in(const TempDir& dir, const std::string& data,
                                  std::vector<std::string> args) {
  args.insert(args.begin(), {LEAKWATCH_BINARY, "-q", "--data-dir", (dir / data).string()});
  return run_command(args);
}

}  // namespace leakwatch::testing
