// Name normalisation (NFKC_Casefold, trailing junk) and glob patterns over basenames.
#include "matcher/names.h"

#include <gtest/gtest.h>

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
