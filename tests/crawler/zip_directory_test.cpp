// Remote zip listing: archives made by the real tools (Info-ZIP zip, bsdtar, Python's zipfile
// with ZIP64), served by nginx, listed with Range requests only; plus broken archives.
#include "crawler/zip_directory.h"

#include <gtest/gtest.h>

#include <map>

#include "crawler/crawl.h"
#include "tests/support/nginx_server.h"
#include "tests/support/process.h"

namespace leakwatch::crawler {
namespace {

using testing::NginxServer;
using testing::run_command;
using testing::TempDir;
using testing::write_file;

// path -> {size, crc32 hex} as Python's zipfile reads the archive: the reference.
std::map<std::string, std::pair<std::uint64_t, std::string>> reference_listing(
    const std::filesystem::path& zip) {
  const auto r = run_command(
      {"python3", "-c",
       "import sys, zipfile\n"
       "for i in zipfile.ZipFile(sys.argv[1]).infolist():\n"
       "    if not i.is_dir(): print('%s\\t%d\\t%08x' % (i.filename, i.file_size, i.CRC))",
       zip.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, std::pair<std::uint64_t, std::string>> out;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    const auto t1 = line.find('\t');
    const auto t2 = line.find('\t', t1 + 1);
    out[line.substr(0, t1)] = {std::stoull(line.substr(t1 + 1, t2 - t1 - 1)), line.substr(t2 + 1)};
  }
  return out;
}

class RemoteZip : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(src_ / "plates" / "a.jpg", testing::random_bytes(300000, 1));
    write_file(src_ / "plates" / "b c.jpg", testing::random_bytes(5000, 2));
    write_file(src_ / "travellers.csv", "id,plate\n1,XYZ\n");
    std::filesystem::create_directories(site_ / "leak");
  }
  void make(const std::string& command) {
    const auto r = run_command({"sh", "-c", "cd '" + src_.string() + "' && " + command});
    ASSERT_EQ(r.exit_code, 0) << command << "\n" << r.err;
  }
  CrawlResult crawl(const NginxServer& server, const std::string& path) {
    CrawlOptions o;
    o.source_name = "zip";
    o.url = server.url(path);
    o.limits.timeout = std::chrono::seconds(10);
    return crawl_listing(client_, o);
  }
  void expect_matches_reference(const CrawlResult& r, const std::filesystem::path& zip,
                                const std::string& prefix) {
    const auto ref = reference_listing(zip);
    ASSERT_EQ(ref.size(), 3u);
    std::size_t seen = 0;
    for (const auto& e : r.manifest.entries) {
      if (!e.path.starts_with(prefix + "!")) continue;
      const auto it = ref.find(e.path.substr(prefix.size() + 1));
      ASSERT_NE(it, ref.end()) << e.path;
      EXPECT_EQ(e.size, it->second.first) << e.path;
      ASSERT_EQ(e.digests.size(), 1u);
      EXPECT_EQ(e.digests[0].kind, DigestKind::crc32);
      EXPECT_EQ(e.digests[0].hex(), it->second.second) << e.path;
      ++seen;
    }
    EXPECT_EQ(seen, ref.size());
  }
  TempDir dir_;
  std::filesystem::path src_ = dir_ / "src";
  std::filesystem::path site_ = dir_ / "site";
  HttpClient client_;
};

TEST_F(RemoteZip, ListsInfoZipArchivesWithRangeRequestsOnly) {
  make("zip -q -r '" + (site_ / "dump.zip").string() + "' plates travellers.csv");
  NginxServer server(site_);
  const auto r = crawl(server, "/dump.zip");
  EXPECT_EQ(r.status, ScanStatus::ok) << r.error;
  expect_matches_reference(r, site_ / "dump.zip", "dump.zip");
  EXPECT_EQ(r.archives_listed, 1u);
  EXPECT_LT(r.archive_bytes, 70'000u)
      << "only the tail of a " << std::filesystem::file_size(site_ / "dump.zip")
      << "-byte archive is fetched";
}

TEST_F(RemoteZip, ListsBsdtarAndForcedZip64Archives) {
  make("bsdtar -a -cf '" + (site_ / "bsd.zip").string() + "' plates travellers.csv");
  make("zip -q -fz -r '" + (site_ / "z64.zip").string() + "' plates travellers.csv");
  make("python3 -c \"import zipfile,os\nz=zipfile.ZipFile('" + (site_ / "py64.zip").string() +
       "','w',zipfile.ZIP_DEFLATED)\nfor p in ['plates/a.jpg','plates/b "
       "c.jpg','travellers.csv']:\n  "
       "z.write(p) if p!='plates/a.jpg' else "
       "z.open(p,'w',force_zip64=True).write(open(p,'rb').read())\nz.close()\"");
  NginxServer server(site_);
  for (const auto* name : {"bsd.zip", "z64.zip", "py64.zip"}) {
    const auto r = crawl(server, std::string("/") + name);
    EXPECT_EQ(r.status, ScanStatus::ok) << name << ": " << r.error;
    expect_matches_reference(r, site_ / name, name);
  }
}

TEST_F(RemoteZip, ListsArchivesFoundInADirectoryListing) {
  make("zip -q -r '" + (site_ / "leak" / "part1.zip").string() + "' plates travellers.csv");
  write_file(site_ / "leak" / "readme.txt", "hi");
  NginxServer server(site_);
  const auto r = crawl(server, "/leak/");
  EXPECT_EQ(r.status, ScanStatus::ok) << r.error;
  EXPECT_EQ(r.manifest.entries.size(), 2u + 3u);
  expect_matches_reference(r, site_ / "leak" / "part1.zip", "part1.zip");
  EXPECT_EQ(server.access_log().find("\"GET /leak/part1.zip HTTP/1.1\" 200"), std::string::npos)
      << "never a full download:\n"
      << server.access_log();
}

TEST_F(RemoteZip, ReportsBrokenArchivesClearly) {
  write_file(site_ / "random.zip", testing::random_bytes(100000, 9));
  make("zip -q -r '" + (dir_ / "good.zip").string() + "' plates travellers.csv");
  const auto good = testing::read_file(dir_ / "good.zip");
  write_file(site_ / "truncated.zip", good.substr(0, good.size() - 30));
  std::string lying = good;
  // Claim a central directory larger than the file (EOCD field at end-22+12).
  lying[lying.size() - 22 + 12] = '\xff';
  lying[lying.size() - 22 + 13] = '\xff';
  lying[lying.size() - 22 + 14] = '\xff';
  lying[lying.size() - 22 + 15] = '\x7f';
  write_file(site_ / "lying.zip", lying);
  NginxServer server(site_);
  for (const auto* name : {"random.zip", "truncated.zip", "lying.zip"}) {
    const auto r = crawl(server, std::string("/") + name);
    EXPECT_EQ(r.status, ScanStatus::failed) << name;
    EXPECT_NE(r.error.find(name), std::string::npos) << "the error names the archive: " << r.error;
    EXPECT_NE(r.error.find("zip"), std::string::npos) << r.error;
  }
}

// A tail: `pad` zero bytes, an optional ZIP64 end record at `zip64_at`, a ZIP64 locator pointing
// at `record`, and an end-of-central-directory record whose fields say "see ZIP64".
std::vector<std::uint8_t> zip64_tail(std::size_t pad, std::uint64_t record,
                                     std::uint64_t zip64_entries, bool with_zip64_record) {
  std::vector<std::uint8_t> t(pad, 0);
  auto put = [&t](std::size_t at, std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) t[at + static_cast<std::size_t>(i)] = (v >> (8 * i)) & 0xFF;
  };
  if (with_zip64_record) {
    put(0, 0x06064b50, 4);
    put(32, zip64_entries, 8);  // entries; directory size and offset 0
  }
  const std::size_t locator = t.size();
  t.resize(t.size() + 20 + 22, 0);
  put(locator, 0x07064b50, 4);
  put(locator + 8, record, 8);
  const std::size_t eocd = locator + 20;
  put(eocd, 0x06054b50, 4);
  put(eocd + 10, 0xFFFF, 2);
  put(eocd + 12, 0xFFFFFFFF, 4);
  put(eocd + 16, 0xFFFFFFFF, 4);
  return t;
}

TEST(ZipTail, RefusesAZip64LocatorWhoseOffsetWrapsAround) {
  // record - tail_offset + 56 wrapped to 40 here and passed the bounds check; the record was then
  // read 16 bytes before the buffer.
  const auto tail = zip64_tail(100, 0xFFFFFFFFFFFFFFF0ull, 0, false);
  const auto r = parse_zip_tail(tail, 0, tail.size());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("outside the fetched tail"), std::string::npos)
      << r.error().message;
  // The same offset relative to a tail far into the file.
  const auto far = parse_zip_tail(tail, 1'000'000, 1'000'000 + tail.size());
  EXPECT_FALSE(far.ok());
}

