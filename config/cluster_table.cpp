#include <algorithm>

#include "config/tables.h"

namespace leakwatch::config {

namespace {

// Subject tokens: no '.', '*', '>' or white space; kept to names so streams are easy to read.
bool valid_cluster_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

std::filesystem::path resolved(const std::filesystem::path& base, const std::string& file) {
  const std::filesystem::path p(file);
  return p.is_absolute() ? p : base / p;
}

}  // namespace

// [cluster] servers, name, credentials_file, user, password_file, nkey_seed_file, ca_file,
// cert_file, key_file, replicas, ack_wait, heartbeat, job_deadline, max_result_bytes.
void read_cluster_table(Validator& v, const toml::table& root, const std::filesystem::path& base,
                        ClusterConfig& cluster) {
  const auto* node = root.get("cluster");
  if (!node) return;
  const auto* t = node->as_table();
  if (!t) {
    v.fail(node->source(), "cluster", "must be a table ([cluster])");
    return;
  }
  cluster.line = static_cast<int>(t->source().begin.line);
  v.check_keys(*t,
               {"servers", "name", "credentials_file", "user", "password_file", "nkey_seed_file",
                "ca_file", "cert_file", "key_file", "replicas", "ack_wait", "heartbeat",
                "job_deadline", "max_result_bytes"},
               "cluster");
  const auto* servers = t->get("servers");
  if (!servers) {
    v.fail(t->source(), "cluster.servers", "required key is missing");
  } else if (const auto* arr = servers->as_array(); !arr || arr->empty()) {
    v.fail(servers->source(), "cluster.servers",
           "must be a non-empty array of server URLs (\"nats://127.0.0.1:4222\")");
  } else {
    for (const auto& el : *arr) {
      const auto* s = el.as_string();
      const auto url = s ? parse_url(s->get()) : std::nullopt;
      if (!s) {
        v.fail(el.source(), "cluster.servers", "every server must be a string");
      } else if (url && !url->userinfo.empty()) {
        // Credentials go in their own keys (files), never in a URL that ends up in logs; the
        // URL is not echoed, since it holds a password.
        v.fail(el.source(), "cluster.servers",
               "a server URL may not hold user:password@ (use user and password_file)");
      } else if (!url || (url->scheme != "nats" && url->scheme != "tls") || url->host.empty()) {
        v.fail(el.source(), "cluster.servers",
               "'" + s->get() + "' is not nats://HOST:PORT or tls://HOST:PORT");
      } else {
        cluster.servers.push_back(s->get());
      }
    }
  }
  if (const auto name = v.string(*t, "name", "cluster", false)) {
    if (!valid_cluster_name(*name)) {
      v.fail(t->get("name")->source(), "cluster.name",
             "'" + *name + "' may use only letters, digits, '-' and '_' (1 to 64)");
    } else {
      cluster.name = *name;
    }
  }
  for (const auto& [key, field] :
       {std::pair{"credentials_file", &cluster.credentials_file},
        std::pair{"password_file", &cluster.password_file},
        std::pair{"nkey_seed_file", &cluster.nkey_seed_file},
        std::pair{"ca_file", &cluster.ca_file}, std::pair{"cert_file", &cluster.cert_file},
        std::pair{"key_file", &cluster.key_file}}) {
    if (const auto file = v.string(*t, key, "cluster", false)) *field = resolved(base, *file);
  }
  if (const auto user = v.string(*t, "user", "cluster", false)) cluster.user = *user;
  const int ways = (cluster.credentials_file.empty() ? 0 : 1) +
                   (cluster.user.empty() && cluster.password_file.empty() ? 0 : 1) +
                   (cluster.nkey_seed_file.empty() ? 0 : 1);
  if (ways > 1) {
    v.fail(t->source(), "cluster",
           "credentials_file, user/password_file and nkey_seed_file are alternatives: give one");
  }
  if (cluster.user.empty() != cluster.password_file.empty()) {
    v.fail(t->source(), cluster.user.empty() ? "cluster.user" : "cluster.password_file",
           "user and password_file go together");
  }
  if (cluster.cert_file.empty() != cluster.key_file.empty()) {
    v.fail(t->source(), cluster.cert_file.empty() ? "cluster.cert_file" : "cluster.key_file",
           "cert_file and key_file go together (a TLS client certificate needs both)");
  }
  cluster.replicas =
      static_cast<int>(v.integer(*t, "replicas", "cluster", 1, 5).value_or(cluster.replicas));
  cluster.ack_wait = v.duration(*t, "ack_wait", "cluster").value_or(cluster.ack_wait);
  if (cluster.ack_wait < std::chrono::seconds{2}) {
    v.fail(t->get("ack_wait")->source(), "cluster.ack_wait", "must be at least 2s");
  }
  cluster.heartbeat = v.duration(*t, "heartbeat", "cluster").value_or(cluster.heartbeat);
  cluster.job_deadline = v.duration(*t, "job_deadline", "cluster").value_or(cluster.job_deadline);
  if (cluster.job_deadline < std::chrono::seconds{1}) {
    v.fail(t->get("job_deadline")->source(), "cluster.job_deadline", "must be at least 1s");
  }
  cluster.max_result_bytes =
      v.size(*t, "max_result_bytes", "cluster").value_or(cluster.max_result_bytes);
}

}  // namespace leakwatch::config
