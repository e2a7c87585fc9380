// The HTTP API through the real binary: `leakwatch serve` is started on a free loopback port over
// a store seeded by this test, and queried with curl: auth, every filter, bad input, routes and
// methods, hostile requests, exports, and a second process writing while the API serves.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "store/store.h"
#include "tests/support/nginx_server.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace leakwatch {
namespace {

using nlohmann::json;
using testing::BackgroundProcess;
using testing::run_command;
using testing::TempDir;
using testing::write_file;

const std::string kToken = "test-token-0123456789abcdef";
const Timestamp kT0 = *parse_rfc3339("2026-11-01T00:00:00Z");

struct Http {
  int status = 0;
  std::string head;
  std::string body;
  json parsed() const { return json::parse(body); }
  bool has_header(const std::string& line) const { return head.find(line) != std::string::npos; }
};

Sighting sighting(std::string dataset, std::string source, std::string locator, Confidence c,
                  Timestamp first, Timestamp last) {
  Sighting s;
  s.dataset = std::move(dataset);
  s.source = std::move(source);
  s.locator = std::move(locator);
  s.confidence = c;
  s.evidence = {
      c == Confidence::possible
          ? Evidence{"name", "db/customers.csv", "dump/customers.csv", ""}
          : Evidence{"sha256", "db/customers.csv", "dump/customers.csv", std::string(64, 'e')}};
  s.files_matched = 1;
  s.dataset_files = 2;
  s.first_seen = first;
  s.last_seen = last;
  if (c != Confidence::possible) s.matched_files = {0};  // what exposure counts (a union)
  return s;
}

ScanRecord scan(std::string source, Timestamp started, ScanStatus status) {
  ScanRecord r;
  r.scan_id = "run-" + std::to_string(to_unix_ms(started));
  r.source = std::move(source);
  r.locator = "http://" + r.source + ".example/";
  r.started = started;
  r.ended = started + std::chrono::seconds{30};
  r.status = status;
  r.entries_seen = status == ScanStatus::failed ? 0 : 10;
  if (status == ScanStatus::failed) r.error = "connection refused";
  return r;
}

// Four sightings, two signed datasets, sources that are up, down, failing and never scanned.
void seed_store(const std::filesystem::path& data_dir) {
  auto store = store::Store::open(data_dir, store::OpenMode::read_write);
  ASSERT_TRUE(store) << store.error().message;
  for (const auto* name : {"customers", "payroll"}) {
    Signature sig;
    sig.dataset = name;
    sig.created = kT0 - std::chrono::hours{24};
    sig.files = {{"db/customers.csv", 100, {}, {}}};
    ASSERT_TRUE((*store)->put_signature(sig));
  }
  using std::chrono::hours;
  const auto h = [](int n) { return kT0 + hours{n}; };
  ASSERT_TRUE((*store)->record_fetch(scan("leak-a", h(0), ScanStatus::ok),
                                     {sighting("customers", "leak-a", "http://leak-a.example/dump1",
                                               Confidence::confirmed, h(0), h(0)),
                                      sighting("payroll", "leak-a", "http://leak-a.example/pay",
                                               Confidence::likely, h(0), h(0))}));
  ASSERT_TRUE((*store)->record_fetch(scan("leak-a", h(24), ScanStatus::ok),
                                     {sighting("customers", "leak-a", "http://leak-a.example/dump2",
                                               Confidence::possible, h(24), h(24)),
                                      sighting("customers", "leak-a", "http://leak-a.example/dump1",
                                               Confidence::confirmed, h(24), h(24))}));
  ASSERT_TRUE((*store)->record_fetch(scan("leak-c", h(2), ScanStatus::ok),
                                     {sighting("customers", "leak-c", "magnet:?xt=urn:btih:0123",
                                               Confidence::likely, h(2), h(2))}));
  ASSERT_TRUE((*store)->record_fetch(scan("leak-c", h(30), ScanStatus::failed), {}));
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE((*store)->record_fetch(scan("leak-b", h(i), ScanStatus::failed), {}));
  }
}

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    seed_store(dir_ / "data");
    write_config("tokens = [\"" + kToken + "\"]\n");
    ASSERT_TRUE(start({})) << testing::read_file(dir_ / "serve.log");
  }

  void write_config(const std::string& api_table) {
    std::string text = "data_dir = \"data\"\n[api]\n" + api_table;
    for (const auto* name : {"leak-a", "leak-b", "leak-c", "leak-d"}) {
      text += "[[source]]\nname = \"" + std::string(name) + "\"\nurl = \"http://" + name +
              ".example/\"\n";
    }
    write_file(config_, text);
  }

  // Starts `serve` and waits for it to listen; false when it exited instead.
  bool start(std::vector<std::string> extra) {
    port_ = testing::free_port();
    std::vector<std::string> argv = {LEAKWATCH_BINARY, "--config",
                                     config_.string(), "serve",
                                     "--listen",       "127.0.0.1:" + std::to_string(port_)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    server_ = BackgroundProcess(argv, dir_ / "serve.log");
    return testing::wait_for_port(port_);
  }

  Http get(const std::string& target, const std::string& token = kToken,
           std::vector<std::string> extra = {}) const {
    std::vector<std::string> argv = {"curl", "-sS", "-i", "--max-time", "20"};
    if (!token.empty()) argv.insert(argv.end(), {"-H", "Authorization: Bearer " + token});
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back("http://127.0.0.1:" + std::to_string(port_) + target);
    const auto r = run_command(argv, std::chrono::seconds{30});
    Http out;
    const auto split = r.out.find("\r\n\r\n");
    out.head = r.out.substr(0, split);
    out.body = split == std::string::npos ? "" : r.out.substr(split + 4);
    if (out.head.size() > 12) out.status = std::atoi(out.head.c_str() + 9);
    return out;
  }

  std::vector<std::string> locators(const Http& r) const {
    std::vector<std::string> out;
    const auto body = r.parsed();
    for (const auto& s : body["sightings"]) out.push_back(s["locator"]);
    return out;
  }

  // Sends raw bytes and returns what the server answered (for requests curl cannot make).
  std::string raw(const std::string& bytes) const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{15, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string answer;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      [[maybe_unused]] const auto sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      ::shutdown(fd, SHUT_WR);
      char buf[4096];
      for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) answer.append(buf, n);
    }
    ::close(fd);
    return answer;
  }

  TempDir dir_;
  std::filesystem::path config_ = dir_ / "leakwatch.toml";
  int port_ = 0;
  BackgroundProcess server_;
};

