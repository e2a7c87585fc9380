// `leakwatch sign` and `signatures export|import` through the real binary: the signature and
// the exported bundle carry every digest kind, patterns and hashed honeytokens, and never a
// plaintext value of the data.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/leakwatch_cli.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace leakwatch {
namespace {

using testing::CommandResult;
using testing::leakwatch_in;
using testing::read_file;
using testing::run_command;
using testing::TempDir;
using testing::write_file;

TEST(SignCli, SignatureAndBundleHoldHashesPatternsAndNoPlaintext) {
  TempDir dir;
  const std::string iban = "DE89370400440532013000";
  const std::string token = "canary-q7x2-leakwatch";
  write_file(dir / "hr/payroll.csv", "name,iban\nAlice Example," + iban + "\n");
  write_file(dir / "hr/notes/minutes.txt", "Board minutes: merger with Initech in Q3.\n");
  const auto signed_run = leakwatch_in(dir, "data",
                                       {"sign", "--dataset", "hr", "--pattern", "payroll*.csv",
                                        "--honeytoken", token, (dir / "hr").string()});
  ASSERT_EQ(signed_run.exit_code, 0) << signed_run.err;
  EXPECT_NE(signed_run.out.find("1 name patterns"), std::string::npos) << signed_run.out;

  const auto shown = leakwatch_in(dir, "data", {"signatures", "show", "hr", "--format", "json"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  ASSERT_EQ(leakwatch_in(dir, "data", {"signatures", "export", "hr", (dir / "hr.bundle").string()})
                .exit_code,
            0);
  const auto bundle = read_file(dir / "hr.bundle");
  for (const auto* text : {&shown.out, &bundle}) {
    for (const std::string& plain : {iban, std::string("Alice"), std::string("Initech"), token}) {
      EXPECT_EQ(text->find(plain), std::string::npos) << "found plaintext '" << plain << "'";
    }
  }
  const auto sig = nlohmann::json::parse(bundle)["signature"];
  EXPECT_EQ(sig["name_patterns"], nlohmann::json::array({"payroll*.csv"}));
  EXPECT_EQ(sig["honeytoken_hashes"].size(), 1u);
  ASSERT_EQ(sig["files"].size(), 2u);
  EXPECT_EQ(sig["files"][0]["digests"].size(), 6u) << sig["files"][0].dump();

  // Another team imports the bundle without the data and gets the same signature.
  ASSERT_EQ(
      leakwatch_in(dir, "other", {"signatures", "import", (dir / "hr.bundle").string()}).exit_code,
      0);
  const auto imported =
      leakwatch_in(dir, "other", {"signatures", "show", "hr", "--format", "json"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  // The same signature, plus when this store imported it (the window floor of its verify).
  auto imported_json = nlohmann::json::parse(imported.out);
  ASSERT_TRUE(imported_json.contains("imported")) << imported.out;
  EXPECT_FALSE(nlohmann::json::parse(shown.out).contains("imported")) << shown.out;
  imported_json.erase("imported");
  EXPECT_EQ(imported_json, nlohmann::json::parse(shown.out));
}

}  // namespace
}  // namespace leakwatch
