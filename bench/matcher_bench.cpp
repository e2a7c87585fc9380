// Matcher throughput: manifest entries scored per second against an index of 1 million
// signature files, index bytes per signature file, and raw XXH3 over the same manifest bytes as
// the floor to compare with. Figures and commands: docs/PERFORMANCE.md "Matcher (issue #3)".
#include <benchmark/benchmark.h>
#include <xxhash.h>

#include <memory>
#include <random>
#include <string>

#include "matcher/fingerprint_index.h"
#include "matcher/score.h"

namespace {

using namespace leakwatch;

constexpr std::size_t kSignatureFiles = 1'000'000;
constexpr std::size_t kManifestEntries = 100'000;

Digest random_digest(DigestKind kind, std::mt19937_64& rng) {
  Digest d;
  d.kind = kind;
  for (std::size_t i = 0; i < digest_size(kind); i += 8) {
    const auto v = rng();
    for (std::size_t k = 0; k < 8 && i + k < d.bytes.size(); ++k) {
      d.bytes[i + k] = static_cast<std::uint8_t>(v >> (8 * k));
    }
  }
  return d;
}

// 100 datasets of 10,000 files each, every digest kind, head pieces as a 1 MiB file has.
const matcher::FingerprintIndex& big_index() {
  static const auto index = [] {
    std::mt19937_64 rng(1);
    std::vector<Signature> sigs(100);
    for (std::size_t s = 0; s < sigs.size(); ++s) {
      sigs[s].dataset = "dataset-" + std::to_string(s);
      for (std::size_t f = 0; f < kSignatureFiles / sigs.size(); ++f) {
        SignatureFile file;
        file.path = "exports/2025/IMG_" + std::to_string(s * 100000 + f) + ".jpg";
        file.size = 50'000 + rng() % 5'000'000;
        for (const auto kind : kAllDigestKinds) file.digests.push_back(random_digest(kind, rng));
        for (std::uint64_t len = 16384; len <= 1u << 20; len *= 2) {
          HeadPiece p;
          p.piece_length = len;
          const auto d = random_digest(DigestKind::sha1, rng);
          std::copy_n(d.bytes.begin(), 20, p.sha1.begin());
          file.head_pieces.push_back(p);
        }
        sigs[s].files.push_back(std::move(file));
      }
    }
    return std::make_unique<matcher::FingerprintIndex>(std::move(sigs));
  }();
  return *index;
}

// A listing-like manifest: names and sizes, 1 in 1000 a real signature file, and a sha256 on
// every tenth entry (as from a checksum list).
Manifest listing_manifest() {
  std::mt19937_64 rng(2);
  Manifest m;
  m.source = "bench";
  m.locator = "http://bench.invalid/";
  for (std::size_t i = 0; i < kManifestEntries; ++i) {
    FileEntry e;
    if (i % 1000 == 0) {
      e.path = "leak/exports/2025/IMG_" + std::to_string(i * 7 % 1000000) + ".jpg";
    } else {
      e.path = "leak/folder-" + std::to_string(i % 97) + "/DSC_" + std::to_string(rng() % 1000000) +
               ".JPG";
    }
    e.size = 50'000 + rng() % 5'000'000;
    if (i % 10 == 0) e.digests.push_back(random_digest(DigestKind::sha256, rng));
    m.entries.push_back(std::move(e));
  }
  return m;
}

std::size_t manifest_bytes(const Manifest& m) {
  std::size_t total = 0;
  for (const auto& e : m.entries) total += e.path.size() + 8 + 33 * e.digests.size();
  return total;
}

void BM_ScoreManifestAgainstOneMillionFiles(benchmark::State& state) {
  const auto& index = big_index();
  const auto manifest = listing_manifest();
  std::size_t sightings = 0;
  for (auto _ : state) {
    const auto out = matcher::score(manifest, index);
    sightings = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kManifestEntries));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * manifest_bytes(manifest)));
  state.counters["sightings"] = static_cast<double>(sightings);
  state.counters["index_bytes_per_file"] =
      static_cast<double>(index.index_memory_bytes()) / kSignatureFiles;
}
BENCHMARK(BM_ScoreManifestAgainstOneMillionFiles)->Unit(benchmark::kMillisecond);

// The floor: XXH3 over every entry's path, size and digests, nothing else.
void BM_RawXxh3OverTheSameManifestBytes(benchmark::State& state) {
  const auto manifest = listing_manifest();
  for (auto _ : state) {
    std::uint64_t acc = 0;
    for (const auto& e : manifest.entries) {
      acc ^= XXH3_64bits(e.path.data(), e.path.size());
      const std::uint64_t size = e.size.value_or(0);
      acc ^= XXH3_64bits(&size, sizeof size);
      for (const auto& d : e.digests) acc ^= XXH3_64bits(d.bytes.data(), 33);
    }
    benchmark::DoNotOptimize(acc);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kManifestEntries));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * manifest_bytes(manifest)));
}
BENCHMARK(BM_RawXxh3OverTheSameManifestBytes)->Unit(benchmark::kMillisecond);

void BM_BuildIndexOfOneMillionFiles(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<Signature> sigs = big_index().signatures();
    state.ResumeTiming();
    const matcher::FingerprintIndex index(std::move(sigs));
    benchmark::DoNotOptimize(&index);
  }
}
BENCHMARK(BM_BuildIndexOfOneMillionFiles)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
