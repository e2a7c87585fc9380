// What travels between the coordinator and the workers, and how: a job (one scan of one source:
// the source's settings and what the signatures want fetched, never digests, record keys or
// dataset names) and a result (the crawl's scan record, manifest and linked torrents), the
// result compressed and cut into chunks that fit the server's max_payload. Pure functions: no
// I/O, no NATS (cluster/jetstream.h carries the bytes).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "matcher/fingerprint_index.h"
#include "model/result.h"
#include "model/time.h"
#include "scan/scan_pipeline.h"

namespace leakwatch::cluster {

// What a crawl needs to choose size probes and content candidates: the sizes of signature
// files, and per normalised file name (as a 64-bit FNV-1a hash, so names are not sent in clear)
// the sizes of the files that have it.
struct WantedFiles {
  std::vector<std::uint64_t> sizes;                             // sorted, unique
  std::map<std::uint64_t, std::vector<std::uint64_t>> by_name;  // name hash -> sizes
};
WantedFiles wanted_files(const matcher::FingerprintIndex& index);
std::uint64_t name_hash(std::string_view normalised_name);
// The crawl wants of a worker, from the job (the same rules as scan_source's with the index).
app::CrawlWants crawl_wants(const WantedFiles& wanted);

struct Job {
  std::string id;  // also the scan id of the scan record it makes
  Timestamp created{};
  config::SourceConfig source;  // name, URL, kind, proxy name and limits
  WantedFiles wanted;
};
std::string encode_job(const Job& job);
Result<Job> decode_job(std::string_view bytes);

struct ScanResult {
  std::string job_id;
  std::string worker;
  app::CrawledSource crawled;
};
// JSON, zstd-compressed; at most `max_bytes` of JSON (else an error naming the size).
Result<std::string> encode_result(const ScanResult& result, std::uint64_t max_bytes);
Result<ScanResult> decode_result(std::string_view bytes, std::uint64_t max_bytes);

// `bytes` in pieces of at most `chunk_size` (one empty piece for empty bytes).
std::vector<std::string_view> split_chunks(std::string_view bytes, std::size_t chunk_size);

// Result chunks carry these headers besides Nats-Msg-Id ("<job>.<attempt>.<index>").
inline constexpr const char* kJobHeader = "Leakwatch-Job";
inline constexpr const char* kSourceHeader = "Leakwatch-Source";
inline constexpr const char* kAttemptHeader = "Leakwatch-Attempt";  // one worker's try of a job
inline constexpr const char* kChunkHeader = "Leakwatch-Chunk";      // "<index>/<count>", 0-based
inline constexpr const char* kWorkerHeader = "Leakwatch-Worker";

}  // namespace leakwatch::cluster
