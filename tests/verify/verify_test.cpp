// Verify's evaluation over a real RocksDB: each verdict, the window rules, coverage and
// limitations, the JSON form, and renderers that keep hostile leak-site strings inert.
#include "verify/verify.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "report/report_escape.h"
#include "tests/support/temp_dir.h"
#include "tests/verify/verify_fixture.h"

namespace leakwatch::app {
namespace {

using testing::at;

config::Config config_of(const std::string& toml) {
  auto c = config::parse_config("data_dir = \"d\"\n" + toml, "verify-test.toml");
  if (!c) throw std::runtime_error(c.error().message);
  return std::move(c).value();
}

std::string source_toml(const std::string& name, const std::string& extra = "") {
  return "[[source]]\nname = \"" + name + "\"\nurl = \"http://" + name + ".example/\"\n" + extra;
}

const Limitation* find_limitation(const VerifyReport& r, const std::string& kind,
                                  const std::string& source = "") {
  for (const auto& l : r.limitations) {
    if (l.kind == kind && (source.empty() || l.source == source)) return &l;
  }
  return nullptr;
}

class Verify : public ::testing::Test {
 protected:
  Verify() : fill(dir.path()) { fill.sign("images", at("2026-01-01T00:00:00Z")); }

  VerifyReport evaluate(const config::Config& config, const std::string& as_of,
                        const std::string& since = "") {
    VerifyQuery q;
    q.dataset = "images";
    q.as_of = at(as_of);
    if (!since.empty()) q.since = at(since);
    auto r = evaluate_verify(fill.store(), config, q, at("2026-11-23T12:00:00Z"));
    if (!r) throw std::runtime_error(r.error().message);
    return std::move(r).value();
  }

