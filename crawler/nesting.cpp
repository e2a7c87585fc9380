#include "crawler/nesting.h"

#include <gumbo.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/text.h"

namespace leakwatch::crawler {

namespace {

// Element classes of the HTML5 tree builder (WHATWG HTML 13.2.4.2, 13.2.6.4.7) that bound what an
// end tag or an auto-closing start tag may close. The model errs deep: where it is unsure whether
// the builder closes something, it keeps it open.
enum Class : std::uint8_t {
  kScope = 1,          // "has an element in scope" markers
  kButtonScope = 2,    // the scope markers and button
  kSpecial = 4,        // "special" elements (an end tag of another element never closes them)
  kListBoundary = 8,   // special but address, div, p: what stops an <li>/<dd>/<dt> from closing
                       // an open one (li, dd and dt themselves included: a <dt> inside an <li>
                       // keeps a later <li> from closing it)
  kTableBoundary = 16  // html, table, template: a <td>/<tr> never closes across them
};
constexpr int kClassCount = 5;

bool in(std::string_view name, std::initializer_list<std::string_view> names) {
  for (const auto n : names) {
    if (n == name) return true;
  }
  return false;
}

std::uint8_t classes_of(std::string_view n) {
  std::uint8_t mask = 0;
  const bool scope =
      in(n, {"applet", "caption", "html", "table", "td", "th", "marquee", "object", "template"});
  if (scope) mask |= kScope | kButtonScope;
  if (n == "button") mask |= kButtonScope;
  const bool special =
      scope ||
      in(n, {"address",  "article",    "aside",    "blockquote", "body",     "button",    "center",
             "colgroup", "dd",         "details",  "dir",        "div",      "dl",        "dt",
             "fieldset", "figcaption", "figure",   "footer",     "form",     "frameset",  "h1",
             "h2",       "h3",         "h4",       "h5",         "h6",       "head",      "header",
             "hgroup",   "iframe",     "li",       "listing",    "main",     "menu",      "nav",
             "noembed",  "noframes",   "noscript", "ol",         "p",        "plaintext", "pre",
             "section",  "select",     "summary",  "tbody",      "textarea", "tfoot",     "thead",
             "title",    "tr",         "ul",       "xmp"});
  if (special) mask |= kSpecial;
  if (special && !in(n, {"address", "div", "p"})) mask |= kListBoundary;
  if (in(n, {"html", "table", "template"})) mask |= kTableBoundary;
  return mask;
}

// Formatting elements (the list of active formatting elements, WHATWG 13.2.4.3).
bool is_formatting(std::string_view n) {
  return in(n, {"a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike",
                "strong", "tt", "u"});
}

bool is_void(std::string_view n) {
  return in(n, {"area",  "base",  "basefont", "bgsound", "br",    "col",     "embed",
                "frame", "hr",    "image",    "img",     "input", "keygen",  "link",
                "meta",  "param", "source",   "track",   "wbr",   "menuitem"});
}

// Elements whose content is text up to their own end tag.
bool is_raw_text(std::string_view n) {
  return in(n, {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"});
}

// A start tag of these closes an open element of the same kind, within `boundary`.
std::uint8_t auto_close_boundary(std::string_view n) {
  if (n == "p") return kButtonScope;
  if (in(n, {"td", "th", "tr", "tbody", "thead", "tfoot", "caption", "colgroup"}))
    return kTableBoundary;
  return 0;
}

// Start tags that close an open p in button scope (WHATWG 13.2.6.4.7 "in body"; table only in
// no-quirks mode, where a p left open would be the deeper guess).
bool closes_p(std::string_view n) {
  return in(n, {"address", "article",   "aside", "blockquote", "center",     "details", "dialog",
                "dir",     "div",       "dl",    "fieldset",   "figcaption", "figure",  "footer",
                "header",  "hgroup",    "main",  "menu",       "nav",        "ol",      "p",
                "section", "summary",   "ul",    "h1",         "h2",         "h3",      "h4",
                "h5",      "h6",        "pre",   "listing",    "form",       "li",      "dd",
                "dt",      "plaintext", "hr",    "xmp",        "table"});
}

// Start tags that only a table (or a template, which the model does not follow) gives a place.
bool is_table_part(std::string_view n) {
  return in(n, {"td", "th", "tr", "tbody", "thead", "tfoot", "caption", "colgroup"});
}

bool is_name_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return !(std::isspace(u) || c == '/' || c == '>');
}

class OpenElements {
 public:
  std::size_t depth() const { return stack_.size(); }

  void push(const std::string& name) {
    const auto pos = static_cast<std::uint32_t>(stack_.size());
    auto it = by_name_.try_emplace(name).first;
    it->second.push_back(pos);
    const std::uint8_t mask = classes_of(name);
    for (int c = 0; c < kClassCount; ++c) {
      if (mask & (1u << c)) by_class_[static_cast<std::size_t>(c)].push_back(pos);
    }
    stack_.push_back({&it->first, mask});
  }

  // Position of the topmost open `name`, or -1.
  long top_of(const std::string& name) const {
    const auto it = by_name_.find(name);
    return it == by_name_.end() ? -1 : static_cast<long>(it->second.back());
  }

  // Position of the topmost open element of a class in `mask`, or -1.
  long top_of_class(std::uint8_t mask) const {
    long top = -1;
    for (int c = 0; c < kClassCount; ++c) {
      const auto& v = by_class_[static_cast<std::size_t>(c)];
      if ((mask & (1u << c)) && !v.empty()) top = std::max(top, static_cast<long>(v.back()));
    }
    return top;
  }

  // The names of the elements opened after `pos` (-1: all), bottom first.
  std::vector<std::string> names_above(long pos) const {
    std::vector<std::string> names;
    for (auto i = static_cast<std::size_t>(pos) + 1; i < stack_.size(); ++i)
      names.push_back(*stack_[i].name);
    return names;
  }

  // Closes the element at `pos` and everything opened after it.
  void pop_to(long pos) {
    while (static_cast<long>(stack_.size()) > pos) {
      const Open top = stack_.back();
      stack_.pop_back();
      const auto it = by_name_.find(*top.name);
      it->second.pop_back();
      for (int c = 0; c < kClassCount; ++c) {
        if (top.mask & (1u << c)) by_class_[static_cast<std::size_t>(c)].pop_back();
      }
      if (it->second.empty()) by_name_.erase(it);
    }
  }

 private:
  struct Open {
    const std::string* name;  // key in by_name_ (node-based: stable)
    std::uint8_t mask;
  };
  std::vector<Open> stack_;
  std::unordered_map<std::string, std::vector<std::uint32_t>> by_name_;
  std::array<std::vector<std::uint32_t>, kClassCount> by_class_;
};

// Index of the first case-insensitive `</name` at or after `from`, or npos.
std::size_t find_end_tag(std::string_view body, std::size_t from, std::string_view name) {
  for (auto i = body.find("</", from); i != std::string_view::npos; i = body.find("</", i + 2)) {
    if (i + 2 + name.size() <= body.size() && ascii_lower(body.substr(i + 2, name.size())) == name)
      return i;
  }
  return std::string_view::npos;
}

// Index just past the '>' that ends the tag whose name ends at `i` (attribute values in quotes
// may hold '>'), or body.size(); sets self_closing for a "/>".
std::size_t end_of_tag(std::string_view body, std::size_t i, bool& self_closing) {
  self_closing = false;
  while (i < body.size()) {
    const char c = body[i];
    if (c == '>') {
      self_closing = i > 0 && body[i - 1] == '/';
      return i + 1;
    }
    if (c == '=') {
      ++i;
      while (i < body.size() && std::isspace(static_cast<unsigned char>(body[i]))) ++i;
      if (i < body.size() && (body[i] == '"' || body[i] == '\'')) {
        const auto close = body.find(body[i], i + 1);
        if (close == std::string_view::npos) return body.size();
        i = close + 1;
      }
      continue;
    }
    ++i;
  }
  return body.size();
}

// Closes the element at `pos` and everything opened after it, as the tree builder does, but
// the formatting elements closed on the way stay on its list of active formatting elements and
// are reopened at the next text: they stay open here (unless a cell, caption, object, marquee,
// applet or template closed with them, which clears them from that list).
void close_to(OpenElements& open, long pos) {
  std::vector<std::string> reopened;
  auto closed = open.names_above(pos - 1);  // the element at pos first
  for (std::size_t i = 0; i < closed.size(); ++i) {
    if (in(closed[i], {"td", "th", "caption", "object", "marquee", "applet", "template"})) break;
    if (i > 0 && is_formatting(closed[i])) reopened.push_back(std::move(closed[i]));
  }
  open.pop_to(pos);
  for (const auto& r : reopened) open.push(r);
}

constexpr std::size_t kMaxNameChars = 32;  // longer tag names are told apart by these

}  // namespace

Result<void> check_html_nesting(std::string_view body, std::size_t max_depth) {
  OpenElements open;
  std::size_t i = 0;
  while ((i = body.find('<', i)) != std::string_view::npos) {
    const std::size_t at = i;
    if (body.substr(i, 4) == "<!--") {
      const auto close = body.find("-->", i + 4);
      if (close == std::string_view::npos) break;
      i = close + 3;
      continue;
    }
    if (i + 1 >= body.size()) break;
    const char next = body[i + 1];
    const bool end_tag = next == '/';
    const std::size_t name_start = i + (end_tag ? 2 : 1);
    if (next == '!' || next == '?' ||
        (end_tag && (name_start >= body.size() ||
                     !std::isalpha(static_cast<unsigned char>(body[name_start]))))) {
      const auto close = body.find('>', i + 1);  // bogus comment, doctype
      if (close == std::string_view::npos) break;
      i = close + 1;
      continue;
    }
    if (!std::isalpha(static_cast<unsigned char>(body[name_start]))) {
      ++i;  // a '<' in text
      continue;
    }
    std::size_t name_end = name_start;
    while (name_end < body.size() && is_name_char(body[name_end])) ++name_end;
    std::string name =
        ascii_lower(body.substr(name_start, std::min(name_end - name_start, kMaxNameChars)));
    // gumbo 0.10.1 matches end tags by tag enum: an end tag of any name it does not know closes
    // the nearest element of any name it does not know. All unknown names are one here.
    if (gumbo_tagn_enum(name.data(), static_cast<unsigned>(name.size())) == GUMBO_TAG_UNKNOWN)
      name = "?";
    bool self_closing = false;
    i = end_of_tag(body, name_end, self_closing);
    if (name == "html" || name == "head" || name == "body") continue;

    if (end_tag) {
      const long match = open.top_of(name);
      // The end tag of a table or a table part looks for it in table scope (only html, table
      // and template bound it): </table> in a cell closes the cell and the table.
      const std::uint8_t scope = name == "table" || is_table_part(name)
                                     ? std::uint8_t{kTableBoundary}
                                     : std::uint8_t{kScope};
      if (match < 0 || match < open.top_of_class(scope)) continue;  // not in scope: ignored
      // </p> looks in button scope, </li> in list item scope (ul and ol bound it too).
      if (name == "p" && match < open.top_of_class(kButtonScope)) continue;
      if (name == "li" && match < std::max(open.top_of("ul"), open.top_of("ol"))) continue;
      // An end tag of a special element closes everything above it; any other end tag is
      // ignored (or, for formatting elements, adopted) when a special element lies above.
      if ((classes_of(name) & kSpecial) || open.top_of_class(kSpecial) <= match) {
        close_to(open, match);
      }
      continue;
    }
    // These start tags first close an open p in button scope, as <p> itself does: a p left
    // open in the model would later take everything opened since with it.
    if (closes_p(name)) {
      const long p = open.top_of("p");
      if (p >= 0 && p > open.top_of_class(kButtonScope)) close_to(open, p);
    }
    if (name == "plaintext") break;  // the rest of the page is text
    // In SVG and MathML (foreign content) "/>" closes the element it opens.
    const bool foreign = open.top_of("svg") >= 0 || open.top_of("math") >= 0;
    if (is_void(name) || (foreign && self_closing)) continue;
    // Outside a table the tree builder ignores table-part start tags ("in body": td, tr...
    // are parse errors and dropped), so their end tags close nothing either: a </td> after a
    // stray <td> must not seem to close what was opened since.
    if (is_table_part(name) && open.top_of("table") < 0) continue;
    if (name == "table") {
      // A <table> where the builder is "in table" (a table open and no cell or caption of it
      // open) closes that table first instead of nesting in it.
      const long table = open.top_of("table");
      const long cell = std::max({open.top_of("td"), open.top_of("th"), open.top_of("caption")});
      if (table >= 0 && cell < table) close_to(open, table);
    }
    if (name == "li" || name == "dd" || name == "dt") {
      // The nearest open li (for <li>), or dd or dt (for <dd>, <dt>), when no other list
      // boundary lies above it (WHATWG 13.2.6.4.7).
      const long match =
          name == "li" ? open.top_of(name) : std::max(open.top_of("dd"), open.top_of("dt"));
      if (match >= 0 && match == open.top_of_class(kListBoundary)) close_to(open, match);
    } else if (const auto boundary = auto_close_boundary(name)) {
      const long match = open.top_of(name);
      if (match >= 0 && match > open.top_of_class(boundary)) close_to(open, match);
    } else if (name == "option" || name == "optgroup") {
      const long match = open.top_of(name);
      if (match >= 0 && match + 1 == static_cast<long>(open.depth())) close_to(open, match);
    }
    open.push(name);
    if (open.depth() > max_depth) {
      return Error{"HTML nests deeper than " + std::to_string(max_depth) + " elements (at byte " +
                   std::to_string(at) + "): refused before parsing"};
    }
    if (is_raw_text(name)) {
      const auto close = find_end_tag(body, i, name);
      if (close == std::string_view::npos) break;
      i = close;
    }
  }
  return {};
}

}  // namespace leakwatch::crawler
