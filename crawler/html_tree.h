// HTML pages as trees, parsed with libxml2's HTML parser (Debian 12: 2.9.14). The parser keeps
// at most 256 elements open (libxml2's xmlParserMaxDepth: every element of its tree is pushed
// on that stack, and a push past it stops the parser), so a hostile page can neither nest the
// tree without end nor make the parse cost more than linear time; its tree is freed without
// recursion. parse_html() refuses a page the parser stopped on, so no page is ever half read.
// Why libxml2 and not gumbo: docs/SECURITY.md "Parser choice". Only crawler/ includes libxml2.
#pragma once

#include <libxml/HTMLparser.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/result.h"

namespace leakwatch::crawler {

inline constexpr std::size_t kMaxHtmlDepth = 256;

struct HtmlDocumentFree {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using HtmlDocument = std::unique_ptr<xmlDoc, HtmlDocumentFree>;

// The tree of `body`, read as UTF-8 whatever the page declares (invalid bytes and NULs become
// U+FFFD first, so libxml2 never falls back to Latin-1 halfway). An error when the page nests
// deeper than kMaxHtmlDepth elements or the parser stopped early for another reason.
Result<HtmlDocument> parse_html(std::string_view body);

// The element's name as libxml2 gives it (lower case for HTML), or "" for other nodes.
std::string_view element_name(const xmlNode* node);
bool is_element(const xmlNode* node, std::string_view name);

// The value of attribute `name` (entities decoded), or nothing.
std::optional<std::string> attribute(const xmlNode* node, const char* name);

// The next node after `node` in document order within `root`'s subtree (children first),
// or nullptr: a walk without recursion. With skip_children, node's subtree is stepped over.
const xmlNode* next_node(const xmlNode* node, const xmlNode* root, bool skip_children = false);

// The text of every text node below `node`, in document order.
void append_text(const xmlNode* node, std::string& out);

}  // namespace leakwatch::crawler
