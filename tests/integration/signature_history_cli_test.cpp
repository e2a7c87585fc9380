// A replaced signature stays on record (issue 15, "sign never silently replaces a signature"),
// through the real binary over a real RocksDB: `sign --replace` with another file set keeps the
// old version, `signatures history` shows both with what changed, and `verify --as-of` before
// the replacement evaluates the version in force then, after it the current one.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "tests/support/leakwatch_cli.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/verify/verify_fixture.h"

namespace leakwatch {
namespace {

using testing::CommandResult;
using testing::run_command;
using testing::StoreFiller;
using testing::TempDir;
using testing::write_file;

class SignatureHistoryCli : public ::testing::Test {
 protected:
  SignatureHistoryCli() {
    write_file(dir / "leakwatch.toml",
               "data_dir = \"data\"\n[[source]]\nname = \"a\"\nurl = \"http://a.example/\"\n"
               "timeout = \"5s\"\n");
    write_file(dir / "v1/a.txt", "alpha\n");
    write_file(dir / "v1/b.txt", "bravo\n");
    write_file(dir / "v1/old.txt", "old\n");
    write_file(dir / "v1/older.txt", "older\n");
    write_file(dir / "v2/a.txt", "alpha\n");           // unchanged
    write_file(dir / "v2/b.txt", "bravo, changed\n");  // changed
    write_file(dir / "v2/c.txt", "charlie\n");         // added; old and older removed
  }

  CommandResult leakwatch(std::vector<std::string> args) {
    args.insert(args.begin(), {LEAKWATCH_BINARY, "--config", (dir / "leakwatch.toml").string()});
    return run_command(args);
  }
  static nlohmann::json json_of(const CommandResult& r) {
    try {
      return nlohmann::json::parse(r.out);
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what() << "\n" << r.out << r.err;
      return {};
    }
  }
  static void tick() { std::this_thread::sleep_for(std::chrono::milliseconds{5}); }

  // Signs v1, records an ok scan of source a after it, and replaces the signature with v2; the
  // time between the scan and the replacement is `between`.
  void sign_scan_replace() {
    const auto signed_v1 = leakwatch({"sign", "--dataset", "d", (dir / "v1").string()});
    ASSERT_EQ(signed_v1.exit_code, 0) << signed_v1.err;
    tick();
    {
      StoreFiller fill(dir / "data");
      fill.scan("a", now(), ScanStatus::ok);
    }
    tick();
    between = now();
    tick();
    const auto replaced = leakwatch({"sign", "--dataset", "d", "--replace", (dir / "v2").string()});
    ASSERT_EQ(replaced.exit_code, 0) << replaced.err;
    EXPECT_NE(replaced.err.find("leakwatch signatures history d"), std::string::npos)
        << replaced.err;
  }

