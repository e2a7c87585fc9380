// A real RocksDB store filled with chosen signatures, scans and sightings at chosen times, for the
// verify tests (unit tests of the evaluation and CLI tests of `leakwatch verify`).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "model/time.h"
#include "store/store.h"
#include "tests/support/test_time.h"

namespace leakwatch::testing {

class StoreFiller {
 public:
  explicit StoreFiller(const std::filesystem::path& data_dir) {
    auto opened = store::Store::open(data_dir, store::OpenMode::read_write);
    if (!opened) throw std::runtime_error(opened.error().message);
    store_ = std::move(opened).value();
  }
  store::Store& store() { return *store_; }
  // Closes the database (so another process can take the writer lock).
  void close() { store_.reset(); }

  void sign(const std::string& dataset, Timestamp created, std::size_t files = 3) {
    Signature sig;
    sig.dataset = dataset;
    sig.description = "test dataset " + dataset;
    sig.created = created;
    for (std::size_t i = 0; i < files; ++i) {
      SignatureFile f;
      f.path = "img/" + std::to_string(i) + ".jpg";
      f.size = 1000 + i;
      sig.files.push_back(f);
    }
    check(store_->put_signature(sig));
  }

  ScanRecord scan(const std::string& source, Timestamp started, ScanStatus status,
                  std::uint64_t entries = 10, const std::string& error = "",
                  bool content_checked = false) {
    auto r = scan_record(source, started, status, entries, error, content_checked);
    check(store_->record_fetch(r, {}));
    return r;
  }

  static ScanRecord scan_record(const std::string& source, Timestamp started, ScanStatus status,
                                std::uint64_t entries = 10, const std::string& error = "",
                                bool content_checked = false) {
    ScanRecord r;
    r.scan_id = source + "-" + std::to_string(to_unix_ms(started));
    r.source = source;
    r.locator = "http://" + source + ".example/";
    r.started = started;
    r.ended = started + std::chrono::seconds{30};
    r.status = status;
    r.error = error;
    r.entries_seen = entries;
    r.content_checked = content_checked;
    return r;
  }

  // A sighting first seen at `first` (with the scan that saw it) and last seen at `last`.
  Sighting sight(const std::string& dataset, const std::string& source, const std::string& locator,
                 Confidence confidence, Timestamp first, Timestamp last) {
    Sighting s;
    s.dataset = dataset;
    s.source = source;
    s.locator = locator;
    s.confidence = confidence;
    s.evidence = {{"sha256", "img/0.jpg", "dump/img/0.jpg", std::string(64, 'a')},
                  {"name+size", "img/1.jpg", "dump/img/1.jpg", "1001"}};
    s.files_matched = 2;
    s.dataset_files = 3;
    s.bytes_matched = 2001;
    s.first_seen = first;
    s.last_seen = last;
    check(store_->record_fetch(scan_record(source, first, ScanStatus::ok), {s}));
    return s;
  }

 private:
  template <typename R>
  static void check(const R& r) {
    if (!r.ok()) throw std::runtime_error(r.error().message);
  }
  std::unique_ptr<store::Store> store_;
};

}  // namespace leakwatch::testing