  testing::TempDir dir;
  testing::StoreFiller fill;
};

TEST_F(Verify, AConfirmedSightingBeforeAsOfRefutesTheClaimWithItsEvidence) {
  const auto config = config_of(source_toml("a") + source_toml("b"));
  fill.scan("b", at("2026-11-10T00:00:00Z"), ScanStatus::ok);
  fill.sight("images", "a", "http://a.example/dump/", Confidence::confirmed,
             at("2026-11-01T00:00:00Z"), at("2026-11-20T00:00:00Z"));
  fill.sight("images", "b", "http://b.example/names/", Confidence::possible,
             at("2026-11-02T00:00:00Z"), at("2026-11-02T00:00:00Z"));
  fill.sight("other", "a", "http://a.example/other/", Confidence::confirmed,
             at("2026-11-01T00:00:00Z"), at("2026-11-01T00:00:00Z"));
  const auto r = evaluate(config, "2026-11-21T00:00:00Z");
  EXPECT_EQ(r.verdict, Verdict::refuted);
  EXPECT_EQ(verdict_exit_code(r.verdict), 10);
  ASSERT_EQ(r.sightings.size(), 1u) << "possible sightings and other datasets are not evidence";
  EXPECT_EQ(r.sightings[0].locator, "http://a.example/dump/");
  EXPECT_EQ(r.sightings[0].evidence.size(), 2u);
  EXPECT_EQ(r.possible_sightings, 1u);
  EXPECT_NE(r.verdict_reason.find("1 confirmed or likely"), std::string::npos) << r.verdict_reason;
}

TEST_F(Verify, FullCoverageWithoutSightingsIsNotObserved) {
  const auto config =
      config_of(source_toml("a", "fetch_content = \"candidates\"\n") + source_toml("b"));
  fill.scan("a", at("2026-11-05T00:00:00Z"), ScanStatus::ok, 120, "", true);
  fill.scan("b", at("2026-11-06T00:00:00Z"), ScanStatus::failed, 0, "connection refused");
  fill.scan("b", at("2026-11-07T00:00:00Z"), ScanStatus::ok, 40);
  fill.sight("images", "b", "http://b.example/names/", Confidence::possible,
             at("2026-11-02T00:00:00Z"), at("2026-11-02T00:00:00Z"));
  const auto r = evaluate(config, "2026-11-21T00:00:00Z");
  EXPECT_EQ(r.verdict, Verdict::not_observed) << r.verdict_reason;
  EXPECT_EQ(verdict_exit_code(r.verdict), 0);
  EXPECT_TRUE(r.uncovered.empty());
  ASSERT_EQ(r.coverage.size(), 2u);
  const auto& a = r.coverage[0];
  EXPECT_EQ(a.source, "a");
  EXPECT_TRUE(a.covered);
  EXPECT_TRUE(a.coverage.content_checked);
  EXPECT_EQ(a.coverage.entries_last_success, 120u);
  EXPECT_EQ(a.fetch_content, "candidates");
  const auto& b = r.coverage[1];
  EXPECT_EQ(b.coverage.scans, 3u) << "two plain scans and the one that saw the possible sighting";
  EXPECT_EQ(b.coverage.failed, 1u);
  ASSERT_EQ(b.failures.size(), 1u);
  EXPECT_EQ(b.failures[0].error, "connection refused");
  EXPECT_EQ(b.scans.size(), 3u);
  EXPECT_TRUE(std::is_sorted(b.scans.begin(), b.scans.end(),
                             [](auto& x, auto& y) { return x.started < y.started; }));
  EXPECT_NE(find_limitation(r, "name-only", "b"), nullptr) << "b never fetches content";
  EXPECT_EQ(find_limitation(r, "name-only", "a"), nullptr);
}

// A text dump is read whole for records and honeytokens: no entries and no file content are no
// limitation of it, while the same scan of a listing source is.
TEST_F(Verify, ATextDumpSourceIsNotReportedAsEmptyOrNameOnly) {
  const auto config = config_of(source_toml("paste", "kind = \"text\"\n") + source_toml("listing"));
  fill.scan("paste", at("2026-11-05T00:00:00Z"), ScanStatus::ok, 0);
  fill.scan("listing", at("2026-11-05T00:00:00Z"), ScanStatus::ok, 0);
  const auto r = evaluate(config, "2026-11-21T00:00:00Z");
  EXPECT_EQ(r.verdict, Verdict::not_observed) << r.verdict_reason;
  EXPECT_EQ(find_limitation(r, "no-entries", "paste"), nullptr);
  EXPECT_EQ(find_limitation(r, "name-only", "paste"), nullptr);
  EXPECT_NE(find_limitation(r, "no-entries", "listing"), nullptr);
  EXPECT_NE(find_limitation(r, "name-only", "listing"), nullptr);
}

TEST_F(Verify, ASourceWithoutASuccessfulScanMakesCoverageInsufficient) {
  const auto config = config_of(source_toml("a") + source_toml("down") + source_toml("limited") +
                                source_toml("idle") + source_toml("off", "enabled = false\n"));
  fill.scan("a", at("2026-11-05T00:00:00Z"), ScanStatus::ok);
  fill.scan("down", at("2026-11-05T00:00:00Z"), ScanStatus::failed, 0, "SOCKS5 proxy refused");
  fill.scan("down", at("2026-10-01T00:00:00Z"), ScanStatus::ok);  // before the window
  fill.scan("limited", at("2026-11-05T00:00:00Z"), ScanStatus::partial, 2000, "max_pages 2000");
  const auto r = evaluate(config, "2026-11-21T00:00:00Z", "2026-11-01T00:00:00Z");
  EXPECT_EQ(r.verdict, Verdict::insufficient_coverage);
  EXPECT_EQ(verdict_exit_code(r.verdict), 11);
  EXPECT_EQ(r.uncovered, (std::vector<std::string>{"down", "idle", "limited"}));
  ASSERT_NE(find_limitation(r, "unreachable", "down"), nullptr);
  EXPECT_NE(find_limitation(r, "unreachable", "down")->message.find("SOCKS5 proxy refused"),
            std::string::npos);
  EXPECT_NE(find_limitation(r, "partial-only", "limited"), nullptr);
  EXPECT_NE(find_limitation(r, "never-scanned", "idle"), nullptr);
  EXPECT_NE(find_limitation(r, "disabled", "off"), nullptr);
  EXPECT_NE(r.verdict_reason.find("down, idle, limited"), std::string::npos) << r.verdict_reason;
  // Required sources come first; the disabled one is listed but not required.
  EXPECT_FALSE(r.coverage.back().required);
  EXPECT_EQ(r.coverage.back().source, "off");
}

TEST_F(Verify, AsOfBeforeTheFirstSightingDoesNotCountIt) {
  const auto config = config_of(source_toml("a"));
  fill.scan("a", at("2026-11-03T00:00:00Z"), ScanStatus::ok);
  fill.sight("images", "a", "http://a.example/dump/", Confidence::likely,
             at("2026-11-10T00:00:00Z"), at("2026-11-12T00:00:00Z"));
  const auto before = evaluate(config, "2026-11-09T23:59:59Z");
  EXPECT_EQ(before.verdict, Verdict::not_observed) << before.verdict_reason;
  EXPECT_TRUE(before.sightings.empty());
  EXPECT_EQ(before.later_sightings, 1u);
  const auto exactly = evaluate(config, "2026-11-10T00:00:00Z");
  EXPECT_EQ(exactly.verdict, Verdict::refuted) << "first seen AT as-of counts";
  const auto after = evaluate(config, "2026-11-11T00:00:00Z");
  EXPECT_EQ(after.verdict, Verdict::refuted);
  EXPECT_NE(find_limitation(after, "later-evidence"), nullptr)
      << "seen again after as-of: evidence is as recorded now";
}

TEST_F(Verify, TheDefaultWindowIsThirtyDaysButNeverBeforeTheSignature) {
  const auto config = config_of(source_toml("a"));
  fill.scan("a", at("2026-10-01T00:00:00Z"), ScanStatus::ok);  // 51 days before as-of
  auto r = evaluate(config, "2026-11-21T00:00:00Z");
  EXPECT_TRUE(r.since_defaulted);
  EXPECT_EQ(r.since, at("2026-10-22T00:00:00Z"));
  EXPECT_EQ(r.verdict, Verdict::insufficient_coverage) << "the only scan is outside the window";

  fill.sign("fresh", at("2026-11-15T00:00:00Z"));
  fill.scan("a", at("2026-11-10T00:00:00Z"), ScanStatus::ok);  // before 'fresh' was signed
  VerifyQuery q{"fresh", at("2026-11-21T00:00:00Z"), std::nullopt};
  auto fresh = evaluate_verify(fill.store(), config, q, at("2026-11-23T00:00:00Z"));
  ASSERT_TRUE(fresh.ok()) << fresh.error().message;
  EXPECT_EQ(fresh->since, at("2026-11-15T00:00:00Z"));
  EXPECT_EQ(fresh->verdict, Verdict::insufficient_coverage)
      << "a scan before the signature existed could not have matched it";

  q.since = at("2026-11-01T00:00:00Z");
  fresh = evaluate_verify(fill.store(), config, q, at("2026-11-23T00:00:00Z"));
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->coverage_since, at("2026-11-15T00:00:00Z"));
  EXPECT_EQ(fresh->verdict, Verdict::insufficient_coverage);
  EXPECT_NE(find_limitation(*fresh, "before-signature"), nullptr);

