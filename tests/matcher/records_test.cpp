// Record fingerprints (issue #7): normalisers, CSV edge cases, key handling, and finding rows of a
// signed table in text dumps (30 real rows among 10,000 random ones) with no plaintext kept.
#include <gtest/gtest.h>
#include <openssl/hmac.h>
#include <sys/stat.h>

#include <atomic>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "matcher/fingerprint_index.h"
#include "matcher/records_csv.h"
#include "matcher/records_key.h"
#include "matcher/records_normalise.h"
#include "matcher/records_signer.h"
#include "matcher/score.h"
#include "matcher/signer.h"
#include "matcher/text_scan.h"
#include "model/json.h"
#include "tests/support/temp_dir.h"

namespace leakwatch::matcher {
namespace {

using testing::TempDir;
using testing::write_file;

TEST(RecordNormalise, TextFoldsCaseAndDropsSeparators) {
  EXPECT_EQ(normalise_value(Normaliser::text, " AB-123 c "), "ab123c");
  EXPECT_EQ(normalise_value(Normaliser::text, "ab.123/C"), "ab123c");
  EXPECT_EQ(normalise_value(Normaliser::text, "MÜLLER"),
            normalise_value(Normaliser::text, "müller"));
  EXPECT_EQ(normalise_value(Normaliser::text, " -- "), "");
}

TEST(RecordNormalise, EmailPhoneDigitsAndExact) {
  EXPECT_EQ(normalise_value(Normaliser::email, "Mailto:<John.Doe@Example.ORG>"),
            "john.doe@example.org");
  EXPECT_EQ(normalise_value(Normaliser::email, "not an address"), "");
  EXPECT_EQ(normalise_value(Normaliser::phone, "+44 (20) 7946-0958"), "442079460958");
  EXPECT_EQ(normalise_value(Normaliser::phone, "0044 20 7946 0958"), "442079460958");
  EXPECT_EQ(normalise_value(Normaliser::digits, "007-12 34"), "0071234");
  EXPECT_EQ(normalise_value(Normaliser::exact, "  Ab-1 "), "Ab-1");
  EXPECT_EQ(parse_normaliser("phone"), Normaliser::phone);
  EXPECT_FALSE(parse_normaliser("soundex"));
}

TEST(RecordNormalise, GuessesFromHeaderAndValues) {
  EXPECT_EQ(guess_normaliser("contact", {"a@b.org", "c@d.com", "e@f.net"}), Normaliser::email);
  EXPECT_EQ(guess_normaliser("mobile", {"0151 2345678", "0170-123456"}), Normaliser::phone);
  EXPECT_EQ(guess_normaliser("x", {"+1 (555) 010-9999", "+44 20 7946 0958"}), Normaliser::phone);
  EXPECT_EQ(guess_normaliser("account", {"12345678", "87654321"}), Normaliser::digits);
  EXPECT_EQ(guess_normaliser("plate", {"AB-123-C", "XY-987-Z"}), Normaliser::text);
}

TEST(RecordNormalise, GuessedPatternCoversEveryValueAndShapesFilter) {
  PatternGuess guess(Normaliser::text);
  for (const auto* v : {"AB-123-C", "XY-98-Z", "K-1234-QQ"}) guess.add(v);
  EXPECT_EQ(guess.pattern(), "[a-z][a-z0-9\\x2d]{5,9}[a-z]");
  ValueShape shape;
  widen(shape, shape_of("ab123c"), true);
  widen(shape, shape_of("k1234qq"), false);
  EXPECT_TRUE(fits(shape, "zz999z"));
  EXPECT_FALSE(fits(shape, "abcdef"));  // no digit: every value had three
  EXPECT_FALSE(fits(shape, "a1"));
  EXPECT_EQ(honeytoken_shape("LW-7f3a"), "[A-Z]{2}\\x2d[0-9][a-z][0-9][a-z]");
}

struct ParsedCsv {
  std::vector<CsvRow> rows;
  std::uint64_t bad_rows = 0;
  std::vector<std::string> problems;
  char separator = 0;
};

ParsedCsv read_csv(const std::string& text) {
  std::istringstream in(text);
  CsvReader reader(in, "t.csv", 0, CsvLimits{.max_field_bytes = 32});
  ParsedCsv out;
  CsvRow row;
  while (reader.next(row)) out.rows.push_back(row);
  out.bad_rows = reader.bad_rows();
  out.problems = reader.problems();
  out.separator = reader.separator();
  return out;
}

TEST(RecordCsv, QuotesEmbeddedSeparatorsNewlinesBomAndCrlf) {
  const auto csv = read_csv(
      "\xEF\xBB\xBFname,note\r\n\"Doe, Jane\",\"line1\nline2\"\r\n\"say \"\"hi\"\"\",x\r\n\r\n"
      "last,\"\"");
  const auto& rows = csv.rows;
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].fields, (std::vector<std::string>{"name", "note"}));
  EXPECT_EQ(rows[1].fields, (std::vector<std::string>{"Doe, Jane", "line1\nline2"}));
  EXPECT_EQ(rows[2].fields, (std::vector<std::string>{"say \"hi\"", "x"}));
  EXPECT_EQ(rows[2].line, 4u);
  EXPECT_EQ(rows[3].fields, (std::vector<std::string>{"last", ""}));
  EXPECT_EQ(csv.bad_rows, 0u);
}

