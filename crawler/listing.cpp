#include "crawler/listing.h"

#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>

#include "crawler/json_filter.h"
#include "model/units.h"
#include "model/url.h"

namespace leakwatch::crawler {

namespace {

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool ieq_prefix(std::string_view text, std::size_t pos, std::string_view prefix) {
  if (pos + prefix.size() > text.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[pos + i])) != prefix[i]) return false;
  }
  return true;
}

std::size_t ifind(std::string_view text, std::string_view needle, std::size_t from = 0) {
  for (std::size_t i = from; i + needle.size() <= text.size(); ++i) {
    if (ieq_prefix(text, i, needle)) return i;
  }
  return std::string_view::npos;
}

// A listing link to follow or record: not the parent, not a query (sort links), not absolute.
bool is_entry_href(std::string_view href) {
  if (href.empty() || href == "../" || href == ".." || href == "./" || href == "/") return false;
  if (href.front() == '?' || href.front() == '#' || href.front() == '/') return false;
  if (href.find("://") != std::string_view::npos || href.starts_with("magnet:")) return false;
  return true;
}

ListingEntry make_entry(std::string href) {
  ListingEntry e;
  e.is_dir = href.ends_with('/');
  std::string_view name_part = href;
  if (e.is_dir) name_part.remove_suffix(1);
  e.name = percent_decode(name_part);
  e.href = std::move(href);
  return e;
}

}  // namespace

std::string decode_html_entities(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    // Entities here are at most 10 bytes: look no further, or a page of '&'s costs its square.
    const auto window = text.substr(i, 12);
    const auto semi_at = window.find(';');
    const auto semi = semi_at == std::string_view::npos ? semi_at : i + semi_at;
    if (semi == std::string_view::npos || semi - i > 10) {
      out += '&';
      continue;
    }
    const auto entity = text.substr(i + 1, semi - i - 1);
    if (entity == "amp") {
      out += '&';
    } else if (entity == "lt") {
      out += '<';
    } else if (entity == "gt") {
      out += '>';
    } else if (entity == "quot") {
      out += '"';
    } else if (entity == "apos") {
      out += '\'';
    } else if (entity.size() > 1 && entity[0] == '#') {
      std::uint32_t cp = 0;
      const bool hex = entity[1] == 'x' || entity[1] == 'X';
      const auto digits = entity.substr(hex ? 2 : 1);
      const auto [ptr, ec] =
          std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
      if (ec != std::errc{} || ptr != digits.data() + digits.size()) {
        out += '&';
        continue;
      }
      append_utf8(out, cp);
    } else {
      out += '&';
      continue;
    }
    i = semi;
  }
  return out;
}

Result<Listing> parse_nginx_html_listing(std::string_view body, std::size_t max_entries) {
  // nginx autoindex (ngx_http_autoindex_module.c): inside <pre>, one line per entry:
  //   <a href="NAME">DISPLAY</a>  dd-Mon-yyyy hh:mm  SIZE
  // where SIZE is bytes, "-" for folders, or 1024-based "12K"/"3M"/"1G" with exact_size off.
  const auto pre = ifind(body, "<pre>");
  if (pre == std::string_view::npos) return Error{"no <pre> block: not an nginx autoindex page"};
  auto end = ifind(body, "</pre>", pre);
  if (end == std::string_view::npos) end = body.size();
  Listing listing;
  listing.format = "nginx-html";
  std::size_t pos = pre;
  while (true) {
    const auto a = ifind(body.substr(0, end), "<a href=\"", pos);
    if (a == std::string_view::npos) break;
    const auto href_start = a + 9;
    const auto href_end = body.find('"', href_start);
    if (href_end == std::string_view::npos || href_end > end) break;
    std::string href = decode_html_entities(body.substr(href_start, href_end - href_start));
    const auto close = ifind(body.substr(0, end), "</a>", href_end);
    if (close == std::string_view::npos) break;
    auto line_end = body.find('\n', close);
    if (line_end == std::string_view::npos || line_end > end) line_end = end;
    pos = line_end;
    if (!is_entry_href(href)) continue;
    if (listing.entries.size() >= max_entries) {
      listing.truncated = true;
      break;
    }
    ListingEntry entry = make_entry(std::move(href));
    // The last whitespace-separated token of the line's tail is the size column.
    auto tail = body.substr(close + 4, line_end - close - 4);
    while (!tail.empty() && std::isspace(static_cast<unsigned char>(tail.back())))
      tail.remove_suffix(1);
    const auto space = tail.find_last_of(" \t");
    const auto size_token = space == std::string_view::npos ? tail : tail.substr(space + 1);
    if (!entry.is_dir) {
      if (const auto size = parse_size_token(size_token)) {
        entry.size = size->bytes;
        entry.size_exact = size->exact;
      }
    }
    listing.entries.push_back(std::move(entry));
  }
  return listing;
}

