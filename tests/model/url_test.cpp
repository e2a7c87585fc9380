// URLs: parsing absolute URLs, RFC 3986 reference resolution, percent-decoding, onion hosts.
#include "model/url.h"

#include <gtest/gtest.h>

#include <string>

namespace leakwatch {
namespace {

TEST(ParseUrl, SplitsEveryPartAndLowerCasesSchemeAndHost) {
  const auto url = parse_url("HTTPS://User:Pw@Files.Example.ORG:8443/Leaks/A%20B/?sort=size#top");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->scheme, "https");
  EXPECT_EQ(url->userinfo, "User:Pw");
  EXPECT_EQ(url->host, "files.example.org");
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->path, "/Leaks/A%20B/");  // path case and escapes kept as given
  EXPECT_EQ(url->query, "sort=size");
  EXPECT_EQ(url->effective_port(), 8443);
  EXPECT_EQ(url->origin(), "https://files.example.org:8443");
  EXPECT_EQ(url->str(), "https://files.example.org:8443/Leaks/A%20B/?sort=size");
  EXPECT_EQ(url->str(true), "https://User:Pw@files.example.org:8443/Leaks/A%20B/?sort=size");
}

TEST(ParseUrl, DefaultsPathToSlashAndPortToTheSchemes) {
  const auto http = parse_url("http://example.com");
  ASSERT_TRUE(http);
  EXPECT_EQ(http->path, "/");
  EXPECT_EQ(http->port, 0);
  EXPECT_EQ(http->effective_port(), 80);
  EXPECT_EQ(http->str(), "http://example.com/");
  EXPECT_EQ(parse_url("https://example.com?q=1")->effective_port(), 443);
  EXPECT_EQ(parse_url("https://example.com?q=1")->query, "q=1");
  EXPECT_EQ(parse_url("socks5h://127.0.0.1")->effective_port(), 1080);
}

TEST(ParseUrl, KeepsBracketsOfIpv6Literals) {
  const auto url = parse_url("http://[2001:DB8::1]:8080/x");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "[2001:db8::1]");
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->path, "/x");
  EXPECT_EQ(url->str(), "http://[2001:db8::1]:8080/x");

  const auto no_port = parse_url("http://[::1]/");
  ASSERT_TRUE(no_port);
  EXPECT_EQ(no_port->host, "[::1]");
  EXPECT_EQ(no_port->port, 0);
}

TEST(ParseUrl, RejectsTextWithoutASchemeOrAuthority) {
  EXPECT_FALSE(parse_url(""));
  EXPECT_FALSE(parse_url("example.com/files/"));
  EXPECT_FALSE(parse_url("/files/"));
  EXPECT_FALSE(parse_url("://example.com/"));
  EXPECT_FALSE(parse_url("1http://example.com/"));
  EXPECT_FALSE(parse_url("ht tp://example.com/"));
  EXPECT_FALSE(parse_url("mailto:someone@example.com"));
  EXPECT_FALSE(parse_url("http:/example.com/"));
}

TEST(ParseUrl, RejectsEmptyHosts) {
  EXPECT_FALSE(parse_url("http:///files/"));
  EXPECT_FALSE(parse_url("http://user@/files/"));
  EXPECT_FALSE(parse_url("http://:8080/"));
  EXPECT_FALSE(parse_url("http://?q"));
}

TEST(ParseUrl, RejectsBadPorts) {
  EXPECT_FALSE(parse_url("http://example.com:0/"));
  EXPECT_FALSE(parse_url("http://example.com:65536/"));
  EXPECT_FALSE(parse_url("http://example.com:-1/"));
  EXPECT_FALSE(parse_url("http://example.com:80a/"));
  EXPECT_FALSE(parse_url("http://example.com:http/"));
  EXPECT_FALSE(parse_url("http://[::1]x/"));
  EXPECT_FALSE(parse_url("http://[::1/"));
  EXPECT_TRUE(parse_url("http://example.com:65535/"));
}

TEST(ParseUrl, RejectsHostsWithCharactersThatCouldSmuggleAnotherHost) {
  EXPECT_FALSE(parse_url("http://exa mple.com/"));
  EXPECT_FALSE(parse_url("http://example.com%2f.evil/"));
  EXPECT_FALSE(parse_url("http://exa\\mple.com/"));
  EXPECT_FALSE(parse_url("http://exa<mple.com/"));
}

