// Escaping for reports. Names, paths and locators come from leak sites and are hostile: they may
// carry terminal escape sequences, markup, or bytes that are not UTF-8. Every string a report
// shows passes through one of these for its format.
#pragma once

#include <string>
#include <string_view>

namespace leakwatch::app {

// Valid UTF-8 with every control character (C0 but tab, DEL, C1) shown as \xNN and every invalid
// byte as U+FFFD: safe on a terminal and in any text format.
std::string display_text(std::string_view s);
// display_text, then & < > " ' as character references: safe in HTML text and attribute values.
std::string escape_html(std::string_view s);
// display_text, then Markdown's inline punctuation (\ ` * _ { } [ ] | ~, and a leading # - + ! =)
// backslash-escaped and < > & as character references (Markdown passes raw HTML through): safe
// in a table cell or paragraph. With [ ] escaped no link can form, so ( ) stay as they are.
std::string escape_markdown(std::string_view s);

}  // namespace leakwatch::app
