// docs/openapi.yaml and the server's routes describe the same API: every route is documented as a
// GET that needs the bearer token, and nothing is documented that the server does not answer.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "api/http_api.h"

namespace leakwatch::app {
namespace {

std::string openapi_text() {
  std::ifstream in(std::string(LEAKWATCH_SOURCE_DIR) + "/docs/openapi.yaml");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The keys directly under `paths:` (two-space indent) with the operations under each.
std::map<std::string, std::set<std::string>> documented_operations(const std::string& yaml) {
  std::map<std::string, std::set<std::string>> out;
  std::istringstream in(yaml);
  bool in_paths = false;
  std::string current;
  const std::regex path_line(R"(^  (/[^:\s]*):\s*$)");
  const std::regex op_line(R"(^    (get|put|post|delete|patch|head|options|trace):\s*$)");
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != ' ' && line[0] != '#') in_paths = line == "paths:";
    if (!in_paths) continue;
    std::smatch m;
    if (std::regex_match(line, m, path_line)) {
      current = m[1];
      out[current];
    } else if (!current.empty() && std::regex_match(line, m, op_line)) {
      out[current].insert(m[1]);
    }
  }
  return out;
}

TEST(OpenApi, DocumentsExactlyTheServersRoutesAsGetOnly) {
  const auto yaml = openapi_text();
  ASSERT_FALSE(yaml.empty()) << "docs/openapi.yaml missing";
  const auto documented = documented_operations(yaml);
  std::set<std::string> served;
  for (const auto& r : api_routes()) served.insert(std::string(r.path));
  std::set<std::string> doc_paths;
  for (const auto& [path, ops] : documented) {
    doc_paths.insert(path);
    EXPECT_EQ(ops, std::set<std::string>{"get"}) << path << " must be GET only";
  }
  EXPECT_EQ(doc_paths, served);
}

TEST(OpenApi, DeclaresVersionAndBearerSecurityForEverything) {
  const auto yaml = openapi_text();
  EXPECT_NE(yaml.find("openapi: 3.0."), std::string::npos);
  EXPECT_TRUE(std::regex_search(
      yaml, std::regex(R"(bearerAuth:\s*\n\s+type: http\s*\n\s+scheme: bearer)")));
  EXPECT_TRUE(std::regex_search(yaml, std::regex(R"(\nsecurity:\s*\n\s+- bearerAuth: \[\])")))
      << "a top-level security requirement applies to every operation";
}

}  // namespace
}  // namespace leakwatch::app
