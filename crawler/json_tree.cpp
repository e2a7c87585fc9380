#include "crawler/json_tree.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

namespace leakwatch::crawler {

namespace {

using nlohmann::json;

constexpr int kMaxDepth = 64;

const json* first_key(const json& obj, const std::vector<std::string>& names) {
  for (const auto& n : names) {
    if (const auto it = obj.find(n); it != obj.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

std::optional<std::uint64_t> size_of(const json& v) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer() && v.get<std::int64_t>() >= 0)
    return static_cast<std::uint64_t>(v.get<std::int64_t>());
  if (v.is_string()) {
    const auto s = v.get<std::string>();
    if (!s.empty() && s.size() <= 19 &&
        std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); }))
      return std::stoull(s);
  }
  return std::nullopt;
}

std::optional<Digest> digest_from(const std::string& hex, std::optional<DigestKind> kind) {
  if (!kind) {
    switch (hex.size()) {
      case 64:
        kind = DigestKind::sha256;
        break;
      case 40:
        kind = DigestKind::sha1;
        break;
      case 32:
        kind = DigestKind::md5;
        break;
      case 8:
        kind = DigestKind::crc32;
        break;
      default:
        return std::nullopt;
    }
  }
  return Digest::from_hex(*kind, hex);
}

struct Walker {
  const JsonTreeKeys& keys;
  std::size_t max_entries;
  JsonTree tree;

  void visit(const json& node, const std::string& prefix, int depth) {
    if (depth > kMaxDepth || tree.truncated) return;
    if (node.is_array()) {
      for (const auto& child : node) visit(child, prefix, depth + 1);
      return;
    }
    if (!node.is_object()) return;
    const json* name = first_key(node, keys.path);
    const json* children = first_key(node, keys.children);
    std::string here = prefix;
    if (name && name->is_string()) {
      auto n = name->get<std::string>();
      while (n.starts_with("/")) n.erase(0, 1);
      if (!n.empty()) here = prefix + n;
    }
    if (children && (children->is_array() || children->is_object())) {
      const std::string folder = here == prefix || here.ends_with('/') ? here : here + "/";
      if (children->is_array()) {
        visit(*children, folder, depth + 1);
      } else {
        // {"a.txt": {...}, "sub": {...}}: keys are names.
        for (const auto& [k, v] : children->items()) {
          if (v.is_object() && !first_key(v, keys.path)) {
            json copy = v;
            copy[keys.path.front()] = k;
            visit(copy, folder, depth + 1);
          } else {
            visit(v, folder, depth + 1);
          }
        }
      }
      return;
    }
    if (here == prefix || here.ends_with('/')) return;  // no name: not a file
    if (tree.entries.size() >= max_entries) {
      tree.truncated = true;
      return;
    }
    FileEntry e;
    e.path = here;
    if (const json* s = first_key(node, keys.size)) e.size = size_of(*s);
    for (const auto kind : kAllDigestKinds) {
      const auto it = node.find(std::string(digest_kind_name(kind)));
      if (it != node.end() && it->is_string()) {
        if (auto d = digest_from(it->get<std::string>(), kind)) e.digests.push_back(*d);
      }
    }
    if (const json* h = first_key(node, keys.hash); h && h->is_string()) {
      if (auto d = digest_from(h->get<std::string>(), std::nullopt)) e.digests.push_back(*d);
    }
    tree.entries.push_back(std::move(e));
  }
};

}  // namespace

Result<JsonTree> parse_json_tree(std::string_view body, const JsonTreeKeys& keys,
                                 std::size_t max_entries) {
  json doc;
  try {
    doc = json::parse(body, nullptr, true, false);
  } catch (const std::exception& e) {
    return Error{std::string("invalid JSON: ") + e.what()};
  }
  Walker w{keys, max_entries, {}};
  w.visit(doc, "", 0);
  if (w.tree.entries.empty() && !w.tree.truncated)
    return Error{"no file entries (objects with a name) in the JSON"};
  return std::move(w.tree);
}

}  // namespace leakwatch::crawler
