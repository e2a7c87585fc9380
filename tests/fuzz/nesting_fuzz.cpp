// Fuzz target for HTML pages (crawler/html_tree.h, the post page parser of crawl.h): whatever
// the bytes, libxml2 keeps its tree at most kMaxHtmlDepth elements deep or the page is refused
// with an error, and the post page parser agrees. (listing_fuzz feeds parse_listing.) The tree is
// measured without recursion; a deeper tree traps.
#include <cstdint>
#include <string_view>

#include "crawler/crawl.h"
#include "crawler/html_tree.h"

namespace {

using leakwatch::crawler::kMaxHtmlDepth;

std::size_t tree_depth(const xmlNode* root) {
  std::size_t deepest = 0;
  std::size_t depth = 0;  // of n below root
  for (const xmlNode* n = root; n;) {
    if (n->type == XML_ELEMENT_NODE) deepest = std::max(deepest, depth);
    // next_node's order, with the depth followed along.
    if ((n == root || n->type == XML_ELEMENT_NODE) && n->children) {
      n = n->children;
      ++depth;
      continue;
    }
    while (n && n != root && !n->next) {
      n = n->parent;
      --depth;
    }
    n = n && n != root ? n->next : nullptr;
  }
  return deepest;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto doc = leakwatch::crawler::parse_html(text);
  const auto post = leakwatch::crawler::parse_post_page(text);
  if (doc.ok() != post.ok()) __builtin_trap();
  if (!doc) {
    if (doc.error().message.empty()) __builtin_trap();
    return 0;
  }
  if (tree_depth(reinterpret_cast<const xmlNode*>(doc->get())) > kMaxHtmlDepth + 1)
    __builtin_trap();
  return 0;
}
