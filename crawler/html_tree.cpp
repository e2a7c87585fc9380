#include "crawler/html_tree.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include <climits>
#include <cstring>
#include <mutex>

namespace leakwatch::crawler {

namespace {

// Length of the valid UTF-8 sequence (RFC 3629: no overlongs, surrogates or code points past
// U+10FFFF) starting at s[i], or 0.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = byte(0);
  if (c != 0 && c < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size() || byte(1) < lo || byte(1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if (byte(k) < 0x80 || byte(k) > 0xBF) return 0;
  }
  return n;
}

// `body` with every byte that does not start valid UTF-8 (and every NUL) as U+FFFD, as a
// browser decodes it; nothing when it is valid already.
std::optional<std::string> valid_utf8(std::string_view body) {
  std::size_t i = 0;
  while (i < body.size()) {
    const auto n = utf8_sequence(body, i);
    if (n == 0) break;
    i += n;
  }
  if (i == body.size()) return std::nullopt;
  std::string out(body.substr(0, i));
  while (i < body.size()) {
    const auto n = utf8_sequence(body, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(body.substr(i, n));
      i += n;
    }
  }
  return out;
}

struct ParserContextFree {
  void operator()(htmlParserCtxt* ctxt) const { htmlFreeParserCtxt(ctxt); }
};

}  // namespace

Result<HtmlDocument> parse_html(std::string_view body) {
  // libxml2 wants its globals set up once, before threads use it.
  static std::once_flag init;
  std::call_once(init, [] { xmlInitParser(); });
  const auto cleaned = valid_utf8(body);
  const std::string_view text = cleaned ? std::string_view(*cleaned) : body;
  if (text.size() > static_cast<std::size_t>(INT_MAX)) return Error{"HTML page over 2 GiB"};
  const std::unique_ptr<htmlParserCtxt, ParserContextFree> ctxt(htmlNewParserCtxt());
  if (!ctxt) return Error{"HTML parser: out of memory"};
  // Never the network, no error output (the page's errors are the site's), the page's own
  // charset declaration ignored: the text was made valid UTF-8 above.
  const int options = HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                      HTML_PARSE_NOWARNING | HTML_PARSE_IGNORE_ENC;
  HtmlDocument doc(htmlCtxtReadMemory(ctxt.get(), text.empty() ? " " : text.data(),
                                      text.empty() ? 1 : static_cast<int>(text.size()), nullptr,
                                      "UTF-8", options));
  // xmlHaltParser (past the depth limit, or out of memory) ends the input and turns SAX off;
  // recovered syntax errors do neither.
  if (ctxt->disableSAX != 0 || ctxt->instate == XML_PARSER_EOF) {
    const xmlError& e = ctxt->lastError;
    if (e.code == XML_ERR_INTERNAL_ERROR && e.message && std::strstr(e.message, "depth")) {
      return Error{"HTML nests deeper than " + std::to_string(kMaxHtmlDepth) + " elements (line " +
                   std::to_string(e.line) + "): refused"};
    }
    std::string message = e.message ? e.message : "stopped early";
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return Error{"HTML parser stopped at line " + std::to_string(e.line) + ": " + message};
  }
  if (!doc) return Error{"HTML parser failed"};
  return doc;
}

std::string_view element_name(const xmlNode* node) {
  if (node->type != XML_ELEMENT_NODE || !node->name) return {};
  return reinterpret_cast<const char*>(node->name);
}

bool is_element(const xmlNode* node, std::string_view name) {
  return element_name(node) == name;
}

std::optional<std::string> attribute(const xmlNode* node, const char* name) {
  if (node->type != XML_ELEMENT_NODE) return std::nullopt;
  xmlChar* value = xmlGetNoNsProp(node, reinterpret_cast<const xmlChar*>(name));
  if (!value) return std::nullopt;
  std::string out(reinterpret_cast<const char*>(value));
  xmlFree(value);
  return out;
}

const xmlNode* next_node(const xmlNode* node, const xmlNode* root, bool skip_children) {
  // Attributes and entity references are not descended into: only elements hold the page.
  if (!skip_children && node->type == XML_ELEMENT_NODE && node->children) return node->children;
  if (!skip_children && node == root && node->children) return node->children;
  while (node && node != root) {
    if (node->next) return node->next;
    node = node->parent;
  }
  return nullptr;
}

void append_text(const xmlNode* node, std::string& out) {
  for (const xmlNode* n = node; n; n = next_node(n, node)) {
    if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content)
      out += reinterpret_cast<const char*>(n->content);
  }
}

}  // namespace leakwatch::crawler
