// SOCKS5 replies in words: every RFC 1928 code and every Tor extended code has its own words, and
// libcurl's message for each becomes them. (The real Tor network's replies: tor_test.cpp.)
#include "net/socks_reply.h"

#include <gtest/gtest.h>

#include <set>

namespace leakwatch::crawler {
namespace {

TEST(SocksReply, EveryStandardAndTorCodeHasDistinctWords) {
  std::set<std::string_view> seen;
  for (int code : {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xF0, 0xF1, 0xF2, 0xF3, 0xF4,
                   0xF5, 0xF6, 0xF7}) {
    const auto words = socks_reply_words(code);
    ASSERT_TRUE(words) << code;
    EXPECT_TRUE(seen.insert(*words).second) << "same words twice: " << *words;
  }
  EXPECT_FALSE(socks_reply_words(0x00));
  EXPECT_FALSE(socks_reply_words(0x09));
  EXPECT_FALSE(socks_reply_words(0xF8));
}

TEST(SocksReply, CurlMessagesBecomeWordsNamingTheHost) {
  const auto f0 = explain_socks_failure("Can't complete SOCKS5 connection to abc.onion. (240)");
  ASSERT_TRUE(f0);
  EXPECT_EQ(*f0,
            "onion service descriptor not found (the service is offline or gone, or the address "
            "is wrong) (Tor SOCKS reply 0xF0 for abc.onion)");
  const auto ttl = explain_socks_failure("Can't complete SOCKS5 connection to x.onion. (6)");
  ASSERT_TRUE(ttl);
  EXPECT_NE(ttl->find("TTL expired"), std::string::npos) << *ttl;
  EXPECT_NE(ttl->find("SOCKS reply 0x06 for x.onion"), std::string::npos) << *ttl;
  EXPECT_EQ(ttl->find("Tor"), std::string::npos) << "0x06 is RFC 1928's: " << *ttl;
  EXPECT_NE(explain_socks_failure("Can't complete SOCKS5 connection to h. (247)")
                ->find("introduction timed out"),
            std::string::npos);
}

TEST(SocksReply, OtherMessagesAreLeftAlone) {
  EXPECT_FALSE(explain_socks_failure("Failed to connect to 127.0.0.1 port 9: Connection refused"));
  EXPECT_FALSE(explain_socks_failure("Can't complete SOCKS5 connection to h. (999)"));
  EXPECT_FALSE(explain_socks_failure("Can't complete SOCKS5 connection to h. (x)"));
  EXPECT_FALSE(explain_socks_failure("Can't complete SOCKS5 connection to h."));
}

}  // namespace
}  // namespace leakwatch::crawler
