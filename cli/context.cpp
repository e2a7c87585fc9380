#include "cli/context.h"

#include <cstdlib>

namespace leakwatch::app {

Result<const config::Config*> Context::config() {
  if (config_) return &*config_;
  std::string file = options_.config_file;
  if (file.empty()) {
    if (const char* env = std::getenv("LEAKWATCH_CONFIG"); env && *env) {
      file = env;
    } else if (std::filesystem::exists("leakwatch.toml")) {
      file = "leakwatch.toml";
    }
  }
  if (file.empty()) {
    config::Config empty;
    empty.data_dir = "leakwatch-data";
    config_ = std::move(empty);
    return &*config_;
  }
  auto loaded = config::load_config(file);
  if (!loaded) return loaded.error();
  config_ = std::move(loaded).value();
  return &*config_;
}

std::filesystem::path Context::data_dir() {
  if (!options_.data_dir.empty()) return options_.data_dir;
  if (const auto c = config(); c) return (*c)->data_dir;
  return "leakwatch-data";
}

Result<store::Store*> Context::store(store::OpenMode mode) {
  if (store_ &&
      (store_mode_ == store::OpenMode::read_write || mode == store::OpenMode::read_only)) {
    return store_.get();
  }
  store_.reset();
  store::StoreOptions options;
  if (const auto c = config(); c) {
    options.sync = (*c)->store.sync;
    options.manifest_history_limit = (*c)->store.manifest_history;
  }
  auto opened = store::Store::open(data_dir(), mode, options);
  if (!opened) return opened.error();
  store_ = std::move(opened).value();
  store_mode_ = mode;
  return store_.get();
}

}  // namespace leakwatch::app
