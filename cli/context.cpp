#include "cli/context.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

namespace leakwatch::app {

namespace {

// The file and the folder it sits in must be the user's own: a ./leakwatch.toml that someone
// else put in a shared folder would otherwise choose where this user's keys and store go.
Result<void> owned_by_user(const std::string& file) {
  const auto uid = ::geteuid();
  struct stat st {};
  for (const std::string& path : {std::string("."), file}) {
    if (::stat(path.c_str(), &st) != 0) continue;
    if (st.st_uid != uid) {
      return Error{"./" + file +
                   " not loaded: " + (path == "." ? "the working directory" : "the file") +
                   " belongs to uid " + std::to_string(st.st_uid) + ", not to you (uid " +
                   std::to_string(uid) + "); give --config " + file + " to use it anyway"};
    }
  }
  return {};
}

}  // namespace

Result<const config::Config*> Context::config() {
  if (config_) return &*config_;
  if (config_error_) return *config_error_;
  std::string file = options_.config_file;
  bool implicit = false;
  if (file.empty()) {
    if (const char* env = std::getenv("LEAKWATCH_CONFIG"); env && *env) {
      file = env;
    } else if (std::filesystem::exists("leakwatch.toml")) {
      file = "leakwatch.toml";
      implicit = true;
    }
  }
  if (file.empty()) {
    config::Config empty;
    empty.data_dir = "leakwatch-data";
    config_ = std::move(empty);
    config_file_ = "(none: no --config, $LEAKWATCH_CONFIG or ./leakwatch.toml)";
    spdlog::debug("config=none data_dir={}",
                  options_.data_dir.empty() ? "leakwatch-data" : options_.data_dir);
    return &*config_;
  }
  if (implicit) {
    if (auto owned = owned_by_user(file); !owned) {
      config_error_ = owned.error();
      return *config_error_;
    }
  }
  auto loaded = config::load_config(file);
  if (!loaded) {
    config_error_ = loaded.error();
    return *config_error_;
  }
  config_ = std::move(loaded).value();
  config_file_ = file;
  spdlog::info("config={} data_dir={}", file,
               options_.data_dir.empty() ? config_->data_dir.string() : options_.data_dir);
  return &*config_;
}

Result<std::filesystem::path> Context::data_dir() {
  // The config is read even with --data-dir: a config that fails to load fails every command
  // that reads it, rather than leaving a signature or key where nobody looks.
  const auto c = config();
  if (!c) return c.error();
  if (!options_.data_dir.empty()) return std::filesystem::path(options_.data_dir);
  return (*c)->data_dir;
}

Result<store::Store*> Context::store(store::OpenMode mode) {
  if (store_ &&
      (store_mode_ == store::OpenMode::read_write || mode == store::OpenMode::read_only)) {
    return store_.get();
  }
  store_.reset();
  const auto c = config();
  if (!c) return c.error();
  const auto dir = data_dir();
  if (!dir) return dir.error();
  store::StoreOptions options;
  options.sync = (*c)->store.sync;
  options.manifest_history_limit = (*c)->store.manifest_history;
  auto opened = store::Store::open(*dir, mode, options);
  if (!opened) {
    return Error{opened.error().message + " (data dir " + dir->string() +
                 (options_.data_dir.empty() ? " from config " + config_file_ : " from --data-dir") +
                 ")"};
  }
  store_ = std::move(opened).value();
  store_mode_ = mode;
  return store_.get();
}

}  // namespace leakwatch::app
