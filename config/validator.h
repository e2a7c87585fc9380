// The config reader's bookkeeping: one Validator collects every problem of a file (with file,
// line, column and key) so a user fixes a config in one go, and reads typed values of a TOML
// table. Private to config/: the readers of each table (config/*_table.cpp) use it.
#pragma once

#include <toml++/toml.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "model/units.h"

namespace leakwatch::config {

// Collects every problem in one pass, so a user fixes a config in one go.
class Validator {
 public:
  explicit Validator(std::string file) : file_(std::move(file)) {}

  void fail(const toml::source_region& where, std::string_view key, std::string_view message) {
    std::ostringstream out;
    out << file_ << ':' << where.begin.line << ':' << where.begin.column << ": " << key << ": "
        << message;
    errors_.push_back({where.begin.line, where.begin.column, out.str()});
  }

  void fail_line(int line, std::string_view key, std::string_view message) {
    toml::source_region where;
    where.begin.line = static_cast<toml::source_index>(line);
    where.begin.column = 1;
    fail(where, key, message);
  }

  void check_keys(const toml::table& table, std::initializer_list<std::string_view> allowed,
                  std::string_view context) {
    for (const auto& [key, node] : table) {
      if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end()) {
        std::string known;
        for (const auto a : allowed) known += (known.empty() ? "" : ", ") + std::string(a);
        fail(key.source(), qualified(context, key.str()),
             "unknown key (known keys: " + known + ")");
      }
      (void)node;
    }
  }

  std::optional<std::string> string(const toml::table& t, std::string_view key,
                                    std::string_view context, bool required) {
    const auto* node = t.get(key);
    if (!node) {
      if (required) fail(t.source(), qualified(context, key), "required key is missing");
      return std::nullopt;
    }
    if (const auto* s = node->as_string()) {
      if (s->get().empty()) {
        fail(node->source(), qualified(context, key), "must not be empty");
        return std::nullopt;
      }
      return s->get();
    }
    fail(node->source(), qualified(context, key), "must be a string");
    return std::nullopt;
  }

  std::optional<bool> boolean(const toml::table& t, std::string_view key,
                              std::string_view context) {
    const auto* node = t.get(key);
    if (!node) return std::nullopt;
    if (const auto* b = node->as_boolean()) return b->get();
    fail(node->source(), qualified(context, key), "must be true or false");
    return std::nullopt;
  }

  std::optional<std::int64_t> integer(const toml::table& t, std::string_view key,
                                      std::string_view context, std::int64_t min,
                                      std::int64_t max) {
    const auto* node = t.get(key);
    if (!node) return std::nullopt;
    const auto* i = node->as_integer();
    if (!i) {
      fail(node->source(), qualified(context, key), "must be an integer");
      return std::nullopt;
    }
    if (i->get() < min || i->get() > max) {
      fail(node->source(), qualified(context, key),
           "must be between " + std::to_string(min) + " and " + std::to_string(max));
      return std::nullopt;
    }
    return i->get();
  }

  // Sizes may be written as integers (bytes) or strings ("64MiB"); 0 only where it means
  // "none" (`zero_allowed`).
  std::optional<std::uint64_t> size(const toml::table& t, std::string_view key,
                                    std::string_view context, bool zero_allowed = false) {
    const auto* node = t.get(key);
    if (!node) return std::nullopt;
    const std::int64_t least = zero_allowed ? 0 : 1;
    if (const auto* i = node->as_integer(); i && i->get() >= least)
      return static_cast<std::uint64_t>(i->get());
    if (const auto* s = node->as_string()) {
      if (const auto v = parse_size(s->get()); v && *v >= static_cast<std::uint64_t>(least)) {
        return v;
      }
    }
    fail(node->source(), qualified(context, key),
         zero_allowed ? "must be a size in bytes or with a unit (\"64MiB\", \"2 GB\"), or 0"
                      : "must be a positive size in bytes or with a unit (\"64MiB\", \"2 GB\")");
    return std::nullopt;
  }

  std::optional<std::chrono::milliseconds> duration(const toml::table& t, std::string_view key,
                                                    std::string_view context) {
    const auto* node = t.get(key);
    if (!node) return std::nullopt;
    if (const auto* s = node->as_string()) {
      if (const auto d = parse_duration(s->get())) return d;
    }
    fail(node->source(), qualified(context, key),
         "must be a duration such as \"30s\", \"15m\" or \"6h\"");
    return std::nullopt;
  }

  // The tables of an array of tables ([[key]]); anything else there is a problem.
  std::vector<const toml::table*> array_of_tables(const toml::table& root, std::string_view key);

  // A table's `name`: required, letters, digits, '-', '_' and '.', unique among `seen`.
  std::optional<std::string> unique_name(const toml::table& t, const std::string& ctx,
                                         std::set<std::string>& seen);

  // Every problem, in file order.
  std::vector<std::string> errors() const {
    auto sorted = errors_;
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
      return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    });
    std::vector<std::string> out;
    out.reserve(sorted.size());
    for (auto& e : sorted) out.push_back(std::move(e.text));
    return out;
  }

  static std::string qualified(std::string_view context, std::string_view key) {
    return context.empty() ? std::string(key) : std::string(context) + "." + std::string(key);
  }

 private:
  struct Problem {
    toml::source_index line = 0;
    toml::source_index column = 0;
    std::string text;
  };
  std::string file_;
  std::vector<Problem> errors_;
};

// Names of proxies, sources, hooks and datasets: 1-128 of letters, digits, '-', '_' and '.'.
bool valid_name(std::string_view name);

}  // namespace leakwatch::config