  q = VerifyQuery{"fresh", at("2026-11-10T00:00:00Z"), std::nullopt};
  fresh = evaluate_verify(fill.store(), config, q, at("2026-11-23T00:00:00Z"));
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->verdict, Verdict::insufficient_coverage) << "signed after as-of";
  ASSERT_NE(find_limitation(*fresh, "before-signature"), nullptr);
  EXPECT_NE(find_limitation(*fresh, "before-signature")->message.find("after the as-of time"),
            std::string::npos);
}

TEST_F(Verify, NoEnabledSourceIsNeverNotObserved) {
  auto r = evaluate(config_of(""), "2026-11-21T00:00:00Z");
  EXPECT_EQ(r.verdict, Verdict::insufficient_coverage);
  EXPECT_NE(find_limitation(r, "no-sources"), nullptr);
  r = evaluate(config_of(source_toml("off", "enabled = false\n")), "2026-11-21T00:00:00Z");
  EXPECT_EQ(r.verdict, Verdict::insufficient_coverage);
}

TEST_F(Verify, ScansOfASourceNoLongerConfiguredAreShownButNotRequired) {
  fill.scan("a", at("2026-11-05T00:00:00Z"), ScanStatus::ok);
  fill.scan("gone", at("2026-11-05T00:00:00Z"), ScanStatus::failed, 0, "timeout");
  const auto r = evaluate(config_of(source_toml("a")), "2026-11-21T00:00:00Z");
  EXPECT_EQ(r.verdict, Verdict::not_observed) << r.verdict_reason;
  ASSERT_EQ(r.coverage.size(), 2u);
  EXPECT_EQ(r.coverage[1].source, "gone");
  EXPECT_FALSE(r.coverage[1].configured);
  EXPECT_NE(find_limitation(r, "unconfigured", "gone"), nullptr);
}

