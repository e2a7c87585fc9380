// File names as leaks show them: normalised basenames for comparison, and glob patterns.
// Pure functions, no I/O.
#pragma once

#include <string>
#include <string_view>

namespace leakwatch::matcher {

// Leaks rename folders and change case: compare basenames ICU NFKC_Casefold-normalised (NFKC,
// full case folding, default-ignorables removed), without trailing spaces, tabs or dots. ASCII
// names take a fast path. Bytes that are not valid UTF-8 fall back to ASCII folding of the bytes as
// they are.
std::string normalise_name(std::string_view path_or_name);
// The same into `out`, whose buffer is reused: the scoring loop's form (no allocation per entry).
void normalise_name(std::string_view path_or_name, std::string& out);

// Shell-style glob over a normalised basename: `*` any run, `?` one byte, `[abc]`, `[a-z]` and
// `[!x]` classes. The pattern is normalised the same way, so `Payroll*.XLSX` matches
// "payroll-2025.xlsx".
bool glob_matches(std::string_view pattern, std::string_view normalised_name);
// The pattern normalised as glob_matches does, once; and the match against such a pattern.
std::string normalise_pattern(std::string_view pattern);
bool glob_matches_normalised(std::string_view normalised_pattern, std::string_view normalised_name);

}  // namespace leakwatch::matcher
