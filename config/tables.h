// One reader per table of the config file, each filling its part of Config and reporting every
// problem to the Validator. Private to config/; parse_config (config.cpp) calls them in order.
#pragma once

#include <filesystem>

#include "config/config.h"
#include "config/validator.h"

namespace leakwatch::config {

void read_store_table(Validator& v, const toml::table& root, StoreConfig& store);
void read_proxy_tables(Validator& v, const toml::table& root, Config& config);
void read_source_tables(Validator& v, const toml::table& root, Config& config);
void read_hook_tables(Validator& v, const toml::table& root, const std::filesystem::path& base,
                      Config& config);
void read_api_table(Validator& v, const toml::table& root, const std::filesystem::path& base,
                    ApiConfig& api);
void read_daemon_table(Validator& v, const toml::table& root, DaemonConfig& daemon);
void read_dataset_tables(Validator& v, const toml::table& root, Config& config);
void read_cluster_table(Validator& v, const toml::table& root, const std::filesystem::path& base,
                        ClusterConfig& cluster);

}  // namespace leakwatch::config
