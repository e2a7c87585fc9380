// The HTTP server's request parsing without a socket: what parse_request_head accepts, and the
// status each malformed or hostile head gets.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "api/http_server.h"

namespace leakwatch::app {
namespace {

const HttpServerLimits kLimits{};

HttpRequest parsed(const std::string& head) {
  auto r = parse_request_head(head, kLimits);
  if (auto* response = std::get_if<HttpResponse>(&r)) {
    ADD_FAILURE() << "refused with " << response->status << ": " << response->body;
    return {};
  }
  return std::get<HttpRequest>(std::move(r));
}

int refused_with(const std::string& head, const HttpServerLimits& limits = kLimits) {
  const auto r = parse_request_head(head, limits);
  if (std::holds_alternative<HttpRequest>(r)) return 0;
  return std::get<HttpResponse>(r).status;
}

TEST(HttpParse, RequestLineTargetAndHeaders) {
  const auto req = parsed(
      "GET /v1/sightings?dataset=images&limit=5 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
      "Authorization:  Bearer abc \r\nX-Empty:\r\n\r\n");
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.target, "/v1/sightings?dataset=images&limit=5");
  EXPECT_EQ(req.path, "/v1/sightings");
  EXPECT_EQ(req.query, "dataset=images&limit=5");
  ASSERT_EQ(req.headers.size(), 3u);
  EXPECT_EQ(req.header("host"), "127.0.0.1:8080");
  EXPECT_EQ(req.header("authorization"), "Bearer abc") << "optional whitespace trimmed";
  EXPECT_EQ(req.header("x-empty"), "");
  EXPECT_FALSE(req.header("cookie"));
}

TEST(HttpParse, HeaderNamesAreCaseInsensitiveAndTheFirstWins) {
  const auto req = parsed("GET / HTTP/1.0\r\nHOST: a\r\nhost: b\r\n\r\n");
  EXPECT_EQ(req.header("host"), "a");
  EXPECT_EQ(req.path, "/");
  EXPECT_EQ(req.query, "");
}

TEST(HttpParse, MalformedRequestLinesAre400) {
  EXPECT_EQ(refused_with("GET /\r\n\r\n"), 400) << "no version";
  EXPECT_EQ(refused_with("GET  / HTTP/1.1\r\n\r\n"), 400) << "two spaces";
  EXPECT_EQ(refused_with("GET / HTTP/1.1 x\r\n\r\n"), 400) << "a fourth part";
  EXPECT_EQ(refused_with("G(T / HTTP/1.1\r\n\r\n"), 400) << "a method that is not a token";
  EXPECT_EQ(refused_with(" / HTTP/1.1\r\n\r\n"), 400) << "no method";
  EXPECT_EQ(refused_with("GET http://evil/ HTTP/1.1\r\n\r\n"), 400) << "absolute form";
  EXPECT_EQ(refused_with("GET * HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(refused_with("GET /\x7f HTTP/1.1\r\n\r\n"), 400) << "a control byte in the target";
  EXPECT_EQ(refused_with("GET / FTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(refused_with("GET / HTTP/2.0\r\n\r\n"), 505);
  EXPECT_EQ(refused_with("GET / HTTP/0.9\r\n\r\n"), 505);
}

TEST(HttpParse, BareLineFeedsAndUnterminatedHeadsAre400NotAHang) {
  EXPECT_EQ(refused_with("GET / HTTP/1.1\n\n"), 400);
  EXPECT_EQ(refused_with("GET / HTTP/1.1\r\nHost: a\n\r\n"), 400);
  EXPECT_EQ(refused_with("GET / HTTP/1.1\r\nHost: a\nX-Smuggled: 1\r\n\r\n"), 400)
      << "a bare LF inside a header value is a second header to other parsers";
  EXPECT_EQ(refused_with("GET / HTTP/1.1\r\nHost: a\r\n"), 400) << "no empty line";
  EXPECT_EQ(refused_with("GET / HTTP/1.1"), 400);
  EXPECT_EQ(refused_with(""), 400);
}

TEST(HttpParse, MalformedHeadersAre400) {
  EXPECT_EQ(refused_with("GET / HTTP/1.1\r\nNo colon here\r\n\r\n"), 400);
  EXPECT_EQ(refused_with("GET / HTTP/1.1\r\n: value\r\n\r\n"), 400) << "empty name";
  EXPECT_EQ(refused_with("GET / HTTP/1.1\r\nBad Name: v\r\n\r\n"), 400) << "space in the name";
  EXPECT_EQ(refused_with("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), 400) << "space before colon";
  EXPECT_EQ(refused_with("GET / HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n"), 400)
      << "obsolete line folding";
  std::string nul = "GET / HTTP/1.1\r\nX-A: a";
  nul += '\0';
  nul += "b\r\n\r\n";
  EXPECT_EQ(refused_with(nul), 400) << "a NUL in a value";
}

TEST(HttpParse, RequestBodiesAre413) {
  EXPECT_EQ(refused_with("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n"), 413);
  EXPECT_EQ(refused_with("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"), 413);
  EXPECT_EQ(refused_with("GET / HTTP/1.1\r\ntransfer-encoding: identity\r\n\r\n"), 413);
  EXPECT_EQ(refused_with("GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n"), 0)
      << "an empty body is no body";
}

TEST(HttpParse, HeaderCountLimitIs431) {
  HttpServerLimits limits;
  limits.max_headers = 3;
  std::string head = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 3; ++i) head += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(refused_with(head + "\r\n", limits), 0) << "exactly the limit";
  EXPECT_EQ(refused_with(head + "X-3: v\r\n\r\n", limits), 431);
}

TEST(HttpParse, QueryDecoding) {
  const auto q = parse_query("dataset=perceptics%20images&since=2026-01-01T00%3A00%3A00Z&x=a+b&e=");
  ASSERT_TRUE(q) << q.error().message;
  ASSERT_EQ(q->size(), 4u);
  EXPECT_EQ((*q)[0], (std::pair<std::string, std::string>{"dataset", "perceptics images"}));
  EXPECT_EQ((*q)[1].second, "2026-01-01T00:00:00Z");
  EXPECT_EQ((*q)[2].second, "a b");
  EXPECT_EQ((*q)[3].second, "");
  EXPECT_TRUE(parse_query("") && parse_query("")->empty());
  EXPECT_FALSE(parse_query("a=%zz"));
  EXPECT_FALSE(parse_query("a=%4"));
  EXPECT_FALSE(parse_query("=x")) << "an empty name";
  std::string many;
  for (int i = 0; i < 33; ++i) many += "p" + std::to_string(i) + "=1&";
  EXPECT_FALSE(parse_query(many, 32)) << "more parameters than the limit";
}

}  // namespace
}  // namespace leakwatch::app
