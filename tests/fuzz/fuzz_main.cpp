// The driver that turns a libFuzzer target into a smoke test any compiler can build: it runs the
// target on every file of the given seed folders, then on deterministic mutations of each seed
// (bit flips, byte overwrites, truncations, insertions, duplicated slices, splices with another
// seed), so every ctest run (and the ASan/UBSan build above all) feeds each parser hostile bytes.
// With clang, -DLEAKWATCH_FUZZ=ON links the same targets with -fsanitize=fuzzer instead, for real
// coverage-guided fuzzing (docs/ARCHITECTURE.md "Fuzzing").
//
//   <target>_fuzz [--mutations N] [--seed S] DIR_OR_FILE...
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

void run(const Bytes& b) {
  LLVMFuzzerTestOneInput(b.data(), b.size());
}

Bytes mutate(const Bytes& seed, const Bytes& other, std::mt19937_64& rng) {
  Bytes b = seed;
  const auto pick = [&](std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng() % n); };
  const int ops = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < ops; ++i) {
    switch (rng() % 7) {
      case 0:  // flip a bit
        if (!b.empty()) b[pick(b.size())] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        break;
      case 1: {  // overwrite with an interesting byte
        static constexpr std::uint8_t kBytes[] = {0,    0xff, 0x7f, 0x80, '"', '<', '>', '/',
                                                  '\\', '\n', ' ',  '%',  ':', 'e', '0', '9'};
        if (!b.empty()) b[pick(b.size())] = kBytes[rng() % sizeof kBytes];
        break;
      }
      case 2:  // truncate
        b.resize(pick(b.size() + 1));
        break;
      case 3: {  // insert random bytes
        const std::size_t at = pick(b.size() + 1);
        const std::size_t n = 1 + pick(16);
        Bytes ins(n);
        for (auto& c : ins) c = static_cast<std::uint8_t>(rng());
        b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), ins.begin(), ins.end());
        break;
      }
      case 4: {  // duplicate a slice (deep nesting, repeated records)
        if (b.empty() || b.size() > (1u << 20)) break;
        const std::size_t from = pick(b.size());
        const std::size_t n = 1 + pick(std::min<std::size_t>(b.size() - from, 256));
        const Bytes slice(b.begin() + static_cast<std::ptrdiff_t>(from),
                          b.begin() + static_cast<std::ptrdiff_t>(from + n));
        const int times = 1 + static_cast<int>(rng() % 64);
        for (int t = 0; t < times; ++t)
          b.insert(b.begin() + static_cast<std::ptrdiff_t>(from), slice.begin(), slice.end());
        break;
      }
      case 5: {  // splice: head of this seed, tail of another
        if (other.empty()) break;
        const std::size_t cut = pick(b.size() + 1);
        const std::size_t from = pick(other.size());
        b.resize(cut);
        b.insert(b.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
        break;
      }
      default: {  // overwrite a 4-byte little-endian integer (lengths and offsets in binaries)
        if (b.size() < 4) break;
        const std::size_t at = pick(b.size() - 3);
        static constexpr std::uint32_t kValues[] = {0, 1, 0x7fffffff, 0xffffffff, 0xffff, 65536};
        const std::uint32_t v = rng() % 2 ? kValues[rng() % 6] : static_cast<std::uint32_t>(rng());
        for (int k = 0; k < 4; ++k) b[at + k] = static_cast<std::uint8_t>(v >> (8 * k));
        break;
      }
    }
  }
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t mutations = 500;
  std::uint64_t seed = 20261123;
  std::vector<std::filesystem::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--mutations" && i + 1 < argc) {
      mutations = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--seed" && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else {
      inputs.emplace_back(arg);
    }
  }
  std::vector<Bytes> seeds;
  for (const auto& in : inputs) {
    if (std::filesystem::is_directory(in)) {
      std::vector<std::filesystem::path> files;
      for (const auto& e : std::filesystem::directory_iterator(in))
        if (e.is_regular_file()) files.push_back(e.path());
      std::sort(files.begin(), files.end());
      for (const auto& f : files) seeds.push_back(read_bytes(f));
    } else if (std::filesystem::is_regular_file(in)) {
      seeds.push_back(read_bytes(in));
    } else {
      std::cerr << "fuzz: no such seed file or folder: " << in << "\n";
      return 2;
    }
  }
  if (seeds.empty()) {
    std::cerr << "fuzz: no seeds\n";
    return 2;
  }
  run({});
  std::mt19937_64 rng(seed);
  std::size_t runs = 1;
  for (std::size_t s = 0; s < seeds.size(); ++s) {
    run(seeds[s]);
    ++runs;
    const Bytes& other = seeds[(s + 1) % seeds.size()];
    for (std::size_t m = 0; m < mutations; ++m, ++runs) run(mutate(seeds[s], other, rng));
  }
  std::cout << "fuzz: " << runs << " inputs from " << seeds.size() << " seeds, no crash\n";
  return 0;
}