TEST(RecordCsv, DetectsSemicolonsAndReportsBadRowsWithoutLosingTheRest) {
  const auto csv =
      read_csv("a;b\n1;2\n\"bad\"x;3\n" + std::string(40, 'L') + ";4\n5;6\n\"open;7\n8;9\n");
  const auto& rows = csv.rows;
  EXPECT_EQ(csv.separator, ';');
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].fields, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(rows[2].fields, (std::vector<std::string>{"5", "6"}));
  EXPECT_EQ(csv.bad_rows, 3u);
  ASSERT_EQ(csv.problems.size(), 3u);
  EXPECT_EQ(csv.problems[0], "t.csv:3: text after a closing quote");
  EXPECT_NE(csv.problems[1].find("t.csv:4: field longer than 32"), std::string::npos);
  EXPECT_NE(csv.problems[2].find("t.csv:6: quoted field not closed"), std::string::npos);
}

TEST(RecordKey, FileIsPrivateAndHasherIsHmacSha256) {
  TempDir dir;
  auto key = load_or_create_record_key(dir.path(), "plates");
  ASSERT_TRUE(key) << key.error().message;
  const auto file = record_key_path(dir.path(), "plates");
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = load_or_create_record_key(dir.path(), "plates");
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *key);
  ::chmod(file.c_str(), 0644);
  auto refused = load_record_key(file);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("chmod 600"), std::string::npos);

  const std::string value = "ab123c";
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key->bytes.data(), 32, reinterpret_cast<const unsigned char*>(value.data()),
       value.size(), mac, &len);
  std::uint64_t expected = 0;
  for (int i = 0; i < 8; ++i) expected = expected << 8 | mac[i];
  EXPECT_EQ(RecordHasher(*key).fingerprint(value), expected);
  const auto other = RecordKey::random();
  EXPECT_NE(RecordHasher(other).fingerprint(value), expected);
  EXPECT_NE(other.id(), key->id());
}

TEST(RecordKey, ConcurrentCreationsOfOneDatasetAgreeOnOneKey) {
  // Two `sign --records` runs of one dataset at once: each used to write its own key and rename
  // it over the other's, so one signature ended up with fingerprints under a key nobody kept.
  for (int round = 0; round < 100; ++round) {
    TempDir dir;
    std::atomic<int> ready{0};
    std::vector<Result<RecordKey>> got(4, Error{"not run"});
    {
      std::vector<std::jthread> threads;
      for (std::size_t t = 0; t < got.size(); ++t) {
        threads.emplace_back([&, t] {
          ++ready;
          while (ready.load() < static_cast<int>(got.size())) {
          }
          got[t] = load_or_create_record_key(dir.path(), "plates");
        });
      }
    }
    const auto on_disk = load_record_key(record_key_path(dir.path(), "plates"));
    ASSERT_TRUE(on_disk.ok());
    for (const auto& k : got) {
      ASSERT_TRUE(k.ok()) << k.error().message;
      ASSERT_EQ(*k, *on_disk) << "round " << round << ": a key was replaced";
    }
    // No temporary file is left beside the key.
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir / "keys"))
      ++files;
    EXPECT_EQ(files, 1u);
  }
}