  TempDir dir;
  Timestamp between{};
};

TEST_F(SignatureHistoryCli, HistoryListsBothVersionsWithWhatChanged) {
  ASSERT_NO_FATAL_FAILURE(sign_scan_replace());
  const auto shown = leakwatch({"signatures", "history", "d", "--format", "json"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  const auto j = json_of(shown);
  EXPECT_EQ(j["dataset"], "d");
  ASSERT_EQ(j["versions"].size(), 2u) << shown.out;
  const auto& old = j["versions"][0];
  const auto& cur = j["versions"][1];
  EXPECT_EQ(old["version"], 1);
  EXPECT_EQ(old["current"], false);
  EXPECT_EQ(old["files"], 4);
  EXPECT_EQ(old["bytes"], 6 + 6 + 4 + 6);
  const auto replaced = parse_rfc3339(old["replaced"].get<std::string>());
  ASSERT_TRUE(replaced);
  EXPECT_GT(*replaced, between);
  EXPECT_LE(*replaced, now());
  const auto& change = old["change"];
  EXPECT_EQ(change["files_added"], 1);
  EXPECT_EQ(change["files_removed"], 2);
  EXPECT_EQ(change["files_changed"], 1);
  ASSERT_EQ(change["added"].size(), 1u);
  EXPECT_EQ(change["added"][0]["path"], "c.txt");
  EXPECT_EQ(change["added"][0]["size"], 8);
  EXPECT_TRUE(change["added"][0]["digest"].get<std::string>().starts_with("sha256:"));
  ASSERT_EQ(change["removed"].size(), 2u);
  EXPECT_EQ(change["removed"][0]["path"], "old.txt");
  EXPECT_EQ(change["removed"][1]["path"], "older.txt");
  ASSERT_EQ(change["changed"].size(), 1u);
  EXPECT_EQ(change["changed"][0]["path"], "b.txt");
  EXPECT_EQ(change["changed"][0]["before"]["size"], 6);
  EXPECT_EQ(change["changed"][0]["after"]["size"], 15);
  EXPECT_NE(change["changed"][0]["before"]["digest"], change["changed"][0]["after"]["digest"]);
  EXPECT_EQ(cur["version"], 2);
  EXPECT_EQ(cur["current"], true);
  EXPECT_TRUE(cur["replaced"].is_null());
  EXPECT_EQ(cur["files"], 3);
  EXPECT_GE(parse_rfc3339(cur["created"].get<std::string>()).value(), between);

  const auto text = leakwatch({"signatures", "history", "d"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("version 1: created " + old["created"].get<std::string>() +
                          ", replaced " + old["replaced"].get<std::string>()),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("replaced by: 1 added, 2 removed, 1 changed"), std::string::npos);
  EXPECT_NE(text.out.find("+ c.txt  8  sha256:"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("- old.txt  4  sha256:"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("~ b.txt  6  sha256:"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("version 2 (current): created"), std::string::npos) << text.out;

  // Importing a bundle over the name is a replacement too.
  const auto exported = leakwatch({"signatures", "export", "d", (dir / "d.bundle").string()});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  const auto imported = leakwatch({"signatures", "import", (dir / "d.bundle").string()});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(imported.err.find("replaced the signature of 'd'"), std::string::npos) << imported.err;
  const auto after_import = json_of(leakwatch({"signatures", "history", "d", "--format", "json"}));
  ASSERT_EQ(after_import["versions"].size(), 3u);
  EXPECT_EQ(after_import["versions"][1]["change"]["files_added"], 0);
  EXPECT_FALSE(after_import["versions"][2]["imported"].is_null());

  const auto unknown = leakwatch({"signatures", "history", "nope"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("no signature named 'nope'"), std::string::npos) << unknown.err;
}

TEST_F(SignatureHistoryCli, VerifyBeforeTheReplacementUsesTheVersionInForceThen) {
  ASSERT_NO_FATAL_FAILURE(sign_scan_replace());
  const auto history = json_of(leakwatch({"signatures", "history", "d", "--format", "json"}));
  ASSERT_EQ(history["versions"].size(), 2u);

  // Before the replacement: v1 (4 files), signed before the scan, so the scan covers it.
  const auto as_of = format_rfc3339(between);
  const auto before = leakwatch({"verify", "--dataset", "d", "--as-of", as_of, "--format", "json"});
  EXPECT_EQ(before.exit_code, 0) << before.out << before.err;
  const auto b = json_of(before);
  EXPECT_EQ(b["verdict"], "not-observed") << before.out;
  EXPECT_EQ(b["signature_created"], history["versions"][0]["created"]);
  EXPECT_EQ(b["signature_replaced"], history["versions"][0]["replaced"]);
  EXPECT_EQ(b["signature_version"], 1);
  EXPECT_EQ(b["signature_versions"], 2);
  EXPECT_EQ(b["dataset_files"], 4);
  bool noted = false;
  for (const auto& l : b["limitations"]) {
    EXPECT_NE(l["kind"], "before-signature") << l.dump();
    noted |= l["kind"] == "replaced";
  }
  EXPECT_TRUE(noted) << before.out;
  const auto before_text = leakwatch({"verify", "--dataset", "d", "--as-of", as_of});
  EXPECT_EQ(before_text.exit_code, 0) << before_text.out << before_text.err;
  EXPECT_NE(
      before_text.out.find("Signature: version 1 of 2, created " +
                           history["versions"][0]["created"].get<std::string>() + ", replaced " +
                           history["versions"][0]["replaced"].get<std::string>() + " (4 files)"),
      std::string::npos)
      << before_text.out;

  // Now: v2 (3 files), created after the only scan: nothing covered it yet.
  const auto current = leakwatch({"verify", "--dataset", "d", "--format", "json"});
  EXPECT_EQ(current.exit_code, 11) << current.out << current.err;
  const auto c = json_of(current);
  EXPECT_EQ(c["verdict"], "insufficient-coverage");
  EXPECT_EQ(c["signature_created"], history["versions"][1]["created"]);
  EXPECT_TRUE(c["signature_replaced"].is_null());
  EXPECT_EQ(c["signature_version"], 2);
  EXPECT_EQ(c["signature_versions"], 2);
  EXPECT_EQ(c["dataset_files"], 3);
  EXPECT_EQ(c["window"]["coverage_since"], history["versions"][1]["created"]);
}

}  // namespace
}  // namespace leakwatch
