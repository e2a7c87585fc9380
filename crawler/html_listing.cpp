// Generic HTML directory listings, parsed with gumbo. One walk over the DOM: every relative
// link is an entry; its size comes from the cells after it in its table row (Apache fancy,
// lighttpd) or from the rest of its line in a <pre> block (Apache fancy-pre, nginx-like).
#include <gumbo.h>

#include <cctype>
#include <memory>
#include <unordered_map>
#include <vector>

#include "crawler/listing.h"
#include "crawler/nesting.h"
#include "model/text.h"
#include "model/units.h"
#include "model/url.h"

namespace leakwatch::crawler {

namespace {

struct GumboDeleter {
  void operator()(GumboOutput* o) const { gumbo_destroy_output(&kGumboDefaultOptions, o); }
};

// Hostile pages can nest without end; the walk stops descending here.
constexpr int kMaxDepth = 256;

void text_of(const GumboNode* node, std::string& out, int depth = 0) {
  if (depth > kMaxDepth) return;
  if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE) {
    out += node->v.text.text;
    return;
  }
  if (node->type != GUMBO_NODE_ELEMENT) return;
  const GumboVector& children = node->v.element.children;
  for (unsigned i = 0; i < children.length; ++i) {
    text_of(static_cast<const GumboNode*>(children.data[i]), out, depth + 1);
  }
}

std::string_view trim(std::string_view s) {
  // &nbsp; arrives as U+00A0 (0xC2 0xA0).
  auto is_space = [](unsigned char c) { return std::isspace(c) || c == 0xC2 || c == 0xA0; };
  while (!s.empty() && is_space(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && is_space(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool is_entry_link(std::string_view href) {
  if (href.empty() || href == "../" || href == ".." || href == "./" || href == "." || href == "/") {
    return false;
  }
  if (href.front() == '?' || href.front() == '#' || href.front() == '/') return false;
  if (href.find("://") != std::string_view::npos || href.find(':') < href.find('/')) {
    return false;  // absolute or scheme links (mailto:, magnet:, javascript:)
  }
  return true;
}

const GumboNode* ancestor(const GumboNode* node, GumboTag tag, int limit = 6) {
  for (const GumboNode* p = node->parent; p && limit-- > 0; p = p->parent) {
    if (p->type == GUMBO_NODE_ELEMENT && p->v.element.tag == tag) return p;
  }
  return nullptr;
}

// For each cell of a table row, the size read from the cells after it: the last cell that reads
// as a size. Computed once per row (one pass from its end), so a row of many linked cells costs
// what the row is long, not its square.
std::vector<std::optional<SizeToken>> sizes_after_cells(const GumboNode* row) {
  const GumboVector& cells = row->v.element.children;
  std::vector<std::optional<SizeToken>> after(cells.length);
  std::optional<SizeToken> latest;
  for (unsigned i = cells.length; i-- > 0;) {
    after[i] = latest;
    const auto* c = static_cast<const GumboNode*>(cells.data[i]);
    if (latest || c->type != GUMBO_NODE_ELEMENT || c->v.element.tag != GUMBO_TAG_TD) continue;
    std::string text;
    text_of(c, text);
    latest = parse_size_token(trim(text));
  }
  return after;
}

using RowSizes = std::unordered_map<const GumboNode*, std::vector<std::optional<SizeToken>>>;

// The size in the cells after the link's cell: the last cell that reads as a size.
std::optional<SizeToken> size_from_row(const GumboNode* link, RowSizes& rows) {
  const GumboNode* cell = ancestor(link, GUMBO_TAG_TD);
  const GumboNode* row = cell ? ancestor(cell, GUMBO_TAG_TR, 1) : nullptr;
  if (!row) return std::nullopt;
  auto it = rows.find(row);
  if (it == rows.end()) it = rows.emplace(row, sizes_after_cells(row)).first;
  return it->second[cell->index_within_parent];
}

// The size at the end of the text that follows the link on its <pre> line.
std::optional<SizeToken> size_from_pre_line(const GumboNode* link) {
  const GumboNode* parent = link->parent;
  if (!parent || parent->type != GUMBO_NODE_ELEMENT || parent->v.element.tag != GUMBO_TAG_PRE) {
    return std::nullopt;
  }
  const GumboVector& siblings = parent->v.element.children;
  const auto index = link->index_within_parent;
  if (index + 1 >= siblings.length) return std::nullopt;
  const auto* next = static_cast<const GumboNode*>(siblings.data[index + 1]);
  if (next->type != GUMBO_NODE_TEXT && next->type != GUMBO_NODE_WHITESPACE) return std::nullopt;
  std::string_view line = next->v.text.text;
  line = line.substr(0, line.find('\n'));
  line = trim(line);
  const auto space = line.find_last_of(" \t");
  return parse_size_token(space == std::string_view::npos ? line : line.substr(space + 1));
}

struct Walk {
  Listing listing;
  std::size_t max_entries = 0;
  RowSizes rows;
};

void walk(const GumboNode* node, Walk& w, int depth) {
  if (depth > kMaxDepth || w.listing.truncated || node->type != GUMBO_NODE_ELEMENT) return;
  const GumboElement& el = node->v.element;
  if (el.tag == GUMBO_TAG_A) {
    if (const GumboAttribute* href = gumbo_get_attribute(&el.attributes, "href")) {
      const std::string_view h = href->value;
      if (is_entry_link(h)) {
        if (w.listing.entries.size() >= w.max_entries) {
          w.listing.truncated = true;
          return;
        }
        ListingEntry e;
        e.href = std::string(h);  // gumbo already decoded the entities
        e.is_dir = h.ends_with('/');
        auto name = h;
        if (e.is_dir) name.remove_suffix(1);
        if (const auto q = name.find('?'); q != std::string_view::npos) name = name.substr(0, q);
        e.name = percent_decode(name);
        if (!e.is_dir && !e.name.empty() && e.name.find('/') == std::string::npos) {
          auto size = size_from_row(node, w.rows);
          if (!size) size = size_from_pre_line(node);
          if (size) {
            e.size = size->bytes;
            e.size_exact = size->exact;
          }
        }
        if (!e.name.empty() && (e.is_dir || e.name.find('/') == std::string::npos)) {
          w.listing.entries.push_back(std::move(e));
        }
      }
    }
  }
  for (unsigned i = 0; i < el.children.length; ++i) {
    walk(static_cast<const GumboNode*>(el.children.data[i]), w, depth + 1);
  }
}

bool contains(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

bool has_index_title(std::string_view body) {
  const auto head = ascii_lower(body.substr(0, 4096));
  return contains(head, "<title>index of /") || contains(head, "<title>directory listing for /");
}

}  // namespace

std::optional<SizeToken> parse_size_token(std::string_view token) {
  token = trim(token);
  if (token.empty() || token == "-") return std::nullopt;
  if (!std::isdigit(static_cast<unsigned char>(token.front()))) return std::nullopt;
  const bool plain = token.find_first_not_of("0123456789") == std::string_view::npos;
  if (plain && token.size() > 19) return std::nullopt;
  const auto bytes = parse_size(token);
  if (!bytes) return std::nullopt;
  return SizeToken{*bytes, plain};
}

Result<Listing> parse_html_listing(std::string_view body, std::size_t max_entries) {
  if (auto nesting = check_html_nesting(body); !nesting) return nesting.error();
  GumboOptions options = kGumboDefaultOptions;
  options.max_errors = 100;  // error bookkeeping is not needed; don't let it grow
  std::unique_ptr<GumboOutput, GumboDeleter> doc(
      gumbo_parse_with_options(&options, body.data(), body.size()));
  if (!doc) return Error{"HTML parser failed"};
  Walk w;
  w.max_entries = max_entries;
  walk(doc->root, w, 0);
  // An empty folder of Apache, lighttpd or python's http.server links nothing but its parent:
  // a listing with no entries, known by the title those servers give it.
  if (w.listing.entries.empty() && !w.listing.truncated && !has_index_title(body)) {
    return Error{"no file or folder links: not a directory listing"};
  }
  if (contains(body, "<address>Apache") || contains(body, "alt=\"[DIR]\"") ||
      contains(body, "?C=N;O=D")) {
    w.listing.format = "apache";
  } else if (contains(body, "lighttpd")) {
    w.listing.format = "lighttpd";
  } else if (contains(body, "Directory listing for")) {
    w.listing.format = "python";
  } else {
    w.listing.format = "generic";
  }
  return std::move(w.listing);
}

}  // namespace leakwatch::crawler
