// Compact field types for values held by the hundred thousand: a manifest of a big listing or
// torrent keeps one FileEntry per file, and most entries carry a name and a size only. These
// types behave like the std ones they replace where FileEntry uses them, at a fraction of the
// bytes (docs/PERFORMANCE.md, "Crawler memory").
#pragma once

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "model/digest.h"

namespace leakwatch {

// std::optional<std::uint64_t> in 8 bytes instead of 16. The one value no size or offset can
// take, UINT64_MAX, stands for "none": storing it gives an empty optional.
class OptionalU64 {
 public:
  constexpr OptionalU64() noexcept = default;
  constexpr OptionalU64(std::nullopt_t) noexcept {}
  constexpr OptionalU64(std::uint64_t value) noexcept : value_(value) {}
  constexpr OptionalU64(std::optional<std::uint64_t> value) noexcept
      : value_(value.value_or(kNone)) {}

  constexpr bool has_value() const noexcept { return value_ != kNone; }
  constexpr explicit operator bool() const noexcept { return has_value(); }
  // Like std::optional, unchecked: callers test has_value() first.
  constexpr std::uint64_t operator*() const noexcept { return value_; }
  std::uint64_t value() const {
    if (!has_value()) throw std::bad_optional_access();
    return value_;
  }
  constexpr std::uint64_t value_or(std::uint64_t fallback) const noexcept {
    return has_value() ? value_ : fallback;
  }
  constexpr void reset() noexcept { value_ = kNone; }
  constexpr operator std::optional<std::uint64_t>() const noexcept {
    return has_value() ? std::optional<std::uint64_t>(value_) : std::nullopt;
  }

  friend constexpr bool operator==(OptionalU64 a, OptionalU64 b) noexcept {
    return a.value_ == b.value_;
  }
  // Exact, so it wins over std::optional's `optional<T> == U` (which would say two empty ones
  // differ).
  friend constexpr bool operator==(OptionalU64 a, const std::optional<std::uint64_t>& b) noexcept {
    return a == OptionalU64(b);
  }
  friend constexpr bool operator==(OptionalU64 a, std::uint64_t b) noexcept {
    return a.has_value() && a.value_ == b;
  }
  friend std::ostream& operator<<(std::ostream& out, OptionalU64 v);

 private:
  static constexpr std::uint64_t kNone = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t value_ = kNone;
};

// A string that costs one pointer while empty, for a field most values leave empty (a file's
// own URL is kept only where something may fetch it).
class SparseString {
 public:
  SparseString() noexcept = default;
  SparseString(std::string text) { assign(std::move(text)); }
  SparseString(const char* text) : SparseString(std::string(text)) {}
  SparseString(const SparseString& other) : text_(copy_of(other)) {}
  SparseString(SparseString&&) noexcept = default;
  SparseString& operator=(const SparseString& other) {
    if (this != &other) text_ = copy_of(other);
    return *this;
  }
  SparseString& operator=(SparseString&&) noexcept = default;
  ~SparseString() = default;

  const std::string& str() const noexcept { return text_ ? *text_ : empty_string(); }
  operator const std::string&() const noexcept { return str(); }
  operator std::string_view() const noexcept { return str(); }
  bool empty() const noexcept { return text_ == nullptr; }

  friend bool operator==(const SparseString& a, const SparseString& b) noexcept {
    return a.str() == b.str();
  }
  friend bool operator==(const SparseString& a, const std::string& b) noexcept {
    return a.str() == b;
  }
  friend bool operator==(const SparseString& a, const char* b) noexcept { return a.str() == b; }
  friend std::ostream& operator<<(std::ostream& out, const SparseString& s);

 private:
  void assign(std::string text) {
    if (text.empty()) {
      text_.reset();
    } else {
      text_ = std::make_unique<std::string>(std::move(text));
    }
  }
  static std::unique_ptr<std::string> copy_of(const SparseString& other) {
    return other.text_ ? std::make_unique<std::string>(*other.text_) : nullptr;
  }
  static const std::string& empty_string() noexcept {
    static const std::string kEmpty;
    return kEmpty;
  }

  std::unique_ptr<std::string> text_;
};

// The digests of one entry, one pointer while there are none (most listing entries). The
// vector operations FileEntry users need, nothing more.
class DigestList {
 public:
  using value_type = Digest;
  using const_iterator = std::vector<Digest>::const_iterator;

  DigestList() noexcept = default;
  DigestList(std::vector<Digest> digests) {
    if (!digests.empty()) digests_ = std::make_unique<std::vector<Digest>>(std::move(digests));
  }
  DigestList(std::initializer_list<Digest> digests) : DigestList(std::vector<Digest>(digests)) {}
  DigestList(const DigestList& other) : DigestList(other.vector()) {}
  DigestList(DigestList&&) noexcept = default;
  DigestList& operator=(const DigestList& other) {
    if (this != &other) *this = DigestList(other);
    return *this;
  }
  DigestList& operator=(DigestList&&) noexcept = default;
  ~DigestList() = default;

  const std::vector<Digest>& vector() const noexcept {
    return digests_ ? *digests_ : empty_vector();
  }
  const_iterator begin() const noexcept { return vector().begin(); }
  const_iterator end() const noexcept { return vector().end(); }
  std::size_t size() const noexcept { return digests_ ? digests_->size() : 0; }
  bool empty() const noexcept { return size() == 0; }
  const Digest& operator[](std::size_t i) const noexcept { return vector()[i]; }
  const Digest& front() const noexcept { return vector().front(); }

  void push_back(const Digest& digest) {
    if (!digests_) digests_ = std::make_unique<std::vector<Digest>>();
    digests_->push_back(digest);
  }
  void clear() noexcept { digests_.reset(); }

  friend bool operator==(const DigestList& a, const DigestList& b) noexcept {
    return a.vector() == b.vector();
  }

 private:
  static const std::vector<Digest>& empty_vector() noexcept {
    static const std::vector<Digest> kEmpty;
    return kEmpty;
  }

  std::unique_ptr<std::vector<Digest>> digests_;
};

}  // namespace leakwatch
