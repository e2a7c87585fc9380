// Result<T, E>: the value of an operation that can fail in an expected way (a site down, a bad
// listing, a bad config value). GCC 12 has no std::expected, so this is the small subset we use.
// The error (E, by default Error) carries one message that already names the source, URL, file
// or line it is about; where callers branch on the kind of failure, E is a type of the module's
// own that says it (verify's VerifyError, say) and has a `message` too.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace leakwatch {

struct Error {
  std::string message;
};

template <typename T, typename E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value)
      : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(E error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(state_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const E& error() const {
    assert(!ok());
    return std::get<1>(state_);
  }

 private:
  std::variant<T, E> state_;
};

// Result<void, E>: success carries nothing.
template <typename E>
class [[nodiscard]] Result<void, E> {
 public:
  Result() = default;
  Result(E error) : error_(std::move(error)), failed_(true) {}  // NOLINT

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const E& error() const {
    assert(failed_);
    return error_;
  }

 private:
  E error_;
  bool failed_ = false;
};

// Prefixes an error with context ("source=x: ..."), keeping the inner message intact.
inline Error with_context(const std::string& context, const Error& inner) {
  return Error{context + ": " + inner.message};
}

}  // namespace leakwatch