TEST(ZipTail, RefusesAnEntryCountTheDirectoryCannotHold) {
  const auto tail = zip64_tail(100, 0, 4'000'000'000ull, true);
  const auto r = parse_zip_tail(tail, 0, tail.size());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("claims 4000000000 entries"), std::string::npos)
      << r.error().message;
}

TEST(ZipTail, RefusesATailThatDoesNotFitTheFileSize) {
  const auto tail = zip64_tail(100, 0, 0, true);
  // A server claiming the tail starts near 2^64: tail_offset + position wrapped before.
  EXPECT_FALSE(parse_zip_tail(tail, 0xFFFFFFFFFFFFFF00ull, 0xFFFFFFFFFFFFFFFFull).ok());
  EXPECT_FALSE(parse_zip_tail(tail, 10, 20).ok());
}

TEST(ZipCentralDirectory, StopsAtMaxEntriesAndRejectsGarbage) {
  std::vector<std::uint8_t> cd;
  for (int i = 0; i < 10; ++i) {
    std::vector<std::uint8_t> entry(46, 0);
    entry[0] = 0x50;
    entry[1] = 0x4b;
    entry[2] = 0x01;
    entry[3] = 0x02;
    entry[28] = 1;  // name length
    entry.push_back(static_cast<std::uint8_t>('a' + i));
    cd.insert(cd.end(), entry.begin(), entry.end());
  }
  auto listed = parse_zip_central_directory(cd, 4);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->entries.size(), 4u);
  EXPECT_TRUE(listed->truncated);
  cd[47 * 2 + 29] = 0x10;  // entry 3 (47 bytes each) names 4096+ bytes: past the directory
  EXPECT_FALSE(parse_zip_central_directory(cd, 100).ok());
  const std::vector<std::uint8_t> garbage(100, 0x41);
  EXPECT_FALSE(parse_zip_central_directory(garbage, 100).ok());
}

}  // namespace
}  // namespace leakwatch::crawler