TEST_F(ApiTest, NoTokenOrAWrongOneGets401WithABearerChallenge) {
  const auto none = get("/v1/health", "");
  EXPECT_EQ(none.status, 401);
  EXPECT_TRUE(none.has_header("WWW-Authenticate: Bearer realm=\"leakwatch\"")) << none.head;
  EXPECT_EQ(none.parsed()["error"], "bearer token required");
  const auto wrong = get("/v1/health", kToken + "x");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_TRUE(wrong.has_header("error=\"invalid_token\"")) << wrong.head;
  EXPECT_EQ(get("/v1/sightings", kToken.substr(1)).status, 401);
  EXPECT_EQ(get("/v1/nope", "").status, 401) << "unknown paths reveal nothing without a token";
  const auto basic = get("/v1/health", "", {"-u", "user:" + kToken});
  EXPECT_EQ(basic.status, 401);
  const auto ok = get("/v1/health");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.parsed()["status"], "ok");
  EXPECT_TRUE(ok.has_header("Content-Type: application/json"));
}

TEST_F(ApiTest, SightingsNewestFirstWithEveryFilter) {
  const auto all = get("/v1/sightings");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(all.parsed()["count"], 4);
  EXPECT_EQ(all.parsed()["truncated"], false);
  const auto order = locators(all);
  ASSERT_EQ(order.size(), 4u);
  // last_seen: dump1 and dump2 at +24h, magnet +2h, pay +0h.
  EXPECT_EQ(order[2], "magnet:?xt=urn:btih:0123");
  EXPECT_EQ(order[3], "http://leak-a.example/pay");
  EXPECT_EQ(all.parsed()["sightings"][0]["first_seen"].get<std::string>().substr(0, 4), "2026");

  EXPECT_EQ(get("/v1/sightings?dataset=customers").parsed()["count"], 3);
  EXPECT_EQ(get("/v1/sightings?dataset=payroll").parsed()["count"], 1);
  EXPECT_EQ(get("/v1/sightings?source=leak-c").parsed()["count"], 1);
  EXPECT_EQ(get("/v1/sightings?source=leak-d").parsed()["count"], 0) << "configured, never seen";
  EXPECT_EQ(get("/v1/sightings?dataset=customers&source=leak-a").parsed()["count"], 2);
  EXPECT_EQ(get("/v1/sightings?min_confidence=likely").parsed()["count"], 3);
  EXPECT_EQ(get("/v1/sightings?min_confidence=confirmed").parsed()["count"], 1);
  // since: last_seen >= since; until: first_seen <= until.
  EXPECT_EQ(get("/v1/sightings?since=2026-11-01T03:00:00Z").parsed()["count"], 2);
  EXPECT_EQ(get("/v1/sightings?until=2026-11-01T01:00:00Z").parsed()["count"], 2);
  EXPECT_EQ(get("/v1/sightings?since=2026-11-01T01:00:00Z&until=2026-11-01T05:00:00%2B00:00")
                .parsed()["count"],
            2);
  const auto limited = get("/v1/sightings?limit=1");
  EXPECT_EQ(limited.parsed()["count"], 1);
  EXPECT_EQ(limited.parsed()["truncated"], true);
  EXPECT_EQ(limited.parsed()["limit"], 1);
}

