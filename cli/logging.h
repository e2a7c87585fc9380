// One spdlog logger to stderr: human-readable by default, JSON Lines with `--log-format json`.
#pragma once

#include <string_view>

namespace leakwatch::app {

// verbosity: -1 quiet (warnings and errors), 0 info, 1 debug, 2+ trace.
void setup_logging(int verbosity, std::string_view format);

}  // namespace leakwatch::app
