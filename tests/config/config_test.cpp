// Configuration: TOML into typed structs, every problem reported as FILE:LINE:COL: KEY: message.
#include "config/config.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "tests/support/temp_dir.h"

namespace leakwatch::config {
namespace {

using leakwatch::testing::TempDir;
using leakwatch::testing::write_file;

// The file name errors must carry; parse_config never touches it on disk.
const std::filesystem::path kFile = "/etc/leakwatch/leakwatch.toml";

// A config using the tables of docs/CONTRACTS.md "Config", every source and hook option once.
constexpr std::string_view kFullConfig = R"(data_dir = "leakwatch-data"

[[proxy]]
name = "tor"
url  = "socks5h://127.0.0.1:9050"
isolate = true

[[proxy]]
name = "corp"
url  = "http://proxy.corp.example:3128"

[[source]]
name     = "perceptics-dump"
url      = "http://exampleleakxyz.onion/files/"
kind     = "auto"
proxy    = "tor"
schedule = "6h"
depth    = 4
fetch_content = "never"

[[source]]
name     = "mirror-a"
url      = "https://mirror.example/leaks/"
kind     = "listing"
proxy    = "corp"
schedule = "*/15 * * * *"
depth    = 2
fetch_content = "candidates"
enabled  = false
max_pages = 50
max_entries = 10000
max_page_bytes = "8MiB"
content_budget = 1073741824
timeout = "30s"

[[source]]
name = "magnet-1"
url  = "magnet:?xt=urn:btih:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
kind = "magnet"
magnet_timeout = "45s"

[[hook]]
name = "siem"
kind = "syslog"
url  = "tcp://127.0.0.1:6514"
min_confidence = "likely"

[[hook]]
name = "chat"
kind = "webhook"
url  = "https://hooks.example/T000"
min_confidence = "confirmed"
secret = "s3cret"
)";

Result<Config> parse(std::string_view text) {
  return parse_config(text, kFile);
}

// The error text of a config that must fail (an empty string, and a test failure, if it passed).
std::string error_of(std::string_view text) {
  const auto config = parse(text);
  EXPECT_FALSE(config) << "config was accepted:\n" << text;
  return config ? std::string() : config.error().message;
}

// `message` has a line `FILE:LINE:COL: ...` that names `key` and contains `words`.
::testing::AssertionResult has_error(const std::string& message, int line, int column,
                                     const std::string& key, const std::string& words) {
  const auto prefix =
      kFile.string() + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
  std::size_t start = 0;
  while (start <= message.size()) {
    const auto end = std::min(message.find('\n', start), message.size());
    const auto text = message.substr(start, end - start);
    if (text.starts_with(prefix) && text.find(key) != std::string::npos &&
        text.find(words) != std::string::npos) {
      return ::testing::AssertionSuccess();
    }
    start = end + 1;
  }
  return ::testing::AssertionFailure()
         << "no error line starting with \"" << prefix << "\" naming \"" << key
         << "\" and containing \"" << words << "\" in:\n"
         << message;
}

TEST(Config, ParsesTheDesignExampleIntoTypedValues) {
  const auto config = parse(kFullConfig);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->file, kFile);
  EXPECT_EQ(config->data_dir, std::filesystem::path("/etc/leakwatch/leakwatch-data"));

  ASSERT_EQ(config->proxies.size(), 2u);
  const auto* tor = config->find_proxy("tor");
  ASSERT_NE(tor, nullptr);
  EXPECT_EQ(tor->url, "socks5h://127.0.0.1:9050");
  EXPECT_EQ(tor->parsed.scheme, "socks5h");
  EXPECT_EQ(tor->parsed.host, "127.0.0.1");
  EXPECT_EQ(tor->parsed.port, 9050);
  EXPECT_TRUE(tor->isolate);
  EXPECT_EQ(tor->line, 3);
  EXPECT_FALSE(config->find_proxy("corp")->isolate);
  EXPECT_EQ(config->find_proxy("nope"), nullptr);

  ASSERT_EQ(config->sources.size(), 3u);
  const auto* dump = config->find_source("perceptics-dump");
  ASSERT_NE(dump, nullptr);
  EXPECT_EQ(dump->url, "http://exampleleakxyz.onion/files/");
  EXPECT_EQ(dump->kind, SourceKind::auto_detect);
  EXPECT_EQ(dump->proxy, "tor");
  EXPECT_EQ(dump->schedule, "6h");
  EXPECT_EQ(dump->depth, 4);
  EXPECT_EQ(dump->fetch_content, FetchContent::never);
  EXPECT_TRUE(dump->enabled);
  EXPECT_EQ(dump->line, 12);

  const auto* mirror = config->find_source("mirror-a");
  ASSERT_NE(mirror, nullptr);
  EXPECT_EQ(mirror->kind, SourceKind::listing);
  EXPECT_EQ(source_kind_name(mirror->kind), "listing");
  EXPECT_EQ(mirror->proxy, "corp");
  EXPECT_EQ(mirror->schedule, "*/15 * * * *");
  EXPECT_EQ(mirror->depth, 2);
  EXPECT_EQ(mirror->fetch_content, FetchContent::candidates);
  EXPECT_FALSE(mirror->enabled);
  EXPECT_EQ(mirror->max_pages, 50u);
  EXPECT_EQ(mirror->max_entries, 10000u);
  EXPECT_EQ(mirror->max_page_bytes, 8u << 20);
  EXPECT_EQ(mirror->content_budget, 1u << 30);
  EXPECT_EQ(mirror->timeout, std::chrono::seconds{30});
  EXPECT_FALSE(mirror->magnet_timeout) << "unset: the source's timeout applies";

  const auto* magnet = config->find_source("magnet-1");
  ASSERT_NE(magnet, nullptr);
  EXPECT_EQ(magnet->kind, SourceKind::magnet);
  EXPECT_FALSE(magnet->proxy);
  EXPECT_EQ(magnet->schedule, "24h");  // defaults
  EXPECT_EQ(magnet->max_pages, 2000u);
  EXPECT_EQ(magnet->magnet_timeout, std::chrono::seconds{45});

