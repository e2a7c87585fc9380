#include "crawler/json_tree.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "crawler/json_filter.h"

namespace leakwatch::crawler {

namespace {

using nlohmann::json;

// The filter refuses JSON nested deeper than kMaxJsonDepth; the walk never goes deeper than that.
constexpr int kMaxDepth = static_cast<int>(kMaxJsonDepth) + 1;

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

// Roles of the values kept from the body (json_filter.h): nodes that may be entries or hold
// them, the values of children keys (an array of nodes, or an object whose keys are names),
// and the scalar fields read from an entry.
enum Role : int { kNode = 0, kNameMap = 1, kField = 2 };

bool listed(const std::vector<std::string>& names, const std::string& key) {
  return std::find(names.begin(), names.end(), key) != names.end();
}

JsonFilter tree_filter(const JsonTreeKeys& keys, std::size_t max_entries) {
  JsonFilter f;
  // Every entry is one node; folders and arrays add some. Past this the tree is truncated.
  f.counted = [](int role) { return role == kNode; };
  f.max_counted = max_entries > (std::size_t{1} << 40) ? max_entries : 2 * max_entries + 64;
  f.root_role = kNode;
  f.max_depth = kMaxJsonDepth;
  f.member_role = [&keys](int role, const std::string& key, bool container) -> int {
    if (role == kNameMap) return container ? kNode : kJsonSkip;
    if (role != kNode) return kJsonSkip;
    if (listed(keys.children, key)) return container ? kNameMap : kField;
    if (listed(keys.path, key) || listed(keys.size, key) || listed(keys.hash, key)) return kField;
    for (const auto kind : kAllDigestKinds) {
      if (key == digest_kind_name(kind)) return kField;
    }
    return kJsonSkip;
  };
  // An array holds nodes (its scalars yield nothing), also as the value of a children key;
  // a field's contents are never read.
  f.element_role = [](int role, bool container) {
    return (role == kNode || role == kNameMap) && container ? kNode : kJsonSkip;
  };
  f.drop_when_empty = [](int role) { return role == kNode; };
  return f;
}

struct Walker {
  const JsonTreeKeys& keys;
  std::size_t max_entries;
  JsonTree tree;

  // `fallback_name`: the key naming this object in a {"name": {...}} children object.
  void visit(const json& node, const std::string& prefix, int depth,
             const std::string* fallback_name = nullptr) {
    if (depth > kMaxDepth || tree.truncated) return;
    if (node.is_array()) {
      for (const auto& child : node) visit(child, prefix, depth + 1);
      return;
    }
    if (!node.is_object()) return;
    const json* name = first_key(node, keys.path);
    const json* children = first_key(node, keys.children);
    std::string here = prefix;
    if ((name && name->is_string()) || (!name && fallback_name)) {
      auto n = name ? name->get<std::string>() : *fallback_name;
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
          visit(v, folder, depth + 1, v.is_object() ? &k : nullptr);
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
  auto doc = parse_filtered_json(body, tree_filter(keys, max_entries));
  if (!doc) return doc.error();
  Walker w{keys, max_entries, {}};
  w.visit(doc->value, "", 0);
  w.tree.truncated |= doc->stopped;
  if (w.tree.entries.empty() && !w.tree.truncated)
    return Error{"no file entries (objects with a name) in the JSON"};
  return std::move(w.tree);
}

}  // namespace leakwatch::crawler
