// What every command shares: the global options, the loaded config and the store, opened on
// first use so that `--help` and usage errors never touch the disk.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "config/config.h"
#include "model/result.h"
#include "store/store.h"

namespace leakwatch::app {

// Exit codes (contract: docs/CONTRACTS.md "Exit codes").
inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntime = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitRefuted = 10;
inline constexpr int kExitInsufficientCoverage = 11;

struct GlobalOptions {
  std::string config_file;  // --config, else $LEAKWATCH_CONFIG, else ./leakwatch.toml if present
  std::string data_dir;     // --data-dir, else the config's data_dir, else ./leakwatch-data
  int verbosity = 0;        // -v count
  bool quiet = false;       // -q
  std::string log_format = "text";
};

class Context {
 public:
  explicit Context(GlobalOptions options) : options_(std::move(options)) {}

  const GlobalOptions& options() const { return options_; }
  // The config (an empty one when no file is given or found). Errors name file, line and key;
  // a config that fails to load fails every command that reads it (data_dir() and store() too).
  // ./leakwatch.toml is read only when it and the working directory belong to the user.
  Result<const config::Config*> config();
  Result<std::filesystem::path> data_dir();
  Result<store::Store*> store(store::OpenMode mode);

 private:
  GlobalOptions options_;
  std::optional<config::Config> config_;
  std::optional<Error> config_error_;
  std::string config_file_;  // the file loaded, for messages
  std::unique_ptr<store::Store> store_;
  store::OpenMode store_mode_ = store::OpenMode::read_only;
};

// Thrown by a command for a usage problem found after parsing (e.g. a malformed time); main()
// prints it and exits 2.
struct UsageError {
  std::string message;
};

}  // namespace leakwatch::app