TEST_F(ApiTest, BadInputGetsAClearJsonError) {
  const auto expect_error = [&](const std::string& target, int status, const std::string& part) {
    const auto r = get(target);
    EXPECT_EQ(r.status, status) << target << " " << r.body;
    EXPECT_NE(r.parsed()["error"].get<std::string>().find(part), std::string::npos)
        << target << " " << r.body;
  };
  expect_error("/v1/sightings?since=yesterday", 400, "since: 'yesterday' is not an RFC 3339 time");
  expect_error("/v1/sightings?until=2026-13-01", 400, "until: '2026-13-01' is not an RFC 3339");
  expect_error("/v1/sightings?since=2026-11-20&until=2026-11-01", 400,
               "since 2026-11-20 is after until 2026-11-01");
  expect_error("/v1/scans?since=2026-11-20&until=2026-11-01", 400, "is after until");
  expect_error("/v1/scans?until=soon", 400, "until: 'soon' is not an RFC 3339 time");
  expect_error("/v1/sightings?dataset=nope", 404, "unknown dataset 'nope'");
  expect_error("/v1/sightings?source=nope", 404, "unknown source 'nope'");
  expect_error("/v1/scans?source=nope", 404, "unknown source 'nope'");
  expect_error("/v1/sightings?dataset=", 400, "dataset: must not be empty");
  expect_error("/v1/sightings?min_confidence=high", 400, "'high' is not one of possible");
  expect_error("/v1/sightings?limit=0", 400, "limit: '0' is not a number from 1 to 10000");
  expect_error("/v1/sightings?limit=10001", 400, "limit");
  expect_error("/v1/sightings?limit=-5", 400, "limit");
  expect_error("/v1/sightings?format=xml", 400, "format: 'xml' is not one of json, stix, misp");
  expect_error("/v1/sightings?datset=customers", 400, "unknown query parameter 'datset'");
  expect_error("/v1/sightings?dataset=a&dataset=b", 400, "given more than once");
  expect_error("/v1/sightings?dataset=%zz", 400, "bad %-escape");
  expect_error("/v1/sources?x=1", 400, "unknown query parameter 'x' (known: none)");
  expect_error("/v1/verify?as_of=x&nonsense=1", 400, "unknown query parameter 'nonsense'");
}