  ASSERT_EQ(config->hooks.size(), 2u);
  EXPECT_EQ(config->hooks[0].name, "siem");
  EXPECT_EQ(config->hooks[0].kind, HookKind::syslog);
  EXPECT_EQ(config->hooks[0].url, "tcp://127.0.0.1:6514");
  EXPECT_EQ(config->hooks[0].min_confidence, Confidence::likely);
  EXPECT_EQ(config->hooks[0].format, "cef");  // syslog default payload
  EXPECT_EQ(config->hooks[1].kind, HookKind::webhook);
  EXPECT_EQ(config->hooks[1].min_confidence, Confidence::confirmed);
  EXPECT_EQ(config->hooks[1].format, "");
}

TEST(Config, ReadsAPostSourcesTextBudgetsAndRefusesBadOnes) {
  const auto config = parse_config(R"([[source]]
name = "post"
url = "https://a.example/t/1.html"
kind = "page"
text_budget = "2MiB"
linked_text_budget = 4096
[[source]]
name = "default"
url = "https://b.example/t/1.html"
)",
                                   kFile);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->find_source("post")->text_budget, 2u << 20);
  EXPECT_EQ(config->find_source("post")->linked_text_budget, 4096u);
  EXPECT_EQ(config->find_source("default")->text_budget, 64u << 20);
  const auto message = error_of(R"([[source]]
name = "a"
url = "https://a.example/"
text_budget = "lots"
[[source]]
name = "b"
url = "https://b.example/"
text_budget = 0
)");
  EXPECT_TRUE(has_error(message, 4, 15, "source 'a'.text_budget", "must be a positive size"));
  EXPECT_TRUE(has_error(message, 8, 15, "source 'b'.text_budget", "must be a positive size"));
  // linked_text_budget = 0 means none (docs/CONTRACTS.md); below that it is an error.
  const auto none = parse_config(R"([[source]]
name = "post"
url = "https://a.example/t/1.html"
kind = "page"
linked_text_budget = 0
)",
                                 kFile);
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_EQ(none->find_source("post")->linked_text_budget, 0u);
  const auto negative = error_of(R"([[source]]
name = "post"
url = "https://a.example/t/1.html"
linked_text_budget = -1
)");
  EXPECT_TRUE(has_error(negative, 4, 22, "source 'post'.linked_text_budget", "or 0")) << negative;
}

TEST(Config, AnEmptyFileIsValidWithDefaults) {
  const auto config = parse("");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->data_dir, std::filesystem::path("/etc/leakwatch/leakwatch-data"));
  EXPECT_TRUE(config->sources.empty());
}

TEST(Config, ResolvesDataDirRelativeToTheConfigFilesFolder) {
  TempDir dir;
  write_file(dir / "etc/leakwatch.toml", "data_dir = \"../var/lw\"\n");
  const auto relative = load_config(dir / "etc/leakwatch.toml");
  ASSERT_TRUE(relative) << relative.error().message;
  EXPECT_EQ(relative->data_dir, dir.path() / "etc/../var/lw");

  write_file(dir / "abs.toml", "data_dir = \"/srv/leakwatch\"\n");
  const auto absolute = load_config(dir / "abs.toml");
  ASSERT_TRUE(absolute) << absolute.error().message;
  EXPECT_EQ(absolute->data_dir, std::filesystem::path("/srv/leakwatch"));
}

TEST(Config, LoadingAMissingFileNamesIt) {
  TempDir dir;
  const auto config = load_config(dir / "missing.toml");
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find((dir / "missing.toml").string()), std::string::npos);
}

TEST(Config, TomlSyntaxErrorsNameFileLineAndColumn) {
  const auto message = error_of("data_dir = \"x\"\n[[source]\n");
  EXPECT_TRUE(message.starts_with(kFile.string() + ":2:")) << message;
}

TEST(Config, RejectsUnknownTopLevelKeys) {
  const auto message = error_of("data_dir = \"x\"\ndatadir = \"y\"\n");
  EXPECT_TRUE(has_error(message, 2, 1, "datadir", "unknown key"));
  EXPECT_TRUE(has_error(message, 2, 1, "datadir", "data_dir"));  // lists known keys
}

TEST(Config, RejectsUnknownKeysInsideASource) {
  const auto message = error_of(R"([[source]]
name = "a"
url = "https://a.example/"
shedule = "6h"
)");
  EXPECT_TRUE(has_error(message, 4, 1, ".shedule", "unknown key"));
  EXPECT_TRUE(has_error(message, 4, 1, ".shedule", "schedule"));
}

TEST(Config, RejectsValuesOfTheWrongType) {
  const auto message = error_of(R"(data_dir = 5
[[source]]
name = "a"
url = "https://a.example/"
depth = "four"
enabled = "yes"
magnet_timeout = 30
[[proxy]]
name = "p"
url = "socks5h://127.0.0.1:9050"
isolate = 1
)");
  EXPECT_TRUE(has_error(message, 1, 12, "data_dir", "must be a string"));
  EXPECT_TRUE(has_error(message, 5, 9, "source 'a'.depth", "must be an integer"));
  EXPECT_TRUE(has_error(message, 6, 11, "source 'a'.enabled", "true or false"));
  EXPECT_TRUE(has_error(message, 7, 18, "source 'a'.magnet_timeout", "must be a duration"));
  EXPECT_TRUE(has_error(message, 11, 11, ".isolate", "true or false"));
}

TEST(Config, RejectsAProxyKeyThatIsNotAnArrayOfTables) {
  const auto message = error_of("proxy = \"socks5h://127.0.0.1:9050\"\n");
  EXPECT_TRUE(has_error(message, 1, 9, "proxy", "[[proxy]]"));
}

