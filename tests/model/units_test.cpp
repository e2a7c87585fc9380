// Sizes and durations as configs and directory listings write them.
#include "model/units.h"

#include <gtest/gtest.h>

#include <chrono>

namespace leakwatch {
namespace {

using std::chrono::milliseconds;

TEST(ParseSize, ReadsPlainByteCounts) {
  EXPECT_EQ(parse_size("12345"), 12345u);
  EXPECT_EQ(parse_size("0"), 0u);
  EXPECT_EQ(parse_size("  42  "), 42u);
  EXPECT_EQ(parse_size("42B"), 42u);
  EXPECT_EQ(parse_size("42 bytes"), 42u);
  EXPECT_EQ(parse_size("18446744073709"), 18446744073709u);
}

TEST(ParseSize, ReadsListingStyleSuffixesAsPowersOf1024) {
  EXPECT_EQ(parse_size("512k"), 512u * 1024);
  EXPECT_EQ(parse_size("512K"), 512u * 1024);
  // nginx and Apache round to one decimal: 1.2M is 1.2 * 2^20 bytes, rounded to a whole byte.
  EXPECT_EQ(parse_size("1.2M"), 1258291u);
  EXPECT_EQ(parse_size("3G"), 3ull << 30);
  EXPECT_EQ(parse_size("2T"), 2ull << 40);
  EXPECT_EQ(parse_size("1P"), 1ull << 50);
}

TEST(ParseSize, ReadsIecUnitsWithOrWithoutSpace) {
  EXPECT_EQ(parse_size("3 KiB"), 3072u);
  EXPECT_EQ(parse_size("64MiB"), 64ull << 20);
  EXPECT_EQ(parse_size("1.5 gib"), 3ull << 29);
  EXPECT_EQ(parse_size("0.5KiB"), 512u);
}

TEST(ParseSize, ReadsKbAndGbAsBinaryUnlessSiIsRequested) {
  EXPECT_EQ(parse_size("2.5 GB"), 2684354560u);  // 2.5 * 2^30
  EXPECT_EQ(parse_size("2.5 GB", true), 2500000000u);
  EXPECT_EQ(parse_size("3 KB", true), 3000u);
  // The "i" always means binary, whatever the flag says.
  EXPECT_EQ(parse_size("3 KiB", true), 3072u);
}

TEST(ParseSize, RejectsMalformedText) {
  for (const char* bad : {"", " ", "abc", "M", "1.2.3M", "-5", "+5", "12 XB", "12 Mb/s", "1e6",
                          "12 MiBs", "K12", "0x10", "1 2"}) {
    EXPECT_FALSE(parse_size(bad)) << '"' << bad << '"';
  }
}

TEST(ParseSize, RejectsSizesThatOverflow64Bits) {
  EXPECT_FALSE(parse_size("20000P"));
  EXPECT_FALSE(parse_size("99999999999999999999"));
  EXPECT_TRUE(parse_size("15P"));
}

TEST(ParseDuration, ReadsEveryUnit) {
  EXPECT_EQ(parse_duration("500ms"), milliseconds{500});
  EXPECT_EQ(parse_duration("30s"), milliseconds{30'000});
  EXPECT_EQ(parse_duration("15m"), milliseconds{15 * 60'000});
  EXPECT_EQ(parse_duration("15min"), milliseconds{15 * 60'000});
  EXPECT_EQ(parse_duration("6h"), milliseconds{6 * 3'600'000});
  EXPECT_EQ(parse_duration("2d"), milliseconds{2 * 86'400'000});
  EXPECT_EQ(parse_duration("1w"), milliseconds{604'800'000});
}

TEST(ParseDuration, AcceptsFractionsAndSpaces) {
  EXPECT_EQ(parse_duration("1.5h"), milliseconds{5'400'000});
  EXPECT_EQ(parse_duration(" 90 s "), milliseconds{90'000});
}

TEST(ParseDuration, RejectsZeroMissingUnitsAndNonsense) {
  for (const char* bad : {"", "0s", "0.0001s", "6", "h", "6 hours", "6H", "-6h", "6h30m", "1y",
                          "forever", "*/15 * * * *"}) {
    EXPECT_FALSE(parse_duration(bad)) << '"' << bad << '"';
  }
}

TEST(ParseDuration, RejectsDurationsBeyondAHundredYears) {
  EXPECT_FALSE(parse_duration("10000w"));
  EXPECT_TRUE(parse_duration("5000w"));
}

TEST(FormatSize, PrintsBytesExactlyAndLargerSizesWithOneDecimal) {
  EXPECT_EQ(format_size(0), "0 B");
  EXPECT_EQ(format_size(1023), "1023 B");
  EXPECT_EQ(format_size(1024), "1.0 KiB");
  EXPECT_EQ(format_size(1536), "1.5 KiB");
  EXPECT_EQ(format_size(64ull << 20), "64.0 MiB");
  EXPECT_EQ(format_size(3ull << 29), "1.5 GiB");
  EXPECT_EQ(format_size(5ull << 40), "5.0 TiB");
  EXPECT_EQ(format_size(2048ull << 50), "2048.0 PiB");  // PiB is the largest unit
}

TEST(FormatSize, OutputParsesBackToTheSameRoundedSize) {
  for (const std::uint64_t bytes : {1536ull, 64ull << 20, 3ull << 29}) {
    EXPECT_EQ(parse_size(format_size(bytes)), bytes) << format_size(bytes);
  }
}

}  // namespace
}  // namespace leakwatch
