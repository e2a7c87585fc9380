// Bearer tokens: what is accepted, and the token file's permission and format checks.
#include "api/api_auth.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/support/temp_dir.h"

namespace leakwatch::app {
namespace {

using testing::TempDir;
using testing::write_file;

const std::string kToken = "s3cr3t-token-0123456789";

TEST(ApiAuth, AcceptsOnlyAConfiguredBearerToken) {
  const auto auth = ApiAuth::from_tokens({kToken, "another-token-abcdefgh"});
  EXPECT_TRUE(auth.accepts("Bearer " + kToken));
  EXPECT_TRUE(auth.accepts("bearer " + kToken)) << "the scheme is case-insensitive";
  EXPECT_TRUE(auth.accepts("Bearer another-token-abcdefgh"));
  EXPECT_FALSE(auth.accepts("Bearer " + kToken + "x"));
  EXPECT_FALSE(auth.accepts("Bearer " + kToken.substr(0, kToken.size() - 1)));
  EXPECT_FALSE(auth.accepts(kToken)) << "no scheme";
  EXPECT_FALSE(auth.accepts("Basic " + kToken));
  EXPECT_FALSE(auth.accepts("Bearer "));
  EXPECT_FALSE(auth.accepts(""));
  EXPECT_FALSE(ApiAuth::from_tokens({}).accepts("Bearer " + kToken));
}

TEST(ApiAuth, ReadsATokenFileThatOnlyItsOwnerCanRead) {
  TempDir dir;
  const auto file = dir / "tokens";
  write_file(file, "# operators\n" + kToken + "\n\n  second-token-abcdefghij  \r\n");
  ::chmod(file.c_str(), 0600);
  config::ApiConfig api;
  api.token_file = file;
  api.tokens = {"config-token-abcdefghijk"};
  auto auth = ApiAuth::from_config(api);
  ASSERT_TRUE(auth) << auth.error().message;
  EXPECT_EQ(auth->size(), 3u);
  EXPECT_TRUE(auth->accepts("Bearer second-token-abcdefghij"));
  EXPECT_TRUE(auth->accepts("Bearer config-token-abcdefghijk"));
}

TEST(ApiAuth, RefusesAWorldReadableTokenFile) {
  TempDir dir;
  const auto file = dir / "tokens";
  write_file(file, kToken + "\n");
  ::chmod(file.c_str(), 0644);
  config::ApiConfig api;
  api.token_file = file;
  const auto auth = ApiAuth::from_config(api);
  ASSERT_FALSE(auth);
  EXPECT_NE(auth.error().message.find("readable or writable by others"), std::string::npos);
  EXPECT_NE(auth.error().message.find(file.string()), std::string::npos);
}

TEST(ApiAuth, ABadTokenLineNamesFileAndLineButNotTheToken) {
  TempDir dir;
  const auto file = dir / "tokens";
  write_file(file, kToken + "\nshort\n");
  ::chmod(file.c_str(), 0600);
  config::ApiConfig api;
  api.token_file = file;
  const auto auth = ApiAuth::from_config(api);
  ASSERT_FALSE(auth);
  EXPECT_NE(auth.error().message.find(file.string() + ":2:"), std::string::npos)
      << auth.error().message;
  EXPECT_EQ(auth.error().message.find("short"), std::string::npos);
}

TEST(ApiAuth, AMissingTokenFileIsAnError) {
  config::ApiConfig api;
  api.token_file = "/nonexistent/leakwatch-tokens";
  EXPECT_FALSE(ApiAuth::from_config(api));
}

TEST(ApiConfig, ParsesTheApiTable) {
  const auto c = config::parse_config("[api]\nlisten = \"127.0.0.1:9000\"\ntokens = [\"" + kToken +
                                          "\"]\ntoken_file = \"tokens.txt\"\n",
                                      "/etc/leakwatch/leakwatch.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->api.listen, "127.0.0.1:9000");
  EXPECT_EQ(c->api.tokens, std::vector<std::string>{kToken});
  EXPECT_EQ(c->api.token_file, "/etc/leakwatch/tokens.txt");
}

TEST(ApiConfig, BadValuesNameFileLineAndKey) {
  const auto c = config::parse_config(
      "[api]\nlisten = \"127.0.0.1\"\ntokens = [\"short\", 3]\nport = 1\n", "c.toml");
  ASSERT_FALSE(c);
  const auto& m = c.error().message;
  EXPECT_NE(m.find("c.toml:2:10: api.listen: '127.0.0.1' is not HOST:PORT"), std::string::npos)
      << m;
  EXPECT_NE(m.find("c.toml:3:11: api.tokens: a token must be"), std::string::npos) << m;
  EXPECT_NE(m.find("c.toml:3:20: api.tokens: every token must be a string"), std::string::npos)
      << m;
  EXPECT_NE(m.find("c.toml:4:1: api.port: unknown key"), std::string::npos) << m;
  EXPECT_EQ(m.find("short"), std::string::npos) << "tokens are never echoed";
}

TEST(ApiConfig, ListenAddressForms) {
  EXPECT_EQ(config::parse_listen_address("127.0.0.1:8765")->port, 8765);
  EXPECT_EQ(config::parse_listen_address("[::1]:80")->host, "::1");
  EXPECT_EQ(config::parse_listen_address("localhost:1")->host, "localhost");
  EXPECT_EQ(config::parse_listen_address("127.0.0.1:0")->port, 0) << "any free port";
  EXPECT_FALSE(config::parse_listen_address("127.0.0.1:65536"));
  EXPECT_FALSE(config::parse_listen_address(":80"));
  EXPECT_FALSE(config::parse_listen_address("::1:80")) << "IPv6 needs brackets";
  EXPECT_FALSE(config::parse_listen_address("host:8x"));
}

}  // namespace
}  // namespace leakwatch::app