TEST(ParseUrl, RejectsAColonInAHostOutsideBrackets) {
  // Found by redirect_fuzz: a Location "http://127.0.0.1:ttp://..." gave the host "127.0.0.1:ttp"
  // (empty port), which reads back as host 127.0.0.1 with port "ttp": the hop judged was not
  // the hop requested.
  EXPECT_FALSE(parse_url("http://127.0.0.1:ttp://127.0.0.1:8080/admin"));
  EXPECT_FALSE(parse_url("http://a.example:80:/x"));
  EXPECT_FALSE(parse_url("http://::1/"));
  const auto base = parse_url("https://leak.example/files/");
  ASSERT_TRUE(base);
  EXPECT_FALSE(resolve_url(*base, "http://127.0.0.1:ttp://127.0.0.1:8080/admin"));
  // An empty port after one colon is still the scheme's (RFC 3986 3.2.3), and IPv6 stays.
  EXPECT_EQ(parse_url("http://a.example:/x")->host, "a.example");
  EXPECT_EQ(parse_url("http://[::1]:8080/")->host, "[::1]");
}

TEST(ParseUrl, TakesTheLastAtSignAsTheEndOfUserinfo) {
  const auto url = parse_url("http://a@b@example.com/");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->userinfo, "a@b");
  EXPECT_EQ(url->host, "example.com");
  EXPECT_EQ(url->str(), "http://example.com/");  // userinfo never printed unless asked
}

// RFC 3986 section 5.4: every example with base "http://a/b/c/d;p?q". Fragments are dropped
// because leakwatch never fetches them, so "g#s" resolves to the RFC's result without "#s".
struct Rfc3986Example {
  const char* ref;
  const char* expected;
};

constexpr Rfc3986Example kNormalExamples[] = {
    {"g", "http://a/b/c/g"},       {"./g", "http://a/b/c/g"},
    {"g/", "http://a/b/c/g/"},     {"/g", "http://a/g"},
    {"//g", "http://g/"},  // RFC: "http://g"; our str() always prints a path, "/" for empty
    {"?y", "http://a/b/c/d;p?y"},  {"g?y", "http://a/b/c/g?y"},
    {"#s", "http://a/b/c/d;p?q"},  {"g#s", "http://a/b/c/g"},
    {"g?y#s", "http://a/b/c/g?y"}, {";x", "http://a/b/c/;x"},
    {"g;x", "http://a/b/c/g;x"},   {"g;x?y#s", "http://a/b/c/g;x?y"},
    {"", "http://a/b/c/d;p?q"},    {".", "http://a/b/c/"},
    {"./", "http://a/b/c/"},       {"..", "http://a/b/"},
    {"../", "http://a/b/"},        {"../g", "http://a/b/g"},
    {"../..", "http://a/"},        {"../../", "http://a/"},
    {"../../g", "http://a/g"},
};

