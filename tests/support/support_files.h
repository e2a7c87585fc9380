// Helper programs of the tests, kept in tests/support/ (a torrent peer, a recording SOCKS5
// proxy), and the python that runs them: Debian's, which has python3-libtorrent (a pyenv python
// on PATH may not).
#pragma once

#include <string>

namespace leakwatch::testing {

inline constexpr const char* kSystemPython = "/usr/bin/python3";

inline std::string support_file(const std::string& name) {
  return std::string(LEAKWATCH_SOURCE_DIR) + "/tests/support/" + name;
}

}  // namespace leakwatch::testing