TEST_F(Verify, BadQueriesAreTheCallersMistake) {
  const auto now = at("2026-11-23T12:00:00Z");
  EXPECT_FALSE(parse_verify_query("", "", "", now).ok());
  auto q = parse_verify_query("images", "yesterday", "", now);
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.error().message.find("--as-of: 'yesterday' is not an RFC 3339 time"),
            std::string::npos);
  q = parse_verify_query("images", "2026-11-01", "2026-11-02", now);
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.error().message.find("reversed"), std::string::npos) << q.error().message;
  q = parse_verify_query("images", "", "2026-12-01", now);
  ASSERT_FALSE(q.ok()) << "since after the default as-of (now) is reversed too";
  q = parse_verify_query("images", "2027-01-01", "", now);
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.error().message.find("in the future"), std::string::npos);
  q = parse_verify_query("images", "2026-11-23T12:03:00Z", "2026-11-01T00:00:00+02:00", now);
  ASSERT_TRUE(q.ok()) << "a few minutes of clock skew are fine";
  EXPECT_EQ(q->since, at("2026-10-31T22:00:00Z"));

  VerifyQuery unknown{"nope", std::nullopt, std::nullopt};
  const auto problem = evaluate_verify(fill.store(), config_of(""), unknown);
  ASSERT_FALSE(problem.ok());
  EXPECT_EQ(problem.error().kind, VerifyErrorKind::unknown_dataset);
  EXPECT_NE(problem.error().message.find("unknown dataset 'nope'"), std::string::npos);
}

// Signed 2026-01-01 (3 files), replaced 2026-06-01 by one created then (5 files), and again
// 2026-09-01 (7 files): each as-of is evaluated against the version in force at it.
TEST_F(Verify, AsOfBeforeAReplacementUsesTheSignatureVersionInForceThen) {
  const auto config = config_of(source_toml("a"));
  fill.scan("a", at("2026-05-01T00:00:00Z"), ScanStatus::ok);
  auto sig = *fill.store().get_signature("images").value();
  for (const auto& [created, files] :
       {std::pair{"2026-06-01T00:00:00Z", 5}, std::pair{"2026-09-01T00:00:00Z", 7}}) {
    sig.created = at(created);
    sig.files.resize(static_cast<std::size_t>(files));
    ASSERT_TRUE(fill.store().put_signature(sig, at(created)));
  }

  const auto first = evaluate(config, "2026-05-15T00:00:00Z");
  EXPECT_EQ(first.verdict, Verdict::not_observed) << first.verdict_reason;
  EXPECT_EQ(first.signature_created, at("2026-01-01T00:00:00Z"));
  EXPECT_EQ(first.signature_replaced, at("2026-06-01T00:00:00Z"));
  EXPECT_EQ(first.dataset_files, 3u);
  EXPECT_EQ(first.signature_version, 1u);
  EXPECT_EQ(first.signature_versions, 3u);
  EXPECT_EQ(first.description, "test dataset images");
  ASSERT_TRUE(find_limitation(first, "replaced"));
  EXPECT_FALSE(find_limitation(first, "before-signature"));

  // At the instant of a replacement the new version is in force.
  const auto second = evaluate(config, "2026-06-01T00:00:00Z");
  EXPECT_EQ(second.signature_version, 2u);
  EXPECT_EQ(second.signature_created, at("2026-06-01T00:00:00Z"));
  EXPECT_EQ(second.signature_replaced, at("2026-09-01T00:00:00Z"));
  EXPECT_EQ(second.dataset_files, 5u);
  EXPECT_EQ(second.coverage_since, at("2026-06-01T00:00:00Z"));
  EXPECT_EQ(second.verdict, Verdict::insufficient_coverage) << "the May scan predates version 2";

  const auto current = evaluate(config, "2026-10-01T00:00:00Z");
  EXPECT_EQ(current.signature_version, 3u);
  EXPECT_FALSE(current.signature_replaced);
  EXPECT_EQ(current.dataset_files, 7u);
  EXPECT_EQ(current.signature_created, at("2026-09-01T00:00:00Z"));
  const auto* noted = find_limitation(current, "replaced");
  ASSERT_TRUE(noted);
  EXPECT_NE(noted->message.find("2026-09-01T00:00:00Z"), std::string::npos) << noted->message;

  const auto j = to_json(first);
  EXPECT_EQ(j["signature_replaced"], "2026-06-01T00:00:00Z");
  EXPECT_EQ(j["signature_version"], 1);
  EXPECT_EQ(j["signature_versions"], 3);
  EXPECT_TRUE(to_json(current)["signature_replaced"].is_null());
  EXPECT_NE(render_text(first).find("Signature: version 1 of 3, created 2026-01-01T00:00:00Z, "
                                    "replaced 2026-06-01T00:00:00Z (3 files)"),
            std::string::npos);
  EXPECT_NE(render_markdown(first).find("replaced 2026-06-01T00:00:00Z"), std::string::npos);
  EXPECT_NE(render_html(first).find("replaced 2026-06-01T00:00:00Z"), std::string::npos);
}