TEST_F(ApiTest, SourcesReportTheirAvailability) {
  const auto r = get("/v1/sources");
  ASSERT_EQ(r.status, 200) << r.body;
  std::map<std::string, json> by_name;
  const auto body = r.parsed();
  for (const auto& s : body["sources"]) by_name[s["name"]] = s;
  ASSERT_EQ(by_name.size(), 4u);
  EXPECT_EQ(by_name["leak-a"]["availability"], "up");
  EXPECT_EQ(by_name["leak-a"]["last_status"], "ok");
  EXPECT_EQ(by_name["leak-a"]["last_success"], "2026-11-02T00:00:00Z");
  EXPECT_EQ(by_name["leak-a"]["history"].size(), 2u);
  EXPECT_EQ(by_name["leak-b"]["availability"], "down");
  EXPECT_EQ(by_name["leak-b"]["consecutive_failures"], 3);
  EXPECT_EQ(by_name["leak-b"]["last_success"], nullptr);
  EXPECT_EQ(by_name["leak-b"]["history"][0]["status"], "failed");
  EXPECT_EQ(by_name["leak-c"]["availability"], "failing");
  EXPECT_EQ(by_name["leak-c"]["consecutive_failures"], 1);
  EXPECT_EQ(by_name["leak-d"]["availability"], "unknown");
  EXPECT_EQ(by_name["leak-d"]["last_status"], nullptr);
  EXPECT_EQ(by_name["leak-d"]["kind"], "auto");
}

TEST_F(ApiTest, ScansNewestFirstWithFilters) {
  const auto all = get("/v1/scans");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(all.parsed()["count"], 7);
  const auto body = all.parsed();
  const auto& scans = body["scans"];
  EXPECT_EQ(scans[0]["source"], "leak-c") << "started +30h: the newest";
  EXPECT_EQ(scans[0]["status"], "failed");
  EXPECT_EQ(scans[1]["source"], "leak-a");
  for (std::size_t i = 1; i < scans.size(); ++i)
    EXPECT_GE(scans[i - 1]["start"], scans[i]["start"]);
  const auto b = get("/v1/scans?source=leak-b");
  EXPECT_EQ(b.parsed()["count"], 3);
  EXPECT_EQ(b.parsed()["scans"][0]["start"], "2026-11-01T02:00:00Z");
  EXPECT_EQ(get("/v1/scans?since=2026-11-01T02:00:00Z").parsed()["count"], 4);
  EXPECT_EQ(get("/v1/scans?until=2026-11-01T00:00:00Z").parsed()["count"], 2);
  EXPECT_EQ(get("/v1/scans?source=leak-b&since=2026-11-01T01:00:00Z&until=2026-11-01T01:30:00Z")
                .parsed()["count"],
            1);
  const auto limited = get("/v1/scans?limit=2");
  EXPECT_EQ(limited.parsed()["count"], 2);
  EXPECT_EQ(limited.parsed()["truncated"], true);
  EXPECT_EQ(limited.parsed()["scans"][0]["source"], "leak-c");
  EXPECT_EQ(get("/v1/scans?source=leak-d").parsed()["count"], 0);
}

TEST_F(ApiTest, UnknownPathsAre404AndOtherMethods405) {
  for (const auto* target : {"/", "/v1", "/v1/sightings/", "/v2/sightings", "/v1/health/x",
                             "/v1/Sightings", "/v1/%73ightings"}) {
    const auto r = get(target);
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_TRUE(r.parsed().contains("error")) << target;
  }
  for (const auto* method : {"POST", "PUT", "DELETE", "PATCH"}) {
    const auto r = get("/v1/sightings", kToken, {"-X", method});
    EXPECT_EQ(r.status, 405) << method;
    EXPECT_TRUE(r.has_header("Allow: GET")) << r.head;
  }
  EXPECT_EQ(get("/v1/health", kToken, {"-I"}).status, 405) << "HEAD";
}