TEST(RecordKey, KeyFilesNeverLeaveTheKeysFolder) {
  TempDir dir;
  EXPECT_FALSE(load_or_create_record_key(dir.path(), "../escaped").ok());
  EXPECT_FALSE(load_or_create_record_key(dir.path(), "/abs/x").ok());
  EXPECT_FALSE(save_record_key(dir / "keys" / ".." / ".." / "x.key", RecordKey::random()).ok());
  EXPECT_FALSE(std::filesystem::exists(dir / "escaped.key"));
  struct stat st {};
  ASSERT_TRUE(save_record_key(record_key_path(dir.path(), "ok"), RecordKey::random()).ok());
  ASSERT_EQ(::stat((dir / "keys").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

// A table of people: plate, passport, e-mail. Values are random, so a random dump shares none.
struct Person {
  std::string plate, passport, email;
};

std::string random_of(std::mt19937_64& rng, std::string_view alphabet, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s.push_back(alphabet[rng() % alphabet.size()]);
  return s;
}

Person random_person(std::mt19937_64& rng) {
  constexpr std::string_view kUpper = "ABCDEFGHJKLMNPRSTUVWXYZ";
  constexpr std::string_view kDigits = "0123456789";
  constexpr std::string_view kLower = "abcdefghijklmnopqrstuvwxyz";
  return {random_of(rng, kUpper, 2) + "-" + random_of(rng, kDigits, 3) + "-" +
              random_of(rng, kUpper, 1),
          random_of(rng, kUpper, 1) + random_of(rng, kDigits, 8),
          random_of(rng, kLower, 6) + "." + random_of(rng, kLower, 5) + "@example.org"};
}

struct Fixture {
  TempDir dir;
  std::vector<Person> people;
  RecordKey key = RecordKey::random();
  Signature signature;

  explicit Fixture(std::size_t rows = 2000) {
    std::mt19937_64 rng(7);
    std::string csv = "id,plate,passport,email,city\n";
    for (std::size_t i = 0; i < rows; ++i) {
      people.push_back(random_person(rng));
      const auto& p = people.back();
      csv += std::to_string(i) + "," + p.plate + "," + p.passport + ",\"" + p.email +
             "\",Springfield\n";
    }
    csv += "broken,\"row\n";  // reported and skipped
    write_file(dir / "people.csv", csv);
    RecordSignOptions options;
    options.columns = {"plate", "passport", "email"};
    auto report = sign_records(dir / "people.csv", key, options);
    if (!report) throw std::runtime_error(report.error().message);
    signature.dataset = "people";
    signature.created = now();
    signature.records = report->records;
  }

  std::vector<Sighting> score_dump(const std::string& text, std::optional<RecordKey> with = {},
                                   const ScoreRules& rules = {}) const {
    RecordKeys keys;
    keys.emplace("people", with ? *with : key);
    FingerprintIndex index({signature}, keys);
    Manifest m;
    m.source = "paste";
    m.locator = "http://paste.example/raw/1";
    m.texts.push_back({m.locator, text});
    return score_text(m, index, rules);
  }
};

std::string dump_row(const Person& p, std::size_t i) {
  return std::to_string(i) + ";" + p.plate + ";" + p.passport + ";" + p.email + "\n";
}

TEST(Records, SignerStoresShapesPatternsAndNoValues) {
  const Fixture f;
  const auto& r = f.signature.records;
  EXPECT_EQ(r.rows, 2000u);
  ASSERT_EQ(r.columns.size(), 3u);
  EXPECT_EQ(r.columns[0].normaliser, "text");
  EXPECT_EQ(r.columns[1].normaliser, "text");
  EXPECT_EQ(r.columns[2].normaliser, "email");
  EXPECT_EQ(r.columns[0].pattern, "[a-z][a-z0-9\\x2d]{6,8}[a-z]");
  EXPECT_EQ(r.columns[0].min_digits, 3u);
  EXPECT_EQ(r.columns[0].fingerprints.size(), 2000u);
  EXPECT_EQ(r.columns[0].rows.size(), 2000u);
  EXPECT_TRUE(std::is_sorted(r.columns[0].fingerprints.begin(), r.columns[0].fingerprints.end()));
  EXPECT_EQ(r.key_id, f.key.id());
  const auto json = to_json_text(f.signature);
  for (std::size_t i = 0; i < 50; ++i) {
    for (const auto* v : {&f.people[i].plate, &f.people[i].passport, &f.people[i].email}) {
      EXPECT_EQ(json.find(*v), std::string::npos);
      EXPECT_EQ(json.find(normalise_value(Normaliser::text, *v)), std::string::npos);
    }
  }
  auto back = signature_from_json_text(json, "test");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, f.signature);
}

TEST(Records, ThirtyRealRowsAmongTenThousandRandomOnesAreFoundAndCounted) {
  const Fixture f;
  std::mt19937_64 rng(99);
  std::string dump = "id;plate;passport;email\n";
  std::set<std::size_t> real_at;
  while (real_at.size() < 30) real_at.insert(rng() % 10'000);
  std::size_t real = 0;
  for (std::size_t i = 0; i < 10'000; ++i) {
    if (real_at.count(i)) {
      // Real rows as leaks print them: other case, the e-mail as a mailto link.
      Person p = f.people[real * 61];
      std::transform(p.plate.begin(), p.plate.end(), p.plate.begin(), ::tolower);
      p.email = "<" + p.email + ">";
      dump += dump_row(p, i);
      ++real;
    }
    dump += dump_row(random_person(rng), i);
  }
  const auto sightings = f.score_dump(dump);
  ASSERT_EQ(sightings.size(), 1u);
  const auto& s = sightings[0];
  EXPECT_EQ(s.dataset, "people");
  EXPECT_EQ(s.records_matched, 30u);
  EXPECT_EQ(s.confidence, Confidence::confirmed);
  ASSERT_EQ(s.evidence.size(), 1u);
  EXPECT_EQ(s.evidence[0].kind, "records");
  EXPECT_EQ(s.evidence[0].remote_path, "http://paste.example/raw/1");
  EXPECT_NE(s.evidence[0].detail.find("30 rows matched (at least 2 of 3 columns within 512 bytes)"),
            std::string::npos)
      << s.evidence[0].detail;
  EXPECT_NE(s.evidence[0].detail.find("columns seen: plate,passport,email"), std::string::npos);
  // 90 real values, plus the odd random plate that equals a real one: plates are low-entropy
  // (12 million shapes), which is why a row needs two columns.
  std::smatch hits;
  ASSERT_TRUE(
      std::regex_search(s.evidence[0].detail, hits, std::regex("single-column hits: (\\d+)")));
  EXPECT_GE(std::stoul(hits[1]), 90u);
  EXPECT_LE(std::stoul(hits[1]), 95u);
  for (std::size_t i = 0; i < 30; ++i) {
    EXPECT_EQ(s.evidence[0].detail.find(f.people[i * 61].passport), std::string::npos);
  }
}

TEST(Records, RandomValuesOfTheSameShapesFindNothing) {
  const Fixture f;
  std::mt19937_64 rng(1234);
  std::string dump;
  for (std::size_t i = 0; i < 10'000; ++i) dump += dump_row(random_person(rng), i);
  // No row. A random plate may equal a real one by chance (a single-column hit, `possible`).
  for (const auto& s : f.score_dump(dump)) {
    EXPECT_EQ(s.records_matched, 0u);
    EXPECT_EQ(s.confidence, Confidence::possible);
    EXPECT_NE(s.evidence.at(0).detail.find("columns seen: plate;"), std::string::npos);
  }
  // Without the low-entropy column, nothing at all.
  std::string no_plates;
  for (std::size_t i = 0; i < 10'000; ++i) {
    const auto p = random_person(rng);
    no_plates += std::to_string(i) + ";" + p.passport + ";" + p.email + "\n";
  }
  EXPECT_TRUE(f.score_dump(no_plates).empty());
}

TEST(Records, ADifferentKeyMatchesNothing) {
  const Fixture f;
  std::string dump;
  for (std::size_t i = 0; i < 100; ++i) dump += dump_row(f.people[i], i);
  ASSERT_EQ(f.score_dump(dump).at(0).records_matched, 100u);
  // The index refuses a key with another id and says why.
  const auto other = RecordKey::random();
  RecordKeys keys;
  keys.emplace("people", other);
  FingerprintIndex index({f.signature}, keys);
  ASSERT_EQ(index.text().problems().size(), 1u);
  EXPECT_NE(index.text().problems()[0].find("is not the key they were made with"),
            std::string::npos);
  // Even forced past that check, another key's hashes share nothing with the stored ones.
  Fixture g = Fixture(10);
  g.signature.records = f.signature.records;
  g.signature.records.key_id = other.id();
  g.key = other;
  EXPECT_TRUE(g.score_dump(dump).empty());
}

TEST(Records, OneColumnAloneIsASingleColumnHitNotARow) {
  const Fixture f;
  std::string dump;
  for (std::size_t i = 0; i < 5; ++i) dump += "plate seen: " + f.people[i].plate + "\n";
  auto sightings = f.score_dump(dump);
  ASSERT_EQ(sightings.size(), 1u);
  EXPECT_EQ(sightings[0].records_matched, 0u);
  EXPECT_EQ(sightings[0].confidence, Confidence::possible);
  EXPECT_NE(sightings[0].evidence[0].detail.find("single-column hits: 5"), std::string::npos);

  // Two columns of one row far apart are no row either, until the window allows it.
  dump = f.people[0].plate + std::string(600, ' ') + f.people[0].passport + "\n";
  EXPECT_EQ(f.score_dump(dump).at(0).records_matched, 0u);
  ScoreRules wide;
  wide.record_window = 1000;
  EXPECT_EQ(f.score_dump(dump, {}, wide).at(0).records_matched, 1u);
  // Columns of different rows side by side are no row.
  dump = f.people[0].plate + "," + f.people[1].passport + "\n";
  EXPECT_EQ(f.score_dump(dump).at(0).records_matched, 0u);
}

TEST(Records, ThresholdsComeFromTheDatasetRules) {
  const Fixture f;
  std::string dump;
  for (std::size_t i = 0; i < 4; ++i) dump += dump_row(f.people[i], i);
  EXPECT_EQ(f.score_dump(dump).at(0).confidence, Confidence::likely);  // 4 >= 3, < 20
  ScoreRules rules;
  ScoreRules strict = rules;
  strict.records_likely = 10;
  strict.records_confirmed = 100;
  rules.datasets.emplace("people", strict);
  EXPECT_EQ(f.score_dump(dump, {}, rules).at(0).confidence, Confidence::possible);
  ScoreRules lax = rules;
  lax.datasets.at("people").records_confirmed = 4;
  lax.datasets.at("people").records_likely = 1;
  EXPECT_EQ(f.score_dump(dump, {}, lax).at(0).confidence, Confidence::confirmed);
}

TEST(Records, ValuesInsideLongerTokensAreNotCandidates) {
  const Fixture f;
  const auto& p = f.people[3];
  std::string dump = "X" + p.plate + " " + p.passport + "9\n";
  EXPECT_TRUE(f.score_dump(dump).empty());
  dump = "(" + p.plate + ") [" + p.passport + "]\n";
  EXPECT_EQ(f.score_dump(dump).at(0).records_matched, 1u);
}

TEST(Honeytokens, FoundInTextAndInsideEntryNamesButNotInsideLongerWords) {
  TempDir dir;
  write_file(dir / "a.txt", "x");
  SignOptions options;
  options.dataset = "hr";
  options.honeytokens = {"LW-7f3a9c2e1b", "canary.q7x2@example.org"};
  auto report = sign_paths({dir / "a.txt"}, options);
  ASSERT_TRUE(report) << report.error().message;
  FingerprintIndex index({report->signature});
  Manifest m;
  m.source = "s";
  m.locator = "http://leak.example/";
  m.entries.push_back({.path = "dump/export_LW-7f3a9c2e1b_final.csv"});
  m.entries.push_back({.path = "dump/XLW-7f3a9c2e1b.csv"});
  m.texts.push_back(
      {"http://leak.example/post", "contact: canary.q7x2@example.org, LW-7f3a9c2e1c"});
  auto sightings = score_text(m, index, {});
  ASSERT_EQ(sightings.size(), 1u);
  EXPECT_EQ(sightings[0].confidence, Confidence::confirmed);
  ASSERT_EQ(sightings[0].evidence.size(), 2u);
  EXPECT_EQ(sightings[0].evidence[0].kind, "honeytoken");
  EXPECT_EQ(sightings[0].evidence[0].remote_path, "dump/export_LW-7f3a9c2e1b_final.csv");
  EXPECT_EQ(sightings[0].evidence[1].remote_path, "http://leak.example/post");
  EXPECT_NE(sightings[0].evidence[1].detail.find("offset 9 "), std::string::npos);
  EXPECT_EQ(sightings[0].evidence[1].detail.find("canary"), std::string::npos);

  // A name that is exactly the token is score()'s evidence; score_text does not repeat it.
  Manifest exact;
  exact.entries.push_back({.path = "LW-7f3a9c2e1b.pdf"});
  EXPECT_TRUE(score_text(exact, index, {}).empty());
  auto both = score(exact, index);
  merge_sightings(both, score_text(exact, index, {}), 100);
  ASSERT_EQ(both.size(), 1u);
  EXPECT_EQ(both[0].evidence.size(), 1u);
}

TEST(Records, MergeKeepsOneSightingWithTheStrongerEvidenceFirst) {
  Sighting files;
  files.dataset = "d";
  files.locator = "L";
  files.confidence = Confidence::possible;
  files.files_matched = 2;
  files.evidence = {{"name", "a", "a", ""}};
  Sighting text = files;
  text.files_matched = 0;
  text.records_matched = 40;
  text.confidence = Confidence::confirmed;
  text.evidence = {{"records", "", "L", "40 rows"}};
  std::vector<Sighting> all{files};
  merge_sightings(all, {text}, 10);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].confidence, Confidence::confirmed);
  EXPECT_EQ(all[0].records_matched, 40u);
  EXPECT_EQ(all[0].files_matched, 2u);
  EXPECT_EQ(all[0].evidence[0].kind, "records");
}

TEST(Records, CandidatePatternsAreCheckedByHyperscan) {
  EXPECT_TRUE(check_candidate_pattern("[A-Z0-9]{5,8}"));
  const auto empty = check_candidate_pattern("x*");
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("Hyperscan rejects"), std::string::npos);
  EXPECT_FALSE(check_candidate_pattern("(a)\\1"));
}

}  // namespace
}  // namespace leakwatch::matcher

