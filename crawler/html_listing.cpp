// Generic HTML directory listings, parsed with libxml2 (crawler/html_tree.h). One walk over the
// tree: every relative link is an entry; its size comes from the cells after it in its table row
// (Apache fancy, lighttpd) or from the rest of its line in a <pre> block (Apache fancy-pre,
// nginx-like).
#include <cctype>
#include <memory>
#include <unordered_map>
#include <vector>

#include "crawler/html_tree.h"
#include "crawler/listing.h"
#include "model/text.h"
#include "model/units.h"
#include "model/url.h"

namespace leakwatch::crawler {

namespace {

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

const xmlNode* ancestor(const xmlNode* node, std::string_view tag, int limit = 6) {
  for (const xmlNode* p = node->parent; p && limit-- > 0; p = p->parent) {
    if (is_element(p, tag)) return p;
  }
  return nullptr;
}

// For each cell of a table row, the size read from the cells after it: the last cell that reads
// as a size. Computed once per row (one pass from its end), so a row of many linked cells costs
// what the row is long, not its square.
using CellSizes = std::unordered_map<const xmlNode*, std::optional<SizeToken>>;

CellSizes sizes_after_cells(const xmlNode* row) {
  std::vector<const xmlNode*> cells;
  for (const xmlNode* c = row->children; c; c = c->next) cells.push_back(c);
  CellSizes after;
  std::optional<SizeToken> latest;
  for (std::size_t i = cells.size(); i-- > 0;) {
    after[cells[i]] = latest;
    if (latest || !is_element(cells[i], "td")) continue;
    std::string text;
    append_text(cells[i], text);
    latest = parse_size_token(trim(text));
  }
  return after;
}

using RowSizes = std::unordered_map<const xmlNode*, CellSizes>;

// The size in the cells after the link's cell: the last cell that reads as a size.
std::optional<SizeToken> size_from_row(const xmlNode* link, RowSizes& rows) {
  const xmlNode* cell = ancestor(link, "td");
  const xmlNode* row = cell ? ancestor(cell, "tr", 1) : nullptr;
  if (!row) return std::nullopt;
  auto it = rows.find(row);
  if (it == rows.end()) it = rows.emplace(row, sizes_after_cells(row)).first;
  return it->second[cell];
}

// The size at the end of the text that follows the link on its <pre> line.
std::optional<SizeToken> size_from_pre_line(const xmlNode* link) {
  if (!link->parent || !is_element(link->parent, "pre")) return std::nullopt;
  const xmlNode* next = link->next;
  if (!next || next->type != XML_TEXT_NODE || !next->content) return std::nullopt;
  std::string_view line = reinterpret_cast<const char*>(next->content);
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

// One link: an entry when it is relative and names a file or folder here.
void read_link(const xmlNode* node, Walk& w) {
  const auto href = attribute(node, "href");
  if (!href) return;
  const std::string_view h = *href;
  if (!is_entry_link(h)) return;
  if (w.listing.entries.size() >= w.max_entries) {
    w.listing.truncated = true;
    return;
  }
  ListingEntry e;
  e.href = std::string(h);  // libxml2 already decoded the entities
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
  auto doc = parse_html(body);
  if (!doc) return doc.error();
  Walk w;
  w.max_entries = max_entries;
  const xmlNode* root = reinterpret_cast<const xmlNode*>(doc->get());
  for (const xmlNode* n = root; n && !w.listing.truncated; n = next_node(n, root)) {
    if (is_element(n, "a")) read_link(n, w);
  }
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