TEST_F(ApiTest, HostileRequestsAreRefusedAndTheServerStaysUp) {
  EXPECT_EQ(get("/v1/health", kToken, {"-H", "X-Big: " + std::string(20000, 'a')}).status, 431);
  std::vector<std::string> many;
  for (int i = 0; i < 80; ++i) many.insert(many.end(), {"-H", "X-H" + std::to_string(i) + ": 1"});
  EXPECT_EQ(get("/v1/health", kToken, many).status, 431);
  EXPECT_EQ(get("/v1/health", kToken, {"--data-binary", "x=1", "-X", "GET"}).status, 413);
  EXPECT_EQ(get("/v1/sightings?dataset=" + std::string(17000, 'a')).status, 431);
  EXPECT_NE(raw("GARBAGE\r\n\r\n").find("HTTP/1.1 400"), std::string::npos);
  EXPECT_NE(raw("GET /v1/health HTTP/2.0\r\n\r\n").find("HTTP/1.1 505"), std::string::npos);
  EXPECT_NE(raw("GET /v1/health HTTP/1.1\r\n folded: x\r\n\r\n").find("HTTP/1.1 400"),
            std::string::npos);
  EXPECT_NE(raw("GET /v1/health HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
                .find("HTTP/1.1 413"),
            std::string::npos);
  EXPECT_NE(raw("GET http://x/v1/health HTTP/1.1\r\n\r\n").find("HTTP/1.1 400"), std::string::npos);
  EXPECT_EQ(raw(""), "") << "a client that sends nothing and closes gets nothing";
  // A client that stops half-way keeps one worker only until the head deadline; meanwhile the
  // others answer.
  const int idle = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port_));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(idle, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_GT(::send(idle, "GET /v1/he", 10, MSG_NOSIGNAL), 0);
  EXPECT_EQ(get("/v1/health").status, 200);
  ::close(idle);
  EXPECT_TRUE(server_.running());
}

TEST_F(ApiTest, VerifyGivesTheSameVerdictAsTheCli) {
  const auto refuted = get("/v1/verify?dataset=customers");
  ASSERT_EQ(refuted.status, 200) << refuted.body;
  EXPECT_EQ(refuted.parsed()["verdict"], "refuted");
  EXPECT_EQ(refuted.parsed()["dataset"], "customers");
  const auto cli = run_command({LEAKWATCH_BINARY, "--config", config_.string(), "verify",
                                "--dataset", "customers", "--format", "json"});
  EXPECT_EQ(cli.exit_code, 10) << cli.err;
  EXPECT_EQ(json::parse(cli.out)["verdict"], "refuted");

  // Before anything was seen or scanned: not refuted, and no source covered the window.
  const auto early = get("/v1/verify?dataset=payroll&as_of=2026-10-31T12:00:00Z");
  ASSERT_EQ(early.status, 200) << early.body;
  EXPECT_EQ(early.parsed()["verdict"], "insufficient-coverage");
}