namespace leakwatch::matcher {
namespace {

TEST(Records, PhoneNumbersAreFoundWrittenEitherWayAndCountedOnce) {
  TempDir dir;
  write_file(dir / "phones.csv", "phone\n+44 20 7946 0958\n+1 (555) 010-9999\n+49 30 1234567\n");
  const auto key = RecordKey::random();
  RecordSignOptions options;
  options.columns = {"phone"};
  auto report = sign_records(dir / "phones.csv", key, options);
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_EQ(report->records.columns.at(0).normaliser, "phone");
  Signature sig;
  sig.dataset = "phones";
  sig.records = report->records;
  RecordKeys keys;
  keys.emplace("phones", key);
  FingerprintIndex index({sig}, keys);
  Manifest m;
  m.texts.push_back({"t",
                     "call +44 20 7946 0958 now, or 0044 20 7946 0958; +1 (555) 010-9999\n"
                     "not ours: +44 20 7946 0959\n"});
  const auto sightings = score_text(m, index, {});
  ASSERT_EQ(sightings.size(), 1u);
  // A one-column dataset counts distinct values: two of the three numbers.
  EXPECT_EQ(sightings[0].records_matched, 2u);
  EXPECT_NE(sightings[0].evidence[0].detail.find("2 distinct values matched"), std::string::npos)
      << sightings[0].evidence[0].detail;
  EXPECT_NE(sightings[0].evidence[0].detail.find("single-column hits: 3"), std::string::npos)
      << sightings[0].evidence[0].detail;
}

}  // namespace
}  // namespace leakwatch::matcher