TEST(Config, RejectsMissingRequiredKeys) {
  const auto message = error_of("[[source]]\nname = \"a\"\n");
  EXPECT_TRUE(has_error(message, 1, 1, "source 'a'.url", "required key is missing"));
}

TEST(Config, RejectsBadUrls) {
  const auto message = error_of(R"([[source]]
name = "a"
url = "a.example/files/"
[[source]]
name = "b"
url = "ftp://b.example/"
[[source]]
name = "c"
url = "http://c.example:99999/"
[[proxy]]
name = "p"
url = "gopher://127.0.0.1:70"
)");
  EXPECT_TRUE(has_error(message, 3, 7, "source 'a'.url", "is not a URL"));
  EXPECT_TRUE(has_error(message, 6, 7, "source 'b'.url", "not http or https"));
  EXPECT_TRUE(has_error(message, 9, 7, "source 'c'.url", "is not a URL"));
  EXPECT_TRUE(has_error(message, 12, 7, ".url", "gopher"));
}

TEST(Config, RejectsASourceNamingAnUnknownProxy) {
  const auto message = error_of(R"([[proxy]]
name = "tor"
url = "socks5h://127.0.0.1:9050"
[[source]]
name = "a"
url = "https://a.example/"
proxy = "tor2"
)");
  EXPECT_TRUE(has_error(message, 7, 9, "source 'a'.proxy", "unknown proxy or pool 'tor2'"));
  EXPECT_TRUE(has_error(message, 7, 9, "source 'a'.proxy", "defined: tor"));
}

TEST(Config, RejectsDuplicateNamesWithinEachSection) {
  const auto message = error_of(R"([[source]]
name = "a"
url = "https://a.example/"
[[source]]
name = "a"
url = "https://b.example/"
[[hook]]
name = "h"
kind = "jsonl"
url = "file:///var/log/leakwatch.jsonl"
[[hook]]
name = "h"
kind = "jsonl"
url = "file:///var/log/other.jsonl"
)");
  EXPECT_TRUE(has_error(message, 5, 8, ".name", "duplicate name 'a'"));
  EXPECT_TRUE(has_error(message, 12, 8, ".name", "duplicate name 'h'"));
}

TEST(Config, AcceptsADurationOrACronExpressionAsSchedule) {
  for (const char* schedule :
       {"6h", "30m", "1d", "*/15 * * * *", "0 3 * * 1-5", "5,35 */2 1 1-12/3 0"}) {
    const auto config =
        parse(std::string("[[source]]\nname = \"a\"\nurl = \"https://a.example/\"\n") +
              "schedule = \"" + schedule + "\"\n");
    ASSERT_TRUE(config) << schedule << ": " << config.error().message;
    EXPECT_EQ(config->sources[0].schedule, schedule);
  }
}

TEST(Config, RejectsSchedulesThatAreNeitherDurationNorCron) {
  for (const char* schedule : {"61 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "*/0 * * * *",
                               "* * * *", "* * * * * *", "5-1 * * * *", "6 hours", "0s"}) {
    const auto message =
        error_of(std::string("[[source]]\nname = \"a\"\nurl = \"https://a.example/\"\n") +
                 "schedule = \"" + schedule + "\"\n");
    EXPECT_TRUE(has_error(message, 4, 12, "source 'a'.schedule", "neither a duration")) << schedule;
  }
}

TEST(Config, AcceptsCronNamesAndMacrosAndSaysWhichCronFieldIsWrong) {
  for (const char* schedule : {"0 9 * * mon-fri", "@daily", "0 0 1 jan,jul *", "30 4 1,15 * 5"}) {
    const auto config =
        parse(std::string("[[source]]\nname = \"a\"\nurl = \"https://a.example/\"\n") +
              "schedule = \"" + schedule + "\"\n");
    ASSERT_TRUE(config) << schedule << ": " << config.error().message;
  }
  const auto message = error_of(
      "[[source]]\nname = \"a\"\nurl = \"https://a.example/\"\nschedule = \"0 25 * * *\"\n");
  EXPECT_TRUE(has_error(message, 4, 12, "source 'a'.schedule", "hour: 25 is not in 0-23"))
      << message;
}

TEST(Config, ReadsTheDaemonTableAndRefusesBadValues) {
  const auto defaults = parse("");
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->daemon.max_concurrent_sources, 64u);
  EXPECT_EQ(defaults->daemon.grace, std::chrono::seconds{30});
  EXPECT_EQ(defaults->daemon.max_requests_in_flight, 256u);
  const auto config =
      parse("[daemon]\nmax_concurrent_sources = 8\ngrace = \"5s\"\nmax_requests_in_flight = 32\n");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->daemon.max_concurrent_sources, 8u);
  EXPECT_EQ(config->daemon.max_requests_in_flight, 32u);
  EXPECT_EQ(config->daemon.grace, std::chrono::seconds{5});
  const auto message =
      error_of("[daemon]\nmax_concurrent_sources = 0\ngrace = \"soon\"\nworkers = 3\n");
  EXPECT_TRUE(has_error(message, 2, 26, "daemon.max_concurrent_sources", "between 1 and 4096"))
      << message;
  EXPECT_TRUE(has_error(message, 3, 9, "daemon.grace", "duration")) << message;
  EXPECT_TRUE(has_error(message, 4, 1, "daemon.workers", "unknown key")) << message;
}