TEST_F(ApiTest, VerifyCarriesTheExposureThatTheCliGives) {
  // customers: file 0 (100 bytes of the signature's 100) seen confirmed at leak-a's dump1 at
  // h(0) and again, likely, in leak-c's magnet at h(2): one file, not two; the possible
  // sighting at dump2 adds nothing.
  // A fixed as-of: the series starts at the window's start, which a default as-of (now) moves.
  const auto now = get("/v1/verify?dataset=customers&as_of=2026-11-05T00:00:00Z");
  ASSERT_EQ(now.status, 200) << now.body;
  const auto exposure = now.parsed().at("exposure");
  EXPECT_EQ(exposure["files"]["seen"], 1);
  EXPECT_EQ(exposure["files"]["of"], 1);
  EXPECT_EQ(exposure["files"]["share"], 1.0);
  EXPECT_EQ(exposure["bytes"]["seen"], 100);
  EXPECT_EQ(exposure["files"]["first_seen"], "2026-11-01T00:00:00Z");
  EXPECT_EQ(exposure["sightings"], 2) << "the confirmed and the likely one";
  ASSERT_FALSE(exposure["series"].empty());
  EXPECT_EQ(exposure["series"].back()["files"], 1);
  const auto cli =
      run_command({LEAKWATCH_BINARY, "--config", config_.string(), "verify", "--dataset",
                   "customers", "--as-of", "2026-11-05T00:00:00Z", "--format", "json"});
  EXPECT_EQ(json::parse(cli.out).at("exposure"), exposure) << cli.err;
  const auto command =
      run_command({LEAKWATCH_BINARY, "--config", config_.string(), "exposure", "--dataset",
                   "customers", "--as-of", "2026-11-05T00:00:00Z", "--format", "json"});
  ASSERT_EQ(command.exit_code, 0) << command.err;
  auto alone = json::parse(command.out);
  EXPECT_EQ(alone["files"], exposure["files"]);
  EXPECT_EQ(alone["bytes"], exposure["bytes"]);
  EXPECT_EQ(alone["sightings"], exposure["sightings"]);
  EXPECT_EQ(alone["series"], exposure["series"]);

  // As of before the first sighting: nothing exposed yet.
  const auto before = get("/v1/verify?dataset=customers&as_of=2026-10-31T23:00:00Z");
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_EQ(before.parsed()["exposure"]["files"]["seen"], 0);
  EXPECT_EQ(before.parsed()["exposure"]["sightings"], 0);
}

TEST_F(ApiTest, VerifyBadInputGetsAClearJsonError) {
  const auto expect_error = [&](const std::string& target, int status, const std::string& part) {
    const auto r = get(target);
    EXPECT_EQ(r.status, status) << target << " " << r.body;
    EXPECT_NE(r.parsed()["error"].get<std::string>().find(part), std::string::npos)
        << target << " " << r.body;
  };
  expect_error("/v1/verify", 400, "dataset: required");
  expect_error("/v1/verify?dataset=nope", 404, "unknown dataset 'nope'");
  expect_error("/v1/verify?dataset=customers&as_of=noon", 400,
               "as_of: 'noon' is not an RFC 3339 time");
  expect_error("/v1/verify?dataset=customers&since=2026-11-10&as_of=2026-11-01", 400,
               "since 2026-11-10 is after as_of 2026-11-01");
  expect_error("/v1/verify?dataset=customers&as_of=2999-01-01", 400,
               "as_of 2999-01-01 is in the future");
}

TEST_F(ApiTest, ExportsMatchTheCliAndCarryEverySighting) {
  const auto stix = get("/v1/sightings?format=stix&dataset=customers");
  ASSERT_EQ(stix.status, 200) << stix.body;
  EXPECT_TRUE(stix.has_header("Content-Type: application/stix+json;version=2.1")) << stix.head;
  const auto bundle = stix.parsed();
  EXPECT_EQ(bundle["type"], "bundle");
  int sightings = 0;
  for (const auto& o : bundle["objects"]) sightings += o["type"] == "sighting";
  EXPECT_EQ(sightings, 3);
  const auto cli = run_command({LEAKWATCH_BINARY, "--config", config_.string(), "sightings",
                                "--dataset", "customers", "--format", "stix"});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_EQ(json::parse(cli.out), bundle) << "same sightings, same deterministic bundle";

  const auto misp = get("/v1/sightings?format=misp");
  ASSERT_EQ(misp.status, 200) << misp.body;
  ASSERT_TRUE(misp.parsed().contains("Event")) << "one MISP core-format event";
  EXPECT_EQ(misp.parsed()["Event"]["Tag"].size(), 2u) << "a tag per dataset";
  const auto cli_misp = run_command(
      {LEAKWATCH_BINARY, "--config", config_.string(), "sightings", "--format", "misp"});
  ASSERT_EQ(cli_misp.exit_code, 0) << cli_misp.err;
  EXPECT_EQ(json::parse(cli_misp.out), misp.parsed());
}

