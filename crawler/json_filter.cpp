#include "crawler/json_filter.h"

#include <string>
#include <vector>

namespace leakwatch::crawler {

namespace {

using nlohmann::json;

class FilterSax {
 public:
  explicit FilterSax(const JsonFilter& filter) : filter_(filter) {}

  bool null() { return scalar(json()); }
  bool boolean(bool v) { return scalar(json(v)); }
  bool number_integer(json::number_integer_t v) { return scalar(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return scalar(json(v)); }
  bool number_float(json::number_float_t v, const std::string&) { return scalar(json(v)); }
  bool string(json::string_t& v) { return scalar(json(std::move(v))); }
  bool binary(json::binary_t&) { return scalar(json()); }

  bool start_object(std::size_t) { return open(json::object()); }
  bool start_array(std::size_t) { return open(json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(json::string_t& k) {
    if (skipping_ == 0) key_ = std::move(k);
    return true;
  }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
    error_ = "invalid JSON at byte " + std::to_string(position) + ": " + e.what();
    return false;
  }

  const std::string& error() const { return error_; }
  bool stopped() const { return stopped_; }
  json take() { return std::move(root_); }

 private:
  struct Frame {
    json* value;
    int role;
  };

  // The role the next value gets in the innermost kept container (the root's for the first).
  int next_role(bool container) const {
    if (stack_.empty()) return root_started_ ? kJsonSkip : filter_.root_role;
    const Frame& top = stack_.back();
    return top.value->is_object() ? filter_.member_role(top.role, key_, container)
                                  : filter_.element_role(top.role, container);
  }

  // Where the next value goes; nullptr for the root.
  json* place(json value) {
    if (stack_.empty()) {
      root_started_ = true;
      root_ = std::move(value);
      return &root_;
    }
    json& parent = *stack_.back().value;
    if (parent.is_object()) {
      json& slot = parent[key_];
      slot = std::move(value);
      return &slot;
    }
    parent.push_back(std::move(value));
    return &parent.back();
  }

  bool scalar(json value) {
    if (skipping_ > 0) return true;
    if (next_role(false) == kJsonSkip) return true;
    place(std::move(value));
    return true;
  }

  bool open(json empty) {
    if (++depth_ > filter_.max_depth) {
      error_ = "JSON nests deeper than " + std::to_string(filter_.max_depth) + " levels";
      return false;
    }
    if (skipping_ > 0) {
      ++skipping_;
      return true;
    }
    const int role = next_role(true);
    if (role == kJsonSkip) {
      skipping_ = 1;
      return true;
    }
    if (filter_.counted && filter_.counted(role) && ++counted_ > filter_.max_counted) {
      stopped_ = true;
      return false;
    }
    stack_.push_back({place(std::move(empty)), role});
    return true;
  }

  bool close() {
    --depth_;
    if (skipping_ > 0) {
      --skipping_;
      return true;
    }
    const Frame done = stack_.back();
    stack_.pop_back();
    if (!stack_.empty() && done.value->empty() && filter_.drop_when_empty &&
        filter_.drop_when_empty(done.role) && stack_.back().value->is_array()) {
      auto& parent = stack_.back().value->get_ref<json::array_t&>();
      parent.pop_back();
      if (filter_.counted && filter_.counted(done.role)) --counted_;
    }
    return true;
  }

  const JsonFilter& filter_;
  std::vector<Frame> stack_;
  json root_;
  bool root_started_ = false;
  std::string key_;
  std::size_t depth_ = 0;
  std::size_t skipping_ = 0;  // depth inside a skipped container
  std::size_t counted_ = 0;
  bool stopped_ = false;
  std::string error_;
};

}  // namespace

Result<FilteredJson> parse_filtered_json(std::string_view body, const JsonFilter& filter) {
  FilterSax sax(filter);
  bool ok = false;
  try {
    ok = json::sax_parse(body.begin(), body.end(), &sax, json::input_format_t::json, true, false);
  } catch (const std::exception& e) {  // nlohmann throws for some malformed input even here
    return Error{std::string("invalid JSON: ") + e.what()};
  }
  if (!ok && !sax.stopped()) {
    return Error{sax.error().empty() ? std::string("invalid JSON") : sax.error()};
  }
  return FilteredJson{sax.take(), sax.stopped()};
}

}  // namespace leakwatch::crawler