TEST(Config, ReadsTheClusterTableWithPathsRelativeToTheConfig) {
  EXPECT_FALSE(parse("")->cluster.enabled());
  const auto config = parse(R"([cluster]
servers = ["nats://127.0.0.1:4222", "tls://nats-2.example:4222"]
name = "lw-prod"
user = "leakwatch"
password_file = "nats.password"
ca_file = "/etc/lw/nats-ca.pem"
cert_file = "client.crt"
key_file = "client.key"
replicas = 3
ack_wait = "45s"
heartbeat = "10s"
job_deadline = "6h"
max_result_bytes = "256MiB"
)");
  ASSERT_TRUE(config) << config.error().message;
  const auto& c = config->cluster;
  EXPECT_TRUE(c.enabled());
  EXPECT_EQ(c.servers,
            (std::vector<std::string>{"nats://127.0.0.1:4222", "tls://nats-2.example:4222"}));
  EXPECT_EQ(c.name, "lw-prod");
  EXPECT_EQ(c.user, "leakwatch");
  EXPECT_EQ(c.password_file, kFile.parent_path() / "nats.password");
  EXPECT_EQ(c.ca_file, std::filesystem::path("/etc/lw/nats-ca.pem"));
  EXPECT_EQ(c.cert_file, kFile.parent_path() / "client.crt");
  EXPECT_EQ(c.replicas, 3);
  EXPECT_EQ(c.ack_wait, std::chrono::seconds{45});
  EXPECT_EQ(c.heartbeat, std::chrono::seconds{10});
  EXPECT_EQ(c.job_deadline, std::chrono::hours{6});
  EXPECT_EQ(c.max_result_bytes, 256ull << 20);
  const auto defaults = parse("[cluster]\nservers = [\"nats://127.0.0.1:4222\"]\n");
  ASSERT_TRUE(defaults) << defaults.error().message;
  EXPECT_EQ(defaults->cluster.name, "leakwatch");
  EXPECT_EQ(defaults->cluster.replicas, 1);
  EXPECT_EQ(defaults->cluster.ack_wait, std::chrono::seconds{30});
  EXPECT_EQ(defaults->cluster.job_deadline, std::chrono::hours{1});
}

TEST(Config, RefusesBadClusterValuesNamingLineAndKey) {
  const auto message = error_of(R"([cluster]
servers = ["http://127.0.0.1:4222", "nats://user:secret@127.0.0.1:4222"]
name = "lw.prod"
replicas = 7
ack_wait = "1s"
credentials_file = "nats.creds"
nkey_seed_file = "seed.nk"
cert_file = "client.crt"
colour = "red"
job_deadline = "500ms"
)");
  EXPECT_TRUE(has_error(message, 10, 16, "cluster.job_deadline", "at least 1s")) << message;
  EXPECT_TRUE(has_error(message, 2, 12, "cluster.servers", "nats://HOST:PORT")) << message;
  EXPECT_TRUE(has_error(message, 2, 37, "cluster.servers", "user:password@")) << message;
  EXPECT_EQ(message.find("secret"), std::string::npos) << "a password is never echoed";
  EXPECT_TRUE(has_error(message, 3, 8, "cluster.name", "letters, digits")) << message;
  EXPECT_TRUE(has_error(message, 4, 12, "cluster.replicas", "between 1 and 5")) << message;
  EXPECT_TRUE(has_error(message, 5, 12, "cluster.ack_wait", "at least 2s")) << message;
  EXPECT_TRUE(has_error(message, 1, 1, "cluster", "alternatives")) << message;
  EXPECT_TRUE(has_error(message, 1, 1, "cluster.key_file", "go together")) << message;
  EXPECT_TRUE(has_error(message, 9, 1, "cluster.colour", "unknown key")) << message;
  EXPECT_TRUE(
      has_error(error_of("[cluster]\nname = \"x\"\n"), 1, 1, "cluster.servers", "required"));
  EXPECT_TRUE(
      has_error(error_of("[cluster]\nservers = []\n"), 2, 11, "cluster.servers", "non-empty"));
}

TEST(Config, ReadsAProxysMaxConnectionsAndRefusesBadValues) {
  const auto config = parse(
      "[[proxy]]\nname = \"tor\"\nurl = \"socks5h://127.0.0.1:9050\"\nmax_connections = 200\n"
      "[[proxy]]\nname = \"web\"\nurl = \"http://127.0.0.1:3128\"\n");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->proxies[0].max_connections, 200u);
  EXPECT_EQ(config->proxies[1].max_connections, 0u) << "unset: only the global cap";
  for (const auto* bad : {"0", "-5", "70000", "\"many\"", "2.5"}) {
    const auto message = error_of(std::string("[[proxy]]\nname = \"tor\"\nurl = "
                                              "\"socks5h://127.0.0.1:9050\"\nmax_connections = ") +
                                  bad + "\n");
    EXPECT_TRUE(has_error(message, 4, 19, "proxy[0].max_connections",
                          std::string(bad).starts_with("\"") || std::string(bad) == "2.5"
                              ? "must be an integer"
                              : "between 1 and 65536"))
        << bad << ": " << message;
  }
}

TEST(Config, ApiTlsNeedsBothCertificateAndKeyAndBothMustBeReadable) {
  testing::TempDir dir;
  testing::write_file(dir / "api.crt", "-----BEGIN CERTIFICATE-----\n");
  testing::write_file(dir / "api.key", "-----BEGIN PRIVATE KEY-----\n");
  const auto file = dir / "leakwatch.toml";
  const std::string both =
      "[api]\ncert_file = \"api.crt\"\nkey_file = \"" + (dir / "api.key").string() + "\"\n";
  const auto config = parse_config(both, file);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->api.cert_file, dir / "api.crt");
  EXPECT_EQ(config->api.key_file, dir / "api.key");
  const auto one = parse_config("[api]\ncert_file = \"api.crt\"\n", file);
  ASSERT_FALSE(one);
  EXPECT_NE(one.error().message.find(":1:1: api.key_file: cert_file and key_file go together"),
            std::string::npos)
      << one.error().message;
  // A missing or unreadable file is an error at load, naming the file, the line and the key.
  const auto missing =
      parse_config("[api]\ncert_file = \"api.crt\"\nkey_file = \"gone.key\"\n", file);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find(":3:12: api.key_file: '" + (dir / "gone.key").string() +
                                         "' does not exist"),
            std::string::npos)
      << missing.error().message;
  const auto folder = parse_config("[api]\ncert_file = \".\"\nkey_file = \"api.key\"\n", file);
  ASSERT_FALSE(folder);
  EXPECT_NE(folder.error().message.find(":2:13: api.cert_file:"), std::string::npos)
      << folder.error().message;
  EXPECT_NE(folder.error().message.find("is not a regular file"), std::string::npos);
}

