// Record matching throughput (issue #7): scan mixed text against millions of fingerprinted
// values on one core, and run `grep -F -f` over the plaintext values (which leakwatch never has,
// but which is what a user would otherwise run) on the same text in the same run.
// Figures and the command: docs/PERFORMANCE.md "Records (issue #7)".
//
// usage: records_bench [--rows N] [--text-mib M] [--work DIR] [--no-grep]
//   4 columns (plate, passport, email, phone) per row: N = 2,500,000 gives 10 million values.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "matcher/fingerprint_index.h"
#include "matcher/records_signer.h"
#include "matcher/score.h"
#include "matcher/text_scan.h"
#include "model/json.h"

namespace {

using namespace leakwatch;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

struct Person {
  std::string plate, passport, email, phone;
};

class Generator {
 public:
  explicit Generator(std::uint64_t seed) : rng_(seed) {}
  std::string pick(std::string_view alphabet, std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s.push_back(alphabet[rng_() % alphabet.size()]);
    return s;
  }
  Person person() {
    static constexpr std::string_view kUp = "ABCDEFGHJKLMNPRSTUVWXYZ";
    static constexpr std::string_view kDig = "0123456789";
    static constexpr std::string_view kLow = "abcdefghijklmnopqrstuvwxyz";
    return {pick(kUp, 2) + "-" + pick(kDig, 4) + "-" + pick(kUp, 2), pick(kUp, 1) + pick(kDig, 8),
            pick(kLow, 5) + "." + pick(kLow, 7) + pick(kDig, 2) + "@mail.example",
            "+1 " + pick(kDig, 3) + " " + pick(kDig, 3) + " " + pick(kDig, 4)};
  }
  // Prose-like words, numbers, log lines and CSV-ish rows of random people.
  std::string line() {
    static constexpr std::string_view kLow = "etaoinshrdlucmfwypvbgkjqxz";
    std::string s;
    switch (rng_() % 4) {
      case 0:
      case 1:
        for (int w = 0; w < 12; ++w)
          s += pick(kLow.substr(0, 5 + rng_() % 21), 2 + rng_() % 9) + " ";
        break;
      case 2:
        s = "2026-11-23T18:" + pick("012345", 1) + pick("0123456789", 1) +
            " INFO request id=" + pick("0123456789abcdef", 16) + " bytes=" + pick("0123456789", 6) +
            " status=200";
        break;
      default: {
        const auto p = person();
        s = pick("0123456789", 6) + ";" + p.plate + ";" + p.passport + ";" + p.email + ";" +
            p.phone;
      }
    }
    return s + "\n";
  }

