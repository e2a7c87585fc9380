// Fuzz targets for text the operator or a leak site supplies outside the crawler: URLs (every
// href of every page), CSV tables (sign --records), the config file, and the signature inside a
// bundle another team sends (`signatures import`).
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

#if defined(LEAKWATCH_FUZZ_URL)
#include "model/url.h"
#elif defined(LEAKWATCH_FUZZ_CSV)
#include "matcher/records_csv.h"
#elif defined(LEAKWATCH_FUZZ_CONFIG)
#include "config/config.h"
#elif defined(LEAKWATCH_FUZZ_BUNDLE)
#include "model/dataset_name.h"
#include "model/signature_bundle.h"
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
#if defined(LEAKWATCH_FUZZ_URL)
  const auto nl = text.find('\n');
  const auto base = leakwatch::parse_url(text.substr(0, nl));
  if (base && nl != std::string_view::npos) {
    if (const auto r = leakwatch::resolve_url(*base, text.substr(nl + 1))) (void)r->str(true);
  }
  (void)leakwatch::percent_decode(text);
#elif defined(LEAKWATCH_FUZZ_CSV)
  std::istringstream in{std::string(text)};
  leakwatch::matcher::CsvReader reader(
      in, "fuzz.csv", 0, {.max_field_bytes = 4096, .max_fields = 256, .max_rows = 10'000});
  leakwatch::matcher::CsvRow row;
  while (reader.next(row)) {
    if (row.fields.size() > 256) __builtin_trap();
  }
#elif defined(LEAKWATCH_FUZZ_CONFIG)
  (void)leakwatch::config::parse_config(text, "fuzz.toml");
#elif defined(LEAKWATCH_FUZZ_BUNDLE)
  if (auto bundle = leakwatch::read_signature_bundle(text, "fuzz.bundle")) {
    // What import relies on: the name is a plain file name, and no local path came along.
    if (!leakwatch::is_dataset_name(bundle->signature.dataset)) __builtin_trap();
    for (const auto& f : bundle->signature.files) {
      if (!f.original_path.empty()) __builtin_trap();
    }
    (void)leakwatch::write_signature_bundle(bundle->signature, bundle->record_key_hex, {});
  }
#else
#error "define one LEAKWATCH_FUZZ_* target"
#endif
  return 0;
}