TEST(Config, ApiLimitsHaveDefaultsAndBounds) {
  const auto defaults = parse("");
  ASSERT_TRUE(defaults) << defaults.error().message;
  EXPECT_EQ(defaults->api.max_connections, 256u);
  EXPECT_EQ(defaults->api.max_connections_per_address, 32u);
  EXPECT_EQ(defaults->api.request_timeout, std::chrono::seconds{10});
  EXPECT_EQ(defaults->api.connection_timeout, std::chrono::seconds{60});
  EXPECT_EQ(defaults->api.max_request_head, 16u * 1024);
  const auto set = parse(
      "[api]\nmax_connections = 1000\nmax_connections_per_address = 8\nrequest_timeout = "
      "\"5s\"\nconnection_timeout = \"2m\"\nmax_request_head = \"32KiB\"\n");
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(set->api.max_connections, 1000u);
  EXPECT_EQ(set->api.max_connections_per_address, 8u);
  EXPECT_EQ(set->api.request_timeout, std::chrono::seconds{5});
  EXPECT_EQ(set->api.connection_timeout, std::chrono::minutes{2});
  EXPECT_EQ(set->api.max_request_head, 32u * 1024);
  EXPECT_TRUE(has_error(error_of("[api]\nmax_connections = 0\n"), 2, 19, "api.max_connections",
                        "between 1 and 65536"));
  EXPECT_TRUE(has_error(error_of("[api]\nrequest_timeout = \"2m\"\n"), 2, 19, "api.request_timeout",
                        "not be longer than api.connection_timeout"));
  EXPECT_TRUE(has_error(error_of("[api]\nmax_request_head = 100\n"), 2, 20, "api.max_request_head",
                        "between 1KiB and 1MiB"));
}

TEST(Config, RejectsAnOnionSourceWithoutAProxy) {
  const auto message = error_of(R"([[source]]
name = "hidden"
url = "http://exampleleakxyz.onion/files/"
)");
  EXPECT_TRUE(has_error(message, 3, 7, "source 'hidden'.url", "needs a proxy"));
}

// socks5:// is used as socks5h:// (the proxy resolves every name, docs/ARCHITECTURE.md), so it
// is accepted for an onion; an HTTP proxy is not.
TEST(Config, RejectsAnOnionSourceBehindAProxyThatIsNotSocks5) {
  const auto message = error_of(R"([[proxy]]
name = "socks"
url = "socks5://127.0.0.1:9050"
[[proxy]]
name = "web"
url = "http://127.0.0.1:3128"
[[source]]
name = "hidden"
url = "http://exampleleakxyz.onion/files/"
proxy = "socks"
[[source]]
name = "hidden2"
url = "http://exampleleakxyz.onion/other/"
proxy = "web"
)");
  EXPECT_EQ(message.find("source 'hidden'.proxy"), std::string::npos) << message;
  EXPECT_TRUE(has_error(message, 14, 9, "source 'hidden2'.proxy", "socks5h://"));
}

TEST(Config, RejectsBadHookKindAndMinConfidence) {
  const auto message = error_of(R"([[hook]]
name = "h"
kind = "pager"
url = "https://hooks.example/"
min_confidence = "high"
)");
  EXPECT_TRUE(has_error(message, 3, 8, "hook 'h'.kind", "'pager' is not one of"));
  EXPECT_TRUE(has_error(message, 5, 18, "hook 'h'.min_confidence", "possible, likely, confirmed"));
}

TEST(Config, RejectsAFormatOnHooksOtherThanSyslog) {
  const auto message = error_of(R"([[hook]]
name = "h"
kind = "webhook"
url = "https://hooks.example/"
format = "cef"
)");
  EXPECT_TRUE(has_error(message, 5, 10, "hook 'h'.format", "only syslog"));
}

TEST(Config, ReportsEveryErrorAtOnce) {
  const auto message = error_of(R"(colour = "blue"
[[source]]
name = "a"
url = "http://x.onion/"
schedule = "61 * * * *"
[[hook]]
name = "h"
kind = "pager"
url = "https://hooks.example/"
)");
  EXPECT_TRUE(has_error(message, 1, 1, "colour", "unknown key"));
  EXPECT_TRUE(has_error(message, 4, 7, "source 'a'.url", "needs a proxy"));
  EXPECT_TRUE(has_error(message, 5, 12, "source 'a'.schedule", "neither"));
  EXPECT_TRUE(has_error(message, 8, 8, "hook 'h'.kind", "pager"));
  EXPECT_EQ(std::count(message.begin(), message.end(), '\n'), 3) << message;
}

TEST(ProxyUrlForSource, GivesEachSourceItsOwnCredentialsWhenIsolating) {
  const auto config = parse(kFullConfig);
  ASSERT_TRUE(config) << config.error().message;
  const auto& tor = *config->find_proxy("tor");
  const auto a = proxy_url_for_source(tor, "perceptics-dump");
  const auto b = proxy_url_for_source(tor, "mirror-a");
  EXPECT_NE(a, b);
  EXPECT_EQ(a, proxy_url_for_source(tor, "perceptics-dump"));  // stable per source
  const auto parsed_a = parse_url(a);
  const auto parsed_b = parse_url(b);
  ASSERT_TRUE(parsed_a && parsed_b) << a << " " << b;
  EXPECT_EQ(parsed_a->scheme, "socks5h");
  EXPECT_EQ(parsed_a->host, "127.0.0.1");
  EXPECT_EQ(parsed_a->port, 9050);
  EXPECT_FALSE(parsed_a->userinfo.empty());
  EXPECT_NE(parsed_a->userinfo, parsed_b->userinfo);
}

