#include "cli/commands.h"

#include <iostream>
#include <string>

namespace leakwatch::app {

int fail(int code, const std::string& message) {
  // Messages carry remote and file-system text: control bytes other than line breaks are shown
  // as \xNN, never sent to the terminal.
  std::string shown;
  for (const char ch : message) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F) {
      static constexpr char kHex[] = "0123456789abcdef";
      shown += "\\x";
      shown += kHex[c >> 4];
      shown += kHex[c & 0xF];
    } else {
      shown += ch;
    }
  }
  std::cerr << "leakwatch: " << shown << "\n";
  return code;
}

}  // namespace leakwatch::app
