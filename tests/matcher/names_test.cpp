// Name normalisation (NFKC_Casefold, trailing junk) and glob patterns over basenames.
#include "matcher/names.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>

namespace leakwatch::matcher {
namespace {

TEST(NormaliseName, FoldsUnicodeCaseBeyondAscii) {
  EXPECT_EQ(normalise_name("Gehälter/ÜBERSICHT.XLSX"), "übersicht.xlsx");
  EXPECT_EQ(normalise_name("\xCE\xA3\xCE\x91.PDF"),
            "\xCF\x83\xCE\xB1.pdf");  // "ΣΑ.PDF" -> "σα.pdf"
  EXPECT_EQ(normalise_name("STRASSE.txt"), normalise_name("straße.txt"));  // full case folding
  // NFKC compatibility folding: full-width letters, ligatures, zero-width joiners.
  EXPECT_EQ(normalise_name("\xEF\xBC\xB0\xEF\xBC\xAC\xEF\xBC\xA1\xEF\xBC\xB4\xEF\xBC\xA5.jpg"),
            "plate.jpg");                                           // ＰＬＡＴＥ.jpg
  EXPECT_EQ(normalise_name("\xEF\xAC\x81le.txt"), "file.txt");      // ﬁle.txt
  EXPECT_EQ(normalise_name("pla\xE2\x80\x8Bte.jpg"), "plate.jpg");  // zero-width space
  EXPECT_NE(normalise_name("plate1.jpg"), normalise_name("plate2.jpg"));
}

TEST(NormaliseName, ComposedAndDecomposedAccentsCompareEqual) {
  const std::string composed = "r\xC3\xA9sum\xC3\xA9.docx";      // é as U+00E9
  const std::string decomposed = "re\xCC\x81sume\xCC\x81.docx";  // e + U+0301 (macOS style)
  EXPECT_EQ(normalise_name(composed), normalise_name(decomposed));
  EXPECT_EQ(normalise_name(decomposed), composed);
}

TEST(NormaliseName, InvalidUtf8FallsBackToAsciiFolding) {
  const std::string name = "BAD\xFF\xFEName.TXT";
  EXPECT_EQ(normalise_name(name), "bad\xFF\xFEname.txt");
}

// normalise_name scans 8 bytes at a time; it must agree with the byte-at-a-time definition
// (last component, trailing spaces, dots and tabs dropped, ASCII letters lowered, other bytes
// kept) at every length and separator position, and on the bytes next to 'A'..'Z' and their
// high-bit twins (0xC1..0xDA), which must not be lowered.
std::string reference_fold(std::string_view path) {
  while (!path.empty() && (path.back() == '/' || path.back() == '\\')) path.remove_suffix(1);
  std::size_t begin = path.size();
  while (begin > 0 && path[begin - 1] != '/' && path[begin - 1] != '\\') --begin;
  std::string name(path.substr(begin));
  while (!name.empty() && (name.back() == ' ' || name.back() == '.' || name.back() == '\t')) {
    name.pop_back();
  }
  for (auto& c : name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return name;
}

TEST(NormaliseName, WordAtATimeScansAgreeWithTheByteDefinition) {
  const std::string alphabet = "/\\/\\AZ@[az`{ .\tx\x80\xC1\xDA\xFF";
  std::mt19937 rng(7);
  std::string out;
  for (int round = 0; round < 20000; ++round) {
    std::string path(rng() % 41, 'x');
    for (auto& c : path) c = alphabet[rng() % alphabet.size()];
    // With bytes >= 0x80 the name is made invalid UTF-8 (0xFF at its end), so it takes the
    // byte-folding path the reference describes rather than ICU.
    bool high = false;
    for (const char c : path) high |= static_cast<unsigned char>(c) >= 0x80;
    if (high) path += '\xFF';
    const auto expected = reference_fold(path);
    EXPECT_EQ(normalise_name(path), expected) << "path of " << path.size() << " bytes";
    normalise_name(path, out);
    EXPECT_EQ(out, expected);
  }
}

TEST(GlobMatches, NormalisedPatternMatchesAsTheRawOne) {
  const std::string pattern = normalise_pattern("Payroll*.XLSX");
  EXPECT_EQ(pattern, "payroll*.xlsx");
  EXPECT_TRUE(glob_matches_normalised(pattern, normalise_name("HR/PAYROLL-2025.xlsx")));
  EXPECT_FALSE(glob_matches_normalised(pattern, normalise_name("HR/payroll-2025.csv")));
}

TEST(GlobMatches, StarQuestionMarkAndClassesMatchCaseInsensitively) {
  EXPECT_TRUE(glob_matches("payroll*.xlsx", "payroll-2025-q1.xlsx"));
  EXPECT_TRUE(glob_matches("Payroll*.XLSX", "payroll.xlsx"));
  EXPECT_FALSE(glob_matches("payroll*.xlsx", "payroll-2025.csv"));
  EXPECT_TRUE(glob_matches("scan_????.tif", "scan_0042.tif"));
  EXPECT_FALSE(glob_matches("scan_????.tif", "scan_042.tif"));
  EXPECT_TRUE(glob_matches("plate_[0-9]*.jpg", "plate_7abc.jpg"));
  EXPECT_FALSE(glob_matches("plate_[0-9]*.jpg", "plate_x.jpg"));
  EXPECT_TRUE(glob_matches("plate_[!0-9]*", "plate_x.jpg"));
  EXPECT_TRUE(glob_matches("*", "anything"));
  EXPECT_FALSE(glob_matches("", "anything"));
  EXPECT_TRUE(glob_matches("*secret*", "top-secret-plans.pdf"));
}

}  // namespace
}  // namespace leakwatch::matcher
