// Linear pre-scans of hostile markup: how deep would a parser's tree go? gumbo frees its tree
// recursively (one stack frame per level) and checks element scopes by walking its stack of open
// elements, so a page of a million nested <div>s overflows the stack or takes hours. Every HTML
// page is measured here, in one pass and without building anything, before gumbo sees it.
// JSON needs no pre-scan: it is read with nlohmann's SAX interface, which stops at a depth.
#pragma once

#include <cstddef>
#include <string_view>

#include "model/result.h"

namespace leakwatch::crawler {

// Chromium's HTML parser stops nesting at 512 levels (kMaximumHTMLParserDOMTreeDepth); real
// listings and posts stay far below.
inline constexpr std::size_t kMaxHtmlDepth = 512;
inline constexpr std::size_t kMaxJsonDepth = 256;

// An estimate of the deepest element nesting of `body` as an HTML5 tree builder would build it:
// void elements, raw text (script, style, textarea, title), comments and end tags are followed;
// elements that close an open one of their kind (p, li, td, tr, option...) do so within their
// scope; an end tag closes what it matches and everything opened after it. An error naming the
// byte offset when the estimate passes `max_depth`.
Result<void> check_html_nesting(std::string_view body, std::size_t max_depth = kMaxHtmlDepth);

}  // namespace leakwatch::crawler