 private:
  std::mt19937_64 rng_;
};

long peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t rows = 2'500'000;
  std::size_t text_mib = 1024;
  std::filesystem::path work = "records-bench";
  bool run_grep = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--rows" && i + 1 < argc) {
      rows = std::stoul(argv[++i]);
    } else if (a == "--text-mib" && i + 1 < argc) {
      text_mib = std::stoul(argv[++i]);
    } else if (a == "--work" && i + 1 < argc) {
      work = argv[++i];
    } else if (a == "--no-grep") {
      run_grep = false;
    } else {
      std::cerr << "usage: records_bench [--rows N] [--text-mib M] [--work DIR] [--no-grep]\n";
      return 2;
    }
  }
  std::filesystem::create_directories(work);
  const auto csv = work / "records.csv";
  const auto values = work / "values.txt";
  const auto text_file = work / "mixed.txt";

  // The table, and its plaintext values for grep.
  Generator gen(42);
  std::vector<Person> people;
  people.reserve(rows);
  {
    std::ofstream out(csv), plain(values);
    out << "id,plate,passport,email,phone\n";
    for (std::size_t i = 0; i < rows; ++i) {
      people.push_back(gen.person());
      const auto& p = people.back();
      out << i << "," << p.plate << "," << p.passport << "," << p.email << ",\"" << p.phone
          << "\"\n";
      plain << p.plate << "\n" << p.passport << "\n" << p.email << "\n" << p.phone << "\n";
    }
  }
  // Mixed text with one real row every ~64 KiB.
  std::size_t real_rows = 0;
  {
    std::ofstream out(text_file);
    std::size_t written = 0, next_real = 0;
    Generator noise(7);
    const std::size_t target = text_mib << 20;
    while (written < target) {
      std::string line;
      if (written >= next_real) {
        const auto& p = people[(real_rows * 7919) % people.size()];
        line = "leak;" + p.plate + ";" + p.passport + ";" + p.email + ";" + p.phone + "\n";
        ++real_rows;
        next_real += 64 << 10;
      } else {
        line = noise.line();
      }
      out << line;
      written += line.size();
    }
  }
  const auto text_bytes = std::filesystem::file_size(text_file);

  // Sign.
  const auto key = matcher::RecordKey::random();
  matcher::RecordSignOptions options;
  options.columns = {"plate", "passport", "email", "phone"};
  auto t = Clock::now();
  auto report = matcher::sign_records(csv, key, options);
  if (!report) {
    std::cerr << report.error().message << "\n";
    return 1;
  }
  const double sign_s = seconds_since(t);
  std::printf("signed %zu rows, %llu values in %.1f s\n", rows,
              static_cast<unsigned long long>(report->values), sign_s);
  for (const auto& c : report->records.columns)
    std::printf("  %-9s %-7s %s\n", c.name.c_str(), c.normaliser.c_str(), c.pattern.c_str());

  Signature sig;
  sig.dataset = "bench";
  sig.created = now();
  sig.records = std::move(report->records);
  // What the store and a bundle hold: the signature as JSON, fingerprints packed in base64.
  t = Clock::now();
  const auto json = to_json_text(sig);
  const double encode_s = seconds_since(t);
  t = Clock::now();
  auto decoded = signature_from_json_text(json, "bench");
  const double decode_s = seconds_since(t);
  if (!decoded || !(*decoded == sig)) {
    std::cerr << "signature JSON round trip failed\n";
    return 1;
  }
  std::printf("signature JSON %.0f MiB (%.1f bytes/value): encoded in %.2f s, decoded in %.2f s\n",
              static_cast<double>(json.size()) / (1 << 20),
              static_cast<double>(json.size()) / static_cast<double>(report->values), encode_s,
              decode_s);
  matcher::RecordKeys keys;
  keys.emplace("bench", key);
  t = Clock::now();
  const matcher::FingerprintIndex index({std::move(sig)}, keys);
  std::printf(
      "index built in %.1f s, %.0f MiB (%.1f bytes/value)\n", seconds_since(t),
      static_cast<double>(index.text().memory_bytes()) / (1 << 20),
      static_cast<double>(index.text().memory_bytes()) / static_cast<double>(report->values));

  // Scan on one core.
  std::string text;
  {
    std::ifstream in(text_file, std::ios::binary);
    text.resize(text_bytes);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
  }
  Manifest m;
  m.source = "bench";
  m.locator = "bench";
  m.texts.push_back({"mixed.txt", std::move(text)});
  t = Clock::now();
  const auto sightings = matcher::score_text(m, index, {});
  const double scan_s = seconds_since(t);
  const auto matched = sightings.empty() ? 0 : sightings[0].records_matched;
  std::printf(
      "leakwatch: %.0f MiB in %.2f s = %.0f MB/s on one core; %llu of %zu planted rows "
      "matched; peak RSS %ld MiB\n",
      static_cast<double>(text_bytes) / (1 << 20), scan_s,
      static_cast<double>(text_bytes) / 1e6 / scan_s, static_cast<unsigned long long>(matched),
      real_rows, peak_rss_mib());
  if (!sightings.empty())
    std::printf("  %s\n", sightings[0].evidence[0].detail.substr(0, 160).c_str());

  if (run_grep) {
    // grep builds its automaton from the patterns first: time that alone on an empty input.
    const auto shell = [](const std::string& cmd) {
      const auto start = Clock::now();
      const int rc = std::system(cmd.c_str());
      return std::pair(rc, seconds_since(start));
    };
    const auto [rc0, build_s] =
        shell("LC_ALL=C grep -F -c -f '" + values.string() + "' /dev/null > /dev/null");
    const auto [rc1, grep_s] =
        shell("LC_ALL=C grep -F -c -f '" + values.string() + "' '" + text_file.string() + "' > '" +
              (work / "grep.out").string() + "'");
    std::ifstream count(work / "grep.out");
    std::string lines;
    std::getline(count, lines);
    std::printf(
        "grep -F -f: %.2f s total (%.2f s of it reading the patterns) = %.0f MB/s "
        "overall, %.0f MB/s scanning; %s matching lines (exit %d/%d)\n",
        grep_s, build_s, static_cast<double>(text_bytes) / 1e6 / grep_s,
        static_cast<double>(text_bytes) / 1e6 / std::max(0.001, grep_s - build_s), lines.c_str(),
        rc0, rc1);
  }
  return 0;
}