TEST_F(Verify, JsonFormHasTheDocumentedFields) {
  const auto config = config_of(source_toml("a"));
  fill.scan("a", at("2026-11-05T00:00:00Z"), ScanStatus::failed, 0, "refused");
  fill.sight("images", "a", "http://a.example/dump/", Confidence::confirmed,
             at("2026-11-01T00:00:00Z"), at("2026-11-01T00:00:00Z"));
  const auto j = to_json(evaluate(config, "2026-11-21T00:00:00Z", "2026-10-25T00:00:00Z"));
  EXPECT_EQ(j["report"], "leakwatch-verify");
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["dataset"], "images");
  EXPECT_EQ(j["verdict"], "refuted");
  EXPECT_EQ(j["exit_code"], 10);
  EXPECT_EQ(j["window"]["since"], "2026-10-25T00:00:00Z");
  EXPECT_EQ(j["window"]["as_of"], "2026-11-21T00:00:00Z");
  EXPECT_EQ(j["window"]["since_defaulted"], false);
  ASSERT_EQ(j["sightings"].size(), 1u);
  EXPECT_EQ(j["sightings"][0]["confidence"], "confirmed");
  EXPECT_EQ(j["sightings"][0]["evidence"][0]["kind"], "sha256");
  ASSERT_EQ(j["coverage"].size(), 1u);
  const auto& c = j["coverage"][0];
  for (const auto* key :
       {"source", "configured", "enabled", "required", "covered", "fetch_content",
        "content_checked", "scans", "ok", "partial", "failed", "last_success", "entries_max",
        "entries_last_success", "last_error", "failures", "timeline"}) {
    EXPECT_TRUE(c.contains(key)) << key;
  }
  EXPECT_EQ(c["scans"], 2u);
  EXPECT_EQ(c["failures"][0]["error"], "refused");
  EXPECT_EQ(c["timeline"].size(), 2u);
  EXPECT_TRUE(j["limitations"].is_array());
  EXPECT_TRUE(j["uncovered"].is_array());
}

TEST_F(Verify, HostileStringsStayInertInEveryFormat) {
  const auto config = config_of(source_toml("a"));
  Sighting s;
  s.dataset = "images";
  s.source = "a";
  s.locator = "http://a.example/<script>alert(1)</script>|x";
  s.confidence = Confidence::confirmed;
  s.evidence = {
      {"sha256", "img/0.jpg", "\"><img src=x onerror=alert(2)>\x1b[31mred", "<b>*bold*</b>"}};
  s.first_seen = s.last_seen = at("2026-11-01T00:00:00Z");
  ASSERT_TRUE(
      fill.store()
          .record_fetch(testing::StoreFiller::scan_record("a", s.first_seen, ScanStatus::ok), {s})
          .ok());
  const auto r = evaluate(config, "2026-11-21T00:00:00Z");
  const auto html = render_html(r);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find('\x1b'), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;\\x1B[31mred"),
            std::string::npos);
  const auto md = render_markdown(r);
  EXPECT_EQ(md.find("<script"), std::string::npos);
  EXPECT_EQ(md.find("<b>"), std::string::npos);
  EXPECT_NE(md.find("&lt;script&gt;alert(1)&lt;/script&gt;\\|x"), std::string::npos) << md;
  const auto text = render_text(r);
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << "no terminal escapes from a leak site";
  EXPECT_NE(text.find("\\x1B[31mred"), std::string::npos);
  const auto json = *render_report(r, "json");
  EXPECT_EQ(nlohmann::json::parse(json)["sightings"][0]["locator"], s.locator);
  EXPECT_FALSE(render_report(r, "pdf").has_value());
}

TEST(ReportEscape, InvalidUtf8AndControlsBecomeVisible) {
  EXPECT_EQ(display_text("ok \xC3\xA9"), "ok \xC3\xA9");
  EXPECT_EQ(display_text("bad \xC3("), "bad \xEF\xBF\xBD(");
  EXPECT_EQ(display_text("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD")
      << "a UTF-16 surrogate is not UTF-8";
  EXPECT_EQ(display_text("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD") << "overlong";
  EXPECT_EQ(display_text("a\nb\x7f\xC2\x9B"), "a\\x0Ab\\x7F\\x9B");
  EXPECT_EQ(escape_html("<a href='x'>&</a>"), "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;");
  EXPECT_EQ(escape_markdown("a|b*c_[d](e)"), "a\\|b\\*c\\_\\[d\\](e)");
  EXPECT_EQ(escape_markdown("# not a heading - x"), "\\# not a heading - x");
}

}  // namespace
}  // namespace leakwatch::app