TEST(ProxyConfig, IsolationIsOnByDefaultForSocksProxiesOnly) {
  // Without it every source shared one Tor circuit unless the operator knew to ask.
  const auto config = parse(R"([[proxy]]
name = "tor"
url = "socks5h://127.0.0.1:9050"
[[proxy]]
name = "corp"
url = "http://127.0.0.1:3128"
)");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_TRUE(config->find_proxy("tor")->isolate);
  EXPECT_FALSE(config->find_proxy("corp")->isolate);
  EXPECT_NE(proxy_url_for_source(*config->find_proxy("tor"), "a"),
            proxy_url_for_source(*config->find_proxy("tor"), "b"));
}

TEST(ProxyUrlForSource, AddsNoCredentialsWithoutIsolation) {
  const auto config = parse(R"([[proxy]]
name = "tor"
url = "socks5h://127.0.0.1:9050"
isolate = false
)");
  ASSERT_TRUE(config) << config.error().message;
  const auto& tor = config->proxies[0];
  const auto url = proxy_url_for_source(tor, "a");
  EXPECT_EQ(url, proxy_url_for_source(tor, "b"));
  const auto parsed = parse_url(url);
  ASSERT_TRUE(parsed) << url;
  EXPECT_EQ(parsed->userinfo, "");
  EXPECT_EQ(parsed->host, "127.0.0.1");
  EXPECT_EQ(parsed->port, 9050);
}

TEST(Config, AnnotatedExampleConfigLoads) {
  const std::filesystem::path example = LEAKWATCH_SOURCE_DIR "/config/leakwatch.example.toml";
  if (!std::filesystem::exists(example)) GTEST_SKIP() << example << " does not exist yet";
  const auto config = load_config(example);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_FALSE(config->sources.empty());
}

}  // namespace
}  // namespace leakwatch::config

namespace leakwatch::config {
namespace {

TEST(JsonKeys, AreReadAsStringsOrArraysAndCheckedByName) {
  auto ok = parse_config(
      "[[source]]\nname = \"j\"\nurl = \"http://x.example/files.json\"\nkind = \"json-tree\"\n"
      "json_keys = { path = [\"fn\", \"name\"], size = \"bytes\" }\n",
      "k.toml");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->sources[0].json_path_keys, (std::vector<std::string>{"fn", "name"}));
  EXPECT_EQ(ok->sources[0].json_size_keys, (std::vector<std::string>{"bytes"}));
  EXPECT_TRUE(ok->sources[0].json_children_keys.empty());
  auto bad = parse_config(
      "[[source]]\nname = \"j\"\nurl = \"http://x.example/f.json\"\njson_keys = { colour = \"x\", "
      "size = 5 }\n",
      "k.toml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("k.toml:4:"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("json_keys.colour: unknown key"), std::string::npos)
      << bad.error().message;
  EXPECT_NE(bad.error().message.find("json_keys.size: must be a string"), std::string::npos)
      << bad.error().message;
}

}  // namespace
}  // namespace leakwatch::config

namespace leakwatch::config {
namespace {

TEST(ProxyPools, ResolveToTheirMembersAndRejectNameClashesAndNonHMembersForOnions) {
  auto ok = parse_config(
      "[[proxy]]\nname = \"a\"\nurl = \"socks5h://127.0.0.1:9050\"\npool = \"tor\"\n"
      "[[proxy]]\nname = \"b\"\nurl = \"socks5h://127.0.0.1:9060\"\npool = \"tor\"\n"
      "[[source]]\nname = \"s\"\nurl = \"http://x.onion/\"\nproxy = \"tor\"\n",
      "p.toml");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  const auto members = ok->proxies_for("tor");
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0]->name, "a");
  EXPECT_EQ(ok->proxies_for("b").size(), 1u);
  EXPECT_TRUE(ok->proxies_for("nope").empty());

  auto clash = parse_config(
      "[[proxy]]\nname = \"tor\"\nurl = \"socks5h://127.0.0.1:1\"\npool = \"tor\"\n", "p.toml");
  ASSERT_FALSE(clash.ok());
  EXPECT_NE(clash.error().message.find("also a proxy name"), std::string::npos)
      << clash.error().message;

  auto mixed = parse_config(
      "[[proxy]]\nname = \"a\"\nurl = \"socks5h://127.0.0.1:9050\"\npool = \"tor\"\n"
      "[[proxy]]\nname = \"b\"\nurl = \"http://127.0.0.1:3128\"\npool = \"tor\"\n"
      "[[source]]\nname = \"s\"\nurl = \"http://x.onion/\"\nproxy = \"tor\"\n",
      "p.toml");
  ASSERT_FALSE(mixed.ok());
  EXPECT_NE(mixed.error().message.find("proxy 'b' is http://"), std::string::npos)
      << mixed.error().message;
}

}  // namespace
}  // namespace leakwatch::config

namespace leakwatch::config {
namespace {

TEST(StoreSection, ReadsRetentionAndRejectsAgesUnderAnHourAndZeroCounts) {
  auto ok = parse_config(
      "[store]\nscan_retention = \"90d\"\nscans_per_source = 5000\nmanifest_retention = "
      "\"2h\"\n",
      "s.toml");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->store.scan_retention, std::chrono::days{90});
  EXPECT_EQ(ok->store.scans_per_source, 5000u);
  EXPECT_EQ(ok->store.manifest_retention, std::chrono::hours{2});
  auto defaults = parse_config("", "s.toml");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->store.scan_retention, std::nullopt) << "kept forever unless configured";
  EXPECT_EQ(defaults->store.scans_per_source, 0u);
  EXPECT_EQ(defaults->store.manifest_retention, std::nullopt);
  auto bad = parse_config(
      "[store]\nscan_retention = \"30m\"\nscans_per_source = 0\nmanifest_retention = "
      "\"forever\"\n",
      "s.toml");
  ASSERT_FALSE(bad.ok());
  const auto& m = bad.error().message;
  EXPECT_NE(m.find("s.toml:2:18: store.scan_retention: must be at least 1h"), std::string::npos)
      << m;
  EXPECT_NE(m.find("s.toml:3:20: store.scans_per_source: must be between 1"), std::string::npos)
      << m;
  EXPECT_NE(m.find("s.toml:4:22: store.manifest_retention: must be a duration"), std::string::npos)
      << m;
}

