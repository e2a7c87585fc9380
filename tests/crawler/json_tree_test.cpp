// JSON file trees in the shapes file hosts and leak sites publish.
#include "crawler/json_tree.h"

#include <gtest/gtest.h>

namespace leakwatch::crawler {
namespace {

TEST(JsonTree, ReadsNestedChildrenWithSizesAndDigests) {
  const auto tree = parse_json_tree(R"({"name": "dump", "children": [
      {"name": "a.jpg", "size": 123, "sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"name": "sub", "children": [{"name": "b.csv", "length": "456", "hash": "d41d8cd98f00b204e9800998ecf8427e"}]},
      {"name": "no-size.txt"}]})",
                                    {}, 100);
  ASSERT_TRUE(tree.ok()) << tree.error().message;
  ASSERT_EQ(tree->entries.size(), 3u);
  EXPECT_EQ(tree->entries[0].path, "dump/a.jpg");
  EXPECT_EQ(tree->entries[0].size, 123u);
  ASSERT_EQ(tree->entries[0].digests.size(), 1u);
  EXPECT_EQ(tree->entries[0].digests[0].kind, DigestKind::sha256);
  EXPECT_EQ(tree->entries[1].path, "dump/sub/b.csv");
  EXPECT_EQ(tree->entries[1].size, 456u);
  ASSERT_EQ(tree->entries[1].digests.size(), 1u);
  EXPECT_EQ(tree->entries[1].digests[0].kind, DigestKind::md5) << "a 32-hex generic hash is md5";
  EXPECT_FALSE(tree->entries[2].size.has_value());
}

TEST(JsonTree, ReadsFlatListsAndObjectsKeyedByName) {
  auto flat = parse_json_tree(
      R"([{"path": "/x/y.bin", "bytes": 5}, {"path": "z.bin", "bytes": 6}])", {}, 100);
  ASSERT_TRUE(flat.ok());
  ASSERT_EQ(flat->entries.size(), 2u);
  EXPECT_EQ(flat->entries[0].path, "x/y.bin");
  auto keyed = parse_json_tree(
      R"({"files": {"a.txt": {"size": 1}, "d": {"files": {"b.txt": {"size": 2}}}}})", {}, 100);
  ASSERT_TRUE(keyed.ok()) << keyed.error().message;
  ASSERT_EQ(keyed->entries.size(), 2u);
  EXPECT_EQ(keyed->entries[1].path, "d/b.txt");
}

TEST(JsonTree, UsesConfiguredKeys) {
  JsonTreeKeys keys;
  keys.path = {"fn"};
  keys.size = {"sz"};
  keys.children = {"kids"};
  const auto tree = parse_json_tree(R"({"kids": [{"fn": "q.bin", "sz": 9}]})", keys, 100);
  ASSERT_TRUE(tree.ok());
  ASSERT_EQ(tree->entries.size(), 1u);
  EXPECT_EQ(tree->entries[0].size, 9u);
}

TEST(JsonTree, HasLimitsAndClearErrors) {
  std::string many = "[";
  for (int i = 0; i < 1000; ++i)
    many += std::string(i ? "," : "") + "{\"name\":\"f" + std::to_string(i) + "\"}";
  many += "]";
  const auto capped = parse_json_tree(many, {}, 10);
  ASSERT_TRUE(capped.ok());
  EXPECT_EQ(capped->entries.size(), 10u);
  EXPECT_TRUE(capped->truncated);
  EXPECT_FALSE(parse_json_tree("{\"name\":", {}, 10).ok());
  EXPECT_FALSE(parse_json_tree("{\"unrelated\": 1}", {}, 10).ok());
  EXPECT_FALSE(parse_json_tree(R"({"name": "x", "size": -5, "sha256": "nothex"})", {}, 10)
                   ->entries[0]
                   .size.has_value());
  // Deep nesting stops descending rather than exhausting the stack.
  std::string deep;
  for (int i = 0; i < 5000; ++i) deep += "{\"children\":[";
  deep += "{\"name\":\"bottom\"}";
  for (int i = 0; i < 5000; ++i) deep += "]}";
  const auto bottom = parse_json_tree(deep, {}, 10);
  EXPECT_FALSE(bottom.ok() && !bottom->entries.empty());
}

TEST(JsonTree, RefusesATreeNested100000DeepWithAClearError) {
  // nlohmann's DOM copy recursed once per level: this tree ended the process.
  std::string deep;
  for (int i = 0; i < 100'000; ++i) deep += "{\"children\":[";
  deep += "{\"name\":\"bottom\"}";
  for (int i = 0; i < 100'000; ++i) deep += "]}";
  const auto tree = parse_json_tree(deep, {}, 100'000);
  ASSERT_FALSE(tree.ok());
  EXPECT_NE(tree.error().message.find("JSON nests deeper than 256 levels"), std::string::npos)
      << tree.error().message;
}

TEST(JsonTree, KeepsOnlyTheFieldsItReadsAndStopsPastTheEntryLimit) {
  // Unrelated members, however large or deep (within the limit), are skipped unread; a body of
  // many more entries than the limit stops being read once the limit is passed.
  std::string body = R"({"name": "top", "junk": [)";
  for (int i = 0; i < 1000; ++i) body += std::string(i ? "," : "") + R"({"x": [1, 2, {"y": "z"}]})";
  body += R"(], "children": {"a.txt": {"size": 3}, "b.txt": {}, "sub": {"files": [)";
  for (int i = 0; i < 100'000; ++i)
    body += std::string(i ? "," : "") + R"({"name": "f)" + std::to_string(i) + R"(", "size": 1})";
  body += "]}}}";
  const auto tree = parse_json_tree(body, {}, 50);
  ASSERT_TRUE(tree.ok()) << tree.error().message;
  EXPECT_TRUE(tree->truncated);
  ASSERT_GE(tree->entries.size(), 2u);
  EXPECT_EQ(tree->entries[0].path, "top/a.txt");
  EXPECT_EQ(tree->entries[0].size, 3u);
  EXPECT_EQ(tree->entries[1].path, "top/b.txt");
  EXPECT_LE(tree->entries.size(), 50u);
}

}  // namespace
}  // namespace leakwatch::crawler
