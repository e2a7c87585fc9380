// Timestamps for tests, written as RFC 3339 text: `at("2026-12-01T12:00:00Z")`.
#pragma once

#include <gtest/gtest.h>

#include <string_view>

#include "model/time.h"

namespace leakwatch::testing {

// The time `rfc3339` names; a text that does not parse fails the test and gives the epoch.
inline Timestamp at(std::string_view rfc3339) {
  const auto t = parse_rfc3339(rfc3339);
  if (!t) ADD_FAILURE() << "bad test time: " << rfc3339;
  return t.value_or(Timestamp{});
}

}  // namespace leakwatch::testing
