// Fuzz target for the HTML nesting pre-scan (crawler/nesting.h) against gumbo itself: whatever
// the pre-scan lets through at a limit of 64 must build a gumbo tree of bounded depth (measured
// here without recursion). A page that gumbo nests far deeper than the estimate is a hole an
// attacker could use to reach gumbo's recursive cleanup, and traps.
#include <gumbo.h>

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "crawler/nesting.h"

namespace {

constexpr std::size_t kLimit = 64;
// The estimate may undercount a few elements per level (implied html/head/body, cloned
// formatting elements, a <p> closed by a block): a constant factor, never unbounded.
constexpr std::size_t kAllowedDepth = 4 * kLimit + 8;

std::size_t tree_depth(const GumboNode* root) {
  std::size_t deepest = 0;
  std::vector<std::pair<const GumboNode*, std::size_t>> todo{{root, 1}};
  while (!todo.empty()) {
    const auto [node, depth] = todo.back();
    todo.pop_back();
    deepest = std::max(deepest, depth);
    if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_TEMPLATE) continue;
    const GumboVector& children = node->v.element.children;
    for (unsigned i = 0; i < children.length; ++i)
      todo.emplace_back(static_cast<const GumboNode*>(children.data[i]), depth + 1);
  }
  return deepest;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (!leakwatch::crawler::check_html_nesting(text, kLimit)) return 0;
  GumboOutput* out = gumbo_parse_with_options(&kGumboDefaultOptions, text.data(), text.size());
  if (!out) return 0;
  const std::size_t depth = tree_depth(out->root);
  // Free first only when it is safe to recurse; otherwise trap with the tree still in place.
  if (depth > kAllowedDepth) __builtin_trap();
  gumbo_destroy_output(&kGumboDefaultOptions, out);
  return 0;
}