Result<Listing> parse_nginx_json_listing(std::string_view body, std::size_t max_entries) {
  // autoindex_format json: [{"name":"a","type":"directory","mtime":"..."},
  //                         {"name":"b","type":"file","mtime":"...","size":123}, ...]
  // Read with the SAX filter: only the fields used are kept, and reading stops one item past
  // the entry limit, so a listing of millions of entries never becomes a DOM of them.
  enum Role : int { kList = 0, kItem = 1, kField = 2 };
  JsonFilter filter;
  filter.root_role = kList;
  filter.max_depth = kMaxJsonDepth;
  filter.element_role = [](int role, bool container) {
    return role == kList ? (container ? kItem : kJsonSkip) : kJsonSkip;
  };
  filter.member_role = [](int role, const std::string& key, bool container) {
    return role == kItem && !container && (key == "name" || key == "type" || key == "size")
               ? kField
               : kJsonSkip;
  };
  filter.drop_when_empty = [](int role) { return role == kItem; };
  filter.counted = [](int role) { return role == kItem; };
  filter.max_counted = max_entries > (std::size_t{1} << 40) ? max_entries : max_entries + 1;
  auto read = parse_filtered_json(body, filter);
  if (!read) return Error{"invalid JSON listing: " + read.error().message};
  const nlohmann::json& doc = read->value;
  if (!doc.is_array()) return Error{"JSON listing is not an array"};
  Listing listing;
  listing.format = "nginx-json";
  listing.truncated = read->stopped;
  for (const auto& item : doc) {
    if (!item.is_object()) continue;
    const auto name = item.find("name");
    const auto type = item.find("type");
    if (name == item.end() || !name->is_string() || type == item.end() || !type->is_string())
      continue;
    const auto n = name->get<std::string>();
    if (n.empty() || n == "." || n == ".." || n.find('/') != std::string::npos) continue;
    if (listing.entries.size() >= max_entries) {
      listing.truncated = true;
      break;
    }
    ListingEntry e;
    e.name = n;
    e.is_dir = type->get<std::string>() == "directory";
    // The JSON carries plain names; build an href that survives any character.
    std::string href;
    for (const unsigned char c : n) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        href += static_cast<char>(c);
      } else {
        static constexpr char kHex[] = "0123456789ABCDEF";
        href += '%';
        href += kHex[c >> 4];
        href += kHex[c & 0xF];
      }
    }
    e.href = e.is_dir ? href + "/" : href;
    if (const auto s = item.find("size"); !e.is_dir && s != item.end() && s->is_number_unsigned()) {
      e.size = s->get<std::uint64_t>();
    }
    listing.entries.push_back(std::move(e));
  }
  return listing;
}

Result<Listing> parse_nginx_xml_listing(std::string_view body, std::size_t max_entries) {
  const auto list = body.find("<list>");
  if (list == std::string_view::npos) return Error{"no <list> element: not an nginx XML listing"};
  Listing listing;
  listing.format = "nginx-xml";
  std::size_t pos = list;
  while (true) {
    const auto open = body.find('<', pos + 1);
    if (open == std::string_view::npos) break;
    const bool dir = body.compare(open, 10, "<directory") == 0;
    const bool file = body.compare(open, 5, "<file") == 0;
    const auto tag_end = body.find('>', open);
    if (tag_end == std::string_view::npos) break;
    pos = tag_end;
    if (!dir && !file) continue;
    const auto close = body.find("</", tag_end);
    if (close == std::string_view::npos) break;
    std::string name = decode_html_entities(body.substr(tag_end + 1, close - tag_end - 1));
    pos = close;
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
      continue;
    if (listing.entries.size() >= max_entries) {
      listing.truncated = true;
      break;
    }
    ListingEntry e;
    e.is_dir = dir;
    e.name = name;
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (const unsigned char c : name) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        e.href += static_cast<char>(c);
      } else {
        e.href += '%';
        e.href += kHex[c >> 4];
        e.href += kHex[c & 0xF];
      }
    }
    if (dir) e.href += '/';
    const auto attrs = body.substr(open, tag_end - open);
    if (const auto size_at = attrs.find(" size=\""); file && size_at != std::string_view::npos) {
      const auto value_start = size_at + 7;
      const auto value_end = attrs.find('"', value_start);
      if (value_end != std::string_view::npos) {
        if (const auto size =
                parse_size_token(attrs.substr(value_start, value_end - value_start))) {
          e.size = size->bytes;
          e.size_exact = size->exact;
        }
      }
    }
    listing.entries.push_back(std::move(e));
  }
  return listing;
}

Result<Listing> parse_listing(std::string_view body, std::string_view content_type,
                              std::size_t max_entries) {
  if (content_type.find("xml") != std::string_view::npos ||
      body.substr(0, 200).find("<list>") != std::string_view::npos) {
    if (body.find("<list>") != std::string_view::npos)
      return parse_nginx_xml_listing(body, max_entries);
  }
  std::size_t first = 0;
  while (first < body.size() && std::isspace(static_cast<unsigned char>(body[first]))) ++first;
  if (content_type.find("json") != std::string_view::npos ||
      (first < body.size() && body[first] == '[')) {
    return parse_nginx_json_listing(body, max_entries);
  }
  // nginx's autoindex page: one <pre> of "<a href>NAME</a> DATE SIZE" lines after "<hr>"; a
  // hand parser reads it faster than a DOM walk.
  if (ifind(body, "<title>index of") != std::string_view::npos &&
      ifind(body, "<hr><pre><a href=") != std::string_view::npos &&
      ifind(body, "<table") == std::string_view::npos) {
    return parse_nginx_html_listing(body, max_entries);
  }
  auto listing = parse_html_listing(body, max_entries);
  if (!listing) return Error{"not a directory listing: " + listing.error().message};
  return listing;
}

}  // namespace leakwatch::crawler