TEST_F(ApiTest, ServesWhileAnotherProcessWrites) {
  // store_writer takes the writer lock and records 1500 sightings in fetches of 10, each synced;
  // the API must keep answering and see the count grow to the end.
  BackgroundProcess writer({STORE_WRITER_BINARY, (dir_ / "data").string(), "1500", "10"},
                           dir_ / "writer.log");
  int last = 4, answers = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{120};
  while (std::chrono::steady_clock::now() < deadline) {
    const bool writing = writer.running();
    // Answers include what was committed up to the refresh interval (50 ms) before the request.
    if (!writing) std::this_thread::sleep_for(std::chrono::milliseconds{100});
    const auto r = get("/v1/sightings?limit=10000");
    ASSERT_EQ(r.status, 200) << r.body;
    const int count = r.parsed()["count"];
    EXPECT_GE(count, last) << "a reader never goes back in time";
    last = count;
    ++answers;
    if (!writing) break;
  }
  EXPECT_EQ(last, 4 + 1500);
  EXPECT_GE(answers, 2);
  EXPECT_EQ(get("/v1/scans?limit=10000").parsed()["count"], 7 + 150);
}

TEST(ApiServe, ARealScanBesideTheApiShowsUpInIt) {
  // serve holds a read-only view; `leakwatch scan` (the writer) crawls a real nginx meanwhile.
  TempDir dir;
  write_file(dir / "dataset" / "a.bin", testing::random_bytes(4096, 11));
  write_file(dir / "site" / "a.bin", testing::random_bytes(4096, 11));
  testing::NginxServer site(dir / "site");
  const auto config = dir / "leakwatch.toml";
  write_file(config, "data_dir = \"data\"\n[api]\ntokens = [\"" + kToken +
                         "\"]\n[[source]]\nname = \"site\"\nurl = \"" + site.url("/") +
                         "\"\nfetch_content = \"candidates\"\n");
  ASSERT_EQ(run_command({LEAKWATCH_BINARY, "--config", config.string(), "sign", "--dataset", "d",
                         (dir / "dataset").string()})
                .exit_code,
            0);
  const int port = testing::free_port();
  BackgroundProcess server({LEAKWATCH_BINARY, "--config", config.string(), "serve", "--listen",
                            "127.0.0.1:" + std::to_string(port)},
                           dir / "serve.log");
  ASSERT_TRUE(testing::wait_for_port(port));
  const auto api = [&](const std::string& target) {
    const auto r =
        run_command({"curl", "-sS", "--fail-with-body", "-H", "Authorization: Bearer " + kToken,
                     "http://127.0.0.1:" + std::to_string(port) + target});
    EXPECT_EQ(r.exit_code, 0) << target << " " << r.out << r.err;
    return json::parse(r.out);
  };
  EXPECT_EQ(api("/v1/sources")["sources"][0]["availability"], "unknown");
  EXPECT_EQ(api("/v1/sightings?dataset=d")["count"], 0);

  BackgroundProcess scan({LEAKWATCH_BINARY, "--config", config.string(), "scan"}, dir / "scan.log");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{60};
  while (scan.running() && std::chrono::steady_clock::now() < deadline) {
    EXPECT_EQ(api("/v1/health")["status"], "ok") << "answers while the writer scans";
  }
  std::this_thread::sleep_for(std::chrono::milliseconds{100});  // the refresh interval
  const auto sightings = api("/v1/sightings?dataset=d");
  ASSERT_EQ(sightings["count"], 1) << testing::read_file(dir / "scan.log");
  EXPECT_EQ(sightings["sightings"][0]["confidence"], "confirmed");
  EXPECT_EQ(sightings["sightings"][0]["source"], "site");
  EXPECT_EQ(api("/v1/sources")["sources"][0]["availability"], "up");
  EXPECT_EQ(api("/v1/scans?source=site")["scans"][0]["status"], "ok");
}