constexpr Rfc3986Example kAbnormalExamples[] = {
    {"../../../g", "http://a/g"},
    {"../../../../g", "http://a/g"},
    {"/./g", "http://a/g"},
    {"/../g", "http://a/g"},
    {"g.", "http://a/b/c/g."},
    {".g", "http://a/b/c/.g"},
    {"g..", "http://a/b/c/g.."},
    {"..g", "http://a/b/c/..g"},
    {"./../g", "http://a/b/g"},
    {"./g/.", "http://a/b/c/g/"},
    {"g/./h", "http://a/b/c/g/h"},
    {"g/../h", "http://a/b/c/h"},
    {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
    {"g;x=1/../y", "http://a/b/c/y"},
    {"g?y/./x", "http://a/b/c/g?y/./x"},
    {"g?y/../x", "http://a/b/c/g?y/../x"},
    {"g#s/./x", "http://a/b/c/g"},
    {"g#s/../x", "http://a/b/c/g"},
    {"http:g", "http://a/b/c/g"},  // the RFC's "backward compatibility" reading
};

void expect_resolves(const Rfc3986Example& example) {
  const auto base = parse_url("http://a/b/c/d;p?q");
  ASSERT_TRUE(base);
  const auto resolved = resolve_url(*base, example.ref);
  ASSERT_TRUE(resolved) << "ref \"" << example.ref << '"';
  EXPECT_EQ(resolved->str(), example.expected) << "ref \"" << example.ref << '"';
}

TEST(ResolveUrl, FollowsRfc3986NormalExamples) {
  for (const auto& example : kNormalExamples) expect_resolves(example);
}

TEST(ResolveUrl, FollowsRfc3986AbnormalExamples) {
  for (const auto& example : kAbnormalExamples) expect_resolves(example);
}

TEST(ResolveUrl, RemovesDotSegmentsFromNetworkPathAndAbsoluteReferences) {
  const auto base = parse_url("https://a/b/c/d;p?q");
  ASSERT_TRUE(base);
  EXPECT_EQ(resolve_url(*base, "//g/x/./y/../z")->str(), "https://g/x/z");
  EXPECT_EQ(resolve_url(*base, "http://h/x/../y?k=v")->str(), "http://h/y?k=v");
}

TEST(ResolveUrl, KeepsTheBasesAuthorityForRelativeReferences) {
  const auto base = parse_url("http://user:pw@[::1]:8080/files/index.html");
  ASSERT_TRUE(base);
  const auto resolved = resolve_url(*base, "sub/a.zip");
  ASSERT_TRUE(resolved);
  EXPECT_EQ(resolved->str(true), "http://user:pw@[::1]:8080/files/sub/a.zip");
}

TEST(ResolveUrl, ReturnsNothingForSchemesWithoutAnAuthority) {
  const auto base = parse_url("http://a/b/c/d;p?q");
  ASSERT_TRUE(base);
  // RFC 3986 gives "g:h"; a Url cannot hold a URL without a host, so the caller skips the link.
  EXPECT_FALSE(resolve_url(*base, "g:h"));
  EXPECT_FALSE(resolve_url(*base, "mailto:x@example.com"));
  EXPECT_FALSE(resolve_url(*base, "javascript:void(0)"));
}

TEST(ResolveUrl, TreatsAColonAfterASlashAsPartOfThePath) {
  const auto base = parse_url("http://a/files/");
  ASSERT_TRUE(base);
  EXPECT_EQ(resolve_url(*base, "./c:d.txt")->str(), "http://a/files/c:d.txt");
  EXPECT_EQ(resolve_url(*base, "x/y:z")->str(), "http://a/files/x/y:z");
  EXPECT_EQ(resolve_url(*base, "?k=a:b")->str(), "http://a/files/?k=a:b");
}

TEST(PercentDecode, DecodesEscapesInEitherCase) {
  EXPECT_EQ(percent_decode("A%20B%2fC%2Fd"), "A B/C/d");
  EXPECT_EQ(percent_decode("%e2%82%ac"), "\xe2\x82\xac");  // UTF-8 euro sign, byte by byte
  EXPECT_EQ(percent_decode("100%25"), "100%");
  EXPECT_EQ(percent_decode("%00"), std::string(1, '\0'));
}

TEST(PercentDecode, KeepsMalformedEscapesLiterally) {
  EXPECT_EQ(percent_decode("%"), "%");
  EXPECT_EQ(percent_decode("a%"), "a%");
  EXPECT_EQ(percent_decode("a%4"), "a%4");
  EXPECT_EQ(percent_decode("%zz"), "%zz");
  EXPECT_EQ(percent_decode("%4g%41"), "%4gA");
  EXPECT_EQ(percent_decode("%%41"), "%A");
  EXPECT_EQ(percent_decode("plus+stays"), "plus+stays");
}

TEST(Url, RecognisesOnionHostsOnly) {
  EXPECT_TRUE(parse_url("http://exampleleakxyz.onion/files/")->is_onion());
  EXPECT_TRUE(parse_url("http://EXAMPLELEAKXYZ.ONION/")->is_onion());
  EXPECT_TRUE(parse_url("http://www.exampleleakxyz.onion:8080/")->is_onion());
  // A fully qualified name with a trailing dot is the same onion service.
  EXPECT_TRUE(parse_url("http://exampleleakxyz.onion./")->is_onion());
  EXPECT_FALSE(parse_url("http://onion.example.com/")->is_onion());
  EXPECT_FALSE(parse_url("http://exampleonion/")->is_onion());
  EXPECT_FALSE(parse_url("http://example.com/x.onion")->is_onion());
}

}  // namespace
}  // namespace leakwatch
