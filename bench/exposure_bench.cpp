// Exposure benchmark (issue 20): a dataset of F files (default 1,000,000) and K sightings
// (default 100) of M files each (default 100,000, a different random subset per sighting, spread
// over a year), then `compute_exposure` over the year. Prints p50/max of --runs, and the union.
// Usage: exposure_bench [--files F] [--sightings K] [--per-sighting M] [--runs R] [--dir DIR]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "bench/cpu_time.h"
#include "verify/exposure.h"

namespace {

using namespace leakwatch;
using Clock = std::chrono::steady_clock;

using bench::cpu_ms;

const Timestamp kAsOf = from_unix_ms(1'798'761'600'000);  // 2027-01-01
constexpr auto kYear = std::chrono::hours{24 * 365};

template <typename R>
void must(const R& r) {
  if (!r) {
    std::fprintf(stderr, "%s\n", r.error().message.c_str());
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::uint32_t files = 1'000'000, sightings = 100, per = 100'000;
  int runs = 10;
  auto dir = std::filesystem::temp_directory_path() / "leakwatch-exposure-bench";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--files") files = static_cast<std::uint32_t>(std::stoul(value));
    if (flag == "--sightings") sightings = static_cast<std::uint32_t>(std::stoul(value));
    if (flag == "--per-sighting") per = static_cast<std::uint32_t>(std::stoul(value));
    if (flag == "--runs") runs = std::stoi(value);
    if (flag == "--dir") dir = value;
  }
  std::filesystem::remove_all(dir);
  {
    auto opened = store::Store::open(dir, store::OpenMode::read_write, {.sync = false});
    must(opened);
    auto& store = **opened;
    Signature sig;
    sig.dataset = "big";
    sig.created = kAsOf - kYear - std::chrono::hours{24};
    sig.files.reserve(files);
    for (std::uint32_t i = 0; i < files; ++i) {
      sig.files.push_back(SignatureFile{.path = "d/" + std::to_string(i), .size = 1000u + i % 977});
    }
    sig.records.key_id = "00";
    sig.records.rows = files;
    const auto t0 = Clock::now();
    must(store.put_signature(sig));
    std::printf("signature of %u files stored in %.0f ms\n", files,
                std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    std::mt19937 rng(20);
    std::vector<std::uint32_t> all(files);
    std::iota(all.begin(), all.end(), 0u);
    for (std::uint32_t k = 0; k < sightings; ++k) {
      Sighting s;
      s.dataset = "big";
      s.source = "source-" + std::to_string(k % 10);
      s.locator = "http://leak" + std::to_string(k) + ".example/dump/";
      s.confidence = k % 3 == 0 ? Confidence::likely : Confidence::confirmed;
      std::sample(all.begin(), all.end(), std::back_inserter(s.matched_files), per, rng);
      std::sample(all.begin(), all.end(), std::back_inserter(s.matched_rows), per / 10, rng);
      s.files_matched = s.matched_files.size();
      s.records_matched = s.matched_rows.size();
      s.dataset_files = files;
      s.evidence = {{"sha256", "d/0", "dump/0", std::string(64, 'a')}};
      s.first_seen = s.last_seen = kAsOf - kYear + kYear * k / sightings;
      ScanRecord r;
      r.scan_id = "bench-" + std::to_string(k);
      r.source = s.source;
      r.started = r.ended = s.first_seen;
      r.status = ScanStatus::ok;
      must(store.record_fetch(r, {s}));
    }
    must(store.compact());
  }
  auto opened = store::Store::open(dir, store::OpenMode::read_only);
  must(opened);
  std::vector<double> ms, cpu;
  app::Exposure e;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    const auto c0 = cpu_ms();
    auto got = app::compute_exposure(**opened, "big", kAsOf - kYear, kAsOf);
    must(got);
    cpu.push_back(cpu_ms() - c0);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    e = std::move(got).value();
  }
  std::sort(ms.begin(), ms.end());
  std::sort(cpu.begin(), cpu.end());
  std::printf("cpu p50 %.1f ms  max %.1f ms\n", cpu[cpu.size() / 2], cpu.back());
  std::printf(
      "exposure of %u files, %u sightings of %u files: p50 %.1f ms  max %.1f ms  (union %llu "
      "files, %llu rows, %zu series points)\n",
      files, sightings, per, ms[ms.size() / 2], ms.back(), static_cast<unsigned long long>(e.files),
      static_cast<unsigned long long>(e.records), e.series.size());
  opened->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