TEST(ApiServe, RefusesToServeWithoutATokenUnlessNoAuthOnLoopback) {
  TempDir dir;
  write_file(dir / "c.toml", "data_dir = \"data\"\n");
  seed_store(dir / "data");
  const auto r = run_command({LEAKWATCH_BINARY, "--config", (dir / "c.toml").string(), "serve",
                              "--listen", "127.0.0.1:" + std::to_string(testing::free_port())},
                             std::chrono::seconds{20});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no API token configured"), std::string::npos) << r.err;

  const auto open = run_command({LEAKWATCH_BINARY, "--config", (dir / "c.toml").string(), "serve",
                                 "--no-auth", "--listen", "0.0.0.0:1"},
                                std::chrono::seconds{20});
  EXPECT_EQ(open.exit_code, 1);
  EXPECT_NE(open.err.find("--no-auth is only allowed on a loopback address"), std::string::npos)
      << open.err;

  const int port = testing::free_port();
  BackgroundProcess server({LEAKWATCH_BINARY, "--config", (dir / "c.toml").string(), "serve",
                            "--no-auth", "--listen", "127.0.0.1:" + std::to_string(port)},
                           dir / "serve.log");
  ASSERT_TRUE(testing::wait_for_port(port));
  const auto health = run_command({"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                                   "http://127.0.0.1:" + std::to_string(port) + "/v1/health"});
  EXPECT_EQ(health.out, "200");
  // Without tokens, only requests addressed to a loopback name are answered (DNS rebinding: a
  // page's own name resolving to 127.0.0.1 arrives with that name as Host).
  const auto status_with_host = [&](const std::string& host) {
    return run_command({"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H",
                        "Host: " + host, "http://127.0.0.1:" + std::to_string(port) + "/v1/health"})
        .out;
  };
  EXPECT_EQ(status_with_host("attacker.example"), "403");
  EXPECT_EQ(status_with_host("attacker.example:" + std::to_string(port)), "403");
  EXPECT_EQ(status_with_host("127.0.0.1.attacker.example"), "403");
  EXPECT_EQ(status_with_host("localhost:" + std::to_string(port)), "200");
  EXPECT_EQ(status_with_host("[::1]:" + std::to_string(port)), "200");
  EXPECT_EQ(status_with_host("127.0.0.1"), "200");

  // Port 0: the OS picks one and the first line of stdout names it.
  BackgroundProcess any({LEAKWATCH_BINARY, "--config", (dir / "c.toml").string(), "serve",
                         "--no-auth", "--listen", "127.0.0.1:0"},
                        dir / "any.log");
  std::smatch m;
  const std::regex listening(R"(listening on http://127\.0\.0\.1:(\d+))");
  std::string log;  // outlives the match, which points into it
  for (int i = 0; i < 100; ++i) {
    log = testing::read_file(dir / "any.log");
    if (std::regex_search(log, m, listening)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  ASSERT_EQ(m.size(), 2u);
  EXPECT_NE(m[1].str(), "0");
  const auto picked = run_command({"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                                   "http://127.0.0.1:" + m[1].str() + "/v1/health"});
  EXPECT_EQ(picked.out, "200");
}

TEST(ApiServe, NonLoopbackListenMustBeExplicitAndTokenFilesPrivate) {
  TempDir dir;
  seed_store(dir / "data");
  write_file(dir / "c.toml", "data_dir = \"data\"\n[api]\nlisten = \"0.0.0.0:8765\"\ntokens = [\"" +
                                 kToken + "\"]\n");
  const auto r = run_command({LEAKWATCH_BINARY, "--config", (dir / "c.toml").string(), "serve"},
                             std::chrono::seconds{20});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("pass --listen 0.0.0.0:8765 explicitly"), std::string::npos) << r.err;

  write_file(dir / "tokens", kToken + "\n");
  ::chmod((dir / "tokens").c_str(), 0644);
  write_file(dir / "t.toml", "data_dir = \"data\"\n[api]\ntoken_file = \"tokens\"\n");
  const auto t = run_command({LEAKWATCH_BINARY, "--config", (dir / "t.toml").string(), "serve",
                              "--listen", "127.0.0.1:" + std::to_string(testing::free_port())},
                             std::chrono::seconds{20});
  EXPECT_EQ(t.exit_code, 1);
  EXPECT_NE(t.err.find("readable or writable by others; chmod 600"), std::string::npos) << t.err;
}

}  // namespace
}  // namespace leakwatch