TEST(StoreSection, SetsDurabilityAndRetentionAndRejectsUnknownKeys) {
  auto ok = parse_config("[store]\nsync = false\nmanifest_history = 7\n", "s.toml");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_FALSE(ok->store.sync);
  EXPECT_EQ(ok->store.manifest_history, 7u);
  auto defaults = parse_config("", "s.toml");
  ASSERT_TRUE(defaults.ok());
  EXPECT_TRUE(defaults->store.sync);
  auto bad = parse_config("[store]\nsink = true\nmanifest_history = 0\n", "s.toml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("s.toml:2:1: store.sink: unknown key"), std::string::npos)
      << bad.error().message;
  EXPECT_NE(bad.error().message.find("store.manifest_history: must be between 1"),
            std::string::npos)
      << bad.error().message;
}

}  // namespace
}  // namespace leakwatch::config

namespace leakwatch::config {
namespace {

TEST(DatasetSection, ReadsPerDatasetThresholds) {
  auto ok = parse_config(R"([[dataset]]
name = "plates"
likely_name_size_files = 5
confirmed_crc_files = 3
records_likely = 10
records_confirmed = 50
record_min_columns = 3
record_window = "2KiB"

[[dataset]]
name = "payroll"
)",
                         "d.toml");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  ASSERT_EQ(ok->datasets.size(), 2u);
  const auto* plates = ok->find_dataset("plates");
  ASSERT_NE(plates, nullptr);
  EXPECT_EQ(plates->likely_name_size_files, 5u);
  EXPECT_EQ(plates->confirmed_crc_files, 3u);
  EXPECT_EQ(plates->records_likely, 10u);
  EXPECT_EQ(plates->records_confirmed, 50u);
  EXPECT_EQ(plates->record_min_columns, 3u);
  EXPECT_EQ(plates->record_window, 2048u);
  EXPECT_FALSE(ok->find_dataset("payroll")->records_likely);
  EXPECT_EQ(ok->find_dataset("nope"), nullptr);
}

TEST(DatasetSection, BadValuesNameFileLineColumnAndKey) {
  auto bad = parse_config(R"([[dataset]]
name = "plates"
records_likely = 0
record_min_columns = "two"
record_windows = 5
[[dataset]]
name = "plates"
[[dataset]]
name = "x"
records_likely = 9
records_confirmed = 4
)",
                          "d.toml");
  ASSERT_FALSE(bad.ok());
  const auto& m = bad.error().message;
  EXPECT_NE(m.find("d.toml:3:18: dataset 'plates'.records_likely: must be between 1"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("d.toml:4:22: dataset 'plates'.record_min_columns: must be an integer"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("d.toml:5:1: dataset 'plates'.record_windows: unknown key"), std::string::npos)
      << m;
  EXPECT_NE(m.find("d.toml:7:8: dataset[1].name: duplicate name 'plates'"), std::string::npos) << m;
  EXPECT_NE(m.find("d.toml:10:18: dataset 'x'.records_likely: must not be more than "
                   "records_confirmed (4)"),
            std::string::npos)
      << m;
}

}  // namespace
}  // namespace leakwatch::config