namespace leakwatch::matcher {
namespace {

// `sign --records table.csv --columns plate,state` as the README shows it: a two-letter column
// (US states) gets a candidate pattern Hyperscan accepts and its values are found in a dump, and
// the signer warns that five states cannot tell 3,000 rows apart.
TEST(Records, TwoLetterColumnsAreSignedFoundAndWarnedAboutWhenRepetitive) {
  TempDir dir;
  std::mt19937_64 rng(11);
  const std::vector<std::string> states = {"CA", "TX", "NY", "WA", "OR"};
  std::vector<std::pair<std::string, std::string>> rows;
  std::string csv = "plate,state\n";
  for (int i = 0; i < 3000; ++i) {
    rows.emplace_back(
        random_of(rng, "ABCDEFGHJKLMNPRSTUVWXYZ", 3) + random_of(rng, "0123456789", 4),
        states[rng() % states.size()]);
    csv += rows.back().first + "," + rows.back().second + "\n";
  }
  write_file(dir / "plates.csv", csv);
  const auto key = RecordKey::random();
  RecordSignOptions options;
  options.columns = {"plate", "state"};
  const auto report = sign_records(dir / "plates.csv", key, options);
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_EQ(report->records.columns.size(), 2u);
  EXPECT_EQ(report->records.columns[1].pattern, "[a-z][a-z]");
  EXPECT_TRUE(check_candidate_pattern(report->records.columns[1].pattern));
  ASSERT_EQ(report->warnings.size(), 1u);
  EXPECT_NE(report->warnings[0].find("column 'state' has only 5 distinct values in 3000 rows"),
            std::string::npos)
      << report->warnings[0];

  Signature signature;
  signature.dataset = "plates";
  signature.created = now();
  signature.records = report->records;
  RecordKeys keys;
  keys.emplace("plates", key);
  const FingerprintIndex index({signature}, keys);
  Manifest m;
  m.source = "paste";
  m.locator = "http://paste.example/raw/p7Kx2";
  std::string dump;
  for (int i = 0; i < 40; ++i) dump += rows[i * 7].first + " " + rows[i * 7].second + "\n";
  m.texts.push_back({m.locator, dump});
  const auto found = score_text(m, index, {});
  ASSERT_EQ(found.size(), 1u);
  std::string evidence;
  for (const auto& e : found[0].evidence) evidence += e.kind + ":" + e.detail + "\n";
  // Both columns are found (the two-letter pattern works), but five states cannot link a plate
  // to its row: exactly what the warning says.
  EXPECT_NE(evidence.find("columns seen: plate,state"), std::string::npos) << evidence;
  EXPECT_NE(evidence.find("single-column hits: 80"), std::string::npos) << evidence;
  EXPECT_EQ(found[0].records_matched, 0u) << evidence;

  // Length-1-or-2 values: the optional second character, accepted too.
  PatternGuess guess(Normaliser::text);
  guess.add("A");
  guess.add("BC");
  EXPECT_TRUE(check_candidate_pattern(guess.pattern())) << guess.pattern();
}

}  // namespace
}  // namespace leakwatch::matcher
