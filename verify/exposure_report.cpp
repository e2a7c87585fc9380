// `leakwatch exposure`: the window verify would use, the exposure over it, and its renderers.
#include <nlohmann/json.hpp>
#include <sstream>

#include "model/json.h"
#include "model/units.h"
#include "report/report_escape.h"
#include "verify/verify.h"

namespace leakwatch::app {

Result<ExposureReport, VerifyError> evaluate_exposure(store::Store& store, const VerifyQuery& query,
                                                      Timestamp now) {
  if (auto problem = check_verify_query(store, query)) return *problem;
  auto sig = store.get_signature(query.dataset);
  if (!sig) return VerifyError{VerifyErrorKind::store, sig.error().message};
  ExposureReport r;
  r.dataset = query.dataset;
  r.generated = now;
  r.as_of = query.as_of.value_or(now);
  r.since = query.since.value_or(
      std::min(std::max(r.as_of - kDefaultVerifyWindow, (*sig)->matchable_since()), r.as_of));
  auto exposure = compute_exposure(store, r.dataset, r.since, r.as_of);
  if (!exposure) return VerifyError{VerifyErrorKind::store, exposure.error().message};
  r.exposure = std::move(exposure).value();
  return r;
}

std::optional<std::string> render_exposure_report(const ExposureReport& r,
                                                  std::string_view format) {
  if (format == "json") {
    auto j = to_json(r.exposure);
    j["report"] = "leakwatch-exposure";
    j["dataset"] = r.dataset;
    j["window"] = {{"since", format_rfc3339(r.since)}, {"as_of", format_rfc3339(r.as_of)}};
    j["generated"] = format_rfc3339(r.generated);
    return dump_json(j, 2) + "\n";
  }
  std::ostringstream out;
  if (format == "text") {
    out << "leakwatch exposure: dataset '" << display_text(r.dataset) << "' as of "
        << format_rfc3339(r.as_of) << " (window from " << format_rfc3339(r.since) << ")\n"
        << render_exposure_text(r.exposure);
    return out.str();
  }
  if (format == "markdown") {
    const auto& e = r.exposure;
    out << "# leakwatch exposure: " << escape_markdown(r.dataset) << "\n\nAs of "
        << format_rfc3339(r.as_of) << " (window from " << format_rfc3339(r.since)
        << "), distinct dataset files and record rows in confirmed or likely sightings:\n\n"
        << "| | seen | of |\n|---|---|---|\n"
        << "| files | " << e.files << " | " << e.dataset_files << " |\n"
        << "| bytes | " << format_size(e.bytes) << " | " << format_size(e.dataset_bytes) << " |\n"
        << "| records | " << e.records << " | " << e.dataset_records << " |\n";
    return out.str();
  }
  return std::nullopt;
}

}  // namespace leakwatch::app