namespace leakwatch::config {
namespace {

TEST(HookConfig, ReadsEveryKeyOfTheContract) {
  const auto config = parse_config(R"([[proxy]]
name = "corp-egress"
url = "http://127.0.0.1:3128"
[[source]]
name = "dump"
url = "https://a.example/"
[[hook]]
name = "siem"
kind = "syslog"
url  = "tls://siem.example:6514"
format = "leef"
min_confidence = "confirmed"
datasets = ["payroll", "hr"]
sources  = ["dump"]
rate_limit = "60/m"
ca_file = "siem-ca.pem"
[[hook]]
name = "chat"
kind = "webhook"
url = "https://hooks.example/x"
proxy = "corp-egress"
secret_file = "hook.secret"
headers = { "X-Team" = "secops" }
backoff = "2s"
backoff_max = "1m"
timeout = "10s"
[[hook]]
name = "hec"
kind = "splunk-hec"
url = "https://splunk.example:8088"
token = "abc"
[[hook]]
name = "mail"
kind = "email"
url = "smtp://mail.example:587"
to = ["soc@example.org", "ciso@example.org"]
from = "leakwatch@example.org"
[[hook]]
name = "file"
kind = "jsonl"
url = "out/alerts.jsonl"
rotate_size = "1MiB"
)",
                                   "/etc/lw/leakwatch.toml");
  ASSERT_TRUE(config) << config.error().message;
  ASSERT_EQ(config->hooks.size(), 5u);
  const auto& siem = config->hooks[0];
  EXPECT_EQ(siem.kind, HookKind::syslog);
  EXPECT_EQ(siem.format, "leef");
  EXPECT_EQ(siem.min_confidence, Confidence::confirmed);
  EXPECT_EQ(siem.datasets, (std::vector<std::string>{"payroll", "hr"}));
  EXPECT_EQ(siem.sources, (std::vector<std::string>{"dump"}));
  ASSERT_TRUE(siem.rate_limit);
  EXPECT_EQ(siem.rate_limit->count, 60u);
  EXPECT_EQ(siem.rate_limit->window, std::chrono::minutes{1});
  EXPECT_EQ(siem.ca_file, std::filesystem::path("/etc/lw/siem-ca.pem"));
  const auto& chat = *config->find_hook("chat");
  EXPECT_EQ(chat.proxy, "corp-egress");
  EXPECT_EQ(chat.secret_file, std::filesystem::path("/etc/lw/hook.secret"));
  EXPECT_EQ(chat.headers, (std::vector<std::pair<std::string, std::string>>{{"X-Team", "secops"}}));
  EXPECT_EQ(chat.backoff, std::chrono::seconds{2});
  EXPECT_EQ(chat.backoff_max, std::chrono::minutes{1});
  EXPECT_EQ(chat.timeout, std::chrono::seconds{10});
  EXPECT_EQ(chat.min_confidence, Confidence::likely);  // possible never alerts by default
  EXPECT_EQ(config->find_hook("hec")->token, "abc");
  EXPECT_EQ(config->find_hook("mail")->to.size(), 2u);
  EXPECT_EQ(config->find_hook("mail")->from, "leakwatch@example.org");
  EXPECT_EQ(config->find_hook("file")->path, std::filesystem::path("/etc/lw/out/alerts.jsonl"));
  EXPECT_EQ(config->find_hook("file")->rotate_size, 1u << 20);
}

TEST(HookConfig, ParsesRateLimits) {
  EXPECT_EQ(parse_rate_limit("10/s")->window, std::chrono::seconds{1});
  EXPECT_EQ(parse_rate_limit("500/h")->count, 500u);
  EXPECT_EQ(parse_rate_limit("100/30s")->window, std::chrono::seconds{30});
  EXPECT_EQ(parse_rate_limit("5000/d")->window, std::chrono::hours{24});
  for (const char* bad : {"0/m", "/m", "10", "10/", "ten/m", "10/fortnight", "-1/m"}) {
    EXPECT_FALSE(parse_rate_limit(bad)) << bad;
  }
}

std::string hook_errors(std::string_view text) {
  const auto config = parse_config(text, "hooks.toml");
  EXPECT_FALSE(config) << text;
  return config ? std::string() : config.error().message;
}

TEST(HookConfig, ErrorsNameFileLineAndKey) {
  const auto message = hook_errors(R"([[hook]]
name = "w"
kind = "webhook"
url = "tcp://x.example:1"
rate_limit = "fast"
format = "cef"
to = ["a@b"]
headers = { "X-Leakwatch-Signature-256" = "forged", "X-Bad" = "a\r\nb" }
[[hook]]
name = "s"
kind = "syslog"
url = "tcp://siem.example"
proxy = "corp"
secret = "x"
[[hook]]
name = "m"
kind = "email"
url = "smtp://mail.example"
to = ["not an address"]
[[hook]]
name = "h"
kind = "splunk-hec"
url = "http://hec.example/"
token = "a"
token_file = "b"
ca_file = "ca.pem"
)");
  EXPECT_NE(
      message.find("hooks.toml:4:7: hook 'w'.url: scheme 'tcp' is not one of http://, https://"),
      std::string::npos)
      << message;
  EXPECT_NE(message.find("hooks.toml:5:14: hook 'w'.rate_limit: 'fast' is not COUNT/WINDOW"),
            std::string::npos);
  EXPECT_NE(message.find("hooks.toml:6:10: hook 'w'.format: only syslog hooks take format"),
            std::string::npos);
  EXPECT_NE(message.find("hooks.toml:7:6: hook 'w'.to: only email hooks take to"),
            std::string::npos);
  EXPECT_NE(message.find("hook 'w'.secret_file: a webhook hook needs secret or secret_file"),
            std::string::npos);
  EXPECT_NE(message.find("hook 'w'.headers: 'X-Leakwatch-Signature-256' is set by leakwatch"),
            std::string::npos);
  EXPECT_NE(message.find("hook 'w'.headers.X-Bad: must be a string without line breaks"),
            std::string::npos);
  EXPECT_NE(message.find("hooks.toml:12:7: hook 's'.url: a syslog URL needs a port"),
            std::string::npos);
  EXPECT_NE(message.find("hooks.toml:13:9: hook 's'.proxy: only webhook and splunk-hec hooks"),
            std::string::npos);
  EXPECT_NE(message.find("hooks.toml:14:10: hook 's'.secret: only webhook hooks take secret"),
            std::string::npos);
  EXPECT_NE(message.find("hook 'm'.to: 'not an address' is not a plain address"),
            std::string::npos);
  EXPECT_NE(message.find("hook 'm'.from: an email hook needs from"), std::string::npos);
  EXPECT_NE(
      message.find("hooks.toml:25:14: hook 'h'.token_file: give token or token_file, not both"),
      std::string::npos);
  EXPECT_NE(message.find("hooks.toml:26:11: hook 'h'.ca_file: only tls://, https://"),
            std::string::npos);
}

TEST(HookConfig, AOnionWebhookNeedsASocks5hProxy) {
  const auto message = hook_errors(R"([[proxy]]
name = "web"
url = "http://127.0.0.1:3128"
[[hook]]
name = "w"
kind = "webhook"
url = "http://receiverxyz.onion/hook"
secret = "x"
proxy = "web"
[[hook]]
name = "direct"
kind = "webhook"
url = "http://receiverxyz.onion/hook"
secret = "x"
)");
  EXPECT_NE(message.find("hooks.toml:9:9: hook 'w'.proxy: a .onion URL needs a socks5h:// proxy"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("hooks.toml:13:7: hook 'direct'.url: a .onion URL needs a proxy"),
            std::string::npos);
}

TEST(HookConfig, UnknownKeysAndSourcesAreErrors) {
  const auto message = hook_errors(R"([[hook]]
name = "j"
kind = "jsonl"
url = "a.jsonl"
sources = ["nowhere"]
colour = "red"
)");
  EXPECT_NE(message.find("hooks.toml:5:11: hook 'j'.sources: unknown source 'nowhere'"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("hooks.toml:6:1: hook 'j'.colour: unknown key"), std::string::npos);
}

}  // namespace
}  // namespace leakwatch::config
