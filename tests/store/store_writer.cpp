// A writer process for the crash and concurrency tests: records COUNT sightings in fetches of
// BATCH, and prints "dataset<TAB>locator" for each one only after record_fetch has returned, so
// every printed line is an acknowledged sighting. With --hold it then prints "holding" and waits
// (holding the database) until killed.
// `store_writer DATA_DIR --replace-signatures COUNT` instead signs dataset "ds" COUNT times, the
// i-th time with description "v<i>" and i files, and prints "v<i>" after each put_signature has
// returned (the kill test of the signature history).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "store/store.h"

namespace {

void write_all(const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const auto n = ::write(STDOUT_FILENO, text.data() + done, text.size() - done);
    if (n <= 0) std::_Exit(5);
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace leakwatch;
  if (argc < 4) {
    std::fprintf(stderr, "usage: store_writer DATA_DIR COUNT BATCH [--hold]\n");
    return 2;
  }
  const std::string data_dir = argv[1];
  if (std::string(argv[2]) == "--replace-signatures") {
    auto store = store::Store::open(data_dir, store::OpenMode::read_write);
    if (!store) {
      std::fprintf(stderr, "%s\n", store.error().message.c_str());
      return 1;
    }
    Signature sig;
    sig.dataset = "ds";
    sig.created = from_unix_ms(1'793'000'000'000);
    for (long i = 0; i < std::atol(argv[3]); ++i) {
      sig.description = "v" + std::to_string(i);
      sig.files.push_back({.path = "f" + std::to_string(i), .size = 1});
      if (auto put = (*store)->put_signature(sig); !put) {
        std::fprintf(stderr, "%s\n", put.error().message.c_str());
        return 1;
      }
      write_all(sig.description + "\n");
    }
    return 0;
  }
  const long count = std::atol(argv[2]);
  const long batch = std::max(1L, std::atol(argv[3]));
  const bool hold = argc > 4 && std::string(argv[4]) == "--hold";
  auto store = store::Store::open(data_dir, store::OpenMode::read_write);
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().message.c_str());
    return 1;
  }
  const auto base = from_unix_ms(1'793'000'000'000);
  for (long first = 0; first < count; first += batch) {
    store::Fetch fetch;
    fetch.scan.scan_id = "run-" + std::to_string(first);
    fetch.scan.source = "src" + std::to_string(first % 3);
    fetch.scan.started = base + std::chrono::seconds{first};
    fetch.scan.ended = fetch.scan.started;
    fetch.scan.status = ScanStatus::ok;
    std::string acked;
    for (long i = first; i < std::min(count, first + batch); ++i) {
      Sighting s;
      s.dataset = "ds" + std::to_string(i % 7);
      s.source = fetch.scan.source;
      s.locator = "https://leak.example/" + std::to_string(i);
      s.confidence = static_cast<Confidence>(i % 3);
      s.evidence = {{"sha256", "f.csv", "dump/f.csv", std::string(64, 'a')}};
      s.first_seen = s.last_seen = base + std::chrono::seconds{i};
      acked += s.dataset + "\t" + s.locator + "\n";
      fetch.sightings.push_back(std::move(s));
    }
    const auto recorded = (*store)->record_fetch(fetch);
    if (!recorded) {
      std::fprintf(stderr, "%s\n", recorded.error().message.c_str());
      return 1;
    }
    write_all(acked);
  }
  if (hold) {
    write_all("holding\n");
    for (;;) ::pause();
  }
  return 0;
}
