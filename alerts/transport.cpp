#include "alerts/transport.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

namespace leakwatch::alerts {

Result<std::string> read_secret_file(const std::filesystem::path& file, std::string_view what) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    return Error{file.string() + ": cannot read the " + std::string(what)};
  }
  if ((st.st_mode & 077) != 0) {
    return Error{file.string() + ": the " + std::string(what) +
                 " file may be read by others; chmod 600 it"};
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return Error{file.string() + ": cannot read the " + std::string(what)};
  std::string s = text.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  if (s.empty()) return Error{file.string() + ": the " + std::string(what) + " file is empty"};
  return s;
}

Result<std::unique_ptr<Transport>> make_transport(const config::HookConfig& hook,
                                                  const TransportContext& context) {
  switch (hook.kind) {
    case config::HookKind::syslog:
      return make_syslog_transport(hook, context);
    case config::HookKind::jsonl:
      return make_jsonl_transport(hook);
    case config::HookKind::webhook:
    case config::HookKind::splunk_hec:
      return make_http_transport(hook, context);
    case config::HookKind::email:
      return make_email_transport(hook, context);
  }
  return Error{"hook " + hook.name + ": unknown kind"};
}

}  // namespace leakwatch::alerts
