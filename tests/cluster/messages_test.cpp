// Jobs and results as they travel (cluster/messages.cpp), subjects and nkeys (cluster/jetstream.h).
#include "cluster/messages.h"

#include <gtest/gtest.h>

#include "cluster/jetstream.h"
#include "cluster/status.h"
#include "tests/support/temp_dir.h"

namespace leakwatch::cluster {
namespace {

Job sample_job() {
  Job job;
  job.id = "20261201T151000Z-a1b2c3d4e5f6";
  job.created = *parse_rfc3339("2026-12-01T15:10:00Z");
  job.source.name = "mirror.a";
  job.source.url = "http://exampleleakxyz.onion/files/";
  job.source.kind = config::SourceKind::listing;
  job.source.proxy = "tor";
  job.source.depth = 3;
  job.source.fetch_content = config::FetchContent::candidates;
  job.source.request_interval = std::chrono::milliseconds{250};
  job.source.magnet_timeout = std::chrono::seconds{45};
  job.source.json_size_keys = {"bytes"};
  job.wanted.sizes = {10, 8192};
  job.wanted.by_name[name_hash("plates.bin")] = {8192};
  return job;
}

TEST(ClusterJob, RoundTripsTheSourceSettingsAndWantedSizes) {
  const auto job = decode_job(encode_job(sample_job()));
  ASSERT_TRUE(job) << job.error().message;
  EXPECT_EQ(job->id, "20261201T151000Z-a1b2c3d4e5f6");
  EXPECT_EQ(format_rfc3339(job->created), "2026-12-01T15:10:00Z");
  EXPECT_EQ(job->source.name, "mirror.a");
  EXPECT_EQ(job->source.url, "http://exampleleakxyz.onion/files/");
  EXPECT_EQ(job->source.kind, config::SourceKind::listing);
  ASSERT_TRUE(job->source.proxy);
  EXPECT_EQ(*job->source.proxy, "tor");
  EXPECT_EQ(job->source.depth, 3);
  EXPECT_EQ(job->source.fetch_content, config::FetchContent::candidates);
  EXPECT_EQ(job->source.request_interval.count(), 250);
  EXPECT_EQ(job->source.magnet_timeout, std::chrono::milliseconds{45'000});
  EXPECT_EQ(job->source.json_size_keys, std::vector<std::string>{"bytes"});
  EXPECT_EQ(job->wanted.sizes, (std::vector<std::uint64_t>{10, 8192}));
  EXPECT_EQ(job->wanted.by_name.at(name_hash("plates.bin")), std::vector<std::uint64_t>{8192});
}

TEST(ClusterJob, CarriesNoFileNamesInClear) {
  const auto bytes = encode_job(sample_job());
  EXPECT_EQ(bytes.find("plates"), std::string::npos) << bytes;
}

TEST(ClusterJob, GarbageIsAnErrorNotACrash) {
  EXPECT_FALSE(decode_job("{"));
  EXPECT_FALSE(decode_job("{\"job\": 1}"));
  EXPECT_FALSE(decode_job(std::string(100, '\xff')));
  auto text = encode_job(sample_job());
  text.replace(text.find("\"listing\""), 9, "\"nonsense\"");
  EXPECT_FALSE(decode_job(text));
}

TEST(ClusterWants, SizesAndNamesChooseCandidatesAndProbesLikeTheIndex) {
  const auto wants = crawl_wants(sample_job().wanted);
  FileEntry sized;
  sized.path = "x/other.bin";
  sized.size = 8192;
  EXPECT_TRUE(wants.wants_content(sized));
  sized.size = 8193;
  EXPECT_FALSE(wants.wants_content(sized));
  FileEntry unsized;
  unsized.path = "deep/PLATES.BIN";  // names are normalised (case folded) before hashing
  EXPECT_TRUE(wants.wants_size(unsized));
  unsized.size_estimate = 8000;  // "7.8K": could be 8192
  EXPECT_TRUE(wants.wants_size(unsized));
  unsized.size_estimate = 2'000'000;  // "1.9M": cannot be
  EXPECT_FALSE(wants.wants_size(unsized));
  unsized.path = "other.bin";
  unsized.size_estimate.reset();
  EXPECT_FALSE(wants.wants_size(unsized));
}

ScanResult sample_result(std::size_t entries) {
  ScanResult r;
  r.job_id = "job-1";
  r.worker = "w1";
  r.crawled.record.scan_id = "job-1";
  r.crawled.record.source = "site";
  r.crawled.record.status = ScanStatus::partial;
  r.crawled.record.entries_seen = entries;
  r.crawled.problems = {"http://x/a: 404"};
  r.crawled.manifest.source = "site";
  r.crawled.manifest.locator = "http://x/";
  for (std::size_t i = 0; i < entries; ++i) {
    FileEntry e;
    e.path = "folder/file-" + std::to_string(i) + ".bin";
    e.size = i * 7;
    r.crawled.manifest.entries.push_back(e);
  }
  return r;
}

TEST(ClusterResult, RoundTripsA200000EntryManifestThroughChunks) {
  const auto bytes = encode_result(sample_result(200'000), 1ull << 30);
  ASSERT_TRUE(bytes) << bytes.error().message;
  const auto chunks = split_chunks(*bytes, 64 * 1024);
  EXPECT_GT(chunks.size(), 1u);
  std::string joined;
  for (const auto c : chunks) {
    EXPECT_LE(c.size(), 64u * 1024);
    joined.append(c);
  }
  const auto back = decode_result(joined, 1ull << 30);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->job_id, "job-1");
  EXPECT_EQ(back->worker, "w1");
  EXPECT_EQ(back->crawled.record.status, ScanStatus::partial);
  EXPECT_EQ(back->crawled.problems, std::vector<std::string>{"http://x/a: 404"});
  ASSERT_EQ(back->crawled.manifest.entries.size(), 200'000u);
  EXPECT_EQ(back->crawled.manifest.entries[199'999].path, "folder/file-199999.bin");
  EXPECT_EQ(back->crawled.manifest.entries[199'999].size, 199'999u * 7);
}

TEST(ClusterResult, CarriesTheIndexDocumentsTheScanRecordKeeps) {
  // The coordinator records the worker's scan record as it came: the SHA-256 and size of every
  // index document fetched (what a report cites as evidence) must survive the trip.
  auto r = sample_result(10);
  r.crawled.record.documents = {
      {"listing", "http://x/files/", from_unix_ms(1'796'083'200'000), std::string(64, 'a'), 4096},
      {"torrent", "magnet:?xt=urn:btih:0123", from_unix_ms(1'796'083'201'500), std::string(64, 'b'),
       70'000}};
  r.crawled.record.documents_omitted = 3;
  const auto bytes = encode_result(r, 1ull << 30);
  ASSERT_TRUE(bytes) << bytes.error().message;
  const auto back = decode_result(*bytes, 1ull << 30);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->crawled.record.documents, r.crawled.record.documents);
  EXPECT_EQ(back->crawled.record.documents_omitted, 3u);
  EXPECT_EQ(back->crawled.record, r.crawled.record);
}

TEST(ClusterResult, OverTheSizeLimitIsRefusedBothWays) {
  const auto big = encode_result(sample_result(1000), 1000);
  ASSERT_FALSE(big);
  EXPECT_NE(big.error().message.find("max_result_bytes"), std::string::npos);
  const auto ok = encode_result(sample_result(1000), 1ull << 30);
  ASSERT_TRUE(ok);
  EXPECT_FALSE(decode_result(*ok, 1000));
  EXPECT_FALSE(decode_result("not zstd", 1000));
  EXPECT_FALSE(decode_result(ok->substr(0, ok->size() / 2), 1ull << 30));
}

TEST(ClusterChunks, SplitsAtTheSizeAndKeepsOneChunkForNothing) {
  EXPECT_EQ(split_chunks("abcdefg", 3), (std::vector<std::string_view>{"abc", "def", "g"}));
  EXPECT_EQ(split_chunks("", 3).size(), 1u);
}

TEST(ClusterNames, SubjectsEscapeDotsInSourceNamesAndReadBack) {
  const auto n = ClusterNames::for_prefix("leakwatch");
  EXPECT_EQ(n.jobs_stream, "leakwatch_jobs");
  EXPECT_EQ(n.job_subject("mirror.a"), "leakwatch.jobs.mirror%2Ea");
  EXPECT_EQ(n.source_of_job_subject("leakwatch.jobs.mirror%2Ea"), "mirror.a");
  EXPECT_EQ(n.source_of_job_subject("other.jobs.x"), std::nullopt);
}

// The pair was made by Python's `cryptography` (Ed25519 from the 32 bytes 00..1f) with the
// nkeys encoding, independently of this code.
TEST(NKeys, DerivesThePublicKeyOfAUserSeed) {
  const auto pub =
      nkey_public_from_seed("SUAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4H776Y");
  ASSERT_TRUE(pub) << pub.error().message;
  EXPECT_EQ(*pub, "UAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RLKK");
  EXPECT_FALSE(nkey_public_from_seed("SUAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4H776A"));
  EXPECT_FALSE(nkey_public_from_seed("not a seed"));
}

// The coordinator's state as `cluster status` reads it back from the heartbeats stream.
TEST(CoordinatorState, RoundTripsAndRefusesWhatIsNotOne) {
  const CoordinatorState state{.time = "2026-12-01T19:00:00Z",
                               .jobs_published = 7,
                               .job_publish_failures = 1,
                               .jobs_given_up = 2,
                               .results_recorded = 4,
                               .results_duplicate = 3,
                               .given_up = {{.source = "s0",
                                             .job = "j1",
                                             .time = "2026-12-01T18:59:00Z",
                                             .reason = "cluster: no worker has proxy 'tor'"}}};
  const auto back = decode_coordinator_state(encode_coordinator_state(state));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->jobs_published, 7u);
  EXPECT_EQ(back->job_publish_failures, 1u);
  EXPECT_EQ(back->jobs_given_up, 2u);
  EXPECT_EQ(back->results_recorded, 4u);
  EXPECT_EQ(back->results_duplicate, 3u);
  ASSERT_EQ(back->given_up.size(), 1u);
  EXPECT_EQ(back->given_up[0].reason, "cluster: no worker has proxy 'tor'");
  for (const auto* bad : {"", "{", "[]", "{\"jobs_published\": 1}", "{\"time\": 5}",
                          "{\"time\": \"t\", \"jobs_published\": \"many\"}"}) {
    EXPECT_FALSE(decode_coordinator_state(bad)) << bad;
  }
}

TEST(CoordinatorState, AWorkerHasAProxyByNameOrPool) {
  const WorkerSeen w{.name = "w1", .proxies = {"tor-a", "tor"}};
  EXPECT_TRUE(worker_has_proxy(w, "tor"));
  EXPECT_TRUE(worker_has_proxy(w, "tor-a"));
  EXPECT_FALSE(worker_has_proxy(w, "tor-b"));
}

}  // namespace
}  // namespace leakwatch::cluster
