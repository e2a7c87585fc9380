// Files the commands write for the user (signature bundles, reports): created for the user only
// (mode 0600), never over an existing file, and complete on disk before the command says so.
#pragma once

#include <filesystem>
#include <string_view>

#include "model/result.h"

namespace leakwatch::app {

// Creates `file` (O_CREAT | O_EXCL, mode 0600) holding `text`, fsynced. An existing file is an
// error naming it: nothing is overwritten.
Result<void> write_new_private_file(const std::filesystem::path& file, std::string_view text);

// Writes `text` to `file` through a new private temporary file in the same folder, renamed into
// place: a reader never sees half of it, and the result has mode 0600.
Result<void> replace_private_file(const std::filesystem::path& file, std::string_view text);

}  // namespace leakwatch::app
