// The coverage aggregate (family scan_days, store/rocks_db.h): per source and UTC day, what
// coverage reads of every scan record of that source started that day. `verify` over 10,000
// sources scanned every 6 hours for 30 days reads 300,000 of these instead of parsing 1.2 million
// scan records as JSON (issue #18). A day record is changed in the same batch as the scan records
// it summarises (record_fetch adds, prune removes), and built once from the scan records when a
// writer first opens a database that lacks it, so it always says what the scan records say.
//
// A day record: varint string count, the strings (varint length, bytes: locators, proxies and
// errors, each once), varint scan count, then per scan in scan-key order (started, then id):
// varint id length and id, varint ms after the day start, zig-zag varint ms from start to end,
// one byte (status | content_checked << 2), varint entries, and varint indices of its locator,
// proxy and error in the strings.
#include <cstdint>

#include "model/json.h"
#include "store/rocks_db.h"

namespace leakwatch::store {

namespace {

constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::size_t kBuildBatch = 1000;  // day records per batch while building

rocksdb::Slice slice(std::string_view s) {
  return {s.data(), s.size()};
}

std::int64_t day_start(Timestamp t) {
  const auto ms = to_unix_ms(t);
  const auto day = ms >= 0 ? ms / kDayMs : -((-ms + kDayMs - 1) / kDayMs);
  return day * kDayMs;
}

std::string day_key(std::string_view source, std::int64_t start_ms) {
  std::string key(source);
  key += '\0';
  key += be64(ordered_ms(from_unix_ms(start_ms)));
  return key;
}

std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
std::int64_t unzigzag(std::uint64_t v) {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

bool get_string(std::string_view& in, std::string_view& out) {
  std::uint64_t size = 0;
  if (!get_varint(in, size) || size > in.size()) return false;
  out = in.substr(0, size);
  in.remove_prefix(size);
  return true;
}

// Calls `visit` with each scan of a day record (`source` and the views into `value`); false on
// damage. `strings` is scratch space, reused across records.
template <typename Visit>
bool read_day(std::string_view source, std::int64_t start_ms, std::string_view value,
              std::vector<std::string_view>& strings, Visit&& visit) {
  std::uint64_t count = 0;
  if (!get_varint(value, count) || count > value.size()) return false;
  strings.resize(count);
  for (auto& s : strings) {
    if (!get_string(value, s)) return false;
  }
  if (!get_varint(value, count) || count > value.size()) return false;
  const auto string_at = [&](std::string_view& in, std::string_view& out) {
    std::uint64_t i = 0;
    if (!get_varint(in, i) || i >= strings.size()) return false;
    out = strings[i];
    return true;
  };
  ScanSummary s;
  s.source = source;
  for (std::uint64_t i = 0; i < count; ++i) {
    std::uint64_t offset = 0, duration = 0, entries = 0;
    if (!get_string(value, s.scan_id) || !get_varint(value, offset) ||
        !get_varint(value, duration) || value.empty()) {
      return false;
    }
    const auto flags = static_cast<std::uint8_t>(value.front());
    value.remove_prefix(1);
    if ((flags & 3) > 2 || !get_varint(value, entries) || !string_at(value, s.locator) ||
        !string_at(value, s.proxy) || !string_at(value, s.error)) {
      return false;
    }
    s.started = from_unix_ms(start_ms + static_cast<std::int64_t>(offset));
    s.ended = s.started + std::chrono::milliseconds{unzigzag(duration)};
    s.status = static_cast<ScanStatus>(flags & 3);
    s.content_checked = (flags & 4) != 0;
    s.entries_seen = entries;
    if (!visit(s)) return true;
  }
  return value.empty();
}

// One scan of a day record, owned (the write path).
struct DayScan {
  std::string scan_id, locator, proxy, error;
  Timestamp started{}, ended{};
  ScanStatus status = ScanStatus::failed;
  std::uint64_t entries_seen = 0;
  bool content_checked = false;

  static DayScan of(const ScanSummary& s) {
    return {std::string(s.scan_id),
            std::string(s.locator),
            std::string(s.proxy),
            std::string(s.error),
            s.started,
            s.ended,
            s.status,
            s.entries_seen,
            s.content_checked};
  }
  static DayScan of(const ScanRecord& r) {
    return {r.scan_id, r.locator, r.proxy,        r.error,          r.started,
            r.ended,   r.status,  r.entries_seen, r.content_checked};
  }
  // Scan-key order: start, then id (bytewise, as RocksDB compares keys).
  bool before(Timestamp t, std::string_view id) const {
    return started != t ? started < t : std::string_view(scan_id) < id;
  }
};

std::string pack_day(const std::vector<DayScan>& scans, std::int64_t start_ms) {
  std::vector<std::string_view> strings;
  std::map<std::string_view, std::uint64_t> index;
  const auto intern = [&](std::string_view s) {
    const auto [it, added] = index.try_emplace(s, strings.size());
    if (added) strings.push_back(s);
    return it->second;
  };
  std::vector<std::array<std::uint64_t, 3>> refs;
  refs.reserve(scans.size());
  for (const auto& s : scans) refs.push_back({intern(s.locator), intern(s.proxy), intern(s.error)});
  std::string out;
  put_varint(out, strings.size());
  for (const auto s : strings) {
    put_varint(out, s.size());
    out += s;
  }
  put_varint(out, scans.size());
  for (std::size_t i = 0; i < scans.size(); ++i) {
    const auto& s = scans[i];
    put_varint(out, s.scan_id.size());
    out += s.scan_id;
    put_varint(out, static_cast<std::uint64_t>(to_unix_ms(s.started) - start_ms));
    put_varint(out, zigzag(to_unix_ms(s.ended) - to_unix_ms(s.started)));
    out.push_back(
        static_cast<char>(static_cast<std::uint8_t>(s.status) | (s.content_checked ? 4u : 0u)));
    put_varint(out, s.entries_seen);
    for (const auto r : refs[i]) put_varint(out, r);
  }
  return out;
}

Error damaged(std::string_view source, std::int64_t start_ms) {
  return Error{"coverage of source '" + std::string(source) + "' on " +
               format_rfc3339(from_unix_ms(start_ms)).substr(0, 10) + " is damaged"};
}

// The key's source and day; false when it is not a day key.
bool parse_day_key(std::string_view key, std::string_view& source, std::int64_t& start_ms) {
  const auto nul = key.find('\0');
  if (nul == std::string_view::npos || key.size() != nul + 9) return false;
  source = key.substr(0, nul);
  start_ms = to_unix_ms(from_ordered_ms(read_be64(key.substr(nul + 1, 8))));
  return true;
}

// The slow way, for a database whose day records are not (yet) built: from the scan records.
Result<void> summaries_from_scan_records(Store& store, const ScanFilter& filter,
                                         const std::function<bool(const ScanSummary&)>& visit) {
  return store.for_each_scan(filter, [&](const ScanRecord& r) {
    ScanSummary s;
    s.scan_id = r.scan_id;
    s.source = r.source;
    s.locator = r.locator;
    s.proxy = r.proxy;
    s.error = r.error;
    s.started = r.started;
    s.ended = r.ended;
    s.status = r.status;
    s.entries_seen = r.entries_seen;
    s.content_checked = r.content_checked;
    return visit(s);
  });
}

}  // namespace

struct ScanDayEdits::Day {
  std::string source;
  std::int64_t start_ms = 0;
  std::vector<DayScan> scans;  // scan-key order
};

ScanDayEdits::ScanDayEdits(Store::Impl& impl) : impl_(impl) {}
ScanDayEdits::~ScanDayEdits() = default;

Result<ScanDayEdits::Day*> ScanDayEdits::load(std::string_view source, std::int64_t start_ms) {
  auto key = day_key(source, start_ms);
  if (auto found = days_.find(key); found != days_.end()) return found->second.get();
  auto day = std::make_unique<Day>();
  day->source = std::string(source);
  day->start_ms = start_ms;
  std::string value;
  const auto s = impl_.db->Get(rocksdb::ReadOptions(), impl_.cf[kScanDays], slice(key), &value);
  if (!s.ok() && !s.IsNotFound()) {
    return status_error("coverage of source '" + std::string(source) + "'", s);
  }
  if (s.ok()) {
    std::vector<std::string_view> strings;
    const bool read = read_day(source, start_ms, value, strings, [&](const ScanSummary& scan) {
      day->scans.push_back(DayScan::of(scan));
      return true;
    });
    if (!read) return damaged(source, start_ms);
  }
  return days_.emplace(std::move(key), std::move(day)).first->second.get();
}

Result<void> ScanDayEdits::add(const ScanRecord& scan) {
  auto day = load(scan.source, day_start(scan.started));
  if (!day) return day.error();
  auto& scans = (*day)->scans;
  const auto at = std::find_if(scans.begin(), scans.end(), [&](const DayScan& s) {
    return !s.before(scan.started, scan.scan_id);
  });
  if (at != scans.end() && at->started == scan.started && at->scan_id == scan.scan_id) {
    *at = DayScan::of(scan);
  } else {
    scans.insert(at, DayScan::of(scan));
  }
  return {};
}

Result<void> ScanDayEdits::remove(std::string_view scan_key) {
  const auto nul = scan_key.find('\0');
  if (nul == std::string_view::npos || scan_key.size() < nul + 9) return {};
  const auto source = scan_key.substr(0, nul);
  const auto started = from_ordered_ms(read_be64(scan_key.substr(nul + 1, 8)));
  const auto id = scan_key.substr(nul + 9);
  auto day = load(source, day_start(started));
  if (!day) return day.error();
  auto& scans = (*day)->scans;
  std::erase_if(scans, [&](const DayScan& s) { return s.started == started && s.scan_id == id; });
  return {};
}

void ScanDayEdits::write(rocksdb::WriteBatch& batch) {
  for (const auto& [key, day] : days_) {
    if (day->scans.empty()) {
      batch.Delete(impl_.cf[kScanDays], slice(key));
    } else {
      batch.Put(impl_.cf[kScanDays], slice(key), pack_day(day->scans, day->start_ms));
    }
  }
  days_.clear();
}

Result<void> open_scan_days(Store::Impl& impl) {
  std::string mark;
  const auto got =
      impl.db->Get(rocksdb::ReadOptions(), impl.cf[kDefault], kScanDaysCompleteKey, &mark);
  if (!got.ok() && !got.IsNotFound()) {
    return status_error(impl.path.string() + ": cannot read the coverage mark", got);
  }
  impl.scan_days_complete = got.ok() && impl.cf[kScanDays] != nullptr;
  if (impl.scan_days_complete || impl.read_only) return {};

  const std::string what = impl.path.string() + ": building the coverage of each source and day";
  rocksdb::WriteOptions wo;
  wo.sync = impl.options.sync;
  const rocksdb::ReadOptions ro;
  {  // What a build cut short left goes first.
    rocksdb::WriteBatch batch;
    std::unique_ptr<rocksdb::Iterator> it(impl.db->NewIterator(ro, impl.cf[kScanDays]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) batch.Delete(impl.cf[kScanDays], it->key());
    if (!it->status().ok()) return status_error(what, it->status());
    if (const auto s = impl.db->Write(wo, &batch); !s.ok()) return status_error(what, s);
  }
  rocksdb::WriteBatch batch;
  std::size_t in_batch = 0;
  std::string key;  // of the day being filled
  std::vector<DayScan> scans;
  std::int64_t start_ms = 0;
  const auto flush_day = [&]() -> Result<void> {
    if (scans.empty()) return {};
    batch.Put(impl.cf[kScanDays], slice(key), pack_day(scans, start_ms));
    scans.clear();
    if (++in_batch >= kBuildBatch) {
      if (const auto s = impl.db->Write(wo, &batch); !s.ok()) return status_error(what, s);
      batch.Clear();
      in_batch = 0;
    }
    return {};
  };
  std::unique_ptr<rocksdb::Iterator> it(impl.db->NewIterator(ro, impl.cf[kScans]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {  // scan-key order: by source, then start
    auto r = scan_record_from_json_text(it->value().ToStringView(), "stored scan record");
    if (!r) return with_context(what, r.error());
    const auto start = day_start(r->started);
    auto this_key = day_key(r->source, start);
    if (this_key != key) {
      if (auto f = flush_day(); !f) return f;
      key = std::move(this_key);
      start_ms = start;
    }
    scans.push_back(DayScan::of(*r));
  }
  if (!it->status().ok()) return status_error(what, it->status());
  if (auto f = flush_day(); !f) return f;
  batch.Put(impl.cf[kDefault], kScanDaysCompleteKey, "1");
  wo.sync = true;
  if (const auto s = impl.db->Write(wo, &batch); !s.ok()) return status_error(what, s);
  impl.scan_days_complete = true;
  return {};
}

void check_scan_days(Store::Impl& impl, const rocksdb::ReadOptions& ro,
                     const std::function<void(std::string)>& problem, rocksdb::Status& failed) {
  if (!impl.scan_days_complete) return;
  std::unique_ptr<rocksdb::Iterator> days(impl.db->NewIterator(ro, impl.cf[kScanDays]));
  std::unique_ptr<rocksdb::Iterator> scans(impl.db->NewIterator(ro, impl.cf[kScans]));
  scans->SeekToFirst();
  std::vector<std::string_view> strings;
  const auto same = [](const ScanSummary& s, const ScanRecord& r) {
    return s.scan_id == r.scan_id && s.source == r.source && s.locator == r.locator &&
           s.proxy == r.proxy && s.error == r.error && s.started == r.started &&
           s.ended == r.ended && s.status == r.status && s.entries_seen == r.entries_seen &&
           s.content_checked == r.content_checked;
  };
  std::uint64_t mismatches = 0;
  for (days->SeekToFirst(); days->Valid(); days->Next()) {
    std::string_view source;
    std::int64_t start_ms = 0;
    if (!parse_day_key(days->key().ToStringView(), source, start_ms)) {
      problem("scan_days has a key that is not a source and day");
      continue;
    }
    const bool read = read_day(
        source, start_ms, days->value().ToStringView(), strings, [&](const ScanSummary& s) {
          if (!scans->Valid()) {
            ++mismatches;
            return true;
          }
          auto r = scan_record_from_json_text(scans->value().ToStringView(), "stored scan record");
          if (!r || !same(s, *r)) ++mismatches;
          scans->Next();
          return true;
        });
    if (!read) problem("scan_days: " + damaged(source, start_ms).message);
  }
  for (; scans->Valid(); scans->Next()) ++mismatches;
  if (!days->status().ok()) failed = days->status();
  if (!scans->status().ok()) failed = scans->status();
  if (mismatches > 0) {
    problem("scan_days disagrees with the scan records at " + std::to_string(mismatches) +
            " scan(s)");
  }
}

bool Store::scan_days_complete() const {
  return impl_->scan_days_complete;
}

Result<void> Store::for_each_scan_summary(const ScanFilter& filter,
                                          const std::function<bool(const ScanSummary&)>& visit) {
  if (!impl_->scan_days_complete) return summaries_from_scan_records(*this, filter, visit);
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf[kScanDays]));
  const std::string prefix = filter.source ? *filter.source + std::string(1, '\0') : std::string();
  std::vector<std::string_view> strings;
  // Like for_each_scan: within a source jump to the day of `since`, past `until` to the next
  // source, so a window costs only the days inside it.
  it->Seek(prefix);
  while (it->Valid() && it->key().starts_with(prefix)) {
    std::string_view source;
    std::int64_t start_ms = 0;
    if (!parse_day_key(it->key().ToStringView(), source, start_ms)) {
      it->Next();
      continue;
    }
    if (filter.since && start_ms < day_start(*filter.since)) {
      it->Seek(day_key(source, day_start(*filter.since)));
      continue;
    }
    if (filter.until && from_unix_ms(start_ms) > *filter.until) {
      it->Seek(std::string(source) + std::string(1, '\1'));
      continue;
    }
    bool more = true;
    const bool read =
        read_day(source, start_ms, it->value().ToStringView(), strings, [&](const ScanSummary& s) {
          if (filter.since && s.started < *filter.since) return true;
          if (filter.until && s.started > *filter.until) return true;
          more = visit(s);
          return more;
        });
    if (!read) return damaged(source, start_ms);
    if (!more) break;
    it->Next();
  }
  if (!it->status().ok()) return status_error("reading the coverage of each day", it->status());
  return {};
}

}  // namespace leakwatch::store
