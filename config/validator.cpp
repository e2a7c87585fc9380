#include "config/validator.h"

namespace leakwatch::config {

std::vector<const toml::table*> Validator::array_of_tables(const toml::table& root,
                                                           std::string_view key) {
  std::vector<const toml::table*> out;
  const auto* node = root.get(key);
  if (!node) return out;
  const auto* arr = node->as_array();
  if (!arr) {
    fail(node->source(), key, "must be an array of tables ([[" + std::string(key) + "]])");
    return out;
  }
  for (const auto& el : *arr) {
    if (const auto* t = el.as_table()) {
      out.push_back(t);
    } else {
      fail(el.source(), key, "every element must be a table");
    }
  }
  return out;
}

std::optional<std::string> Validator::unique_name(const toml::table& t, const std::string& ctx,
                                                  std::set<std::string>& seen) {
  auto name = string(t, "name", ctx, true);
  if (!name) return std::nullopt;
  if (!valid_name(*name)) {
    fail(t.get("name")->source(), ctx + ".name",
         "'" + *name + "' may use only letters, digits, '-', '_' and '.'");
    return std::nullopt;
  }
  if (!seen.insert(*name).second) {
    fail(t.get("name")->source(), ctx + ".name", "duplicate name '" + *name + "'");
    return std::nullopt;
  }
  return name;
}

bool valid_name(std::string_view name) {
  return !name.empty() && name.size() <= 128 &&
         std::all_of(name.begin(), name.end(), [](unsigned char c) {
           return std::isalnum(c) || c == '-' || c == '_' || c == '.';
         });
}

}  // namespace leakwatch::config
