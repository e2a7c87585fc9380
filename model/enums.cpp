#include "model/scan_record.h"
#include "model/sighting.h"

namespace leakwatch {

std::string_view confidence_name(Confidence c) {
  switch (c) {
    case Confidence::possible:
      return "possible";
    case Confidence::likely:
      return "likely";
    case Confidence::confirmed:
      return "confirmed";
  }
  return "possible";
}

std::optional<Confidence> parse_confidence(std::string_view name) {
  for (const auto c : {Confidence::possible, Confidence::likely, Confidence::confirmed}) {
    if (confidence_name(c) == name) return c;
  }
  return std::nullopt;
}

std::string_view scan_status_name(ScanStatus s) {
  switch (s) {
    case ScanStatus::ok:
      return "ok";
    case ScanStatus::partial:
      return "partial";
    case ScanStatus::failed:
      return "failed";
  }
  return "failed";
}

std::optional<ScanStatus> parse_scan_status(std::string_view name) {
  for (const auto s : {ScanStatus::ok, ScanStatus::partial, ScanStatus::failed}) {
    if (scan_status_name(s) == name) return s;
  }
  return std::nullopt;
}

}  // namespace leakwatch
